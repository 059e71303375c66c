"""The admin read world: a hand-built ASPIRE synced for real into moto, users on the sign-in world, staff tokens.

The accounts and contracts reach DynamoDB through the sync engine itself (`SyncWiring.engine().run`), so the
search index and the linkability facts the routes read are exactly what the sync writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.events import api_event
from portal.wiring import SyncWiring
from tests.integration.identity.kit import World, bind_functions, call, open_world
from tests.integration.sync.sync_kit import Aspire

ADMIN = {"sub": "staff-admin", "email": "admin@example.com", "cognito:groups": "[portal-admins]"}
SUPPORT = {"sub": "staff-support", "email": "support@example.com", "cognito:groups": "[portal-support]"}
ADMIN_MODULES = ("admin.common",)  # the one wiring of the admin function


@dataclass
class AdminWorld:
    world: World
    aspire: Aspire
    sync: SyncWiring

    def run_sync(self, job: str = "incremental") -> dict[str, Any]:
        return self.sync.engine().run(job)  # type: ignore[arg-type]

    def get(self, path: str, query: dict[str, str] | None = None, claims: dict[str, Any] | None = SUPPORT) -> Any:
        event = api_event("GET", path, query=query, api_id="admin",
                          authorizer={"claims": claims} if claims else None)  # fmt: skip
        status, body, _ = call("admin", event)
        return status, body


def open_admin_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AdminWorld:
    world = open_world(tmp_path, monkeypatch)
    aspire = Aspire.empty(tmp_path / "aspire.db")
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(aspire.source.path))
    sync = SyncWiring.from_env()
    object.__setattr__(sync, "dynamodb", world.wiring.dynamodb)
    from local.gateway import function_module

    function_module("admin")  # imported the way the gateway does, so the routers below are the served ones
    import importlib

    for name in ADMIN_MODULES:
        importlib.import_module(name).wiring = world.wiring
    bind_functions(world, "admin")
    return AdminWorld(world, aspire, sync)
