"""`make run`'s in-process payments writer: the moto server's queue, the poller thread, the real handler.

A payment stored as the API stores it (tests/integration/payments_writer/writer_kit.py, until the payments API
lands) and announced on the queue becomes Scheduled, with its AlternateEft row in the local ASPIRE, without
anyone calling the writer; a payment written while the outage switch is on stays Pending, and is Scheduled once
it is off again (the message comes back after the visibility timeout).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local import bootstrap
from local.payments_poller import PaymentsPoller
from local.runtime import LOCAL_KMS_KEY_ALIAS, Paths, Ports, payments_queue_url
from local.services import LocalServices, free_port, local_services
from portal.adapters.aspire.outage import set_outage
from portal.services.payment_messages import PaymentMessage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "payments_writer"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "sync"))
from sync_kit import Aspire
from writer_kit import Payments, alternate_efts

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dynamodb_local")]


def eventually(check: Callable[[], bool], within_s: float = 20.0) -> bool:
    """A liveness bound, not a timing assertion: the poller runs in its own thread."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServices, Paths, Aspire, PaymentsPoller]]:
    saved = dict(os.environ)
    paths = Paths(state=Path(tmp_path_factory.mktemp("state")))
    ports = Ports(enduser=free_port(), admin=free_port(), dynamodb=free_port(), moto=free_port(), web=free_port())
    aspire = Aspire.empty(paths.aspire_db)
    source = aspire.source
    aspire.account("A-1", "Acme Paving")
    aspire.contract("C-1", "A-1")
    try:
        with local_services(paths, ports, serving=True) as services:
            bootstrap.ensure_portal_config()
            from local.gateway import function_module

            module = function_module("payments_writer")
            module.wiring = type(module.wiring).from_env()  # this runtime's adapters, as a cold start here would
            poller = PaymentsPoller(services.moto_endpoint, payments_queue_url(services.moto_endpoint)).start()
            try:
                yield services, paths, aspire, poller
            finally:
                poller.stop()
    finally:
        source.close()
        os.environ.clear()
        os.environ.update(saved)


def announce(payment: dict[str, Any]) -> None:
    message = PaymentMessage(site_id=payment["site_id"], user_id=payment["user_id"], payment_id=payment["payment_id"])
    boto3.client("sqs").send_message(QueueUrl=os.environ["PAYMENTS_QUEUE_URL"], MessageBody=message.model_dump_json())


def test_a_stored_payment_is_scheduled_by_the_poller(runtime: tuple[LocalServices, Paths, Aspire, Any]) -> None:
    _, _, aspire, _ = runtime
    payments = Payments(LOCAL_KMS_KEY_ALIAS, user_id="u-poll")
    # Given a payment stored and announced as the API does it
    payment = payments.store([("C-1", "A-1", "42.00")])
    announce(payment)
    # Then, without anyone calling the writer, it becomes Scheduled with its row in ASPIRE
    assert eventually(lambda: payments.get(payment["payment_id"])["status"] == "Scheduled")
    ids = [r["PortalPaymentId"] for r in alternate_efts(aspire.source)]
    assert f"{payment['payment_id']}-1" in ids


def test_an_outage_keeps_it_pending_until_aspire_is_back(runtime: tuple[LocalServices, Paths, Aspire, Any]) -> None:
    _, paths, aspire, poller = runtime
    payments = Payments(LOCAL_KMS_KEY_ALIAS, user_id="u-outage")
    # Given ASPIRE switched off for the portal (`portal-local aspire outage on`)
    set_outage(paths.aspire_outage, True)
    try:
        handled = poller.handled
        payment = payments.store([("C-1", "A-1", "7.00")])
        announce(payment)
        # When the writer tried it: Pending, saying why
        assert eventually(lambda: "last_error" in payments.get(payment["payment_id"]))
        assert payments.get(payment["payment_id"])["status"] == "Pending"
        assert poller.handled == handled
    finally:
        set_outage(paths.aspire_outage, False)
    # Then, after the outage, the redelivered message schedules it
    assert eventually(lambda: payments.get(payment["payment_id"])["status"] == "Scheduled", within_s=40)
    assert f"{payment['payment_id']}-1" in [r["PortalPaymentId"] for r in alternate_efts(aspire.source)]
