"""The payments writer (issue #9, PRODUCT.md §5): a stored payment into ASPIRE, and a cancel request out of it.

One use case serves the queue consumer (`payments_writer`) and the sweep of the incremental sync. It loads the
payment and acts on its CURRENT status, so a duplicate, late or swept message is harmless:

* Pending -> one AlternateEft per allocation (`create_alternate_eft`, idempotent on PortalPaymentId, so a
  retry after a crash between the insert and the status write inserts nothing) -> Scheduled.
* Pending Cancel -> `cancel_alternate_eft` per allocation -> Canceled; or, when an EFT run already picked an
  allocation up, back to Scheduled (Paid when posted) with a history note: never Canceled while ASPIRE collects.
* Anything else -> nothing to do.

`AspireUnavailable` propagates (the queue retries with backoff, the sweep tries again next cycle) after the
payment records `last_error`; the payment stays where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from portal.adapters.aspire.port import AspireSource, AspireUnavailable, create_alternate_eft
from portal.adapters.dynamodb.payment_ledger import DynamoPaymentLedger, StaleTransition, iter_allocations
from portal.observability import logger
from portal.services.payment_emails import Notify, send_payment_email

ACCOUNT_TYPES = {"checking": "Checking", "savings": "Savings"}  # the portal's spelling -> AlternateEft's CHECK
ATTEMPTS = 3  # reload-and-decide rounds when a concurrent writer/API moved the payment first
UNREACHABLE = "ASPIRE unreachable since "


class Cipher(Protocol):
    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes: ...


class PaymentNotWritable(Exception):
    """A payment the writer can never write as it stands (its bank account is gone): poison, not a retry."""


def eft_status(row: Mapping[str, Any] | None) -> str:
    """An allocation's state in ASPIRE: pending (not picked up), picked_up, paid (batch posted), canceled."""
    if row is None:
        return "missing"
    if row.get("Status") == "Canceled":
        return "canceled"
    if row.get("Status") == "Processed" or row.get("EftBatchId") is not None:
        return "paid" if row.get("EftPostedAt") is not None else "picked_up"
    return "pending"


