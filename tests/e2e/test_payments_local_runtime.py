"""`make run` gives the payments function what the CDK stack gives it in AWS: the fingerprint key's secret and
the payments queue on the moto server, named by the same variables, and the key survives a restart."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from local.runtime import Paths
from local.services import local_services
from portal.adapters.secrets import FingerprintKey
from portal.config import PaymentsSettings

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dynamodb_local")]


@pytest.fixture
def environment() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_local_runtime_provides_the_payments_secret_and_queue(environment: None, tmp_path: Path) -> None:
    from aws_lambda_powertools.utilities import parameters

    paths = Paths(state=tmp_path / "state")
    keys = []
    for _ in range(2):  # a start, and a restart over the same state directory
        with local_services(paths):
            parameters.clear_caches()
            settings = PaymentsSettings.load()  # every variable the payments function needs is set
            keys.append(FingerprintKey(settings.fingerprint_secret_id)())
            sqs = boto3.client("sqs")
            sqs.send_message(QueueUrl=settings.payments_queue_url, MessageBody="{}")
            received = sqs.receive_message(QueueUrl=settings.payments_queue_url).get("Messages", [])
            assert [m["Body"] for m in received] == ["{}"]
    assert len(keys[0]) == 64 and keys[0] == keys[1]
