"""The admin console (`/admin/`, issue #11 part 2b) in a real browser against the local runtime: staff sign in at
the admin Cognito pool (moto's, password only), create a user with account links found through the linkable-
account search, read a diagnostic; support staff get no write controls; every page is accessible and fits 320 px.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from local.web_runtime import WebRuntime

from .conftest import ADMIN_LOGINS, admin_sign_in, assert_accessible, assert_fits, assert_no_stray_text, personas

# The demo ASPIRE data (local/aspire): Granite Fabrication is linkable on summit; Granite Grain's only active
# contract is booked under AGRI, harvest's label; CN-0001022 is booked under DENTAL, which maps to careline.
LINKABLE, UNLINKABLE, OTHER_SITES_CONTRACT = "A-000026", "A-000007", "CN-0001022"

WRITE_CONTROLS = [
    ("button", "Save site"), ("button", "Save settings"), ("link", "Create a user"), ("button", "Create user"),
    ("button", "Save user"), ("button", "Send a password reset"), ("button", "Resend the registration email"),
    ("button", "Deactivate"), ("button", "Reactivate"), ("button", "Start a full resync"),
    ("button", "Search accounts"), ("button", "Remove"), ("button", "Link"),
]  # fmt: skip


def create_user(page: Page, portal: WebRuntime) -> str:
    """Create a user on summit linked to LINKABLE (after seeing why UNLINKABLE cannot be linked); its email."""
    email = f"new.{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{portal.web_url}/admin/users/new?site=summit")
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill("Gwen")
    page.get_by_label("Last name").fill("Granite")
    page.get_by_label("Find an account").fill("Granite")
    page.get_by_role("button", name="Search accounts").click()
    near_miss = page.get_by_test_id("near-misses").get_by_role("listitem").filter(has_text=UNLINKABLE)
    expect(near_miss).to_contain_text("Not linkable: Active contract label maps to site.")
    expect(near_miss).to_contain_text("CN-0001013 (private label 'AGRI' -> site harvest)")
    page.get_by_role("button", name=f"Link {LINKABLE}").click()
    expect(page.get_by_role("list", name="Linked accounts")).to_contain_text(LINKABLE)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_have_text("User created: the registration email is on its way.")
    return email


def test_an_admin_creates_a_user_linked_to_an_account_and_reads_why_a_contract_is_not_visible(
    page: Page, portal: WebRuntime
) -> None:
    admin_sign_in(page, portal)
    email = create_user(page, portal)
    # Given the user page as the API now answers it (a fresh load, not what the form held)
    page.reload()
    expect(page.get_by_test_id("user-email")).to_have_text(email)
    expect(page.get_by_test_id("user-status")).to_have_text("Pending")
    expect(page.get_by_role("list", name="Linked accounts")).to_contain_text(f"{LINKABLE} — Granite Fabrication LLP")
    # When the admin asks why a contract of another site is not visible to this user
    page.get_by_role("link", name="Diagnose this user").click()
    page.get_by_label("Contract number").fill(OTHER_SITES_CONTRACT)
    page.get_by_role("button", name="Check contract visibility").click()
    # Then the checklist names the failing rules with their deciding data
    result = page.get_by_test_id("result-visibility")
    expect(result).to_contain_text("Verdict: Not visible")
    failed = result.locator("li.fail")
    expect(failed.filter(has_text="Private label maps to site")).to_contain_text(
        "private label 'DENTAL' maps to site careline, not to site summit"
    )
    expect(failed.filter(has_text="User active")).to_contain_text("Pending")
    # and the audit log has the creation, its fields listed as changes
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Site").select_option("summit")
    page.get_by_role("button", name="Show entries").click()
    entry = page.get_by_role("row").filter(has_text=email).first
    expect(entry).to_contain_text("POST /admin/sites/{site}/users")
    expect(entry.locator("ul.changes")).to_contain_text(LINKABLE)


def test_users_are_paged_by_links(page: Page, portal: WebRuntime) -> None:
    admin_sign_in(page, portal, then="/admin/users?site=summit&limit=1")
    rows = page.get_by_role("table", name="Users of summit").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and one user
    first = rows.nth(1).text_content() or ""
    assert first
    page.get_by_role("link", name="Next page").click()
    expect(rows.nth(1)).not_to_have_text(first)
    page.get_by_role("link", name="First page").click()
    expect(rows.nth(1)).to_have_text(first)


def test_a_409_is_explained_where_it_is_announced(page: Page, portal: WebRuntime) -> None:
    admin_sign_in(page, portal)
    create_user(page, portal)
    page.get_by_role("button", name="Send a password reset").click()  # the new user is Pending
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Only Active users can be sent a password reset.")
    expect(alert).to_contain_text("A Pending user has not finished registering: resend the registration email instead.")
    expect(alert).to_be_focused()


def test_a_support_user_finds_no_write_controls(page: Page, portal: WebRuntime) -> None:
    admin_sign_in(page, portal, "portal-support")
    expect(page.get_by_text("(support: read only)")).to_be_visible()
    pages = {
        "/admin/sites/summit": "Site summit",
        "/admin/settings": "Instance settings",
        "/admin/users?site=summit": "Users",
        "/admin/users/new?site=summit": "Create a user",
        "/admin/sync": "Sync",
    }
    for path, heading in pages.items():
        page.goto(f"{portal.web_url}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        for role, name in WRITE_CONTROLS:
            expect(page.get_by_role(role, name=name), f"{name} on {path}").to_have_count(0)  # type: ignore[arg-type]
        assert_no_stray_text(page)
    # A user's page: the support user reads the links, without the edit form or the actions.
    page.goto(f"{portal.web_url}/admin/users?site=summit")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Linked accounts")).to_be_visible()
    for role, name in WRITE_CONTROLS:
        expect(page.get_by_role(role, name=name)).to_have_count(0)  # type: ignore[arg-type]
    assert page.locator("input:not([type=search]), textarea").count() == 0


def test_sign_in_works_with_the_keyboard_alone_and_returns_to_the_page_asked_for(
    page: Page, portal: WebRuntime
) -> None:
    email, password = ADMIN_LOGINS["portal-admins"]
    page.goto(f"{portal.web_url}/admin/sync")
    expect(page.get_by_role("heading", name="Admin sign-in")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_focused()
    assert page.url == f"{portal.web_url}/admin/sync"


def test_a_wrong_password_is_announced(page: Page, portal: WebRuntime) -> None:
    page.goto(f"{portal.web_url}/admin/")
    page.get_by_label("Email").fill(ADMIN_LOGINS["portal-admins"][0])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect email or password.")
    expect(page.get_by_role("alert")).to_be_focused()


def test_a_token_the_api_refuses_returns_to_sign_in_and_back(page: Page, portal: WebRuntime) -> None:
    admin_sign_in(page, portal, then="/admin/settings")
    expect(page.get_by_role("heading", name="Instance settings")).to_be_visible()
    # A token that looks current to the browser but that the API's authorizer refuses (revoked, other pool).
    forged = "e30." + page.evaluate("btoa(JSON.stringify({exp: 4102444800, email: 'x'})).replace(/=+$/, '')") + ".sig"
    page.evaluate(f"sessionStorage.setItem('portal.admin.token', {json.dumps(forged)})")
    page.reload()
    expect(page.get_by_role("alert")).to_have_text("Your session has ended. Please sign in again.")
    email, password = ADMIN_LOGINS["portal-admins"]
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Instance settings")).to_be_visible()
    assert page.url == f"{portal.web_url}/admin/settings"


def test_the_site_editor_previews_the_branding_as_it_is_typed(page: Page, portal: WebRuntime) -> None:
    admin_sign_in(page, portal, then="/admin/sites/harvest")
    preview = page.get_by_test_id("branding-preview")
    expect(preview).to_contain_text("Harvest Ag Finance")
    page.get_by_label("Display name").fill("Harvest Farm Credit")
    page.get_by_label("Header colour").fill("#FFEB3B")
    expect(preview).to_contain_text("Harvest Farm Credit")
    header = preview.locator(".preview-header")
    expect(header).to_have_css("background-color", "rgb(255, 235, 59)")
    expect(header).to_have_css("color", "rgb(17, 17, 17)")  # dark text on a light colour (textOn)
    # Nothing is saved until Save: the API still has the old name.
    page.reload()
    expect(page.get_by_label("Display name")).to_have_value("Harvest Ag Finance")


# moto's pool cannot ask for or check a TOTP code, so the challenges AWS's pool answers with are played by a
# stand-in for those Cognito calls only; the step scripted as None signs in at the real (moto) pool instead, so
# the API gets a real IdToken. The stand-in records what the console sent, which is what these tests check.
Answer = Callable[[dict[str, Any]], dict[str, Any]]


def cognito_challenges(page: Page, portal: WebRuntime, script: list[Answer | None]) -> list[tuple[str, Any]]:
    pool = page.request.get(f"{portal.web_url}/config.json").json()["admin_cognito"]
    email, password = ADMIN_LOGINS["portal-admins"]
    sent: list[tuple[str, Any]] = []
    steps = iter(script)

    def handle(route: Route) -> None:
        action = str(route.request.headers.get("x-amz-target", "")).rsplit(".", 1)[-1]
        sent.append((action, json.loads(route.request.post_data or "{}")))
        answer = next(steps)
        if answer is None:
            real_sign_in = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": pool["client_id"],
                            "AuthParameters": {"USERNAME": email, "PASSWORD": password}}  # fmt: skip
            real = route.fetch(
                headers={**route.request.headers, "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth"},
                post_data=json.dumps(real_sign_in),
            )
            route.fulfill(response=real)
            return
        route.fulfill(status=200, content_type="application/x-amz-json-1.1", json=answer(sent[-1][1]),
                      headers={"Access-Control-Allow-Origin": portal.web_url})  # fmt: skip

    page.route(pool["endpoint"], handle)
    return sent


def challenge(name: str, session: str) -> Answer:
    return lambda _: {"ChallengeName": name, "Session": session, "ChallengeParameters": {"USER_ID_FOR_SRP": "sub-1"}}


def sign_in_with_password(page: Page, portal: WebRuntime) -> None:
    page.goto(f"{portal.web_url}/admin/settings")
    email, password = ADMIN_LOGINS["portal-admins"]
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def steps_of(sent: list[tuple[str, Any]]) -> list[tuple[str, Any, Any]]:
    return [(a, b.get("Session"), b.get("ChallengeResponses") or b.get("UserCode")) for a, b in sent]


def test_the_authenticator_code_challenge_is_answered(page: Page, portal: WebRuntime) -> None:
    sent = cognito_challenges(page, portal, [challenge("SOFTWARE_TOKEN_MFA", "s-1"), None])
    sign_in_with_password(page, portal)
    expect(page.get_by_role("heading", name="Authenticator code")).to_be_visible()
    expect(page.get_by_label("Code")).to_be_focused()
    page.keyboard.type("123456")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Instance settings")).to_be_visible()
    assert sent[0][1]["AuthFlow"] == "USER_PASSWORD_AUTH" and sent[0][1]["ClientId"]
    assert steps_of(sent) == [
        ("InitiateAuth", None, None),
        ("RespondToAuthChallenge", "s-1", {"USERNAME": "sub-1", "SOFTWARE_TOKEN_MFA_CODE": "123456"}),
    ]


def test_a_new_password_then_the_authenticator_set_up_on_first_sign_in(page: Page, portal: WebRuntime) -> None:
    sent = cognito_challenges(page, portal, [
        challenge("NEW_PASSWORD_REQUIRED", "s-1"),
        challenge("MFA_SETUP", "s-2"),
        lambda _: {"SecretCode": "JBSWY3DPEHPK3PXP", "Session": "s-3"},
        lambda _: {"Status": "SUCCESS", "Session": "s-4"},
        None,
    ])  # fmt: skip
    sign_in_with_password(page, portal)
    page.get_by_label("New password").fill("A-new-Password-2026!")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_text("JBSWY3DPEHPK3PXP", exact=True)).to_be_visible()
    expect(page.get_by_text("otpauth://totp/")).to_contain_text("secret=JBSWY3DPEHPK3PXP")
    page.get_by_label("Code").fill("654321")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Instance settings")).to_be_visible()
    assert steps_of(sent) == [
        ("InitiateAuth", None, None),
        ("RespondToAuthChallenge", "s-1", {"USERNAME": "sub-1", "NEW_PASSWORD": "A-new-Password-2026!"}),
        ("AssociateSoftwareToken", "s-2", None),
        ("VerifySoftwareToken", "s-3", "654321"),
        ("RespondToAuthChallenge", "s-4", {"USERNAME": "sub-1"}),
    ]


ADMIN_PAGES = [
    ("/admin/", "Sites"),
    ("/admin/sites/summit", "Site summit"),
    ("/admin/settings", "Instance settings"),
    ("/admin/users?site=summit", "Users"),
    ("/admin/users/new?site=summit", "Create a user"),
    ("/admin/accounts?site=summit&account_id=A-000002", "Users of an account"),
    (f"/admin/diagnostics?site=summit&account_id={UNLINKABLE}", "Diagnostics"),
    ("/admin/sync", "Sync"),
    ("/admin/audit", "Audit log"),
    ("/admin/payments?site=summit", "Payments"),
]


@pytest.mark.parametrize("width", [1100, 320])
def test_every_admin_page_is_accessible_and_fits(page: Page, portal: WebRuntime, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{portal.web_url}/admin/sign-in")
    expect(page.get_by_role("heading", name="Admin sign-in")).to_be_visible()
    assert_accessible(page)
    assert_fits(page, width)
    admin_sign_in(page, portal)
    for path, heading in ADMIN_PAGES:
        page.goto(f"{portal.web_url}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_focused()
        if "diagnostics" in path:
            expect(page.get_by_test_id("result-linkability")).to_contain_text("Verdict: Not linkable")
        if path.startswith("/admin/users/new"):  # with the account search's results and near misses shown
            page.get_by_label("Find an account").fill("Granite")
            page.get_by_role("button", name="Search accounts").click()
            expect(page.get_by_test_id("near-misses")).to_be_visible()
        assert_no_stray_text(page)
        assert_accessible(page)
        assert_fits(page, width)
    # and a user's page, reached from the search
    page.goto(f"{portal.web_url}/admin/users?site=summit")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Edit")).to_be_visible()
    assert_accessible(page)
    assert_fits(page, width)


def test_the_console_ships_under_its_budget() -> None:
    from bench.web_bench import admin_shipped_bytes

    shipped = admin_shipped_bytes()
    assert shipped["files"] >= 10  # the console's own files and the borrower modules it imports
    assert shipped["gzip"] < 100 * 1024, shipped


def test_the_sync_watermarks_read_as_name_and_value_pairs(page: Page, portal: WebRuntime) -> None:
    # Given the sync page after the runtime's first sync (its watermarks: wm_incremental, updated_at, ...)
    admin_sign_in(page, portal, then="/admin/sync")
    page.get_by_role("link", name="Sync").click()
    expect(page.get_by_role("heading", name="Watermarks")).to_be_visible()
    # Then each value sits under its own name: a name and its value share a column, whatever the grid wraps
    pairs = page.evaluate("""[...document.querySelectorAll('dl.facts dt')].map((dt) => {
      const dd = dt.nextElementSibling;
      return [dt.textContent, dd?.tagName, dt.getBoundingClientRect().left, dd?.getBoundingClientRect().left];
    })""")
    assert pairs, "no watermark shown"
    misplaced = [name for name, tag, dt_left, dd_left in pairs if tag != "DD" or dt_left != dd_left]
    assert misplaced == [], f"values not under their names: {misplaced}"


def test_the_visibility_diagnostic_takes_the_email_staff_know_the_customer_by(page: Page, portal: WebRuntime) -> None:
    # Given a borrower of summit, known to support by her email
    email = personas(portal)["summit"]["users"][0]["email"]
    admin_sign_in(page, portal, "portal-support", then="/admin/diagnostics?site=summit")
    # When support asks, by that email, why another site's contract is not visible to her
    page.get_by_label("User", exact=True).fill(email.upper())
    page.get_by_label("Contract number").fill(OTHER_SITES_CONTRACT)
    page.get_by_role("button", name="Check contract visibility").click()
    # Then the checklist answers for her user
    result = page.get_by_test_id("result-visibility")
    expect(result).to_contain_text("Verdict: Not visible")
    expect(result.locator("li.fail").filter(has_text="Private label maps to site")).to_be_visible()
    expect(result.locator("li.fail").filter(has_text="User active")).to_have_count(0)
    # And an email no user of the site has is said so
    page.get_by_label("User", exact=True).fill("nobody@example.com")
    page.get_by_role("button", name="Check contract visibility").click()
    expect(page.get_by_role("alert").filter(has_text="No user of this site has the email")).to_be_visible()
