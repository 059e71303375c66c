"""Key builders of the identity table (end users, links, sessions, challenges, emailed tokens, rate limits).

Every key starts with the site (`S#<site>#`), built by `keys.site_prefix`, so an id taken from a verified
token can only ever reach its own site's items. Emails and IP addresses are percent-encoded before they
become part of a key, so a `#` (or anything else) in them can never forge another key's prefix. Secrets
never appear in a key: sessions and emailed tokens are keyed by the SHA-256 of the token.

Layout (docs/data-model.md):

    pk                                   sk                     what
    S#<site>#U#<user_id>                 USER                   the user (gsi1: S#<site>#USERS / E#<email>)
    S#<site>#U#<user_id>                 USER#LINK#<account>    a linked account (gsi1: S#<site>#A#<account>)
    S#<site>#U#<user_id>                 USER#TOTP              the active authenticator app (seed encrypted)
    S#<site>#U#<user_id>                 USER#TOTP#PENDING      an app being set up (TTL)
    S#<site>#U#<user_id>                 SESSION#<session_id>   index of the user's sessions (TTL)
    S#<site>#U#<user_id>                 RL#<kind>              failure counter keyed by user (TTL)
    S#<site>#USEARCH#<kind>#<bucket>     <token>#<user_id>      user search index entry (user_search.py)
    S#<site>#E#<email>                   EMAIL                  email uniqueness on the site -> user_id
    S#<site>#E#<email>                   ENROLLMENT             last self-enrollment attempt (TTL)
    S#<site>#E#<email>                   MAIL#<time>#<kind>#<n> an authentication email sent (TTL)
    S#<site>#E#<email>                   MAILCAP#<kind>#<hour>  emails of a kind sent in a clock hour (TTL)
    S#<site>#E#<email>                   RL#<kind>              failure counter keyed by email (TTL)
    S#<site>#SESSION#<sha256(token)>     SESSION                a session (TTL at its absolute expiry)
    S#<site>#MFA#<challenge_id>          CHALLENGE              an MFA challenge (TTL)
    S#<site>#ETOKEN#<sha256(token)>      ETOKEN                 an emailed registration/reset token (TTL)
    S#<site>#IP#<address>                RL#<kind>              failure counter keyed by source address (TTL)
"""

from __future__ import annotations

import re
from urllib.parse import quote

from portal.adapters.dynamodb.keys import account_pk, site_prefix

_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_KIND = re.compile(r"^[a-z_]{1,32}$")


def _id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"unsafe key part: {value!r}")
    return value


def _hash(value: str) -> str:
    if not _HASH.match(value):
        raise ValueError("not a SHA-256 hex digest")
    return value


def _kind(value: str) -> str:
    if not _KIND.match(value):
        raise ValueError(f"unsafe kind: {value!r}")
    return value


def normalise_email(email: str) -> str:
    """The comparison form of an email address: stripped and casefolded (emails are unique per site)."""
    return email.strip().casefold()


def encoded(value: str) -> str:
    """A free-text value (an email, an IP address) as a key part: percent-encoded, `#` can never survive."""
    return quote(value, safe="@.+-_~")


# --- users ---------------------------------------------------------------------------------------------------
USER_SK = "USER"
USER_ITEMS_PREFIX = "USER"  # begins_with: the user, its links and its authenticator app in one Query
TOTP_SK = "USER#TOTP"
TOTP_PENDING_SK = "USER#TOTP#PENDING"
SESSION_REF_PREFIX = "SESSION#"
LINK_PREFIX = "USER#LINK#"


def user_pk(site_id: str, user_id: str) -> str:
    return f"{site_prefix(site_id)}#U#{_id(user_id)}"


def link_sk(account_id: str) -> str:
    return f"{LINK_PREFIX}{_id(account_id)}"


def session_ref_sk(session_id: str) -> str:
    return f"{SESSION_REF_PREFIX}{_id(session_id)}"


def users_index_pk(site_id: str) -> str:
    """gsi1 partition of a site's users (sorted by email)."""
    return f"{site_prefix(site_id)}#USERS"


def users_index_sk(email: str) -> str:
    return f"E#{encoded(normalise_email(email))}"


def account_users_index_pk(site_id: str, account_id: str) -> str:
    """gsi1 partition of the users linked to an account ("who is linked to account X")."""
    return account_pk(site_id, account_id)


def account_users_index_sk(user_id: str) -> str:
    return f"U#{_id(user_id)}"


# --- user search index (portal.services.user_search) -----------------------------------------------------------
def user_search_pk(site_id: str, kind: str, token: str) -> str:
    """N/E entries by the token's first two characters; PH entries by the whole phonetic code."""
    bucket = token if kind == "PH" else token[:2]
    return f"{site_prefix(site_id)}#USEARCH#{kind}#{encoded(bucket)}"


def user_search_sk(kind: str, token: str, user_id: str) -> str:
    return _id(user_id) if kind == "PH" else f"{encoded(token)}#{_id(user_id)}"


# --- per email -----------------------------------------------------------------------------------------------
EMAIL_SK = "EMAIL"
ENROLLMENT_SK = "ENROLLMENT"
MAIL_LOG_PREFIX = "MAIL#"
MAIL_CAP_PREFIX = "MAILCAP#"  # not under MAIL#: the log's newest-first Query must not read the counters


def email_pk(site_id: str, email: str) -> str:
    normalised = normalise_email(email)
    if not normalised or len(normalised) > 320:
        raise ValueError("unsafe email key part")
    return f"{site_prefix(site_id)}#E#{encoded(normalised)}"


def mail_cap_sk(kind: str, hour: int) -> str:
    """The count of authentication emails of `kind` sent to an address in the clock hour starting at `hour`."""
    return f"{MAIL_CAP_PREFIX}{_kind(kind)}#{int(hour)}"


def message_index_pk(message_id: str) -> str:
    """gsi1 partition of a sent email by its SES message id: the SES event function finds the `MAIL#` item."""
    return f"MSG#{_id(message_id)}"


def mail_log_sk(sent_at_iso: str, kind: str, unique: str) -> str:
    """Newest last when sorted; `unique` keeps two emails of one kind in the same second apart."""
    return f"{MAIL_LOG_PREFIX}{_id(sent_at_iso.replace(':', '.'))}#{_kind(kind)}#{_id(unique)}"


# --- sessions, challenges, emailed tokens --------------------------------------------------------------------
SESSION_SK = "SESSION"
CHALLENGE_SK = "CHALLENGE"
EMAIL_TOKEN_SK = "ETOKEN"  # noqa: S105 - a sort key, not a secret


def session_pk(site_id: str, token_hash: str) -> str:
    return f"{site_prefix(site_id)}#SESSION#{_hash(token_hash)}"


def challenge_pk(site_id: str, challenge_id: str) -> str:
    return f"{site_prefix(site_id)}#MFA#{_id(challenge_id)}"


def email_token_pk(site_id: str, token_hash: str) -> str:
    return f"{site_prefix(site_id)}#ETOKEN#{_hash(token_hash)}"


# --- failure counters (brute-force limits) -------------------------------------------------------------------
def attempts_sk(kind: str) -> str:
    return f"RL#{_kind(kind)}"


def ticket_name(ticket: str) -> str:
    """An in-flight attempt's ticket as a map key of its counter (an id: hex)."""
    return _id(ticket)


def address_pk(site_id: str, address: str) -> str:
    if not address or len(address) > 64:
        raise ValueError("unsafe address key part")
    return f"{site_prefix(site_id)}#IP#{encoded(address)}"
