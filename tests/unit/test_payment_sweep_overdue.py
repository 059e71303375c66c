"""The sweep says how many payments are still waiting for ASPIRE past 15 minutes (the overdue alarm's metric)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.services.payment_writer import PaymentSweep

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Outbox:
    """The outbox as the ledger returns it: items keyed by their creation time, oldest first."""

    def __init__(self, *ages_minutes: int) -> None:
        self.items = [
            {"sk": f"{(NOW - timedelta(minutes=m)).isoformat()[:26]}#summit#u-{m}#p-{m}", "site_id": "summit",
             "user_id": f"u-{m}", "payment_id": f"p-{m}"}
            for m in sorted(ages_minutes, reverse=True)
        ]  # fmt: skip

    def outbox_before(self, cutoff_iso: str, limit: int = 500) -> list[dict[str, Any]]:
        return [i for i in self.items if i["sk"] < cutoff_iso][:limit]


def test_payments_waiting_past_fifteen_minutes_are_counted_and_every_stale_one_is_swept() -> None:
    # Given payments waiting 2, 6, 14, 16 and 40 minutes
    moved: list[str] = []
    sweep = PaymentSweep(Outbox(2, 6, 14, 16, 40), lambda site, user, payment: moved.append(payment), 5, lambda: NOW)  # type: ignore[arg-type]
    # When the sweep runs
    counts = sweep.run()
    # Then the four older than 5 minutes move, and two of them are overdue
    assert sorted(moved) == ["p-14", "p-16", "p-40", "p-6"]
    assert counts == {"payments_swept": 4, "payments_sweep_failed": 0, "payments_pending_overdue": 2}
