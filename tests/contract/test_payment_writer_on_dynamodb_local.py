"""The payments writer against DynamoDB Local (which validates transactions like DynamoDB): many deliveries of
one payment's message at once insert ONE AlternateEft row per allocation and make ONE Scheduled transition.

KMS comes from moto in-process (`mock_aws` leaves DynamoDB Local's loopback endpoint alone).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from portal.wiring import SyncWiring

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "payments_writer"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "sync"))
from sync_kit import Aspire
from writer_kit import Payments, alternate_efts

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("dynamodb_local")]
DELIVERIES = 12


def test_concurrent_deliveries_write_each_allocation_once(
    ddb_local_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a small ASPIRE and a Pending payment over two contracts
    aspire = Aspire.empty(tmp_path / "aspire.db")
    source = aspire.source
    aspire.account("A-1", "Acme Paving")
    aspire.contract("C-1", "A-1")
    aspire.contract("C-2", "A-1")
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(source.path))
    with mock_aws():
        kms = boto3.client("kms")
        kms.create_alias(AliasName="alias/portal-test", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
        payments = Payments("alias/portal-test")
        payment = payments.store([("C-1", "A-1", "10.00"), ("C-2", "A-1", "20.00")])
        # When the message is delivered to many writers at once
        wirings = [SyncWiring.from_env() for _ in range(DELIVERIES)]

        def deliver(n: int) -> str:
            try:
                return wirings[n].payment_writer.handle("summit", "u-1", payment["payment_id"])
            except Exception as error:  # a loser of the transition race may give up; its retry would see Scheduled
                return type(error).__name__

        with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
            outcomes = list(pool.map(deliver, range(DELIVERIES)))
        # Then ASPIRE holds exactly one row per allocation, and exactly one writer made the transition
        rows = alternate_efts(source)
        assert sorted(r["PortalPaymentId"] for r in rows) == [
            f"{payment['payment_id']}-1",
            f"{payment['payment_id']}-2",
        ]
        assert outcomes.count("scheduled") == 1, outcomes
        stored = payments.get(payment["payment_id"])
        assert stored["status"] == "Scheduled" and stored["version"] == 2
        assert sorted(a["alternate_eft_id"] for a in stored["allocations"]) == sorted(r["AlternateEftId"] for r in rows)
        assert payments.outbox() == []
    source.close()
