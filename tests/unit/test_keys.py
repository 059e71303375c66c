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
    assert keys.AMORTIZATION_SK == "AMORTIZATION"
