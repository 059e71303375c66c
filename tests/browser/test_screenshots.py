"""`make screenshots`: docs/screenshots/*.png of the main borrower and admin pages (PORTAL_SCREENSHOTS: folder).

In a plain test run (no PORTAL_SCREENSHOTS) the same walk runs and the pictures go to a temporary folder, so
the target cannot rot unnoticed: each picture must be written and be a PNG of the page it names.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from local.web_runtime import WebRuntime

from .conftest import admin_sign_in, ensure_verified_bank_account, personas, sign_in


def test_screenshots_of_the_main_pages(page: Page, portal: WebRuntime, tmp_path: Path) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 760})
    shots: list[Path] = []

    def shot(name: str) -> None:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        shots.append(path)

    page.goto(f"{portal.web_url}/sites/summit/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot("sign-in")
    page.goto(f"{portal.web_url}/sites/summit/register")
    expect(page.get_by_role("heading", name="Register")).to_be_visible()
    shot("register")
    user = personas(portal)["summit"]["users"][0]
    sign_in(page, portal, "summit", user["email"], user["password"])
    expect(page.get_by_test_id("contracts-open")).to_be_visible()
    shot("home")
    page.get_by_test_id("contracts-open").get_by_role("link").first.click()
    expect(page.get_by_role("table", name="Assets and serial numbers")).to_be_visible()
    shot("contract")
    page.get_by_role("link", name="Amortization schedule").click()
    expect(page.get_by_role("heading", name="Amortization schedule, contract", exact=False)).to_be_visible()
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=folder / "schedule.png")  # the top of it: the whole schedule is a long page
    shots.append(folder / "schedule.png")
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    shot("profile")
    # payments (issue #11, part 2a): bank accounts, the review step, the confirmation, the history
    ensure_verified_bank_account(page, portal, "summit")
    page.get_by_role("link", name="Bank accounts").click()
    expect(page.get_by_test_id("bank-accounts")).to_be_visible()
    shot("bank-accounts")
    page.get_by_role("link", name="Make a payment").click()
    page.get_by_role("button", name="Review payment").click()
    expect(page.get_by_role("heading", name="Review your payment")).to_be_visible()
    shot("payment-review")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("payment-status")).to_have_text("Scheduled")
    shot("payment-confirmation")
    page.get_by_role("link", name="Payment history").first.click()
    expect(page.get_by_role("table", name="Your payments, newest first")).to_be_visible()
    shot("payment-history")
    page.set_viewport_size({"width": 320, "height": 640})
    page.get_by_role("link", name="Contracts").click()
    expect(page.get_by_test_id("contracts-open")).to_be_visible()
    page.screenshot(path=folder / "home-320px.png")
    shots.append(folder / "home-320px.png")
    for path in shots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


# admin console (issue #11, part 2b): the site editor with its preview, the users, a diagnostic.
def test_screenshots_of_the_admin_console(page: Page, portal: WebRuntime, tmp_path: Path) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 760})
    admin_sign_in(page, portal, then="/admin/sites/summit")
    expect(page.get_by_test_id("branding-preview")).to_contain_text("Summit Equipment Finance")
    shots = {"admin-site": folder / "admin-site.png"}
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=shots["admin-site"], full_page=True)
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("table", name="Users of summit")).to_be_visible()
    shots["admin-users"] = folder / "admin-users.png"
    page.screenshot(path=shots["admin-users"], full_page=True)
    page.goto(f"{portal.web_url}/admin/diagnostics?site=summit&account_id=A-000007")
    expect(page.get_by_test_id("result-linkability")).to_contain_text("Verdict: Not linkable")
    shots["admin-diagnostic"] = folder / "admin-diagnostic.png"
    page.screenshot(path=shots["admin-diagnostic"], full_page=True)
    for path in shots.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
