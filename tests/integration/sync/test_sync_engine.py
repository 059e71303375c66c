"""The sync (PRODUCT.md §3) against a real SQLite ASPIRE and moto DynamoDB."""

from __future__ import annotations

from typing import Any

import pytest
from sync_kit import Aspire, keys_of, portal_items

from portal.domain.settings import Site
from portal.services.sync import SyncRefused
from portal.wiring import SyncWiring


def run(wiring: SyncWiring, job: str = "incremental") -> dict[str, Any]:
    return wiring.engine().run(job)  # type: ignore[arg-type]


def test_first_run_is_a_full_sync_onto_the_sites_the_labels_map_to(wiring: SyncWiring, aspire: Aspire) -> None:
    # Given contracts with no label, a mapped label, an unmapped label, and one not booked
    aspire.account("A-1", "Acme Paving", "ap@acme.example")
    aspire.account("A-2", "Green Farms")
    aspire.contract("C-1", "A-1")
    aspire.contract("C-2", "A-2", label="AGRI", guarantor="A-1")
    aspire.contract("C-3", "A-1", label="LEGACY")
    aspire.contract("C-4", "A-1", booked=False)
    # When the first incremental run happens
    summary = run(wiring)
    items = portal_items()
    # Then it was a full sync
    assert summary["status"] == "succeeded" and summary["full_resync"] is True
    # And each contract landed on its site, the unmapped label nowhere
    assert ("S#summit#C#C-1", "CONTRACT") in items and ("S#harvest#C#C-2", "CONTRACT") in items
    assert not any("C-3" in pk for pk, _ in items)
    # And links exist for booked contracts only, from Customer and Guarantor accounts
    assert ("S#summit#A#A-1", "C#C-1") in items
    assert ("S#harvest#A#A-1", "C#C-2") in items and items[("S#harvest#A#A-1", "C#C-2")]["roles"] == ["Guarantor"]
    assert ("S#summit#C#C-4", "CONTRACT") in items and ("S#summit#A#A-1", "C#C-4") not in items
    # And the daily fields came along (first sight of a contract brings everything)
    assert items[("S#summit#C#C-1", "FINANCIAL")]["contract_type"] == "Loan"
    assert items[("S#summit#C#C-1", "AMORTIZATION")]["payments"] == 3 and ("S#summit#C#C-1", "ASSET#1") in items
    # And accounts are linkable on the sites of their active contracts
    assert items[("S#summit#A#A-1", "ACCOUNT")]["linkable"] is True
    assert items[("S#harvest#A#A-1", "ACCOUNT")]["gsi1pk"] == "S#harvest#LINKABLE"


