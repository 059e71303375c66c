"""`make run`'s runtime over real HTTP: DynamoDB Local on disk, the moto server, both gateways on loopback."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local import aws_local, bootstrap
from local.gateway import Gateway, GatewayServer
from local.runtime import Paths, Ports
from local.services import LocalServices, free_port, local_services

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dynamodb_local")]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServices, str, str]]:
    saved = dict(os.environ)
    paths = Paths(state=Path(tmp_path_factory.mktemp("state")))
    ports = Ports(enduser=free_port(), admin=free_port(), dynamodb=free_port(), moto=free_port(), web=free_port())
    try:
        with local_services(paths, ports, serving=True) as services:
            bootstrap.ensure_portal_config()
            _rewire_handlers()
            verifier = aws_local.CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)
            # A short channel_timeout so the stuck-client test ends quickly (make run uses 15 s).
            enduser = GatewayServer(Gateway("enduser"), ports.enduser, log=lambda _: None, channel_timeout=2).start()
            admin = GatewayServer(Gateway("admin", verifier), ports.admin, log=lambda _: None).start()
            try:
                yield services, enduser.url, admin.url
            finally:
                enduser.stop()
                admin.stop()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _rewire_handlers() -> None:
    """Handler modules are imported once per process (like a warm Lambda); an earlier test in this worker may
    have bound them to its own moto. Give them this runtime's adapters, as a cold start here would."""
    from local.gateway import function_module
    from portal.api.routes import ROUTES

    for name in {r.function for r in ROUTES} | {"authorizer"}:
        module = function_module(name)
        if hasattr(module, "wiring"):
            module.wiring = type(module.wiring).from_env()


