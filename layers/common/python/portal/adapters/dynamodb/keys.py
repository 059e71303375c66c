"""Key builders for every item the portal stores: the one place that knows how keys are spelled.

Customer data keys start with the site (`S#<site>#`), so a key built from a verified token's site can
never reach another site's items. Ids are validated before they reach a key (see `_part`): a `#` inside an
id could otherwise forge a key prefix.
"""

from __future__ import annotations

import re

_SAFE = re.compile(r"^[A-Za-z0-9._@+\-]{1,128}$")


def _part(value: str) -> str:
    if not _SAFE.match(value):
        raise ValueError(f"unsafe key part: {value!r}")
    return value


def site_prefix(site_id: str) -> str:
    return f"S#{_part(site_id)}"


# --- control table: instance settings and sites -------------------------------------------------------------
INSTANCE_PK = "INSTANCE"
SETTINGS_SK = "SETTINGS"
SITES_PK = "SITES"


def site_sk(site_id: str) -> str:
    return f"SITE#{_part(site_id)}"


# --- data table: customer data synced from ASPIRE -----------------------------------------------------------
def contract_pk(site_id: str, contract_id: str) -> str:
    return f"{site_prefix(site_id)}#C#{_part(contract_id)}"


def account_pk(site_id: str, account_id: str) -> str:
    return f"{site_prefix(site_id)}#A#{_part(account_id)}"


CONTRACT_SK = "CONTRACT"
ACCOUNT_SK = "ACCOUNT"


def account_contract_sk(contract_id: str) -> str:
    return f"C#{_part(contract_id)}"


def invoice_sk(invoice_id: str) -> str:
    return f"INV#{_part(invoice_id)}"


# A contract's whole amortization schedule is one item: it is always read whole (one GetItem), and one item
# instead of one per payment cuts a 1,000,000-row daily sync to about a tenth of the writes.
AMORTIZATION_SK = "AMORTIZATION"


def asset_sk(asset_id: str) -> str:
    return f"ASSET#{_part(asset_id)}"


def contact_sk(contact_id: str) -> str:
    return f"CONTACT#{_part(contact_id)}"


def line_of_credit_sk(loc_id: str) -> str:
    return f"LOC#{_part(loc_id)}"


def bank_on_file_sk(bank_account_id: str) -> str:
    return f"BANK#{_part(bank_account_id)}"


def linkable_index_pk(site_id: str) -> str:
    """gsi1 partition of accounts that can be linked on a site (sparse: only linkable accounts carry it)."""
    return f"{site_prefix(site_id)}#LINKABLE"


# --- data table: site-independent account index (admin account search, linkability diagnostics) -------------
# The sync writes these for every ASPIRE account, on whichever sites it appears (or none), so staff can find an
# account by name or number and learn why it is not linkable on a site without a Scan.
ACCOUNT_FACTS_SK = "FACTS"


def account_facts_pk(account_id: str) -> str:
    """`ACCT#<account>` / `FACTS`: the account's name and the facts of every contract it holds a role on."""
    return f"ACCT#{_part(account_id)}"


def account_search_pk(kind: str, bucket: str) -> str:
    """`ASEARCH#<kind>#<bucket>`: N = name token (bucket: its first 2 letters), P = phonetic code of a name
    token (bucket: the code), I = account number (bucket: its first 2 characters)."""
    return f"ASEARCH#{_part(kind)}#{_part(bucket)}"
