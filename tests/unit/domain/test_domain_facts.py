"""Facts the rules take: role types, contracts, site configs."""

from __future__ import annotations

import dataclasses

import pytest

from portal.domain.facts import GRANTING_ROLES, ContractFacts, RoleType, SiteConfig, is_granting_role


@pytest.mark.parametrize(
    ("booked", "terminated", "active"),
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
)
def test_active_means_booked_and_not_terminated(booked: bool, terminated: bool, active: bool) -> None:
    # Given a contract with the booked/terminated flags / Then active is booked and not terminated
    assert ContractFacts("CN-1", booked, terminated, None, {}).active is active


@pytest.mark.parametrize("role", list(RoleType))
def test_only_customer_and_guarantor_grant_access(role: RoleType) -> None:
    # Given a contract on which one account holds one ASPIRE role type
    contract = ContractFacts("CN-1", True, False, None, {"A-1": frozenset({role.value})})
    # Then that account is granted access exactly when the role is Customer or Guarantor (PRODUCT.md)
    granting = role.value in ("Customer", "Guarantor")
    assert contract.grants_access_to("A-1") is granting
    assert is_granting_role(role.value) is granting
    assert (role in GRANTING_ROLES) is granting


@pytest.mark.parametrize(
    ("role", "granting"),
    [
        ("Customer", True),
        ("guarantor", True),
        (" CUSTOMER ", True),
        ("Vendor", False),
        ("CoLessee", False),
        ("", False),
    ],
)
def test_is_granting_role_ignores_case_and_whitespace(role: str, granting: bool) -> None:
    assert is_granting_role(role) is granting


def test_roles_are_canonicalised_and_read_only() -> None:
    # Given a contract whose roles were built with odd spellings and a set
    contract = ContractFacts("CN-1", True, False, None, {"A-1": {"customer", "vendor"}, "A-2": frozenset({"Other"})})  # type: ignore[dict-item]
    # Then role types are canonical frozensets
    assert contract.roles["A-1"] == frozenset({"Customer", "Vendor"})
    assert contract.roles["A-2"] == frozenset({"Other"})
    # And the mapping cannot be changed
    with pytest.raises(TypeError):
        contract.roles["A-3"] = frozenset({"Customer"})  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        contract.booked = False  # type: ignore[misc]


def test_role_queries() -> None:
    # Given a contract with a customer, a guarantor and a vendor
    contract = ContractFacts(
        "CN-1",
        True,
        False,
        "ACME",
        {"A-1": frozenset({"Customer"}), "A-2": frozenset({"Guarantor", "Vendor"}), "A-3": frozenset({"Vendor"})},
    )
    # Then the role queries answer per account
    assert contract.roles_of("A-2") == {"Guarantor", "Vendor"}
    assert contract.roles_of("nobody") == frozenset()
    assert contract.granting_roles_of("A-2") == {"Guarantor"}
    assert contract.grants_access_to("A-1")
    assert contract.grants_access_to("A-2")
    assert not contract.grants_access_to("A-3")
    assert contract.accounts_with_role("Customer") == {"A-1"}
    assert contract.accounts_with_role(RoleType.VENDOR) == {"A-2", "A-3"}


def test_contract_facts_are_hashable_and_compare_by_value() -> None:
    # Given two equal contracts built from different mapping objects
    a = ContractFacts("CN-1", True, False, None, {"A-1": frozenset({"Customer"})})
    b = ContractFacts("CN-1", True, False, None, {"A-1": frozenset({"Customer"})})
    # Then they are equal, hash equally and can live in a set
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_site_config_stores_labels_as_frozenset() -> None:
    # Given a site config built with a set / Then the labels are a frozenset and defaults are sensible
    config = SiteConfig("acme", {"ACME"}, False)  # type: ignore[arg-type]
    assert config.private_labels == frozenset({"ACME"})
    assert SiteConfig("main").private_labels == frozenset()
    assert SiteConfig("main").is_default is False
