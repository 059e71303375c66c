"""Public site branding (PRODUCT.md §6), shown on the login page before anyone signs in."""

from __future__ import annotations

from pydantic import BaseModel

from portal.domain.errors import NotFound
from portal.domain.settings import LoginBranding, valid_site_id
from portal.domain.sites import SiteMap
from portal.ports import SiteReader


class PublicSite(BaseModel):
    site_id: str
    display_name: str
    banner_url: str
    header_color: str
    mfa_required: bool
    payments_enabled: bool
    login_branding: LoginBranding


def public_branding(site_id: str, sites: SiteReader) -> PublicSite:
    site, settings = sites.get_site_and_settings(site_id) if valid_site_id(site_id) else (None, None)
    if site is None or settings is None:
        raise NotFound("There is no such site.", code="site_not_found")  # never echo the path back
    return PublicSite(
        site_id=site.site_id,
        display_name=site.display_name,
        banner_url=site.banner_url,
        header_color=site.header_color,
        mfa_required=site.mfa_required(settings),
        payments_enabled=site.payments_enabled,
        login_branding=settings.login_branding,
    )


def site_map(sites: SiteReader) -> SiteMap:
    return SiteMap(site.as_config() for site in sites.list_sites())
