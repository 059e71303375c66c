"""Who sees which contract (PRODUCT.md §2), for every combination of the facts the rule looks at.

A user sees a contract on site S only when it is booked, a linked account holds Customer or Guarantor on it,
and its private label maps to S; terminated ones are listed as closed. The data goes through the real sync,
so this also shows that what the sync writes and what the API reads agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts_kit import ContractsApi, principal

from local.aspire.scenario import AspireScenario

SITE = "careline"  # labels MED and DENTAL; summit is the default site (no label), harvest has AGRI
LABELS = {"mapped": "MED", "unmapped": "LEGACY", "other site": "AGRI", "no label (default site)": None}
ROLES = ("Customer", "Guarantor", "Vendor")


@dataclass(frozen=True)
class Case:
    booked: bool
    terminated: bool
    role: str
    label: str
    linked: bool

    @property
    def visible(self) -> bool:
        return self.booked and self.role in ("Customer", "Guarantor") and self.label == "mapped" and self.linked

    @property
    def listing(self) -> str:
        return "closed" if self.terminated else "open"


CASES = [Case(*combo) for combo in itertools.product((True, False), (True, False), ROLES, LABELS, (True, False))]


def build(scenario: AspireScenario, case: Case) -> str:
    holder = "A-ME" if case.linked else "A-STRANGER"
    label = LABELS[case.label]
    if case.role == "Customer":
        contract = scenario.contract(holder, label=label)
    else:
        contract = scenario.contract("A-THIRD", label=label, extra_roles=[(holder, case.role)])
    scenario.execute(
        "UPDATE Contract SET IsBooked = ?, IsTerminated = ? WHERE ContractId = ?",
        int(case.booked), int(case.terminated), contract,
    )  # fmt: skip
    return contract


def test_visibility_for_every_combination_of_booked_terminated_role_label_and_link(
    scenario: AspireScenario, sync: Callable[..., dict[str, Any]], api: ContractsApi
) -> None:
    # Given one contract per combination (96), synced
    for account in ("A-ME", "A-STRANGER", "A-THIRD"):
        scenario.account(account)
    contracts = {case: build(scenario, case) for case in CASES}
    sync()
    me = principal(accounts=("A-ME",), site_id=SITE)
    missing = api.get(f"/sites/{SITE}/contracts/C-99999", me)
    assert missing.status == 404

    # When the user lists open and closed contracts
    listed = {}
    for status in ("open", "closed"):
        answer = api.get(f"/sites/{SITE}/contracts", me, {"status": status, "limit": "100"})
        assert answer.status == 200 and answer.body["next_token"] is None
        listed.update({c["contract_id"]: status for c in answer.body["items"]})

    # Then exactly the visible ones are listed, each under open or closed
    expected = {contracts[case]: case.listing for case in CASES if case.visible}
    assert listed == expected
    assert len(expected) == 2 * 2 * 1  # booked x {active, terminated} x {Customer, Guarantor}

    # And each contract's own routes answer 200 when visible, else exactly like a contract that does not exist
    for case, contract in contracts.items():
        for suffix in ("", "/invoices", "/amortization"):
            answer = api.get(f"/sites/{SITE}/contracts/{contract}{suffix}", me)
            if case.visible:
                assert answer.status == 200, (case, suffix)
                if not suffix:
                    assert answer.body["status"] == case.listing
            else:
                assert (answer.status, answer.body) == (missing.status, missing.body), (case, suffix)
