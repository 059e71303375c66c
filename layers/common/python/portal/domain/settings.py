"""Sites and instance-wide settings (PRODUCT.md §6, §4 MFA switches, §5 bank verification mode)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from portal.domain.facts import SiteConfig

SITE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$"
HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
_SITE_ID = re.compile(SITE_ID_PATTERN)


def valid_site_id(value: str) -> bool:
    return bool(_SITE_ID.match(value))


class LoginBranding(BaseModel):
    """Instance-wide branding of login pages and every authentication email."""

    model_config = ConfigDict(frozen=True, defer_build=True)  # built on first use (cold start)

    logo_url: str = "https://static.example.com/portal/logo.svg"
    background_url: str = "https://static.example.com/portal/background.jpg"
    button_color: str = Field("#0B5FFF", pattern=HEX_COLOUR)
    support_email: str = "support@example.com"


class InstanceSettings(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # built on first use (cold start)

    mfa_all_sites: bool = False
    bank_verification_mode: Literal["allow_any", "existing_only"] = "allow_any"
    bank_verification_since: str | None = None  # ISO time the existing_only mode was switched on
    login_branding: LoginBranding = LoginBranding()
    # PRODUCT.md §5 payments: the most one payment may be, and how far ahead its payment date may lie.
    payment_limit: Decimal = Field(Decimal("100000.00"), gt=0, max_digits=12, decimal_places=2)
    payment_max_days_ahead: int = Field(30, ge=0, le=365)


class Site(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # built on first use (cold start)

    site_id: str = Field(pattern=SITE_ID_PATTERN)
    display_name: str = Field(min_length=1, max_length=100)
    banner_url: str = ""
    header_color: str = Field("#1F2937", pattern=HEX_COLOUR)
    private_labels: tuple[str, ...] = ()
    is_default: bool = False
    mfa_enabled: bool = False
    payments_enabled: bool = True

    @field_validator("private_labels")
    @classmethod
    def _labels_trimmed(cls, labels: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(label.strip() for label in labels)
        if any(not label for label in cleaned):
            raise ValueError("a private label cannot be empty; the default site covers unlabelled contracts")
        return cleaned

    def mfa_required(self, instance: InstanceSettings) -> bool:
        return self.mfa_enabled or instance.mfa_all_sites

    def as_config(self) -> SiteConfig:
        return SiteConfig(
            site_id=self.site_id, private_labels=frozenset(self.private_labels), is_default=self.is_default
        )
