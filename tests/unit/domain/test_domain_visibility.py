"""contract_visible_to: who sees which contract on which site (PRODUCT.md section 2)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.facts import GRANTING_ROLES, ContractFacts, RoleType, SiteConfig
from portal.domain.sites import SiteMap
from portal.domain.visibility import contract_listing, contract_visible_to, is_visible

RULES = (
    "contract_booked",
    "linked_account_holds_customer_or_guarantor_role",
    "private_label_maps_to_site",
    "listed_as",
)

SITE_MAP = SiteMap(
    [
        SiteConfig("main", frozenset(), True),
        SiteConfig("acme", frozenset({"ACME"}), False),
        SiteConfig("zeta", frozenset({"ZETA"}), False),
    ]
)


def contract(
    *,
    booked: bool = True,
    terminated: bool = False,
    label: str | None = "ACME",
    roles: Mapping[str, frozenset[str]] | None = None,
) -> ContractFacts:
    return ContractFacts(
        contract_id="CN-001",
        booked=booked,
        terminated=terminated,
        private_label=label,
        roles={"A-1": frozenset({RoleType.CUSTOMER})} if roles is None else roles,
    )


def test_booked_contract_of_a_linked_customer_on_its_site_is_visible_and_open() -> None:
    # Given a booked contract labelled ACME where linked account A-1 is the Customer
    # When checking visibility on the acme site
    verdict = contract_visible_to(contract(), ["A-1"], "acme", SITE_MAP)
    # Then every check passes, in the documented order, and it is listed as open
    assert verdict.ok
    assert [c.rule for c in verdict.checks] == list(RULES)
    assert verdict.get("contract_booked").detail == "contract CN-001 is booked"  # type: ignore[union-attr]
    assert "A-1 (Customer)" in verdict.get(RULES[1]).detail  # type: ignore[union-attr]
    assert verdict.get("private_label_maps_to_site").detail == "private label 'ACME' maps to site acme"  # type: ignore[union-attr]
    assert verdict.get("listed_as").detail == "listed under open contracts"  # type: ignore[union-attr]
    assert contract_listing(contract()) == "open"
    assert is_visible(contract(), ["A-1"], "acme", SITE_MAP)


def test_terminated_booked_contract_is_visible_as_closed() -> None:
    # Given a booked but terminated contract of a linked customer
    terminated = contract(terminated=True)
    # When checking visibility
    verdict = contract_visible_to(terminated, ["A-1"], "acme", SITE_MAP)
    # Then termination is not a failure: it is visible and listed under closed contracts
    assert verdict.ok
    assert verdict.get("listed_as").detail == "listed under closed contracts (terminated)"  # type: ignore[union-attr]
    assert contract_listing(terminated) == "closed"
    assert verdict.get("contract_not_terminated") is None


def test_guarantor_sees_the_contract() -> None:
    # Given the linked account is a Guarantor, not the Customer
    guaranteed = contract(roles={"A-1": frozenset({"Customer"}), "G-1": frozenset({"Guarantor"})})
    # Then a user linked only to the guarantor sees it
    verdict = contract_visible_to(guaranteed, ["G-1"], "acme", SITE_MAP)
    assert verdict.ok
    assert "G-1 (Guarantor)" in verdict.checks[1].detail


def test_unlabelled_contract_is_visible_on_the_default_site_only() -> None:
    # Given a contract without private label
    unlabelled = contract(label=None)
    # Then it is visible on the default site and not elsewhere
    assert is_visible(unlabelled, ["A-1"], "main", SITE_MAP)
    verdict = contract_visible_to(unlabelled, ["A-1"], "acme", SITE_MAP)
    assert verdict.failed == (verdict.checks[2],)
    assert "no private label" in verdict.checks[2].detail
    assert "default site main" in verdict.checks[2].detail


def test_not_booked_contract_fails_only_the_booked_check() -> None:
    # Given an unbooked contract that otherwise qualifies
    verdict = contract_visible_to(contract(booked=False), ["A-1"], "acme", SITE_MAP)
    # Then only contract_booked fails, and listed_as says where it would be listed
    assert [c.rule for c in verdict.failed] == ["contract_booked"]
    assert verdict.first_failure.detail == "contract CN-001 is not booked"  # type: ignore[union-attr]
    assert verdict.get("listed_as").passed  # type: ignore[union-attr]
    assert verdict.get("listed_as").detail == "would be listed under open contracts if visible"  # type: ignore[union-attr]
    assert verdict.as_dict("visible", "not_visible")["verdict"] == "not_visible"


def test_user_without_linked_accounts_fails_the_role_check() -> None:
    # Given a user with no linked accounts
    verdict = contract_visible_to(contract(), [], "acme", SITE_MAP)
    # Then only the role check fails, saying there are no links
    assert [c.rule for c in verdict.failed] == [RULES[1]]
    assert verdict.failed[0].detail == "the user has no linked accounts"


def test_linked_account_with_a_non_granting_role_fails_the_role_check_and_names_the_role() -> None:
    # Given the user's linked account is only a Vendor on the contract
    vendor_only = contract(roles={"A-1": frozenset({"Customer"}), "V-1": frozenset({"Vendor"})})
    # When checking visibility for a user linked to V-1 and an unrelated account
    verdict = contract_visible_to(vendor_only, ["V-1", "X-9"], "acme", SITE_MAP)
    # Then the role check fails and says which roles the linked accounts hold
    assert [c.rule for c in verdict.failed] == [RULES[1]]
    detail = verdict.failed[0].detail
    assert "none of the user's linked accounts (V-1, X-9)" in detail
    assert "V-1 (Vendor)" in detail


def test_contract_labelled_for_another_site_fails_the_label_check() -> None:
    # Given a contract labelled ZETA / When checked on acme
    verdict = contract_visible_to(contract(label="ZETA"), ["A-1"], "acme", SITE_MAP)
    # Then the label check fails naming the label and the site it maps to
    assert [c.rule for c in verdict.failed] == ["private_label_maps_to_site"]
    assert verdict.failed[0].detail == "private label 'ZETA' maps to site zeta, not to site acme"


def test_unmapped_label_fails_the_label_check() -> None:
    # Given a contract whose label no site lists
    verdict = contract_visible_to(contract(label="ORPHAN"), ["A-1"], "acme", SITE_MAP)
    # Then the label check fails saying the label maps to no site
    assert "'ORPHAN' is not mapped to any site" in verdict.failed[0].detail


def test_all_checks_are_evaluated_even_when_all_fail() -> None:
    # Given a contract that fails every condition
    verdict = contract_visible_to(contract(booked=False, label="ZETA", roles={}), ["A-1"], "acme", SITE_MAP)
    # Then the full checklist is still there, with the three conditions failed
    assert [c.rule for c in verdict.checks] == list(RULES)
    assert [c.rule for c in verdict.failed] == list(RULES[:3])


def test_linked_accounts_may_be_any_iterable_with_duplicates() -> None:
    # Given links passed as a generator with a duplicate / Then the verdict is the same as for a list
    assert is_visible(contract(), (a for a in ["A-1", "A-1"]), "acme", SITE_MAP)


@pytest.mark.parametrize("n_holders", [6, 9])
def test_role_detail_caps_the_listed_accounts(n_holders: int) -> None:
    # Given many linked accounts holding the Customer role
    roles = {f"A-{i}": frozenset({"Customer"}) for i in range(n_holders)}
    verdict = contract_visible_to(contract(roles=roles), list(roles), "acme", SITE_MAP)
    # Then the detail lists five and counts the rest
    assert f"and {n_holders - 5} more" in verdict.checks[1].detail


# ---- properties -------------------------------------------------------------------------------------------------

ACCOUNTS = ["A-1", "A-2", "A-3", "A-4"]
ROLE_TYPES = [r.value for r in RoleType]
LABELS = [None, "", " ", "ACME", "acme ", "ZETA", "ORPHAN"]
SITES = ["main", "acme", "zeta", "unknown"]

contracts = st.builds(
    ContractFacts,
    contract_id=st.sampled_from(["CN-1", "CN-2"]),
    booked=st.booleans(),
    terminated=st.booleans(),
    private_label=st.sampled_from(LABELS),
    roles=st.dictionaries(st.sampled_from(ACCOUNTS), st.frozensets(st.sampled_from(ROLE_TYPES)), max_size=4),
)
links = st.lists(st.sampled_from([*ACCOUNTS, "B-1"]), max_size=5)


@given(contracts, links, st.sampled_from(SITES))
def test_visible_iff_booked_and_linked_role_and_label_on_site(
    facts: ContractFacts, linked: list[str], site: str
) -> None:
    # Given any contract, any set of links and any site
    verdict = contract_visible_to(facts, linked, site, SITE_MAP)
    # Then it is visible exactly when the three conditions of PRODUCT.md section 2 hold
    has_role = any(facts.roles.get(a, frozenset()) & GRANTING_ROLES for a in linked)
    label = (facts.private_label or "").strip().casefold()
    expected_site = {"": "main", "acme": "acme", "zeta": "zeta"}.get(label)
    expected = facts.booked and has_role and expected_site == site
    assert verdict.ok is expected
    assert is_visible(facts, linked, site, SITE_MAP) is expected
    # And the checklist always has the same four rules, the informational one always passed
    assert tuple(c.rule for c in verdict.checks) == RULES
    assert verdict.checks[0].passed is facts.booked
    assert verdict.checks[1].passed is has_role
    assert verdict.checks[2].passed is (expected_site == site)
    assert verdict.checks[3].passed


@given(contracts, links, st.sampled_from(SITES))
def test_termination_never_changes_visibility_only_the_listing(
    facts: ContractFacts, linked: list[str], site: str
) -> None:
    # Given any contract and its terminated twin
    open_twin = ContractFacts(facts.contract_id, facts.booked, False, facts.private_label, facts.roles)
    closed_twin = ContractFacts(facts.contract_id, facts.booked, True, facts.private_label, facts.roles)
    # Then both have the same visibility, listed as open and closed respectively
    assert is_visible(open_twin, linked, site, SITE_MAP) == is_visible(closed_twin, linked, site, SITE_MAP)
    assert contract_listing(open_twin) == "open"
    assert contract_listing(closed_twin) == "closed"
