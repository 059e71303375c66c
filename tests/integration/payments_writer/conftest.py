"""Fixtures of the writer's tests: a hand-built ASPIRE (the sync tests' kit), moto, and payments as the API
stores them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))

from sync_kit import SITES, Aspire
from writer_kit import Payments, World

from portal.wiring import SyncWiring


@pytest.fixture
def world(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    aspire = Aspire.empty(tmp_path / "aspire.db")
    source = aspire.source
    aspire.account("A-1", "Acme Paving")
    aspire.contract("C-1", "A-1")
    aspire.contract("C-2", "A-1")
    flag = tmp_path / "aspire-outage"
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(source.path))
    monkeypatch.setenv("ASPIRE_OUTAGE_FLAG", str(flag))
    for name in ("PAYMENTS_QUEUE_URL", "PAYMENTS_SWEEP_AFTER_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    wiring = SyncWiring.from_env()
    for site in SITES:
        wiring.sites.put_site(site)
    kms = boto3.client("kms")
    key_id = kms.create_key(Description="test app key")["KeyMetadata"]["KeyId"]
    alias = os.environ["PORTAL_KMS_KEY_ID"]  # the tests' value (tests/conftest.py TEST_SETTINGS)
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    yield World(wiring, aspire, Payments(alias), flag)
    source.close()
