"""Plain facts the domain rules take; the adapters build them from synced ASPIRE data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

__all__ = ["GRANTING_ROLES", "ContractFacts", "RoleType", "SiteConfig", "is_granting_role"]


class RoleType(StrEnum):
    """ASPIRE contract role types. Only Customer and Guarantor grant portal access."""

    CUSTOMER = "Customer"
    GUARANTOR = "Guarantor"
    VENDOR = "Vendor"
    BROKER = "Broker"
    CO_LESSEE = "CoLessee"


GRANTING_ROLES: frozenset[str] = frozenset({RoleType.CUSTOMER, RoleType.GUARANTOR})

_GRANTING_FOLDED = frozenset(role.casefold() for role in GRANTING_ROLES)


def is_granting_role(role: str) -> bool:
    """True for Customer and Guarantor (compared after strip + casefold, as ASPIRE spelling varies)."""
    return role.strip().casefold() in _GRANTING_FOLDED


def _canonical_role(role: str) -> str:
    """The RoleType spelling of a known role type; unknown role types are kept as given (stripped)."""
    folded = role.strip().casefold()
    for known in RoleType:
        if known.value.casefold() == folded:
            return known.value
    return role.strip()


@dataclass(frozen=True)
class ContractFacts:
    """What the rules need to know about one contract.

    ``roles`` maps account id -> the role types that account holds on the contract. Role types are stored in
    their canonical spelling ("Customer", "Guarantor", ...) and the mapping is read-only.
    """

    contract_id: str
    booked: bool
    terminated: bool
    private_label: str | None
    roles: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        canonical = {
            account_id: frozenset(_canonical_role(role) for role in role_types)
            for account_id, role_types in self.roles.items()
        }
        object.__setattr__(self, "roles", MappingProxyType(canonical))

    def __hash__(self) -> int:
        return hash(
            (
                self.contract_id,
                self.booked,
                self.terminated,
                self.private_label,
                frozenset(self.roles.items()),
            )
        )

    @property
    def active(self) -> bool:
        """Booked and not terminated."""
        return self.booked and not self.terminated

    def roles_of(self, account_id: str) -> frozenset[str]:
        """Every role type ``account_id`` holds on this contract (empty when none)."""
        return self.roles.get(account_id, frozenset())

    def granting_roles_of(self, account_id: str) -> frozenset[str]:
        """The Customer/Guarantor roles ``account_id`` holds on this contract."""
        return frozenset(role for role in self.roles_of(account_id) if is_granting_role(role))

    def grants_access_to(self, account_id: str) -> bool:
        """True when ``account_id`` holds the Customer or Guarantor role on this contract."""
        return bool(self.granting_roles_of(account_id))

    def accounts_with_role(self, role: str) -> frozenset[str]:
        """The accounts holding ``role`` on this contract."""
        wanted = _canonical_role(role)
        return frozenset(account_id for account_id, role_types in self.roles.items() if wanted in role_types)


@dataclass(frozen=True)
class SiteConfig:
    """One site's private-label mapping. A default site covers contracts with no private label."""

    site_id: str
    private_labels: frozenset[str] = frozenset()
    is_default: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "private_labels", frozenset(self.private_labels))
