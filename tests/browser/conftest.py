"""Browser tests: Playwright drives Debian's chromium against the local runtime (local/web_runtime.py).

Playwright cannot download its own browsers here (no network), so the launch uses the system package
(`make chromium` installs it) with the switches that keep it from reaching out to the network.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from local.aws_local import DEMO_ADMINS
from local.outbox import list_messages
from local.web_runtime import WebRuntime, web_runtime

CHROMIUM = "/usr/bin/chromium"
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            # One worker runs the whole suite: one runtime, started once (package scope below).
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium fonts-liberation)")
    args = ["--disable-background-networking", "--disable-component-update", "--no-first-run"]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="package")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebRuntime]:
    with web_runtime(tmp_path_factory.mktemp("web-state")) as runtime:
        yield runtime


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return page


def personas(runtime: WebRuntime) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(runtime.paths.personas.read_text())
    return {site["site_id"]: site for site in document["sites"]}


def emails_to(runtime: WebRuntime, address: str) -> list[dict[str, Any]]:
    return [m for m in list_messages(runtime.paths.outbox) if address.lower() in str(m["to"]).lower()]


def wait_for_email(runtime: WebRuntime, address: str, after: int, what: str) -> dict[str, Any]:
    """The newest email to `address` beyond the first `after` ones (emails are written as the API answers)."""
    for _ in range(100):
        messages = emails_to(runtime, address)
        if len(messages) > after and messages[-1][what]:
            return messages[-1]
        time.sleep(0.1)
    raise AssertionError(f"no email with {what} to {address}")


def sign_in(page: Page, runtime: WebRuntime, site: str, email: str, password: str) -> None:
    """Through the sign-in page, with the emailed code when the site asks for one."""
    before = len(emails_to(runtime, email))
    page.goto(f"{runtime.web_url}/sites/{site}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    code_or_home = page.get_by_label("Code").or_(page.get_by_role("heading", name="Your contracts"))
    code_or_home.wait_for()
    if page.get_by_label("Code").is_visible():
        code = wait_for_email(runtime, email, before, "codes")["codes"][0]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Verify").click()


def assert_accessible(page: Page) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()


# Text nodes that are a value printed as text by mistake (Element.append(null), an array, an element).
STRAY_TEXT = """[...document.querySelectorAll('main, main *')].flatMap((el) => [...el.childNodes])
  .filter((n) => n.nodeType === 3 && /^(null|undefined)$|\\[object /.test(n.textContent.trim()))
  .map((n) => n.textContent)"""


def assert_no_stray_text(page: Page) -> None:
    assert page.evaluate(STRAY_TEXT) == [], page.url


def assert_tables_fit(page: Page) -> None:
    """Every table shows all its columns without scrolling sideways (the wrapper scrolls only on a narrow screen)."""
    clipped = page.evaluate("""[...document.querySelectorAll('.table-wrap')]
      .filter((w) => w.scrollWidth > w.clientWidth).map((w) => w.getAttribute('aria-label'))""")
    assert clipped == [], f"{page.url}: {clipped} scroll sideways"


def assert_fits(page: Page, width: int = 320) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow} px wide at a {width} px viewport"


def link_in(message: dict[str, Any], page_name: str) -> str:
    return next(link for link in message["links"] if re.search(rf"/{page_name}\?token=", link))


# admin console (issue #11, part 2b): the demo admins of the local admin pool (local/aws_local.py).
ADMIN_LOGINS = {group: (email, password) for email, password, group in DEMO_ADMINS}


def admin_sign_in(page: Page, runtime: WebRuntime, group: str = "portal-admins", then: str = "/admin/") -> None:
    """Through the console's sign-in page (the local pool has no TOTP: password only), then open `then`."""
    email, password = ADMIN_LOGINS[group]
    page.goto(f"{runtime.web_url}{then}")
    expect(page.get_by_role("heading", name="Admin sign-in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()


# --- payments (issue #11, part 2a) -------------------------------------------------------------------------------
GOOD_ROUTING = "021000021"  # passes the ABA checksum
BAD_ROUTING = "123456789"  # nine digits that fail it


def unique_account_number() -> str:
    """A fresh account number: the API answers 409 for an account the user saved already (its fingerprint)."""
    return f"{time.time_ns() % 10**12:012d}"


def enduser_call(
    page: Page, runtime: WebRuntime, site: str, method: str, path: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    """The end-user API as the signed-in tab: its session token, without the browser's CORS (page.request)."""
    token = page.evaluate("(site) => sessionStorage.getItem(`portal.session.${site}`)", site)
    assert token, "sign in first"
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    response = page.request.fetch(
        f"{runtime.enduser_url}/sites/{site}{path}", method=method, headers=headers, data=body
    )
    text = response.text()
    return response.status, json.loads(text) if text else None


def ensure_verified_bank_account(page: Page, runtime: WebRuntime, site: str) -> dict[str, Any]:
    status, accounts = enduser_call(page, runtime, site, "GET", "/bank-accounts")
    assert status == 200, accounts
    found = next((a for a in accounts["items"] if a["verified"]), None)
    if found:
        return dict(found)
    body = {"holder_name": "Test Holder", "routing_number": GOOD_ROUTING, "account_number": unique_account_number(),
            "account_type": "checking", "owner_type": "business"}  # fmt: skip
    status, created = enduser_call(page, runtime, site, "POST", "/bank-accounts", body)
    assert status == 201 and created["verified"], created
    return dict(created)


def payments_of(page: Page, runtime: WebRuntime, site: str) -> list[dict[str, Any]]:
    status, listed = enduser_call(page, runtime, site, "GET", "/payments?limit=100")
    assert status == 200, listed
    return list(listed["items"])


def set_payments_enabled(runtime: WebRuntime, site: str, enabled: bool) -> None:
    """Through the admin API as the demo admin (the site's payments switch, PATCH /admin/sites/{site})."""
    import os
    import urllib.request

    from local import aws_local

    endpoint = os.environ["AWS_ENDPOINT_URL"]  # the runtime's moto server (set while `portal` runs)
    token = aws_local.admin_token(endpoint, aws_local.ensure_admin_pool(endpoint), "admin@example.com")
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{runtime.admin_url}/admin/sites/{site}",
        data=json.dumps({"payments_enabled": enabled}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="PATCH",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200


def set_bank_verification(mode: str) -> None:
    """The instance's bank verification mode, as `portal-local settings --bank-verification MODE` sets it."""
    from datetime import UTC, datetime

    from portal.wiring import Wiring

    repo = Wiring.from_env().sites
    settings = repo.get_settings()
    since = datetime.now(UTC).isoformat() if mode == "existing_only" else None
    repo.put_settings(settings.model_copy(update={"bank_verification_mode": mode, "bank_verification_since": since}))
