"""The sync over the seeded demo ASPIRE and its activity simulator, as `portal-local` drives it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sync_kit import portal_items

from local.aspire import simulator
from local.aspire.personas import DEMO_SITES
from local.aspire.seed import seed
from portal.domain.settings import Site
from portal.wiring import SyncWiring


@pytest.fixture
def demo(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[SyncWiring, Path]:
    db = tmp_path / "aspire.db"
    seed(db, scale=120)
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(db))
    wiring = SyncWiring.from_env()
    for spec in DEMO_SITES:
        wiring.sites.put_site(Site.model_validate(spec))
    return wiring, db


def test_booked_contract_reaches_the_right_site_on_the_next_incremental(demo: tuple[SyncWiring, Path]) -> None:
    wiring, db = demo
    wiring.engine().run("full")
    # When ASPIRE books a contract with the AGRI label for an account
    booked = simulator.book_contract(db, "A-000001", label="AGRI")
    summary = wiring.engine().run("incremental")
    # Then it is on the harvest site, linked from the account
    contract_id = booked["contract_id"]
    items = portal_items()
    assert summary["full_resync"] is False and summary["items_written"] > 0
    assert (f"S#harvest#C#{contract_id}", "CONTRACT") in items
    assert ("S#harvest#A#A-000001", f"C#{contract_id}") in items


def test_restore_snapshot_is_detected_and_healed_in_one_run(demo: tuple[SyncWiring, Path]) -> None:
    wiring, db = demo
    wiring.engine().run("full")
    after_seed = _comparable(portal_items())
    booked = simulator.book_contract(db, "A-000001")
    simulator.terminate_contract(db, "CN-0001003")
    wiring.engine().run("incremental")
    assert _comparable(portal_items()) != after_seed
    # When the database is restored to the snapshot taken right after seeding
    simulator.restore_snapshot(db)
    summary = wiring.engine().run("incremental")
    # Then one run detects it, resyncs, and the portal is back to what the restored source says
    assert summary["restore_detected"] is True and summary["full_resync"] is True
    assert _comparable(portal_items()) == after_seed
    assert not any(booked["contract_id"] in pk for pk, _ in portal_items())


def _comparable(items: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return dict(sorted(items.items()))


def test_bank_accounts_on_file_carry_the_fingerprint_new_accounts_are_matched_with(
    demo: tuple[SyncWiring, Path],
) -> None:
    import sqlite3

    import boto3
    from aws_lambda_powertools.utilities import parameters

    from portal.domain.payments import bank_fingerprint

    wiring, db = demo
    parameters.clear_caches()
    # Given the fingerprint key in Secrets Manager, where the sync function is told to read it
    secret_id = wiring.sync_settings.fingerprint_secret_id
    boto3.client("secretsmanager").create_secret(Name=secret_id, SecretString="k" * 64)
    # When the sync runs
    wiring.engine().run("full")
    # Then every bank account on file carries the HMAC of its routing and account number, and no number
    with sqlite3.connect(db) as connection:
        on_file = connection.execute("SELECT BankAccountId, RoutingNumber, AccountNumber FROM BankAccount").fetchall()
    stored = {sk: item for (pk, sk), item in portal_items().items() if sk.startswith("BANK#")}
    assert on_file and stored
    for bank_id, routing, number in on_file:
        item = next((i for sk, i in stored.items() if sk == f"BANK#{bank_id}"), None)
        if item is None:  # an account that is on no site is not stored
            continue
        assert item["fingerprint"] == bank_fingerprint(b"k" * 64, routing, number)
        assert number not in str(item.values())


def test_an_unreadable_fingerprint_key_stores_accounts_on_file_without_one(demo: tuple[SyncWiring, Path]) -> None:
    from aws_lambda_powertools.utilities import parameters

    wiring, _ = demo
    parameters.clear_caches()  # another test of this process may have read a key under the same name
    # Given no such secret (a misconfigured deploy), When the sync runs, Then everything else still syncs
    summary = wiring.engine().run("full")
    stored = [item for (_, sk), item in portal_items().items() if sk.startswith("BANK#")]
    assert summary["status"] == "succeeded" and stored
    assert all("fingerprint" not in item for item in stored)
