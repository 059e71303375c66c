"""The admin audit log (PRODUCT.md §7): who changed what, when, with the values before and after.

Every admin write puts its audit entry in the SAME `TransactWriteItems` as the change (`audit_put`), so a change
without its entry, or an entry without its change, cannot exist. Entries are only ever put with
`attribute_not_exists(pk)`: no code path updates or deletes one (and the admin function's IAM policy has no
right to either on these keys, see infra).

Layout (control table):
    pk AUDIT#<yyyy-mm>           sk <at>#<entry_id>     every entry, newest last (by month: a bounded partition)
    gsi1pk AUDIT#SITE#<site>     gsi1sk <at>#<entry_id>  the entries of one site ("INSTANCE" for instance-wide)
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.adapters.dynamodb.codec import to_item
from portal.adapters.dynamodb.keys import _part

AUDIT_PREFIX = "AUDIT#"
INSTANCE_SCOPE = "INSTANCE"
# Field names whose values never reach the log (a password, a token, an account number, a TOTP seed).
SECRET_FIELDS = frozenset(
    {"password", "password_hash", "token", "code", "account_number", "account_ciphertext", "seed", "secret"}
)
REDACTED = "[redacted]"


def month_pk(at_iso: str) -> str:
    return f"{AUDIT_PREFIX}{at_iso[:7]}"


def site_index_pk(site_id: str | None) -> str:
    return f"{AUDIT_PREFIX}SITE#{_part(site_id) if site_id else INSTANCE_SCOPE}"


def redact(value: Any) -> Any:
    """`value` with every secret field's value replaced, at any depth."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if str(k) in SECRET_FIELDS else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO 8601 UTC
    actor_sub: str
    actor_email: str
    action: str  # the route, e.g. "PATCH /admin/sites/{site}"
    site_id: str | None  # None for instance-wide changes (settings)
    target: Mapping[str, str] = field(default_factory=dict)  # ids of what changed: {"user_id": ...}
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    entry_id: str = field(default_factory=lambda: secrets.token_hex(8))

    def item(self) -> dict[str, Any]:
        sort = f"{self.at}#{self.entry_id}"
        return {
            "pk": month_pk(self.at),
            "sk": sort,
            "gsi1pk": site_index_pk(self.site_id),
            "gsi1sk": sort,
            "type": "audit",
            "entry_id": self.entry_id,
            "at": self.at,
            "actor_sub": self.actor_sub,
            "actor_email": self.actor_email,
            "action": self.action,
            "site_id": self.site_id or INSTANCE_SCOPE,
            "target": dict(self.target),
            "before": redact(self.before) if self.before is not None else None,
            "after": redact(self.after) if self.after is not None else None,
        }


def audit_put(table: str, entry: AuditEntry) -> dict[str, Any]:
    """The TransactWriteItems action that records `entry` next to the change it describes."""
    return {
        "Put": {"TableName": table, "Item": to_item(entry.item()), "ConditionExpression": "attribute_not_exists(pk)"}
    }
