"""Key builders of the payments table (issue #9 contract): bank accounts, payments, idempotency guards, outbox.

The same file exists on both payment branches (payapi and paywriter) with the same content, so the merge
keeps one. Ids go through `keys._part`; the ISO timestamps in sort keys are built by the portal itself.
"""

from __future__ import annotations

from portal.adapters.dynamodb.keys import _part, site_prefix

OUTBOX_PK = "PAYOUTBOX"


def user_pk(site_id: str, user_id: str) -> str:
    return f"{site_prefix(site_id)}#U#{_part(user_id)}"


def bank_sk(bank_account_id: str) -> str:
    return f"BANK#{_part(bank_account_id)}"


def payment_sk(payment_id: str) -> str:
    return f"PAY#{_part(payment_id)}"


def idem_sk(key_hash: str) -> str:
    return f"IDEM#{_part(key_hash)}"


def outbox_sk(created_at: str, site_id: str, user_id: str, payment_id: str) -> str:
    return f"{created_at}#{_part(site_id)}#{_part(user_id)}#{_part(payment_id)}"


def contract_payments_pk(site_id: str, contract_id: str) -> str:
    return f"{site_prefix(site_id)}#CPAY#{_part(contract_id)}"


def contract_payments_sk(created_at: str, payment_id: str) -> str:
    return f"{created_at}#{_part(payment_id)}"


def site_payments_index_pk(site_id: str) -> str:
    """gsi1 partition of a site's payments (gsi1sk `<created_at>#<payment_id>`): the admin lookup by date."""
    return f"{site_prefix(site_id)}#PAYMENTS"
