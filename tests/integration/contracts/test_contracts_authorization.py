"""Object-level authorization of the contracts routes (PRODUCT.md §9, API.md).

Keys come only from the principal the authorizer established: a token is bound to one site and one user. Own
object -> 200; another user's object on the same site -> 404; an object on another site -> 404; a principal of
another site on this site's path -> 403; no principal -> 401. (Expired and revoked tokens never reach the
function: the authorizer refuses them, see the sign-in work.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from contracts_kit import ContractsApi, principal

from local.aspire.scenario import AspireScenario

ME = principal("U-ME", ("A-ME",))
YOU = principal("U-YOU", ("A-YOU",))
ME_ON_HARVEST = principal("U-ME-H", ("A-ME",), site_id="harvest")  # same person, the harvest site's user

OBJECT_ROUTES = ("/sites/{site}/contracts/{id}", "/sites/{site}/contracts/{id}/invoices",
                 "/sites/{site}/contracts/{id}/amortization")  # fmt: skip
COLLECTION_ROUTES = ("/sites/{site}/contracts", "/sites/{site}/lines-of-credit")


@pytest.fixture
def world(scenario: AspireScenario, sync: Callable[..., dict[str, Any]], api: ContractsApi) -> Iterator[dict[str, str]]:
    scenario.account("A-ME")
    scenario.account("A-YOU")
    ids = {
        "mine": scenario.contract("A-ME"),
        "yours": scenario.contract("A-YOU"),
        "mine on harvest": scenario.contract("A-ME", label="AGRI"),
    }
    scenario.line_of_credit("A-ME", "1000.00", "0.00")
    scenario.line_of_credit("A-YOU", "2000.00", "0.00")
    sync()
    api.warm()
    yield ids


# (who, path site, object) -> status
OBJECT_MATRIX = [
    ("own object", ME, "summit", "mine", 200),
    ("another user's object on the same site", ME, "summit", "yours", 404),
    ("an object on another site", ME, "summit", "mine on harvest", 404),
    ("the other site's object on its own site", ME_ON_HARVEST, "harvest", "mine on harvest", 200),
    ("a principal of another site on this site's path", ME_ON_HARVEST, "summit", "mine", 403),
    ("a principal of this site on another site's path", ME, "harvest", "mine on harvest", 403),
    ("no principal", None, "summit", "mine", 401),
]


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_object_routes(world: dict[str, str], api: ContractsApi, route: str) -> None:
    for case, who, site, target, status in OBJECT_MATRIX:
        answer = api.get(route.format(site=site, id=world[target]), who)
        assert answer.status == status, case
        if status == 404:
            # Indistinguishable from a contract that does not exist
            nothing = api.get(route.format(site=site, id="C-99999"), who)
            assert (answer.status, answer.body) == (nothing.status, nothing.body), case
        elif status == 403:
            assert answer.body["error"]["code"] == "wrong_site", case
        elif status == 401:
            assert answer.body["error"]["code"] == "unauthorized", case
        if status in (401, 403):
            assert not answer.ops, f"{case}: refused before any AWS call"


# (who, path site) -> status
COLLECTION_MATRIX = [
    ("own objects only", ME, "summit", 200),
    ("a principal of another site on this site's path", ME_ON_HARVEST, "summit", 403),
    ("a principal of this site on another site's path", ME, "harvest", 403),
    ("no principal", None, "summit", 401),
]


@pytest.mark.parametrize("route", COLLECTION_ROUTES)
def test_collection_routes(world: dict[str, str], api: ContractsApi, route: str) -> None:
    for case, who, site, status in COLLECTION_MATRIX:
        answer = api.get(route.format(site=site), who)
        assert answer.status == status, case
        if status != 200:
            assert not answer.ops, f"{case}: refused before any AWS call"
        elif route.endswith("/contracts"):
            assert [c["contract_id"] for c in answer.body["items"]] == [world["mine"]], case
        else:
            assert [line["account_id"] for line in answer.body["items"]] == ["A-ME"], case


def test_a_principal_carrying_another_users_accounts_is_still_confined_to_its_site(
    world: dict[str, str], api: ContractsApi
) -> None:
    # The accounts come from the authorizer; even so, a summit principal never reads harvest's keys
    everything = principal("U-ME", ("A-ME", "A-YOU"))
    listed = api.get("/sites/summit/contracts", everything)
    assert {c["contract_id"] for c in listed.body["items"]} == {world["mine"], world["yours"]}
    assert api.get(f"/sites/summit/contracts/{world['mine on harvest']}", everything).status == 404
