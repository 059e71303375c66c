"""The admin world: the sign-in world on moto with the admin routers bound to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.admin.admin_kit import bind_admin
from tests.integration.identity.kit import World, bind_functions, open_world


@pytest.fixture
def world(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    world = open_world(tmp_path, monkeypatch)
    bind_functions(world, "contracts")
    bind_admin(world)
    return world
