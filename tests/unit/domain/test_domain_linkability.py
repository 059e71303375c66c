"""account_linkable_on: which accounts an admin can link to a user of a site (PRODUCT.md section 2)."""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import given
from hypothesis import strategies as st

from portal.domain.checks import Verdict
from portal.domain.facts import GRANTING_ROLES, ContractFacts, RoleType, SiteConfig
from portal.domain.linkability import account_linkable_on, is_linkable
from portal.domain.sites import SiteMap

RULES = (
    "account_synced",
    "holds_customer_or_guarantor_role",
    "has_active_contract",
    "active_contract_label_maps_to_site",
)

SITE_MAP = SiteMap(
    [
        SiteConfig("main", frozenset(), True),
        SiteConfig("acme", frozenset({"ACME"}), False),
        SiteConfig("zeta", frozenset({"ZETA"}), False),
    ]
)


def contract(
    contract_id: str,
    *,
    booked: bool = True,
    terminated: bool = False,
    label: str | None = "ACME",
    role: str = "Customer",
    account: str = "A-1",
) -> ContractFacts:
    return ContractFacts(contract_id, booked, terminated, label, {account: frozenset({role})})


def verdict_for(contracts: Iterable[ContractFacts], *, site: str = "acme", synced: bool = True) -> Verdict:
    return account_linkable_on("A-1", contracts, site, SITE_MAP, synced)


def test_synced_customer_of_an_active_contract_on_the_site_is_linkable() -> None:
    # Given a synced account that is Customer on an active ACME contract
    verdict = verdict_for([contract("CN-1")])
    # Then every check passes, in order, naming the deciding contract
    assert verdict.ok
    assert tuple(c.rule for c in verdict.checks) == RULES
    assert verdict.checks[0].detail == "account A-1 has been synced to the portal"
    assert all("CN-1" in c.detail for c in verdict.checks[1:])
    assert verdict.as_dict("linkable", "not_linkable")["verdict"] == "linkable"


def test_guarantor_role_is_enough() -> None:
    # Given the account is only a Guarantor on an active contract / Then it is linkable
    assert is_linkable("A-1", [contract("CN-1", role="Guarantor")], "acme", SITE_MAP, True)


def test_unsynced_account_fails_only_the_sync_check() -> None:
    # Given an account not yet synced but otherwise qualifying
    verdict = verdict_for([contract("CN-1")], synced=False)
    # Then only account_synced fails
    assert [c.rule for c in verdict.failed] == ["account_synced"]
    assert verdict.failed[0].detail == "account A-1 has not been synced to the portal yet"


def test_account_without_any_contract_fails_all_role_checks_with_reasons() -> None:
    # Given a synced account with no contracts
    verdict = verdict_for([])
    # Then the three contract checks fail and the later ones say they cannot be met
    assert [c.rule for c in verdict.failed] == list(RULES[1:])
    assert verdict.checks[1].detail == "account A-1 holds the Customer or Guarantor role on no contract"
    assert verdict.checks[2].detail.startswith("cannot be met")
    assert verdict.checks[3].detail.startswith("cannot be met")


def test_non_granting_roles_are_named_but_do_not_count() -> None:
    # Given the account is Vendor on one contract and Broker on another
    verdict = verdict_for([contract("CN-1", role="Vendor"), contract("CN-2", role=RoleType.BROKER)])
    # Then the role check fails and mentions the other roles' contracts
    assert not verdict.checks[1].passed
    assert "other roles on 2 contracts: CN-1, CN-2" in verdict.checks[1].detail


def test_roles_of_other_accounts_do_not_count() -> None:
    # Given contracts where another account is the customer / Then A-1 is not linkable
    verdict = verdict_for([contract("CN-1", account="B-1")])
    assert [c.rule for c in verdict.failed] == list(RULES[1:])


