"""Borrower journeys in a real browser against the local runtime: sign in with the emailed code, contracts,
a contract and its schedule, registration through the emailed link, errors, and an expired session."""

from __future__ import annotations

import json
import re
import urllib.request

from playwright.sync_api import Page, Route, expect

from local.web_runtime import WebRuntime

from .conftest import emails_to, link_in, personas, sign_in, wait_for_email


def test_sign_in_with_the_emailed_code_then_a_contract_and_its_schedule(page: Page, portal: WebRuntime) -> None:
    # Given a Summit borrower (the site asks for an emailed code)
    user = personas(portal)["summit"]["users"][0]
    # When she signs in with her password and the code from her email
    sign_in(page, portal, "summit", user["email"], user["password"])
    # Then she sees her open contracts and what is due, on the site's branding
    expect(page.get_by_role("heading", name="Your contracts")).to_be_visible()
    expect(page.get_by_role("link", name="Summit Equipment Finance")).to_be_visible()
    open_contracts = page.get_by_test_id("contracts-open").get_by_role("listitem")
    expect(open_contracts.first).to_contain_text("Next payment")
    expect(page.get_by_text(re.compile(r"Data as of"))).to_be_visible()
    # When she opens the first contract, then its schedule
    first = open_contracts.first.get_by_role("link").first
    contract_id = first.inner_text().removeprefix("Contract ")
    first.click()
    expect(page.get_by_role("heading", name=f"Contract {contract_id}", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Assets and serial numbers")).to_be_visible()
    page.get_by_role("link", name="Amortization schedule").click()
    # Then the schedule is a table of payments, or says why there is none (operating lease)
    expect(page.get_by_role("heading", name=f"Amortization schedule, contract {contract_id}")).to_be_visible()
    schedule = page.get_by_role("table", name="Amortization schedule")
    reason = page.get_by_text(re.compile("operating lease", re.IGNORECASE))
    expect(schedule.or_(reason).first).to_be_visible()
    assert page.url == f"{portal.web_url}/sites/summit/contracts/{contract_id}/schedule"


def test_a_wrong_password_shows_the_error_and_moves_focus_to_it(page: Page, portal: WebRuntime) -> None:
    user = personas(portal)["harvest"]["users"][1]
    page.goto(f"{portal.web_url}/sites/harvest/sign-in")
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("The email or password is incorrect.")
    expect(alert).to_be_focused()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_register_through_the_emailed_link_and_sign_in(page: Page, portal: WebRuntime) -> None:
    # Given a customer contact who has no portal user yet
    person = personas(portal)["harvest"]["enrollable"][0]
    page.goto(f"{portal.web_url}/sites/harvest/sign-in")
    page.get_by_role("link", name="Register for online access").click()
    # When she registers with the details of her contract
    page.get_by_label("First name").fill("Malik")
    page.get_by_label("Last name").fill("Mensah")
    page.get_by_label("Email").fill(person["email"])
    page.get_by_label("Contract number").fill(person["contract_id"])
    page.get_by_label("Billing postal code").fill(person["postal_code"])
    before = len(emails_to(portal, person["email"]))
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("Check your email")
    # And opens the link of the email and chooses a password
    page.goto(link_in(wait_for_email(portal, person["email"], before, "links"), "verify-email"))
    expect(page.get_by_role("heading", name="Finish your registration")).to_be_visible()
    page.get_by_label("New password").fill("a long harvest phrase 2026")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("alert")).to_have_text("Your password is saved and your account is active.")
    expect(page.get_by_text("Your password was changed.")).to_have_count(0)
    assert "token=" not in page.url  # the used token does not stay in the address bar
    # Then she can sign in and sees the contract she registered with
    sign_in(page, portal, "harvest", person["email"], "a long harvest phrase 2026")
    expect(page.get_by_role("link", name=f"Contract {person['contract_id']}")).to_be_visible()


def test_an_expired_session_returns_to_sign_in_and_then_back_to_the_page(page: Page, portal: WebRuntime) -> None:
    # Given a borrower reading a contract
    user = personas(portal)["harvest"]["users"][0]
    sign_in(page, portal, "harvest", user["email"], user["password"])
    page.get_by_test_id("contracts-open").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Contract "))).to_be_visible()
    contract_url = page.url
    # When her session ends on the server (revoked, as the idle timeout would)
    token = page.evaluate("sessionStorage.getItem('portal.session.harvest')")
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{portal.enduser_url}/sites/harvest/auth/logout", method="POST", headers={"Authorization": f"Bearer {token}"}
    )
    assert urllib.request.urlopen(request, timeout=10).status == 204  # noqa: S310
    # (the page asks for the contract and its invoices at once: the invoices' 401 is held back until she has
    # started typing, as a slow network would, so a second 401 must not render the sign-in form again)
    held: list[Route] = []
    invoices = re.compile(r".*/invoices\?.*")
    page.route(invoices, lambda route: held.append(route))
    page.get_by_role("link", name="Show all invoices").click()
    # Then she is asked to sign in again, and lands back where she was
    expect(page.get_by_role("alert")).to_have_text("Your session has ended. Please sign in again.")
    assert page.url.endswith("/sites/harvest/sign-in")
    page.get_by_label("Email").fill(user["email"])
    assert len(held) == 1
    with page.expect_response(invoices) as late:
        held[0].continue_()
    page.unroute(invoices)
    assert late.value.status == 401
    page.wait_for_timeout(300)  # give a second sign-in render its chance to wipe the form
    expect(page.get_by_label("Email")).to_have_value(user["email"])
    page.get_by_label("Password").fill(user["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="All invoices")).to_be_visible()
    assert page.url == f"{contract_url}?invoices=all"


def test_sign_in_works_with_the_keyboard_alone(page: Page, portal: WebRuntime) -> None:
    user = personas(portal)["harvest"]["users"][1]
    page.goto(f"{portal.web_url}/sites/harvest/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(user["email"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(user["password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your contracts")).to_be_focused()
    # and the nav is reachable from there: the next Tab stops are links, then sign out
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("You are signed out.")


def test_the_home_page_calls_only_the_branding_and_the_contracts(page: Page, portal: WebRuntime) -> None:
    user = personas(portal)["harvest"]["users"][1]
    sign_in(page, portal, "harvest", user["email"], user["password"])
    expect(page.get_by_role("heading", name="Your contracts")).to_be_visible()
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if r.url.startswith(portal.enduser_url) else None)
    page.reload()
    expect(page.get_by_test_id("contracts-open")).to_be_visible()
    paths = sorted(url.removeprefix(portal.enduser_url).partition("?")[0] for url in calls)
    assert paths == ["/sites/harvest", "/sites/harvest/contracts", "/sites/harvest/contracts"], json.dumps(calls)


def test_an_error_page_that_is_not_json_is_shown_as_the_portals_own_error(page: Page, portal: WebRuntime) -> None:
    # Given a signed-in borrower, and a proxy in front of the API that answers the contracts with its own HTML page
    user = personas(portal)["harvest"]["users"][1]
    sign_in(page, portal, "harvest", user["email"], user["password"])
    expect(page.get_by_role("heading", name="Your contracts")).to_be_visible()
    bad_gateway = {"status": 502, "content_type": "text/html", "body": "<html>Bad Gateway</html>"}
    page.route(re.compile(r".*/sites/harvest/contracts\?.*"), lambda route: route.fulfill(**bad_gateway))
    # When she reloads her home page
    page.reload()
    # Then she reads the portal's message, not a parser's
    expect(page.get_by_role("alert")).to_have_text("Something went wrong; please try again.")
