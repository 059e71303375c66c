"""How names and account numbers become search terms: the same code builds the account index (the sync) and
reads it (the admin account search), so a query and the index always agree. Kept apart from the sync's item
builders so the admin function does not import the whole sync at cold start."""

from __future__ import annotations

import unicodedata

import jellyfish

SEARCH_BUCKET = 2  # name tokens and account numbers are bucketed by their first 2 characters


def search_tokens(text: str) -> list[str]:
    """Lower-case ASCII word tokens of a name or a query ("Cedar Trucking, Inc." -> cedar, trucking, inc)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return list(dict.fromkeys(words))


def phonetic(token: str) -> str:
    """The Metaphone code of a name token: "Truking" and "Trucking" share TRKNK (jellyfish)."""
    code = jellyfish.metaphone(token).upper()
    return "".join(ch for ch in code if ch.isalnum())


def number_key(account_id: str) -> str:
    return account_id.casefold()