def test_only_terminated_or_unbooked_contracts_fail_the_active_check() -> None:
    # Given the account is Customer only on a terminated and an unbooked contract
    verdict = verdict_for([contract("CN-T", terminated=True), contract("CN-U", booked=False)])
    # Then it holds the role but has no active contract, and the detail says why per contract
    assert [c.rule for c in verdict.failed] == ["has_active_contract", "active_contract_label_maps_to_site"]
    detail = verdict.checks[2].detail
    assert "not booked: CN-U" in detail
    assert "terminated: CN-T" in detail
    assert verdict.checks[3].detail.startswith("cannot be met")


def test_active_contracts_only_on_other_sites_fail_the_site_check() -> None:
    # Given active contracts labelled ZETA, unlabelled and with an unmapped label
    verdict = verdict_for([contract("CN-Z", label="ZETA"), contract("CN-N", label=None), contract("CN-O", label="X")])
    # Then only the site check fails, saying where each contract maps
    assert [c.rule for c in verdict.failed] == ["active_contract_label_maps_to_site"]
    detail = verdict.failed[0].detail
    assert "CN-Z (private label 'ZETA' -> site zeta)" in detail
    assert "CN-N (no private label -> site main)" in detail
    assert "CN-O (private label 'X' -> no site)" in detail


def test_an_unlabelled_active_contract_makes_the_account_linkable_on_the_default_site() -> None:
    # Given an active unlabelled contract / Then linkable on main, not on acme
    contracts = [contract("CN-1", label=None)]
    assert verdict_for(contracts, site="main").ok
    assert not verdict_for(contracts, site="acme").ok


def test_a_terminated_contract_on_the_site_does_not_make_the_account_linkable() -> None:
    # Given an active contract on zeta and a terminated one on acme
    verdict = verdict_for([contract("CN-Z", label="ZETA"), contract("CN-A", terminated=True)])
    # Then on acme the site check fails: only active contracts count
    assert [c.rule for c in verdict.failed] == ["active_contract_label_maps_to_site"]
    assert "CN-A" not in verdict.failed[0].detail


def test_details_list_at_most_five_contract_ids() -> None:
    # Given eight qualifying contracts
    verdict = verdict_for([contract(f"CN-{i}") for i in range(8)])
    # Then details list five ids and count the rest
    assert verdict.ok
    for check in verdict.checks[1:]:
        assert "CN-0, CN-1, CN-2, CN-3, CN-4 and 3 more" in check.detail
        assert "CN-5" not in check.detail


def test_contracts_may_be_a_generator() -> None:
    # Given contracts passed as a generator (consumed once) / Then all checks still see them
    assert verdict_for(c for c in [contract("CN-1")]).ok


# ---- properties -------------------------------------------------------------------------------------------------

contracts_strategy = st.lists(
    st.builds(
        ContractFacts,
        contract_id=st.from_regex(r"CN-[0-9]{1,3}", fullmatch=True),
        booked=st.booleans(),
        terminated=st.booleans(),
        private_label=st.sampled_from([None, "ACME", "ZETA", "ORPHAN", " "]),
        roles=st.dictionaries(
            st.sampled_from(["A-1", "B-1"]), st.frozensets(st.sampled_from([r.value for r in RoleType])), max_size=2
        ),
    ),
    max_size=8,
)


@given(contracts_strategy, st.sampled_from(["main", "acme", "zeta"]), st.booleans())
def test_linkable_iff_synced_and_customer_or_guarantor_on_an_active_contract_of_the_site(
    contracts: list[ContractFacts], site: str, synced: bool
) -> None:
    # Given any contracts, site and sync state
    verdict = account_linkable_on("A-1", contracts, site, SITE_MAP, synced)
    # Then the verdict follows PRODUCT.md section 2 exactly
    granting = [c for c in contracts if c.roles.get("A-1", frozenset()) & GRANTING_ROLES]
    active = [c for c in granting if c.booked and not c.terminated]
    on_site = [c for c in active if SITE_MAP.site_for_label(c.private_label) == site]
    assert [c.passed for c in verdict.checks] == [synced, bool(granting), bool(active), bool(on_site)]
    assert verdict.ok is (synced and bool(on_site))
    assert tuple(c.rule for c in verdict.checks) == RULES
