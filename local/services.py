"""Starting and finding the local services (DynamoDB Local, moto server) for `run` and every subcommand."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from local import aws_local, dynamodb_local, kms_local
from local.runtime import (
    TABLE_PREFIX,
    LocalError,
    Paths,
    Ports,
    RuntimeState,
    apply_environment,
    handler_environment,
    require_free_port,
)


@dataclass
class LocalServices:
    dynamodb_endpoint: str
    moto_endpoint: str
    admin_pool: aws_local.AdminPool
    shared: bool  # True when another `portal-local run` owns the services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def local_services(
    paths: Paths, ports: Ports | None = None, *, serving: bool = False, in_memory: bool = False
) -> Iterator[LocalServices]:
    """Use the services of a running `portal-local run`, or start them for the duration of the block.

    `serving=True` (the `run`/`serve` commands) insists on the configured ports and refuses to start a
    second server over the same data directory.
    """
    paths.state.mkdir(parents=True, exist_ok=True)
    running = RuntimeState.read(paths)
    if running is not None:
        if serving:
            raise LocalError(
                f"portal-local is already serving (pid {running.pid}) at {running.enduser_url}; "
                "use it, or stop it first (Ctrl-C or kill)"
            )
        pool = aws_local.AdminPool(running.admin_pool_id, running.admin_client_id)
        apply_environment(handler_environment(paths, running.dynamodb_endpoint, running.moto_endpoint))
        yield LocalServices(running.dynamodb_endpoint, running.moto_endpoint, pool, shared=True)
        return
    ports = ports or Ports()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the moto server's per-request access log
    if serving:
        for port, setting in ((ports.enduser, "PORTAL_PORT"), (ports.admin, "PORTAL_ADMIN_PORT"),
                              (ports.web, "PORTAL_WEB_PORT"), (ports.moto, "PORTAL_MOTO_PORT")):  # fmt: skip
            require_free_port(port, setting)
    # in_memory: a throwaway runtime (the browser tests, local/web_runtime.py), much faster to sync into.
    dynamo = dynamodb_local.DynamoDBLocal(paths, ports.dynamodb if serving else free_port(), in_memory=in_memory)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=ports.moto if serving else free_port(), verbose=False)
    dynamo.start()
    try:
        moto.start()
        moto_endpoint = f"http://127.0.0.1:{moto.get_host_and_port()[1]}"
        try:
            dynamodb_local.ensure_tables(dynamodb_local.client(dynamo.endpoint), TABLE_PREFIX)
            aws_local.ensure_ses(moto_endpoint)
            aws_local.ensure_payments_queue(moto_endpoint)
            kms_local.ensure_kms_key(moto_endpoint, paths)
            aws_local.ensure_fingerprint_secret(moto_endpoint, paths)  # payments (PRODUCT.md §5)
            pool = aws_local.ensure_admin_pool(moto_endpoint)
            apply_environment(handler_environment(paths, dynamo.endpoint, moto_endpoint))
            yield LocalServices(dynamo.endpoint, moto_endpoint, pool, shared=False)
        finally:
            moto.stop()
    finally:
        dynamo.stop()
