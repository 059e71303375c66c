"""The link-landing pages `make run` serves on PORTAL_WEB_PORT, where the portal's emails point."""

from __future__ import annotations

import html
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.runtime import Paths, Ports, handler_environment
from local.services import free_port
from local.web_links import WebLinksServer

pytestmark = pytest.mark.e2e
ENDUSER = "http://127.0.0.1:18000"
TOKEN = "AbC-123_xyz"


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = WebLinksServer(free_port(), ENDUSER, log=lambda _: None).start()
    try:
        yield server.url
    finally:
        server.stop()


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, method=method)  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_verify_email_link_shows_the_curl_that_completes_it(web: str) -> None:
    status, headers, page = get(f"{web}/sites/summit/verify-email?token={TOKEN}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'self'")
    command = (
        f"curl -X POST {ENDUSER}/sites/summit/enrollment/verify \\\n  -H 'content-type: application/json' \\\n"
        f'  -d \'{{"token":"{TOKEN}","password":"<choose one>"}}\''
    )
    assert html.escape(command) in page
    assert "<script" not in page


@pytest.mark.parametrize(
    ("path", "api_path"),
    [
        (f"/sites/harvest/reset-password?token={TOKEN}", "/sites/harvest/auth/password/reset"),
        ("/sites/harvest/sign-in", "/sites/harvest/auth/login"),
        ("/sites/harvest/forgot-password", "/sites/harvest/auth/password/forgot"),
    ],
)
def test_the_other_links_name_their_api_call(web: str, path: str, api_path: str) -> None:
    status, _, page = get(web + path)
    assert status == 200 and f"curl -X POST {ENDUSER}{api_path}" in page


@pytest.mark.parametrize(
    "path",
    [
        "/sites/summit/verify-email?token=%3Cscript%3Ealert(1)%3C/script%3E",
        "/sites/summit/verify-email?token=" + "a" * 129,
        f"/sites/summit/verify-email?token={TOKEN}&token=other",
        "/sites/summit/verify-email",
        f"/sites/Summit/verify-email?token={TOKEN}",
        f"/sites/{'s' * 41}/reset-password?token={TOKEN}",
        f"/sites/%3Cb%3E/reset-password?token={TOKEN}",
        "/sites/summit/enrollment/verify",
        "/",
    ],
)
def test_anything_else_is_a_404_page_that_echoes_nothing(web: str, path: str) -> None:
    status, headers, page = get(web + path)
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert "script" not in page and "other" not in page and TOKEN not in page and "Summit" not in page


def test_only_get_is_answered(web: str) -> None:
    status, headers, _ = get(f"{web}/sites/summit/sign-in", "POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_handlers_link_to_the_web_port_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_WEB_BASE_URL", raising=False)
    env = handler_environment(Paths(state=Path("/nowhere")), "http://d", "http://m")
    assert env["PORTAL_WEB_BASE_URL"] == f"http://127.0.0.1:{Ports().web}"
    monkeypatch.setenv("PORTAL_WEB_BASE_URL", "https://portal.example.com")
    env = handler_environment(Paths(state=Path("/nowhere")), "http://d", "http://m")
    assert env["PORTAL_WEB_BASE_URL"] == "https://portal.example.com"