def http(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_both_apis_answer_health_and_openapi(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, admin = runtime
    for base in (enduser, admin):
        assert http(f"{base}/health") == (200, {"status": "ok"})
        status, document = http(f"{base}/openapi.json")
        assert status == 200 and document["openapi"].startswith("3.")


def test_a_demo_site_shows_its_branding(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, _ = runtime
    status, body = http(f"{enduser}/sites/careline")
    assert status == 200 and body["display_name"] == "CareLine Medical Leasing"
    assert body["login_branding"]["button_color"].startswith("#")


def test_unknown_routes_are_404_and_malformed_json_400_never_500(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, admin = runtime
    for url in (f"{enduser}/nowhere", f"{admin}/nowhere", f"{enduser}/sites/nosuchsite"):
        status, body = http(url)
        assert status == 404 and set(body["error"]) == {"code", "message"}
    status, body = http(f"{enduser}/sites/summit/auth/login", "POST", b"{not json")
    assert status == 400 and body["error"]["code"] == "malformed_request"
    status, body = http(f"{enduser}/sites/summit", "DELETE")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_admin_tokens_verify_against_the_pools_jwks(runtime: tuple[LocalServices, str, str]) -> None:
    services, _, _ = runtime
    verifier = aws_local.CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)
    token = aws_local.admin_token(services.moto_endpoint, services.admin_pool, "support@example.com")
    claims = verifier(token)
    assert claims is not None and json.loads(claims["cognito:groups"]) == ["portal-support"]
    header, payload, signature = token.split(".")
    assert verifier(f"{header}.{payload}.{signature[::-1]}") is None
    assert verifier("not-a-jwt") is None


def test_admin_tokens_carry_the_email_the_audit_log_records(runtime: tuple[LocalServices, str, str]) -> None:
    # Given make run's admin pool / When a demo admin signs in
    services, _, _ = runtime
    token = aws_local.admin_token(services.moto_endpoint, services.admin_pool, "admin@example.com")
    claims = aws_local.CognitoJwtVerifier(services.moto_endpoint, services.admin_pool)(token)
    # Then the ID token names them, as Cognito's does: the audit entry's "who" (actor_email) comes from it
    assert claims is not None and claims["email"] == "admin@example.com"


# --- the gateway as a hostile client sees it ---------------------------------------------------------------
def raw(base: str, request: bytes, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are and read until the server closes; (status, headers, body), status 0 if closed."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    if not data:
        return 0, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_a_hundred_parallel_clients_all_get_an_answer(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, _ = runtime
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(lambda _: http(f"{enduser}/health")[0], range(100)))
    assert answers == [200] * 100


def test_parallel_requests_to_one_function_do_not_see_each_others_event(
    runtime: tuple[LocalServices, str, str],
) -> None:
    # Given ten people asking for a reset link at the same time (the resolver keeps the current event)
    _, enduser, _ = runtime
    url = f"{enduser}/sites/summit/auth/password/forgot"

    def forgot(n: int) -> int:
        return http(url, "POST", json.dumps({"email": f"person{n}@example.com"}).encode())[0]

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(forgot, range(10)))
    # Then each one gets the answer of its own route
    assert answers == [202] * 10


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO"])
def test_other_methods_are_405_json_with_allow_and_unknown_paths_404(
    runtime: tuple[LocalServices, str, str], method: str
) -> None:
    _, enduser, _ = runtime
    status, headers, body = raw(enduser, f"{method} /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert (status, headers["allow"], headers["content-type"]) == (405, "GET", "application/json")
    if method != "HEAD":  # a HEAD answer has no body
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    status, headers, body = raw(enduser, f"{method} /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert (status, headers["content-type"]) == (404, "application/json")
    if method != "HEAD":
        assert json.loads(body)["error"]["code"] == "not_found"


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", ""])
def test_a_malformed_content_length_is_400_json(runtime: tuple[LocalServices, str, str], length: str) -> None:
    _, enduser, _ = runtime
    request = f"POST /sites/summit/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}"
    status, headers, body = raw(enduser, request.encode())
    assert (status, headers["content-type"]) == (400, "application/json")
    assert json.loads(body)["error"]["code"] == "malformed_request"


def test_a_body_over_10_mb_is_413_json(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, _ = runtime
    request = f"POST /sites/summit/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: {10 * 1024 * 1024 + 1}\r\n\r\n"
    status, headers, body = raw(enduser, request.encode())
    assert (status, headers["content-type"]) == (413, "application/json")
    assert json.loads(body)["error"]["code"] == "payload_too_large"


def test_a_body_shorter_than_its_content_length_is_dropped_and_others_are_served(
    runtime: tuple[LocalServices, str, str],
) -> None:
    # Given a client that announces 100 bytes and sends 10, then goes quiet
    _, enduser, _ = runtime
    host, port = enduser.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(b"POST /sites/summit/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        # When others call meanwhile, they are answered
        assert http(f"{enduser}/health")[0] == 200
        # Then the server ends the stuck connection (channel_timeout) instead of holding it forever
        assert sock.recv(65536) == b""
    assert http(f"{enduser}/health")[0] == 200


def test_a_chunked_body_is_decoded_into_the_one_body(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, _ = runtime
    body = json.dumps({"email": "nobody@example.com", "password": "not the password"}).encode()
    plain = http(f"{enduser}/sites/summit/auth/login", "POST", body)
    first, second = body[:10], body[10:]
    chunked = (
        b"POST /sites/summit/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(first):x}\r\n".encode() + first + b"\r\n"
        + f"{len(second):x}\r\n".encode() + second + b"\r\n0\r\n\r\n"
    )  # fmt: skip
    status, _, answer = raw(enduser, chunked)
    assert plain[0] == 401 and (status, json.loads(answer)) == plain


def test_path_segments_are_split_before_they_are_decoded(runtime: tuple[LocalServices, str, str]) -> None:
    _, enduser, _ = runtime
    # An encoded character reaches the path parameter decoded: this is the summit site
    status, body = http(f"{enduser}/sites/summi%74")
    assert status == 200 and body["site_id"] == "summit"
    # An encoded slash stays inside its segment: this is /sites/{site} (GET only), not the login route
    status, body = http(f"{enduser}/sites/summit%2Fauth%2Flogin", "POST", b"{}")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_stop_frees_the_port() -> None:
    port = free_port()
    server = GatewayServer(Gateway("enduser"), port, log=lambda _: None).start()
    server.stop()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
