"""Every borrower page: 0 WCAG 2.1 A/AA violations (axe-core) and no horizontal scroll at 320 px; the profile's
authenticator app set up from its QR code, confirmed and removed; the payments nav entries with payments on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect

from local.web_runtime import WebRuntime

from .conftest import assert_accessible, assert_fits, personas, sign_in

PUBLIC = {
    "sign-in": "Sign in",
    "register": "Register",
    "forgot-password": "Forgot your password?",
    "verify-email?token=AbC-123_xyz": "Finish your registration",
    "reset-password?token=AbC-123_xyz": "Choose a new password",
}


@pytest.mark.parametrize("width", [1280, 320])
def test_public_pages_are_accessible_and_fit(page: Page, portal: WebRuntime, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    for path, heading in PUBLIC.items():
        page.goto(f"{portal.web_url}/sites/careline/{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_accessible(page)
        assert_fits(page, width)


def test_the_code_step_is_accessible_fits_and_resends(page: Page, portal: WebRuntime) -> None:
    # Given a CareLine borrower past the password step (the site mails a code)
    page.set_viewport_size({"width": 320, "height": 700})
    user = personas(portal)["careline"]["users"][1]
    page.goto(f"{portal.web_url}/sites/careline/sign-in")
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(user["password"])
    page.get_by_role("button", name="Sign in").click()
    # Then the code step has the focus, passes axe and fits, and a new code can be asked for
    expect(page.get_by_role("heading", name="Check your email")).to_be_focused()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("button", name="Email me a new code").click()
    expect(page.get_by_role("alert")).to_have_text("A new code is on its way. The previous code no longer works.")


@pytest.mark.parametrize("width", [1280, 320])
def test_signed_in_pages_are_accessible_and_fit(page: Page, portal: WebRuntime, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    user = personas(portal)["harvest"]["users"][0]
    sign_in(page, portal, "harvest", user["email"], user["password"])
    expect(page.get_by_role("heading", name="Your contracts")).to_be_visible()
    visited = []
    for step in ("home", "contract", "all invoices", "schedule", "lines of credit", "profile"):
        if step == "contract":
            page.get_by_test_id("contracts-open").get_by_role("link").first.click()
            expect(page.get_by_role("table", name="Assets and serial numbers")).to_be_visible()
        elif step == "all invoices":
            page.get_by_role("link", name="Show all invoices").click()
            expect(page.get_by_role("heading", name="All invoices")).to_be_visible()
        elif step == "schedule":
            page.get_by_role("link", name="Amortization schedule").click()
            expect(page.get_by_role("heading", name=r"Amortization schedule, contract", exact=False)).to_be_visible()
        elif step == "lines of credit":
            page.get_by_role("link", name="Lines of credit").click()
            expect(page.get_by_role("heading", name="Lines of credit")).to_be_visible()
        elif step == "profile":
            page.get_by_role("link", name="Profile").click()
            expect(page.get_by_role("heading", name="Change password")).to_be_visible()
        assert_accessible(page)
        assert_fits(page, width)
        visited.append(page.url)
    assert len(set(visited)) == 6


def totp(secret: str, at: float) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def test_the_authenticator_app_is_set_up_from_its_qr_code_confirmed_and_removed(page: Page, portal: WebRuntime) -> None:
    # Given a signed-in borrower on her profile
    user = personas(portal)["harvest"]["users"][1]
    sign_in(page, portal, "harvest", user["email"], user["password"])
    page.get_by_role("link", name="Profile").click()
    # When she sets up an authenticator app
    page.get_by_role("button", name="Set up an authenticator app").click()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr).to_be_visible()
    # Then the QR code is an image of the API's SVG (a data: URL), never markup in the page
    source = qr.get_attribute("src") or ""
    assert source.startswith("data:image/svg+xml") and "<svg" in unquote(source)
    assert page.locator("main svg").count() == 0
    assert_accessible(page)
    # When she confirms with the app's code
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from the app").fill(totp(secret, time.time()))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_have_text("The authenticator app is set up. Use its codes when you sign in.")
    # Then sign-in asks for the app's code, and she can remove the app again
    page.get_by_role("button", name="Remove the authenticator app").click()
    expect(page.get_by_role("alert")).to_contain_text("The authenticator app was removed.")
    expect(page.get_by_role("button", name="Set up an authenticator app")).to_be_visible()


def test_the_payment_entries_show_with_payments_on(page: Page, portal: WebRuntime) -> None:
    # Harvest has payments switched on (payments off: tests/browser/test_payment_journeys.py)
    user = personas(portal)["harvest"]["users"][1]
    sign_in(page, portal, "harvest", user["email"], user["password"])
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(
        ["Contracts", "Lines of credit", "Make a payment", "Payment history", "Bank accounts", "Profile"]
    )
