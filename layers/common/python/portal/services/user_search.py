"""The user search index of a site (admin `GET /admin/sites/{site}/users?q=`): tokens, codes and ranking.

Every user write (create, name edit, status change) rewrites the user's index entries in the same
transaction as the user (`DynamoIdentityStore`), so the index never disagrees with the users. Entries:

    pk S#<site>#USEARCH#N#<first 2 chars>   sk <token>#<user_id>   a name word (first or last name)
    pk S#<site>#USEARCH#E#<first 2 chars>   sk <token>#<user_id>   the email, and its local part
    pk S#<site>#USEARCH#PH#<code>           sk <user_id>           a phonetic code of a name word

A search is a few Queries on small partitions: per word of `q`, a `begins_with` Query on the name and email
partitions of its first two characters, and one Query per phonetic code (Metaphone and NYSIIS). The number
of Queries depends on `q` only; each reads at most `CANDIDATES` entries, so the cost does not grow with the
number of users on the site.

Ranking (docs/admin.md): per word, an exact token match scores 3, a prefix match 2, a phonetic match 1; a
user's score is the sum over the words of `q` of the best score per word. Higher scores first, then last name,
first name, email, user id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jellyfish

EXACT, PREFIX, PHONETIC = 3, 2, 1
CANDIDATES = 200  # entries read per Query at most
MAX_WORDS = 4
_WORD = re.compile(r"[^\w@.+-]+")


def normalise(text: str) -> str:
    """Casefolded, accents removed, only letters/digits and the characters of an email address kept."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ascii_text.casefold()


def name_words(text: str) -> list[str]:
    """`Mary-Ann O'Brien` -> ["mary", "ann", "obrien"]."""
    cleaned = re.sub(r"['`\u2019]", "", normalise(text))
    return [w for w in re.split(r"[^a-z0-9]+", cleaned) if w]


def phonetic_codes(word: str) -> set[str]:
    if not word.isalpha():
        return set()
    return {code for code in (jellyfish.metaphone(word), jellyfish.nysiis(word)) if code and code.isalnum()}


@dataclass(frozen=True)
class IndexEntry:
    kind: str  # "N" (name word), "E" (email), "PH" (phonetic)
    token: str  # the word (N, E) or the code (PH)


def index_entries(first_name: str, last_name: str, email: str) -> set[IndexEntry]:
    # At most 3 words of each name: a user, its links and its index entries fit one transaction.
    words = name_words(first_name)[:3] + name_words(last_name)[:3]
    entries = {IndexEntry("N", w) for w in words if len(w) >= 2}
    entries |= {IndexEntry("PH", code) for w in words for code in phonetic_codes(w)}
    address = normalise(email).strip()
    local = address.split("@", 1)[0]
    entries |= {IndexEntry("E", t) for t in (address, local) if len(t) >= 2 and "#" not in t}
    return entries


@dataclass(frozen=True)
class QueryPlan:
    """What one search reads: (kind, word) prefix Queries and phonetic codes, per word of `q`."""

    words: tuple[str, ...]
    email: bool  # `q` looks like an email (contains "@"): only the email tokens are searched

    def phonetic(self, word: str) -> set[str]:
        return set() if self.email else phonetic_codes(word)


def plan(q: str) -> QueryPlan:
    text = normalise(q).strip()
    if "@" in text:
        return QueryPlan((text.replace("#", ""),), True)
    words = tuple(dict.fromkeys(w for w in name_words(text) if len(w) >= 2))[:MAX_WORDS]
    return QueryPlan(words, False)


def score(per_word: Iterable[int]) -> int:
    return sum(per_word)
