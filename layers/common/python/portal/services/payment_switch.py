"""The per-site payments switch (PRODUCT.md §5): with payments off, payment routes do not exist for that site.

Every bank-account and payment route calls `require_payments_enabled` first, so a site with payments switched
off answers 404 exactly as for an unknown path, and no response carries payment data.
"""

from __future__ import annotations

from portal.domain.errors import NotFound
from portal.domain.settings import InstanceSettings, Site, valid_site_id
from portal.ports import SiteReader


def require_payments_enabled(sites: SiteReader, site_id: str) -> tuple[Site, InstanceSettings]:
    """The site and instance settings when the site takes payments; NotFound otherwise (also unknown sites)."""
    site, settings = sites.get_site_and_settings(site_id) if valid_site_id(site_id) else (None, None)
    if site is None or settings is None or not site.payments_enabled:
        raise NotFound("There is nothing at this address.", code="not_found")
    return site, settings