def test_unchanged_rerun_writes_nothing(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    run(wiring)
    # When nothing changed in ASPIRE, incremental and full runs write nothing at all
    for job in ("incremental", "daily", "full"):
        summary = run(wiring, job)
        assert (summary["items_written"], summary["items_deleted"], summary["batch_write_calls"]) == (0, 0, 0), job


def test_an_update_that_changes_nothing_writes_nothing(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    run(wiring)
    # Given ASPIRE rewrote a row with the same values (its rowversion moves)
    aspire.sql("UPDATE Contract SET PaymentAmount = PaymentAmount WHERE ContractId = 'C-1'")
    summary = run(wiring)
    assert summary["rows_read"] > 0 and summary["items_written"] == 0


def test_booking_a_contract_appears_on_the_next_incremental(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    run(wiring)
    aspire.contract("C-9", "A-1", label="MED")
    summary = run(wiring)
    items = portal_items()
    assert summary["full_resync"] is False and summary["items_written"] > 0
    assert ("S#careline#C#C-9", "CONTRACT") in items and ("S#careline#A#A-1", "C#C-9") in items
    assert items[("S#careline#A#A-1", "ACCOUNT")]["linkable"] is True


def test_termination_moves_the_contract_to_closed(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    run(wiring)
    aspire.sql("UPDATE Contract SET IsTerminated = 1, TerminationDate = '2026-11-20' WHERE ContractId = 'C-1'")
    run(wiring)
    items = portal_items()
    assert items[("S#summit#A#A-1", "C#C-1")]["listing"] == "closed"
    assert items[("S#summit#C#C-1", "CONTRACT")]["terminated"] is True
    # And the account is no longer linkable: its only contract is not active
    assert items[("S#summit#A#A-1", "ACCOUNT")]["linkable"] is False
    assert "gsi1pk" not in items[("S#summit#A#A-1", "ACCOUNT")]


def test_label_change_moves_every_item_of_the_contract_to_the_new_site(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1", guarantor=aspire.account("A-2", "Guarantor Inc"))
    run(wiring)
    before = keys_of(portal_items(), "summit")
    # When ASPIRE relabels the contract (an incremental change)
    aspire.sql("UPDATE Contract SET PrivateLabel = 'AGRI' WHERE ContractId = 'C-1'")
    run(wiring)
    items = portal_items()
    # Then nothing of it remains on the old site, and all of it (daily fields too) is on the new one
    assert not any("C-1" in pk or sk == "C#C-1" for pk, sk in keys_of(items, "summit"))
    moved = {(pk.replace("S#summit#", "S#harvest#"), sk) for pk, sk in before if "C-1" in pk or sk == "C#C-1"}
    assert moved <= set(items)
    # And the accounts left the old site entirely (no other contract there)
    assert keys_of(items, "summit") == set()


def test_site_remap_of_a_label_is_reconciled_by_the_daily_run(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1", label="DENTAL")
    run(wiring)
    assert ("S#careline#C#C-1", "CONTRACT") in portal_items()
    # When staff move the DENTAL label to the harvest site (no ASPIRE change at all)
    wiring.sites.put_site(Site(site_id="careline", display_name="CareLine", private_labels=("MED",)))
    wiring.sites.put_site(Site(site_id="harvest", display_name="Harvest", private_labels=("AGRI", "DENTAL")))
    run(wiring, "daily")
    items = portal_items()
    assert keys_of(items, "careline") == set()
    assert ("S#harvest#C#C-1", "CONTRACT") in items and ("S#harvest#A#A-1", "C#C-1") in items


def test_a_label_moved_between_sites_reaches_the_users_at_the_next_incremental_run(
    wiring: SyncWiring, aspire: Aspire
) -> None:
    # Given a DENTAL contract synced onto careline
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1", label="DENTAL")
    run(wiring)
    assert ("S#careline#C#C-1", "CONTRACT") in portal_items()
    # When staff move the DENTAL label to harvest and the next (15-minute, incremental) run starts
    wiring.sites.put_site(Site(site_id="careline", display_name="CareLine", private_labels=("MED",)))
    wiring.sites.put_site(Site(site_id="harvest", display_name="Harvest", private_labels=("AGRI", "DENTAL")))
    summary = run(wiring)
    # Then it ran as a full resync, saying why, and moved the contract and its account
    assert summary["full_resync"] is True and summary["full_resync_reason"] == "site_map_changed"
    items = portal_items()
    assert keys_of(items, "careline") == set()
    assert ("S#harvest#C#C-1", "CONTRACT") in items and ("S#harvest#A#A-1", "C#C-1") in items
    # And the run after that, with the map unchanged, is incremental again
    assert run(wiring)["full_resync"] is False


def test_role_removal_hides_the_contract_from_the_account(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.account("A-2", "Guarantor Inc")
    aspire.contract("C-1", "A-1")
    role = aspire.role("C-1", "A-2", "Guarantor")
    run(wiring)
    assert ("S#summit#A#A-2", "C#C-1") in portal_items()
    # When ASPIRE hard-deletes the Guarantor role (no row left to carry a rowversion)
    aspire.sql("DELETE FROM ContractRole WHERE ContractRoleId = ?", role)
    run(wiring, "daily")
    items = portal_items()
    assert ("S#summit#A#A-2", "C#C-1") not in items
    assert ("S#summit#A#A-2", "ACCOUNT") not in items  # A-2 has no contract on the site any more
    assert items[("S#summit#C#C-1", "CONTRACT")]["roles"] == {"A-1": ["Customer"]}


def test_deleted_contract_is_reconciled_daily(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    aspire.contract("C-2", "A-1")
    run(wiring)
    for table in ("Invoice", "AmortizationSchedule", "Asset", "ContractRole", "ContractFinancial", "Contract"):
        aspire.sql(f"DELETE FROM {table} WHERE ContractId = 'C-2'")
    run(wiring, "daily")
    items = portal_items()
    assert not any("C-2" in pk or sk == "C#C-2" for pk, sk in items)
    assert ("S#summit#C#C-1", "CONTRACT") in items


def test_open_transaction_with_a_lower_rowversion_is_not_skipped(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    aspire.contract("C-2", "A-1")
    run(wiring)
    # Given a long transaction takes a rowversion, then a later change commits with a higher one
    with aspire.source.open_transaction() as tx:
        tx.update("Contract", "ContractId", "C-1", IsTerminated=1)
        aspire.sql("UPDATE Contract SET NextDueAmount = '999.00' WHERE ContractId = 'C-2'")
        # When the sync runs while the transaction is open
        run(wiring)
        items = portal_items()
        # Then it sees neither (the window stops at MIN_ACTIVE_ROWVERSION)...
        assert items[("S#summit#C#C-1", "CONTRACT")]["terminated"] is False
    # And after the commit the next run picks up the lower rowversion too
    run(wiring)
    items = portal_items()
    assert items[("S#summit#C#C-1", "CONTRACT")]["terminated"] is True
    assert str(items[("S#summit#C#C-2", "CONTRACT")]["next_due_amount"]) == "999.00"


def test_crash_after_writing_before_the_watermark_converges_on_rerun(
    wiring: SyncWiring, aspire: Aspire, monkeypatch: pytest.MonkeyPatch
) -> None:
    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    run(wiring)
    aspire.contract("C-2", "A-1", label="AGRI")
    aspire.sql("UPDATE Contract SET PrivateLabel = 'MED' WHERE ContractId = 'C-1'")
    watermark_before = wiring.sync_state.watermarks()

    # Given the process dies after its writes, before the watermark moves
    def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError("injected crash")

    with monkeypatch.context() as patch:
        patch.setattr(type(wiring.sync_state), "set_watermarks", crash)
        with pytest.raises(RuntimeError, match="injected crash"):
            run(wiring)
    assert wiring.sync_state.watermarks() == watermark_before
    # When the next run comes
    run(wiring)
    # Then the portal equals a fresh full sync of the source: nothing missing, nothing extra
    converged = portal_items()
    for item in converged.values():
        item.pop("gsi1pk", None), item.pop("gsi1sk", None)
    fresh = _fresh_full_sync(wiring)
    assert set(converged) == set(fresh)
    assert converged == fresh
    # And the lease was released by the crashed run
    assert run(wiring)["status"] == "succeeded"


def _fresh_full_sync(wiring: SyncWiring) -> dict[tuple[str, str], dict[str, Any]]:
    import boto3

    client = boto3.client("dynamodb")
    for pk, sk in portal_items():
        client.delete_item(TableName=wiring.settings.table_data, Key={"pk": {"S": pk}, "sk": {"S": sk}})
    for item in wiring.sync_state.manifests_in_range("C", "", "\U0010ffff"):
        client.delete_item(
            TableName=wiring.settings.table_control, Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}
        )
    for item in wiring.sync_state.manifests_in_range("A", "", "\U0010ffff"):
        client.delete_item(
            TableName=wiring.settings.table_control, Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}
        )
    run(wiring, "full")
    items = portal_items()
    for item in items.values():
        item.pop("gsi1pk", None), item.pop("gsi1sk", None)
    return items


def test_a_second_run_while_the_lease_is_held_exits_and_says_so(wiring: SyncWiring, aspire: Aspire) -> None:
    from datetime import UTC, datetime

    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    assert wiring.sync_state.acquire_lease("other-run", datetime.now(UTC), 600) is None
    summary = run(wiring)
    assert summary["status"] == "skipped" and "other-run" in summary["reason"]
    assert portal_items() == {}


@pytest.mark.parametrize("version", ["5.20.16", "4.9.0", "garbage"])
def test_unsupported_aspire_version_stops_with_a_clear_error(wiring: SyncWiring, aspire: Aspire, version: str) -> None:
    aspire.sql("UPDATE AspireVersion SET VersionNumber = ?", version)
    with pytest.raises(SyncRefused, match=r"5\.20\.17"):
        run(wiring)
    runs = wiring.sync_state.recent_runs()
    assert runs[0]["status"] == "failed" and "5.20.17" in runs[0]["errors"][0]


def test_restore_is_detected_and_healed_in_one_run(wiring: SyncWiring, aspire: Aspire, tmp_path: Any) -> None:
    import sqlite3

    aspire.account("A-1", "Acme")
    aspire.contract("C-1", "A-1")
    # Given a backup taken now
    backup = tmp_path / "backup.db"
    with sqlite3.connect(backup) as target:
        aspire.source.connection().backup(target)
    run(wiring)
    # And later changes the portal synced
    aspire.contract("C-2", "A-1", label="AGRI")
    aspire.sql("UPDATE Contract SET IsTerminated = 1 WHERE ContractId = 'C-1'")
    run(wiring)
    # When the database is restored from the backup (rowversions go back)
    with sqlite3.connect(backup) as source:
        source.backup(aspire.source.connection())
    summary = run(wiring)
    # Then the run says so, resyncs everything, and the portal matches the restored source
    assert summary["restore_detected"] is True and summary["full_resync"] is True
    items = portal_items()
    assert not any("C-2" in pk for pk, _ in items)
    assert items[("S#summit#C#C-1", "CONTRACT")]["terminated"] is False
    assert wiring.sync_state.events()[0]["kind"] == "restore_detected"
    # And the next run is an ordinary incremental again
    after = run(wiring)
    assert after["restore_detected"] is False and after["full_resync"] is False


def test_sync_customer_brings_one_customers_data_now(wiring: SyncWiring, aspire: Aspire) -> None:
    aspire.account("A-1", "Acme")
    aspire.account("A-2", "Other")
    for n in range(50):
        aspire.contract(f"C-{n:03d}", "A-1", label="AGRI" if n % 2 else None)
    aspire.contract("C-900", "A-2")
    summary = wiring.engine().sync_customer(["A-1"])
    items = portal_items()
    assert summary["contracts_rebuilt"] == 50
    assert len([k for k in items if k[1].startswith("C#")]) == 50
    assert not any("C-900" in pk for pk, _ in items)
