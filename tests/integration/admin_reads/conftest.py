"""The admin read world: ASPIRE accounts and contracts synced into moto, users on the sign-in world."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.admin_reads.admin_reads_kit import AdminWorld, open_admin_world


@pytest.fixture
def admin(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AdminWorld:
    world = open_admin_world(tmp_path, monkeypatch)
    a = world.aspire
    # Given accounts whose names all start with "Cedar", each linkable or not for a different reason
    a.account("A-1", "Cedar Trucking LLC")
    a.contract("C-1", "A-1")  # active, no label -> summit
    a.account("A-2", "Cedar Transport")
    a.contract("C-2", "A-2", terminated=True)  # booked but terminated
    a.account("A-3", "Cedar Farms")
    a.contract("C-3", "A-3", label="AGRI")  # active, label of harvest
    a.account("A-4", "Cedar Vendors")
    a.role("C-1", "A-4", "Vendor")  # a role that grants nothing
    a.account("A-5", "Cedar Pending")
    a.contract("C-5", "A-5", booked=False)
    a.account("A-6", "Cedar Trust")
    a.contract("C-6", "A-6")
    world.run_sync("full")
    return world
