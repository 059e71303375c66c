"""Where a cancel request takes a payment (`cancel_target`), for allocations exactly as the API and the writer
store them: the API creates each allocation Pending, the writer marks the rows it wrote with
`payment_writer.eft_status` of the ASPIRE row, the sync with the state of the EFT run that took them."""

from __future__ import annotations

from typing import Any

import pytest

from portal.domain.errors import Conflict
from portal.domain.payments import cancel_target
from portal.services.payment_writer import eft_status

# An AlternateEft row as the writer inserts it: Pending, in no EFT batch yet
WAITING_ROW: dict[str, Any] = {"Status": "Pending", "EftBatchId": None, "EftPostedAt": None}
PICKED_UP_ROW: dict[str, Any] = {"Status": "Pending", "EftBatchId": 7, "EftPostedAt": None}
POSTED_ROW: dict[str, Any] = {"Status": "Processed", "EftBatchId": 7, "EftPostedAt": "2026-12-01 23:40:28"}


def test_a_scheduled_payment_whose_rows_wait_for_an_eft_run_goes_to_pending_cancel() -> None:
    # Given a Scheduled payment as the writer leaves it: its rows written, no EFT run yet
    allocations = [{"eft_status": eft_status(WAITING_ROW)}, {"eft_status": eft_status(WAITING_ROW)}]
    # When the user cancels it / Then the writer is asked to cancel the rows
    assert cancel_target("Scheduled", allocations) == "Pending Cancel"


def test_a_pending_payment_as_the_api_stored_it_is_canceled_at_once() -> None:
    assert cancel_target("Pending", [{"eft_status": "Pending"}]) == "Canceled"


@pytest.mark.parametrize("row", [PICKED_UP_ROW, POSTED_ROW], ids=["picked_up", "paid"])
def test_a_payment_an_eft_run_took_cannot_be_canceled(row: dict[str, Any]) -> None:
    # Given one allocation of a Scheduled payment that an EFT run picked up (or posted)
    allocations = [{"eft_status": eft_status(WAITING_ROW)}, {"eft_status": eft_status(row)}]
    # Then the cancel is a 409 already_processed
    with pytest.raises(Conflict) as refused:
        cancel_target("Scheduled", allocations)
    assert refused.value.code == "already_processed"
