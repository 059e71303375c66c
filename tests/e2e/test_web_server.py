"""The static server of the web app (`make run`, PORTAL_WEB_PORT): files, SPA fallback, config.json, headers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from local.services import free_port
from local.web_server import ADMIN_DIR, APP_DIR, WebServer

pytestmark = pytest.mark.e2e
ENDUSER, ADMIN = "http://127.0.0.1:18000", "http://127.0.0.1:18001"
LOGGED: list[str] = []


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = WebServer(free_port(), ENDUSER, ADMIN, log=LOGGED.append).start()
    try:
        yield server.url
    finally:
        server.stop()


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    "path",
    ["/sites/summit/sign-in", "/sites/summit/verify-email?token=AbC-123_xyz", "/sites/x/contracts/CN-1/schedule", "/"],
)
def test_app_paths_and_email_links_get_the_app_with_the_security_headers(web: str, path: str) -> None:
    status, headers, body = get(f"{web}{path}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (APP_DIR / "index.html").read_bytes()
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self' {ENDUSER} {ADMIN}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    assert (headers["X-Content-Type-Options"], headers["Referrer-Policy"], headers["X-Frame-Options"]) == (
        "nosniff",
        "no-referrer",
        "DENY",
    )


def test_the_page_has_no_inline_script_or_style(web: str) -> None:
    page = get(f"{web}/sites/summit/sign-in")[2].decode()
    assert '<script type="module" src="/js/main.js"></script>' in page
    assert "<style" not in page and "style=" not in page and "onclick" not in page.lower()


def test_config_names_the_api_urls_of_the_running_gateways(web: str) -> None:
    status, headers, body = get(f"{web}/config.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"enduser_api": ENDUSER, "admin_api": ADMIN}
    assert headers["Cache-Control"] == "no-store"


def test_files_are_served_with_their_type(web: str) -> None:
    assert get(f"{web}/js/main.js")[1]["Content-Type"] == "text/javascript; charset=utf-8"
    assert get(f"{web}/app.css")[1]["Content-Type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize("path", ["/nope.js", "/js/../../pyproject.toml", "/%2e%2e/pyproject.toml", "/js", "/.git"])
def test_anything_else_is_404(web: str, path: str) -> None:
    status, headers, _ = get(f"{web}{path}")
    assert status == 404 and headers["X-Content-Type-Options"] == "nosniff"


def test_only_get_and_head(web: str) -> None:
    status, headers, _ = get(f"{web}/sites/summit/sign-in", "POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_the_log_never_carries_the_query(web: str) -> None:
    get(f"{web}/sites/summit/reset-password?token=SeCrEtToKeN")
    assert LOGGED and not [line for line in LOGGED if "SeCrEtToKeN" in line]


# admin console (issue #11, part 2b): /admin/ files, its SPA fallback, config.json's admin_cognito, its CSP.
COGNITO = {"endpoint": "https://cognito-idp.eu-west-1.amazonaws.com/", "client_id": "abc123"}


@pytest.fixture(scope="module")
def web_with_console() -> Iterator[str]:
    server = WebServer(free_port(), ENDUSER, ADMIN, log=LOGGED.append, admin_cognito=COGNITO).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/admin", "/admin/", "/admin/users", "/admin/sites/summit/users/u-1?x=1"])
def test_console_paths_get_the_console_whose_csp_may_call_the_admin_pool(web_with_console: str, path: str) -> None:
    status, headers, body = get(f"{web_with_console}{path}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (ADMIN_DIR / "index.html").read_bytes()
    assert (
        f"connect-src 'self' {ENDUSER} {ADMIN} https://cognito-idp.eu-west-1.amazonaws.com;"
        in headers["Content-Security-Policy"]
    )


def test_the_borrower_app_may_not_call_the_admin_pool(web_with_console: str) -> None:
    csp = get(f"{web_with_console}/sites/summit/sign-in")[1]["Content-Security-Policy"]
    assert f"connect-src 'self' {ENDUSER} {ADMIN};" in csp


def test_config_names_the_admin_pool_for_the_console(web_with_console: str) -> None:
    config = json.loads(get(f"{web_with_console}/config.json")[2])
    assert config == {"enduser_api": ENDUSER, "admin_api": ADMIN, "admin_cognito": COGNITO}


def test_console_files_are_served_and_missing_ones_are_404(web_with_console: str) -> None:
    status, headers, body = get(f"{web_with_console}/admin/js/main.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert body == (ADMIN_DIR / "js" / "main.js").read_bytes()
    for path in ["/admin/js/nope.js", "/admin/../pyproject.toml", "/admin/%2e%2e/pyproject.toml", "/admin/.git"]:
        assert get(f"{web_with_console}{path}")[0] == 404, path


def test_the_console_page_has_no_inline_script_or_style(web_with_console: str) -> None:
    page = get(f"{web_with_console}/admin/")[2].decode()
    assert '<script type="module" src="/admin/js/main.js"></script>' in page
    assert "<style" not in page and "style=" not in page and "onclick" not in page.lower()
