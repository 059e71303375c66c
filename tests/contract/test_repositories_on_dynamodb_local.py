"""Repositories and the sync engine against DynamoDB Local, which validates like DynamoDB does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.adapters.dynamodb.batch import BatchWriter
from portal.domain.settings import InstanceSettings, LoginBranding, Site
from portal.wiring import SyncWiring, Wiring

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("dynamodb_local")]


def test_sites_and_settings_round_trip(ddb_local_env: str) -> None:
    repo = Wiring.from_env().sites
    repo.put_site(Site(site_id="summit", display_name="Summit", is_default=True))
    repo.put_site(Site(site_id="harvest", display_name="Harvest", private_labels=("AGRI",)))
    repo.put_settings(InstanceSettings(mfa_all_sites=True, login_branding=LoginBranding(button_color="#112233")))
    site, settings = repo.get_site_and_settings("harvest")
    assert site is not None and site.private_labels == ("AGRI",)
    assert settings.mfa_all_sites and settings.login_branding.button_color == "#112233"
    assert {s.site_id for s in repo.list_sites()} == {"summit", "harvest"}
    assert repo.get_site_and_settings("nowhere")[0] is None


def test_batch_writer_respects_the_real_25_item_limit(ddb_local_env: str) -> None:
    client = boto3.client("dynamodb")
    table = Wiring.from_env().settings.table_data
    writer = BatchWriter(client)
    for n in range(60):
        writer.put(table, {"pk": {"S": f"S#x#K{n}"}, "sk": {"S": "X"}})
    writer.flush()
    assert writer.stats.calls == 3
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 60


def test_sync_engine_on_dynamodb_local(ddb_local_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a small ASPIRE
    source = SqliteAspireSource(tmp_path / "aspire.db")
    source.create_schema()
    with source.write_transaction() as tx:
        tx.execute("INSERT INTO AspireVersion (VersionNumber) VALUES ('5.20.17')")
        tx.execute("INSERT INTO Account (AccountId, Name, AccountType) VALUES ('A-1', 'Acme', 'Business')")
        for n in range(40):
            tx.execute(
                "INSERT INTO Contract (ContractId, IsBooked, IsTerminated, TermMonths, PaymentAmount,"
                " PaymentFrequency, PastDueAmount) VALUES (?, 1, 0, 12, '10.00', 'Monthly', '0.00')",
                (f"C-{n:02d}",),
            )
            tx.execute(
                "INSERT INTO ContractRole (ContractRoleId, ContractId, AccountId, RoleType)"
                " VALUES (?, ?, 'A-1', 'Customer')",
                (n, f"C-{n:02d}"),
            )
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(source.path))
    wiring = SyncWiring.from_env()
    wiring.sites.put_site(Site(site_id="summit", display_name="Summit", is_default=True))
    # When it syncs twice
    first = wiring.engine().run("incremental")
    second = wiring.engine().run("incremental")
    # Then DynamoDB Local accepted every request and the rerun wrote nothing
    # (40 contracts and their links, the account, and its site-independent index: facts, name word, sound, number)
    assert first["status"] == "succeeded" and first["items_written"] == 40 * 2 + 1 + 4
    assert second["items_written"] == 0 and second["batch_write_calls"] == 0
    links = boto3.client("dynamodb").query(
        TableName=wiring.settings.table_data,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
        ExpressionAttributeValues={":pk": {"S": "S#summit#A#A-1"}, ":c": {"S": "C#"}},
    )
    assert links["Count"] == 40
    assert wiring.sync_state.acquire_lease("x", datetime.now(UTC), 60) is None
