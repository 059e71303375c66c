"""Sync status and a staff-started full resync (`/admin/sync`): PRODUCT.md §3."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from admin import common
from admin import models as m

router = Router()


@router.get("/admin/sync", tags=["sync"])
def sync_status() -> dict[str, Any]:
    common.reader(router.current_event)
    return common.wiring.admin_sync.status()


@router.post("/admin/sync/full", tags=["sync"], status_code=202)
def start_full_sync() -> m.RunStarted:
    common.writer(router.current_event)
    return m.RunStarted(run_id=common.wiring.admin_sync.start_full())
