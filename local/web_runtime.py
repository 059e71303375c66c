"""The whole local runtime in-process on free ports with its own state directory: what the browser tests, the
screenshots and the web benchmark run against (`make run` does the same on the configured ports, local/cli.py).

Seeded and synced like `make run` (demo ASPIRE database, sync, demo users), so the demo personas work; DynamoDB
Local runs in memory (nothing to keep, and the first full sync is several times faster than on disk). The
environment is restored when the block ends; handler modules imported earlier in the process are re-imported,
because a function builds its resolver (and its CORS origin) and its adapters at import, i.e. at cold start.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from local import aws_local, bootstrap
from local.gateway import Gateway, GatewayServer, function_module
from local.payments_poller import PaymentsPoller
from local.runtime import Paths, Ports, payments_queue_url
from local.services import free_port, local_services
from local.web_server import WebServer


@dataclass(frozen=True)
class WebRuntime:
    paths: Paths
    web_url: str
    enduser_url: str
    admin_url: str


def _cold_start_handlers() -> None:
    from portal.api.routes import ROUTES

    for name in sorted({route.function for route in ROUTES} | {"authorizer"}):
        importlib.reload(function_module(name))


@contextmanager
def web_runtime(state: Path) -> Iterator[WebRuntime]:
    saved = dict(os.environ)
    paths = Paths(state=state)
    ports = Ports(enduser=free_port(), admin=free_port(), dynamodb=free_port(), moto=free_port(), web=free_port())
    web_origin = f"http://127.0.0.1:{ports.web}"
    # Read by handler_environment: the emailed links and the CORS origin point at this runtime's web server.
    os.environ.update({"PORTAL_WEB_BASE_URL": web_origin, "PORTAL_WEB_ORIGIN": web_origin})
    try:
        with local_services(paths, ports, serving=True, in_memory=True) as services:
            bootstrap.ensure_portal_config()
            bootstrap.seed_demo(paths, scale=None, force=False, progress=lambda _: None)
            _cold_start_handlers()
            bootstrap.run_sync("full")
            bootstrap.ensure_demo_users(paths)
            verifier = aws_local.CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)
            quiet = lambda _: None  # noqa: E731 - the access log would drown the test output
            enduser = GatewayServer(Gateway("enduser", web_origin=web_origin), ports.enduser, quiet).start()
            admin = GatewayServer(Gateway("admin", verifier, web_origin=web_origin), ports.admin, quiet).start()
            # admin console (issue #11, part 2b): it signs in against the admin pool on the moto server.
            cognito = {"endpoint": f"{services.moto_endpoint}/", "client_id": services.admin_pool.client_id}
            web = WebServer(ports.web, enduser.url, admin.url, quiet, admin_cognito=cognito).start()
            # payments: the writer's event source mapping, as in `make run` (a payment is Scheduled in seconds)
            poller = PaymentsPoller(services.moto_endpoint, payments_queue_url(services.moto_endpoint)).start()
            try:
                yield WebRuntime(paths, web.url, enduser.url, admin.url)
            finally:
                poller.stop()
                web.stop()
                enduser.stop()
                admin.stop()
    finally:
        os.environ.clear()
        os.environ.update(saved)
