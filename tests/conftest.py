"""Shared fixtures: moto in-process AWS, DynamoDB Local, the portal tables, and an AWS call counter.

Repository tests run against both moto and DynamoDB Local (the `dynamodb_endpoint` parametrisation of the
contract suite), because moto accepts requests DynamoDB rejects (26-item batches, for instance).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "functions") not in sys.path:
    sys.path.insert(0, str(ROOT / "functions"))

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

TEST_PREFIX = "test"
# The tests' values of settings that have no default (portal/config.py); the identity kit creates the key
# alias and verifies the sender on moto from these.
TEST_SETTINGS = {
    "PORTAL_KMS_KEY_ID": "alias/portal-test",
    "PORTAL_SENDER_EMAIL": "no-reply@portal.test",
    "PORTAL_WEB_BASE_URL": "http://127.0.0.1:8000",
    # payments: the identity kit creates the fingerprint secret and the queue on moto from these
    "PORTAL_FINGERPRINT_SECRET_ID": "portal-test/fingerprint-key",
    "PAYMENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/portal-payments-test",
}


def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "SYNC_CHUNK_QUEUE_URL", "_HANDLER"):
        monkeypatch.delenv(name, raising=False)
    for key, value in TEST_SETTINGS.items():
        monkeypatch.setenv(key, value)
    from portal.config import table_env

    for key, value in table_env(TEST_PREFIX).items():
        monkeypatch.setenv(key, value)


def create_tables(client: Any, prefix: str = TEST_PREFIX) -> None:
    from portal.adapters.dynamodb.tables import TABLES

    existing = set(client.list_tables()["TableNames"])
    for table in TABLES:
        if table.physical_name(prefix) not in existing:
            client.create_table(**table.create_table_kwargs(prefix))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process for every AWS service, with the portal tables created."""
    from moto import mock_aws

    _aws_env(monkeypatch)
    with mock_aws():
        create_tables(boto3.client("dynamodb"))
        yield


@pytest.fixture
def aws_calls() -> Iterator[Counter[str]]:
    """Counts AWS operations by name ("dynamodb.Query", ...) made through any boto3 client."""
    counter: Counter[str] = Counter()

    def _count(event_name: str, **_: Any) -> None:
        # event_name: "before-call.<service>.<Operation>"
        _, service, operation = event_name.split(".", 2)
        counter[f"{service}.{operation}"] += 1

    session = boto3.DEFAULT_SESSION or boto3.setup_default_session() or boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register("before-call.*.*", _count)
    yield counter
    session.events.unregister("before-call.*.*", _count)


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """A throwaway in-memory DynamoDB Local for the whole test session (its endpoint)."""
    from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalError
    from local.runtime import Paths
    from local.services import free_port

    server = DynamoDBLocal(Paths(), free_port(), in_memory=True)
    try:
        server.start(timeout_s=60)
    except DynamoDBLocalError as error:
        pytest.fail(f"DynamoDB Local is required for the contract suite: {error}")
    yield server.endpoint
    server.stop()


@pytest.fixture
def ddb_local_env(dynamodb_local: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """Points boto3 at DynamoDB Local with freshly named tables for this test."""
    _aws_env(monkeypatch)
    prefix = f"t{abs(hash(request.node.nodeid)) % 10**8}"
    from portal.config import table_env

    for key, value in table_env(prefix).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
    create_tables(boto3.client("dynamodb", endpoint_url=dynamodb_local), prefix)
    return prefix
