"""Key builders of the payments table (issue #9 contract; the API and the payments writer share this file).

A user's bank accounts, payments and idempotency guards share the user's partition `S#<site>#U#<user>`, so a
key built from a verified token can only reach that user's items. The outbox (`PAYOUTBOX`) is what the sweep
reads; the contract index is the admin lookup by contract. Ids go through `keys._part`: a `#` in an id could
otherwise forge a key prefix. Timestamps (ISO, with `:`) are ours, never a caller's, so they are not checked.
"""

from __future__ import annotations

from portal.adapters.dynamodb.keys import _part, site_prefix

OUTBOX_PK = "PAYOUTBOX"


def user_pk(site: str, user: str) -> str:
    return f"{site_prefix(site)}#U#{_part(user)}"


def bank_sk(bank_account_id: str) -> str:
    return f"BANK#{_part(bank_account_id)}"


def payment_sk(payment_id: str) -> str:
    return f"PAY#{_part(payment_id)}"


def idem_sk(key_hash: str) -> str:
    return f"IDEM#{_part(key_hash)}"


def outbox_sk(created_at: str, site: str, user: str, payment_id: str) -> str:
    return f"{created_at}#{_part(site)}#{_part(user)}#{_part(payment_id)}"


def contract_payments_pk(site: str, contract: str) -> str:
    return f"{site_prefix(site)}#CPAY#{_part(contract)}"


def contract_payments_sk(created_at: str, payment_id: str) -> str:
    return f"{created_at}#{_part(payment_id)}"


def site_payments_index_pk(site: str) -> str:
    """gsi1 partition of a site's payments (admin lookup by site and date)."""
    return f"{site_prefix(site)}#PAYMENTS"
