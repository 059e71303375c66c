"""Pure domain rules and models of the Customer Portal: no AWS, SQL or HTTP here.

Import the rules from their modules (``from portal.domain.visibility import contract_visible_to``); the most
used names are re-exported here for convenience.
"""

from portal.domain.bank import aba_routing_number_check, last4, routing_number_valid, sec_code_for
from portal.domain.checks import Check, Verdict
from portal.domain.enrollment import (
    EnrollmentFacts,
    EnrollmentRequest,
    email_in,
    enrollment_eligibility,
    normalise_postal_code,
    postal_code_kind,
    postal_codes_match,
    split_emails,
)
from portal.domain.errors import (
    ConfigurationError,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from portal.domain.facts import GRANTING_ROLES, ContractFacts, RoleType, SiteConfig
from portal.domain.linkability import account_linkable_on
from portal.domain.sites import SiteMap
from portal.domain.visibility import contract_listing, contract_visible_to, is_visible

__all__ = [
    "GRANTING_ROLES",
    "Check",
    "ConfigurationError",
    "Conflict",
    "ContractFacts",
    "DomainError",
    "EnrollmentFacts",
    "EnrollmentRequest",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "RoleType",
    "SiteConfig",
    "SiteMap",
    "Unauthorized",
    "ValidationFailed",
    "Verdict",
    "aba_routing_number_check",
    "account_linkable_on",
    "contract_listing",
    "contract_visible_to",
    "email_in",
    "enrollment_eligibility",
    "is_visible",
    "last4",
    "normalise_postal_code",
    "postal_code_kind",
    "postal_codes_match",
    "routing_number_valid",
    "sec_code_for",
    "split_emails",
]
