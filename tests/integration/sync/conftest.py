"""Fixtures of the sync tests: a hand-built ASPIRE and the sync wiring over moto."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_kit import SITES, Aspire

from portal.wiring import SyncWiring


@pytest.fixture
def aspire(tmp_path: Path) -> Iterator[Aspire]:
    aspire = Aspire.empty(tmp_path / "aspire.db")
    yield aspire
    aspire.source.close()


@pytest.fixture
def wiring(aws: None, aspire: Aspire, monkeypatch: pytest.MonkeyPatch) -> SyncWiring:
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(aspire.source.path))
    wiring = SyncWiring.from_env()
    for site in SITES:
        wiring.sites.put_site(site)
    return wiring
