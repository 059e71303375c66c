"""Key builders: customer data starts with the site, and ids cannot forge another key."""

from __future__ import annotations

import pytest

from portal.adapters.dynamodb import keys


def test_customer_keys_start_with_the_site() -> None:
    assert keys.contract_pk("summit", "CN-0001").startswith("S#summit#")
    assert keys.account_pk("harvest", "A-1").startswith("S#harvest#")


@pytest.mark.parametrize("bad", ["a#b", "", "x" * 129, "a b", "S#other", "é"])
def test_unsafe_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="unsafe key part"):
        keys.contract_pk("summit", bad)


def test_one_item_holds_a_whole_amortization_schedule() -> None:
    import json

    from portal.services.sync_items import ContractState, contract_items

    # Given a contract whose schedule has three payments, read out of order
    def payment(number: int) -> dict[str, str]:
        return {"PaymentNumber": str(number), "DueDate": f"2026-0{number}-01", "PaymentAmount": "100.00",
                "Principal": "90.00", "Interest": "10.00", "EndingBalance": f"{300 - 90 * number}.00"}  # fmt: skip

    contract = {"ContractId": "CN-0001", "PrivateLabel": None, "IsBooked": True, "IsTerminated": False}
    state = ContractState(contract=contract, roles=(), amortization=(payment(3), payment(1), payment(2)))

    # When the sync turns it into items
    items = [i for i in contract_items("summit", state, {"daily"}) if i.attributes["type"] == "amortization_schedule"]

    # Then one item under the contract's key holds every payment, in payment order
    assert len(items) == 1
    assert items[0].pk == keys.contract_pk("summit", "CN-0001")
    assert items[0].sk == keys.AMORTIZATION_SK
    assert [row["payment_number"] for row in json.loads(items[0].attributes["rows_json"])] == [1, 2, 3]
