"""Request bodies and query parameters of the admin API (validated by the resolver: 400 malformed, 422 invalid).

Text fields use the control-character-free types of `portal.api.fields`; URLs must be https, colours
`#RRGGBB`, site ids the site-id pattern. Unknown fields are refused (422) on PATCH bodies, so a typo never
looks like a successful edit; a PATCH naming `email` or `site_id` is 422 `immutable_field` (the service).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from portal.api.fields import Email, Id, Name, NoControl, Text, Token
from portal.domain.errors import ValidationFailed
from portal.domain.settings import HEX_COLOUR, SITE_ID_PATTERN


def _https(value: str) -> str:
    parts = urlsplit(value)
    if value and (parts.scheme != "https" or not parts.netloc or " " in value):
        raise ValueError("must be an https:// URL")
    return value


HttpsUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048), NoControl, AfterValidator(_https)]
HexColour = Annotated[str, StringConstraints(strip_whitespace=True, pattern=HEX_COLOUR)]
SiteId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SITE_ID_PATTERN)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[\w .&/-]+$")]
Labels = Annotated[list[Label], Field(max_length=50)]
AccountIds = Annotated[list[Id], Field(max_length=75)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def refuse(self, *immutable: str) -> None:
        """422 `immutable_field` when the body names a field that can never change (email, site)."""
        named = sorted(set(immutable) & self.model_fields_set)
        if named:
            raise ValidationFailed(f"{', '.join(named)} cannot be changed.", code="immutable_field",
                                   fields=[{"field": n, "issue": "cannot be changed"} for n in named])  # fmt: skip


class SiteCreate(Body):
    site_id: SiteId
    display_name: Text
    banner_url: HttpsUrl = ""
    header_color: HexColour = "#1F2937"
    private_labels: Labels = []
    is_default: bool = False
    mfa_enabled: bool = False
    payments_enabled: bool = True


class SitePatch(Body):
    display_name: Text | None = None
    banner_url: HttpsUrl | None = None
    header_color: HexColour | None = None
    private_labels: Labels | None = None
    is_default: bool | None = None
    mfa_enabled: bool | None = None
    payments_enabled: bool | None = None
    site_id: Any = None  # named only to answer 422 immutable_field

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"site_id"})


class BrandingPatch(Body):
    logo_url: HttpsUrl | None = None
    background_url: HttpsUrl | None = None
    button_color: HexColour | None = None
    support_email: Email | None = None


class SettingsPut(Body):
    """The fields given replace the stored ones; fields left out keep their value."""

    mfa_all_sites: bool | None = None
    bank_verification_mode: Literal["allow_any", "existing_only"] | None = None
    payment_limit: Annotated[Decimal, Field(gt=0, le=Decimal("1000000.00"), max_digits=10, decimal_places=2)] | None = (
        None
    )
    payment_max_days_ahead: Annotated[int, Field(ge=0, le=365)] | None = None
    login_branding: BrandingPatch | None = None

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True, exclude={"login_branding"})
        if self.login_branding is not None:
            changes["login_branding"] = self.login_branding.model_dump(exclude_unset=True)
        return {k: v for k, v in changes.items() if v is not None}


class UserCreate(Body):
    email: Email
    first_name: Name
    last_name: Name
    account_ids: AccountIds = []


class UserPatch(Body):
    first_name: Name | None = None
    last_name: Name | None = None
    account_ids: AccountIds | None = None
    email: Any = None  # named only to answer 422 immutable_field
    site_id: Any = None

    def changes(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.model_dump(exclude_unset=True, exclude={"email", "site_id"}).items() if v is not None
        }


class UserSearchQuery(BaseModel):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoControl] | None = None
    status: Literal["Pending", "Active", "Inactive"] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    next_token: Token | None = None


class AuditQuery(BaseModel):
    site: SiteId | None = None
    since: datetime | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    next_token: Token | None = None


class SiteOut(BaseModel):
    site_id: str
    display_name: str
    banner_url: str
    header_color: str
    private_labels: list[str]
    is_default: bool
    mfa_enabled: bool
    payments_enabled: bool


class SiteSaved(SiteOut):
    message: str | None = None


class RunStarted(BaseModel):
    run_id: str
