"""Staff reads of payments (issue #9) and the PRODUCT.md §8.4 checklist: why is payment P still Pending or
Scheduled, or missing from the EFT file?

The AlternateEft rows come from ASPIRE itself (`get_alternate_eft_by_portal_id`) when the admin function can
reach it, else from the `EFT#<portal payment id>` items the incremental sync stored; the answer says which.
Reads only: any staff member may call them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from portal.adapters.aspire.port import AspireError, AspireSource
from portal.adapters.dynamodb.codec import from_item, key
from portal.adapters.dynamodb.keys import contract_pk
from portal.adapters.dynamodb.payment_ledger import DynamoPaymentLedger
from portal.api.fields import Id
from portal.domain.errors import NotFound
from portal.services.payment_writer import eft_status

Status = Literal["Pending", "Scheduled", "Paid", "Pending Cancel", "Canceled"]
_SAFE = re.compile(r"^[A-Za-z0-9._@+\-]{1,64}$")
_PAYMENT_ID = re.compile(r"^(\d{8}T\d{12})-[0-9a-f]{8}$")
LIMIT = 100


class PaymentLookupQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    contract_id: Id | None = Field(None, description="Only payments with an allocation to this contract.")
    status: Status | None = None
    from_: date | None = Field(None, alias="from", description="Created on or after this date (UTC).")
    to: date | None = Field(None, description="Created on or before this date (UTC).")


def require_safe(value: str, what: str) -> str:
    """Path parameters reach keys only when they could be ids; anything else simply does not exist."""
    if not _SAFE.match(value):
        raise NotFound(f"No such {what}.")
    return value


def payment_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """What staff see of a payment: everything but keys and the idempotency hash (no bank numbers are on it)."""
    hidden = {"pk", "sk", "gsi1pk", "gsi1sk", "idempotency_key_hash", "type"}
    view = {k: _plain(v, k) for k, v in item.items() if k not in hidden}
    return dict(sorted(view.items()))


MONEY = frozenset({"amount"})


def _plain(value: Any, name: str = "") -> Any:
    """Money as "1234.50" strings (API.md), other numbers (version, AlternateEft ids) as integers."""
    if isinstance(value, Decimal):
        if name in MONEY:
            return f"{value:.2f}"
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, Mapping):
        return {k: _plain(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, name) for v in value]
    if isinstance(value, bytes):
        return None  # no binary attribute is meant for staff (ciphertexts live on bank accounts, not here)
    return value


def user_payments(ledger: DynamoPaymentLedger, site_id: str, user_id: str) -> dict[str, Any]:
    items = ledger.user_payments(require_safe(site_id, "site"), require_safe(user_id, "user"), LIMIT)
    return {"payments": [payment_view(i) for i in items]}


def lookup(
    ledger: DynamoPaymentLedger,
    site_id: str,
    query: PaymentLookupQuery,
    emails_of: Callable[[str, Sequence[str]], Mapping[str, str]],
) -> dict[str, Any]:
    """The site's payments that match, newest first, each with the payer's `user_email` (support knows customers
    by email: one BatchGetItem for the users on the page)."""
    require_safe(site_id, "site")
    since = query.from_.isoformat() if query.from_ else "0"
    until = (query.to.isoformat() + "T99") if query.to else "9"  # "T99" sorts after any time of that day
    if query.contract_id is not None:
        refs = ledger.contract_payment_refs(site_id, require_safe(query.contract_id, "contract"), LIMIT)
        items = [p for r in refs if since <= str(r["sk"]) <= until
                 and (p := ledger.get(site_id, str(r["user_id"]), str(r["payment_id"]))) is not None]  # fmt: skip
    else:
        items = ledger.site_payments(site_id, since, until, LIMIT)
    if query.status is not None:
        items = [i for i in items if i.get("status") == query.status]
    emails = emails_of(site_id, [str(i["user_id"]) for i in items]) if items else {}
    return {"payments": [{**payment_view(i), "user_email": emails.get(str(i["user_id"]))} for i in items]}


def find_payment(ledger: DynamoPaymentLedger, site_id: str, payment_id: str) -> dict[str, Any] | None:
    """A site's payment by id alone: through the writer's lookup item, else through gsi1 around the time the id
    carries (a payment the writer never saw has no lookup item)."""
    owner = ledger.owner(payment_id)
    if owner is not None:
        return ledger.get(owner[0], owner[1], payment_id) if owner[0] == site_id else None
    match = _PAYMENT_ID.match(payment_id)
    if match is None:
        return None
    at = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    since, until = ((at + timedelta(minutes=m)).isoformat()[:19] for m in (-1, 1))
    found = [i for i in ledger.site_payments(site_id, since, until, LIMIT) if i.get("payment_id") == payment_id]
    return found[0] if found else None


# --- the §8.4 checklist ------------------------------------------------------------------------------------
def diagnose(
    ledger: DynamoPaymentLedger,
    site_id: str,
    payment_id: str,
    *,
    aspire: AspireSource | None,
    synced_eft: Callable[[str, str], dict[str, Any] | None],
    sweep_after_minutes: int = 5,
    now: datetime | None = None,
) -> dict[str, Any]:
    require_safe(site_id, "site")
    require_safe(payment_id, "payment")
    now = now or datetime.now(UTC)
    payment = find_payment(ledger, site_id, payment_id)
    if payment is None:
        detail = f"No payment {payment_id} is stored for site {site_id}."
        return {"verdict": "not_stored", "checks": [_check("stored", False, detail)], "timeline": [], "aspire": None}
    allocations = list(payment.get("allocations") or [])
    rows, origin = _eft_rows(allocations, aspire, synced_eft, site_id)
    history = list(payment.get("history") or [])
    stored = (f"Stored {payment.get('created_at')} as {payment.get('status')}, {len(allocations)} allocation(s), "
              f"amount {_plain(payment.get('amount'), 'amount')}.")  # fmt: skip
    checks = [
        _check("stored", True, stored),
        _written(allocations, rows, history, origin),
        _picked_up(rows, origin),
        _date_within_run(payment, rows),
        _canceled(payment),
        _not_stuck(payment, now, sweep_after_minutes),
    ]
    return {
        "verdict": _verdict(payment, rows, checks),
        "checks": checks,
        "timeline": [_plain(h) for h in history],
        "aspire": {"source": origin, "rows": [_row_view(p, r) for p, r in rows.items()]},
    }


def _eft_rows(
    allocations: Sequence[Mapping[str, Any]],
    aspire: AspireSource | None,
    synced_eft: Callable[[str, str], dict[str, Any] | None],
    site_id: str,
) -> tuple[dict[str, dict[str, Any] | None], str]:
    ids = [str(a["portal_payment_id"]) for a in allocations]
    if aspire is not None:
        try:
            live = {p: aspire.fetch_one("get_alternate_eft_by_portal_id", {"portal_payment_id": p}) for p in ids}
            return live, "aspire"
        except AspireError:
            pass  # unreachable now: what the last sync saw is the next best answer
    synced: dict[str, dict[str, Any] | None] = {}
    for allocation in allocations:
        portal_payment_id = str(allocation["portal_payment_id"])
        item = synced_eft(contract_pk(site_id, str(allocation["contract_id"])), f"EFT#{portal_payment_id}")
        synced[str(allocation["portal_payment_id"])] = _row_from_synced(item) if item else None
    return synced, "synced"


def _row_from_synced(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"AlternateEftId": item.get("alternate_eft_id"), "Status": item.get("status"),
            "EftBatchId": item.get("eft_batch_id"), "PaymentDate": item.get("payment_date"),
            "Amount": item.get("amount"), "EftGeneratedAt": item.get("eft_generated_at"),
            "EftPostedAt": item.get("eft_posted_at"), "CreatedAt": None}  # fmt: skip


def _row_view(portal_payment_id: str, row: Mapping[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"portal_payment_id": portal_payment_id, "found": False}
    fields = (
        "AlternateEftId",
        "Status",
        "EftBatchId",
        "PaymentDate",
        "Amount",
        "CreatedAt",
        "EftGeneratedAt",
        "EftPostedAt",
    )  # fmt: skip  (never the bank columns)
    return {"portal_payment_id": portal_payment_id, "found": True,
            **{_snake(f): _text(row.get(f)) for f in fields}, "eft_status": eft_status(row)}  # fmt: skip


def _written(
    allocations: Sequence[Mapping[str, Any]], rows: Mapping[str, Any], history: list[Any], origin: str
) -> dict[str, Any]:
    found = [p for p, r in rows.items() if r is not None]
    scheduled = next((h for h in history if h.get("status") == "Scheduled"), None)
    if allocations and len(found) == len(allocations):
        when = f", marked Scheduled {scheduled['at']}" if scheduled else ""
        created = [str(r.get("CreatedAt")) for r in rows.values() if r and r.get("CreatedAt")]
        at = f" at {min(created)}" if created else ""
        return _check("written_to_aspire", True, f"{len(found)} AlternateEft row(s) in ASPIRE ({origin}){at}{when}.")
    missing = sorted(set(rows) - set(found))
    detail = f"No AlternateEft row ({origin}) for {', '.join(missing) or 'any allocation'}."
    if origin == "synced":
        detail += " The sync may not have read it yet (every 15 minutes)."
    return _check("written_to_aspire", False, detail)


def _picked_up(rows: Mapping[str, Mapping[str, Any] | None], origin: str) -> dict[str, Any]:
    batches = {str(r.get("EftBatchId")): r for r in rows.values() if r and r.get("EftBatchId") is not None}
    if not batches:
        return _check("picked_up_by_eft_run", False, f"No EFT run has picked it up yet ({origin}).")
    parts = [f"batch {b} generated {_text(r.get('EftGeneratedAt'))}, posted {_text(r.get('EftPostedAt')) or 'not yet'}"
             for b, r in sorted(batches.items())]  # fmt: skip
    return _check("picked_up_by_eft_run", True, "; ".join(parts) + ".")


def _date_within_run(payment: Mapping[str, Any], rows: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    wanted = str(payment.get("payment_date"))
    runs = [str(_text(r.get("EftGeneratedAt")))[:10] for r in rows.values() if r and r.get("EftGeneratedAt")]
    if not runs:
        return _check("payment_date_within_run", True, f"Payment date {wanted}; no EFT run has taken it yet.")
    ran = max(runs)
    if ran < wanted:
        detail = f"The EFT run of {ran} took it before its payment date {wanted}."
        return _check("payment_date_within_run", False, detail)
    return _check("payment_date_within_run", True, f"Payment date {wanted}, taken by the EFT run of {ran}.")


def _canceled(payment: Mapping[str, Any]) -> dict[str, Any]:
    status = payment.get("status")
    if status == "Canceled":
        detail = f"Canceled {payment.get('canceled_at')} by {payment.get('canceled_by') or 'user'}."
        return _check("canceled", True, detail)
    if status == "Pending Cancel":
        return _check("canceled", False, "Cancel requested; the writer has not finished it in ASPIRE yet.")
    refused = [h for h in payment.get("history") or [] if "EFT run" in str(h.get("note") or "")]
    if refused:
        return _check("canceled", False, f"Not canceled: {refused[-1].get('note')} ({refused[-1].get('at')}).")
    return _check("canceled", False, "Not canceled.")


def _not_stuck(payment: Mapping[str, Any], now: datetime, sweep_after_minutes: int) -> dict[str, Any]:
    status = payment.get("status")
    if status not in ("Pending", "Pending Cancel"):
        return _check("not_stuck_pending", True, f"Status {status}: the writer is done with it.")
    since = str(payment.get("updated_at") or payment.get("created_at") or "")
    overdue = since < (now - timedelta(minutes=sweep_after_minutes)).isoformat()[:19]
    reason = payment.get("last_error") or "no error recorded (the queue message may still be on its way)"
    if not overdue:
        return _check("not_stuck_pending", True, f"{status} since {since}, within the sweep delay; {reason}.")
    detail = f"{status} since {since}, past the {sweep_after_minutes}-minute sweep delay: {reason}."
    return _check("not_stuck_pending", False, detail)


def _verdict(payment: Mapping[str, Any], rows: Mapping[str, Any], checks: list[dict[str, Any]]) -> str:
    status = payment.get("status")
    stuck = not next(c for c in checks if c["rule"] == "not_stuck_pending")["passed"]
    if stuck:
        return "stuck_pending"
    if status == "Scheduled" and any(r and r.get("EftBatchId") is not None for r in rows.values()):
        return "picked_up"
    return str(status).lower().replace(" ", "_")


def _check(rule: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"rule": rule, "passed": passed, "detail": detail}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _text(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def synced_eft_reader(client: Any, table: str) -> Callable[[str, str], dict[str, Any] | None]:
    """The sync's `EFT#` item of an allocation in the data table (one GetItem)."""

    def read(pk: str, sk: str) -> dict[str, Any] | None:
        item = client.get_item(TableName=table, Key=key(pk, sk)).get("Item")
        return from_item(item) if item else None

    return read
