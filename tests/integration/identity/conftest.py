"""The sign-in world on moto: sites, the application KMS key, the SES sender, an outbox, a movable clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.identity.kit import World, open_world


@pytest.fixture
def world(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return open_world(tmp_path, monkeypatch)