@dataclass
class PaymentWriter:
    ledger: DynamoPaymentLedger
    source: AspireSource
    cipher: Cipher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Mails the user when the writer cancels a Scheduled payment (the API mails the cancel of a Pending one).
    notify: Notify | None = None

    def handle(self, site_id: str, user_id: str, payment_id: str) -> str:
        """Bring one payment forward; returns what happened (for the log and the tests)."""
        for _ in range(ATTEMPTS):
            payment = self.ledger.get(site_id, user_id, payment_id)
            if payment is None:
                logger.warning("payment message for a payment that does not exist", extra={"payment_id": payment_id})
                return "missing"
            try:
                if payment["status"] == "Pending":
                    return self._write(payment)
                if payment["status"] == "Pending Cancel":
                    return self._cancel(payment)
                return "nothing_to_do"
            except StaleTransition:
                continue  # the API or another writer moved it: decide again from what it is now
            except AspireUnavailable:
                self._note_unreachable(payment)
                raise
            except PaymentNotWritable as error:
                self.ledger.record_error(payment, str(error))  # for the diagnostics; the message dead-letters
                raise
        raise StaleTransition(f"payment {payment_id} kept moving; left to the retry")

    # --- Pending -> Scheduled ------------------------------------------------------------------------------
    def _write(self, payment: dict[str, Any]) -> str:
        self.ledger.put_owner(payment)  # before the first insert: the read-back finds the payment from its rows
        account_number, bank = self._bank_details(payment)
        created_at = self.clock().replace(tzinfo=None)
        allocations = []
        for allocation in iter_allocations(payment):
            written = create_alternate_eft(
                self.source,
                {
                    "contract_id": allocation["contract_id"],
                    "account_id": allocation["account_id"],
                    "payment_date": date.fromisoformat(str(payment["payment_date"])),
                    "amount": Decimal(str(allocation["amount"])),
                    "routing_number": bank["routing_number"],
                    "account_number": account_number,
                    "account_type": ACCOUNT_TYPES[str(bank["account_type"])],
                    "sec_code": payment["sec_code"],
                    "portal_payment_id": allocation["portal_payment_id"],
                    "created_at": created_at,
                },
            )
            allocations.append({**allocation, "alternate_eft_id": written.alternate_eft_id, "eft_status": "pending"})
        try:
            self.ledger.transition(payment, "Scheduled", at=self._now(), by="writer", allocations=allocations)
        except StaleTransition:
            current = self.ledger.get(payment["site_id"], payment["user_id"], payment["payment_id"])
            if current is not None and current["status"] == "Canceled":
                # The API canceled the Pending payment while the rows were being inserted: take them back out.
                return self._withdraw_after_cancel(current, allocations)
            raise
        logger.info("payment scheduled in ASPIRE", extra={"payment_id": payment["payment_id"],
                                                           "allocations": len(allocations)})  # fmt: skip
        return "scheduled"

    def _withdraw_after_cancel(self, payment: dict[str, Any], allocations: list[dict[str, Any]]) -> str:
        states = {a["portal_payment_id"]: self._cancel_row(a["portal_payment_id"]) for a in allocations}
        collected = {ppid for ppid, state in states.items() if state in ("picked_up", "paid")}
        if not collected:
            return "canceled"
        # An EFT run took a row in the seconds between insert and cancel: ASPIRE collects, so the portal must not
        # say Canceled. Canceled -> Scheduled is the one backwards move, and it says why.
        marked = [{**a, "eft_status": states[a["portal_payment_id"]]} for a in allocations]
        scheduled = self.ledger.transition(
            payment, "Scheduled", at=self._now(), by="writer", allocations=marked,
            note="cancel too late: an EFT run had already picked the payment up in ASPIRE",
        )  # fmt: skip
        self._mail(scheduled, "payment_not_canceled_email")  # the API's "canceled" email was wrong: say so
        return "scheduled_after_cancel"

    # --- Pending Cancel -> Canceled (or back) --------------------------------------------------------------
    def _cancel(self, payment: dict[str, Any]) -> str:
        allocations = []
        for allocation in iter_allocations(payment):
            allocations.append({**allocation, "eft_status": self._cancel_row(allocation["portal_payment_id"])})
        kept = [a for a in allocations if a["eft_status"] in ("picked_up", "paid")]
        now = self._now()
        if not kept:
            canceled = self.ledger.transition(
                payment, "Canceled", at=now, by="writer", allocations=allocations,
                extra={"canceled_at": now, "canceled_by": _requested_by(payment)},
            )  # fmt: skip
            self._mail(canceled, "payment_canceled_email")
            return "canceled"
        status = "Paid" if all(a["eft_status"] == "paid" for a in kept) else "Scheduled"
        refused = self.ledger.transition(
            payment, status, at=now, by="writer", allocations=allocations,
            note="cancel refused by ASPIRE: an EFT run had already picked the payment up",
        )  # fmt: skip
        self._mail(refused, "payment_not_canceled_email")
        return f"cancel_refused_{status.lower()}"

    def _mail(self, payment: Mapping[str, Any], template: str) -> None:
        """The user hears how her cancel ended (the API mails the cancel of a Pending payment itself)."""
        if self.notify is not None:
            from portal import emails  # the templates load with the first email, not at cold start

            send_payment_email(self.notify, payment, getattr(emails, template), None)

    def _cancel_row(self, portal_payment_id: str) -> str:
        if self.source.execute("cancel_alternate_eft", {"portal_payment_id": portal_payment_id}):
            return "canceled"
        row = self.source.fetch_one("get_alternate_eft_by_portal_id", {"portal_payment_id": portal_payment_id})
        state = eft_status(row)
        return "canceled" if state in ("missing", "canceled") else state  # never written counts as canceled

    # --- helpers -------------------------------------------------------------------------------------------
    def _bank_details(self, payment: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        site_id, user_id = payment["site_id"], payment["user_id"]
        bank = self.ledger.bank_account(site_id, user_id, payment["bank_account_id"])
        if bank is None or "account_ciphertext" not in bank:
            raise PaymentNotWritable(f"payment {payment['payment_id']}: its bank account is no longer stored")
        context = {"site_id": site_id, "user_id": user_id, "purpose": "bank_account"}
        plaintext = self.cipher.decrypt(bytes(bank["account_ciphertext"]), context)
        return plaintext.decode("ascii"), bank  # the digits go to ASPIRE only, never to a log line

    def _note_unreachable(self, payment: Mapping[str, Any]) -> None:
        previous = str(payment.get("last_error") or "")
        message = previous if previous.startswith(UNREACHABLE) else f"{UNREACHABLE}{self._now()}"
        try:
            self.ledger.record_error(payment, message)
        except Exception:  # the retry matters more than the note
            logger.exception("could not record last_error", extra={"payment_id": payment.get("payment_id")})
        logger.warning("ASPIRE unreachable; payment left for the retry and the sweep",
                       extra={"payment_id": payment.get("payment_id"), "status": payment.get("status")})  # fmt: skip

    def _now(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _requested_by(payment: Mapping[str, Any]) -> str:
    """Who asked for the cancel: the `by` of the Pending Cancel history entry (the user, or `admin:<email>`)."""
    for entry in reversed(payment.get("history") or []):
        if entry.get("status") == "Pending Cancel":
            return str(entry.get("by") or "user")
    return "user"


# --- after the writer: the sync's read-back and sweep ------------------------------------------------------
@dataclass
class PaymentReadBack:
    """AlternateEft rows the incremental sync read -> the payments they belong to (eft_status, Paid)."""

    ledger: DynamoPaymentLedger
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def apply(self, rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        by_payment: dict[str, dict[str, str]] = {}
        for row in rows:
            portal_payment_id = str(row.get("PortalPaymentId") or "")
            payment_id, _, n = portal_payment_id.rpartition("-")
            if payment_id and n.isdigit():
                by_payment.setdefault(payment_id, {})[portal_payment_id] = eft_status(row)
        counts = {"payments_paid": 0, "payments_updated": 0}
        for payment_id, states in by_payment.items():
            outcome = self._apply_one(payment_id, states)
            if outcome:
                counts[outcome] += 1
        return counts

    def _apply_one(self, payment_id: str, states: Mapping[str, str]) -> str | None:
        owner = self.ledger.owner(payment_id)
        if owner is None:
            return None  # not written by this portal's writer (or its lookup is not there yet): nothing to mark
        for _ in range(ATTEMPTS):
            payment = self.ledger.get(owner[0], owner[1], payment_id)
            if payment is None or payment["status"] not in ("Scheduled", "Pending Cancel"):
                return None
            allocations = []
            for allocation in iter_allocations(payment):
                state = states.get(allocation["portal_payment_id"])
                if state in ("picked_up", "paid"):
                    allocation["eft_status"] = state
                allocations.append(allocation)
            collected = [a for a in allocations if a.get("eft_status") != "canceled"]
            paid = bool(collected) and all(a.get("eft_status") == "paid" for a in collected)
            if not paid and allocations == list(iter_allocations(payment)):
                return None
            now = self.clock().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
            try:
                if paid:
                    note = "EFT batch posted in ASPIRE"
                    self.ledger.transition(payment, "Paid", at=now, by="sync", note=note, allocations=allocations)
                    return "payments_paid"
                self.ledger.transition(payment, payment["status"], at=now, by="sync", allocations=allocations,
                                       note="picked up by an EFT run in ASPIRE", clear_error=False)  # fmt: skip
                return "payments_updated"
            except StaleTransition:
                continue
        return None


OVERDUE_AFTER_MINUTES = 15


@dataclass
class PaymentSweep:
    """Outbox items older than a few minutes: the message was lost, or ASPIRE was down and is back now.

    `dispatch` re-queues them (AWS: the writer picks them up in seconds) or runs the writer in-process."""

    ledger: DynamoPaymentLedger
    dispatch: Callable[[str, str, str], Any]
    after_minutes: int = 5
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def run(self) -> dict[str, int]:
        now = self.clock().astimezone(UTC)
        cutoff = (now - timedelta(minutes=self.after_minutes)).isoformat()
        # Still Pending (or Pending Cancel) past this age is what operators are alerted on (PRODUCT.md §5: the
        # writer takes seconds, the sweep one cycle): the `payments_pending_overdue` metric of the incremental run.
        overdue_before = (now - timedelta(minutes=OVERDUE_AFTER_MINUTES)).isoformat()[:26]
        waiting = self.ledger.outbox_before(cutoff[:26])
        overdue = sum(1 for item in waiting if str(item["sk"])[:26] < overdue_before)
        counts = {"payments_swept": 0, "payments_sweep_failed": 0, "payments_pending_overdue": overdue}
        for item in waiting:
            try:
                self.dispatch(str(item["site_id"]), str(item["user_id"]), str(item["payment_id"]))
                counts["payments_swept"] += 1
            except AspireUnavailable:
                counts["payments_sweep_failed"] += 1
                break  # ASPIRE went away again: the next cycle tries the rest
            except Exception:
                counts["payments_sweep_failed"] += 1
                logger.exception("sweep could not move a payment", extra={"payment_id": item.get("payment_id")})
        return counts
