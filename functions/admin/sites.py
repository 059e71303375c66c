"""Sites and instance settings (`/admin/sites`, `/admin/settings`): PRODUCT.md §6."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from admin import common
from admin import models as m
from portal.domain.settings import InstanceSettings, Site

router = Router()


def _out(site: Site, message: str | None = None) -> m.SiteSaved:
    return m.SiteSaved.model_validate({**site.model_dump(), "message": message})


@router.get("/admin/sites", tags=["sites"])
def list_sites() -> dict[str, list[m.SiteOut]]:
    common.reader(router.current_event)
    return {"sites": [m.SiteOut.model_validate(s.model_dump()) for s in common.wiring.admin_sites.list_sites()]}


@router.post("/admin/sites", tags=["sites"], status_code=201)
def create_site(body: m.SiteCreate) -> m.SiteSaved:
    actor = common.writer(router.current_event)
    site, message = common.wiring.admin_sites.create_site(actor, Site.model_validate(body.model_dump()))
    return _out(site, message)


@router.get("/admin/sites/<site>", tags=["sites"])
def get_site(site: str) -> m.SiteOut:
    common.reader(router.current_event)
    return m.SiteOut.model_validate(common.wiring.admin_sites.get_site(site).model_dump())


@router.patch("/admin/sites/<site>", tags=["sites"])
def update_site(site: str, body: m.SitePatch) -> m.SiteSaved:
    actor = common.writer(router.current_event)
    body.refuse("site_id")
    saved, message = common.wiring.admin_sites.update_site(actor, site, body.changes())
    return _out(saved, message)


@router.get("/admin/settings", tags=["settings"])
def get_settings() -> InstanceSettings:
    common.reader(router.current_event)
    return common.wiring.admin_sites.get_settings()


@router.put("/admin/settings", tags=["settings"])
def put_settings(body: m.SettingsPut) -> InstanceSettings:
    actor = common.writer(router.current_event)
    return common.wiring.admin_sites.put_settings(actor, body.changes())
