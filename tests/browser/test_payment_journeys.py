"""Payment journeys in a real browser against the local runtime (its payments writer runs in-process, so a
payment is Scheduled within seconds): bank accounts, paying one contract or all open charges, the review
step, the confirmation, history and cancel; one payment per attempt whatever the clicks or the network do;
the keyboard alone; axe and 320 px on every payment page; the site's payments switch."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from local import bootstrap
from local.aspire import simulator
from local.web_runtime import WebRuntime
from portal.adapters.aspire.outage import set_outage

from .conftest import (
    BAD_ROUTING,
    GOOD_ROUTING,
    admin_sign_in,
    assert_accessible,
    assert_fits,
    assert_no_stray_text,
    assert_tables_fit,
    enduser_call,
    ensure_verified_bank_account,
    payments_of,
    personas,
    set_bank_verification,
    set_payments_enabled,
    sign_in,
    unique_account_number,
)

SITE = "harvest"  # payments on, no sign-in code: the journeys start at the contracts


def borrower(portal: WebRuntime, n: int = 0) -> dict[str, Any]:
    return dict(personas(portal)[SITE]["users"][n])


def signed_in(page: Page, portal: WebRuntime, n: int = 0) -> None:
    user = borrower(portal, n)
    sign_in(page, portal, SITE, user["email"], user["password"])
    expect(page.get_by_role("heading", name="Your contracts")).to_be_visible()


def options(page: Page, portal: WebRuntime) -> dict[str, Any]:
    status, body = enduser_call(page, portal, SITE, "GET", "/payments/options")
    assert status == 200, body
    return dict(body)


def payable(page: Page, portal: WebRuntime) -> dict[str, Any]:
    """A contract with something open (its amount is prefilled)."""
    return next(c for c in options(page, portal)["contracts"] if c["open_amount"] != "0.00")


def pay_through_the_api(page: Page, portal: WebRuntime, contract_id: str, amount: str) -> str:
    bank = ensure_verified_bank_account(page, portal, SITE)
    today = page.evaluate("new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(new Date())")
    body = {"scope": "contract", "contract_id": contract_id, "bank_account_id": bank["bank_account_id"],
            "amount": amount, "payment_date": today}  # fmt: skip
    status, created = enduser_call(page, portal, SITE, "POST", "/payments", body, key=str(uuid.uuid4()))
    assert status == 201, created
    return str(created["payment_id"])


def status_of(page: Page, portal: WebRuntime, payment_id: str) -> str:
    status, body = enduser_call(page, portal, SITE, "GET", f"/payments/{payment_id}")
    assert status == 200, body
    return str(body["status"])


def fill_and_review(page: Page, portal: WebRuntime, amount: str) -> None:
    """Signed in with a verified bank account, the pay form filled with `amount`, Review pressed (nothing is paid
    yet: Review sends no request)."""
    signed_in(page, portal)
    ensure_verified_bank_account(page, portal, SITE)
    page.goto(f"{portal.web_url}/sites/{SITE}/payments/new")
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Review payment").click()


def review_and_pay(page: Page) -> None:
    page.get_by_role("button", name="Review payment").click()
    expect(page.get_by_role("heading", name="Review your payment")).to_be_focused()
    page.get_by_role("button", name="Pay", exact=True).click()


# --- bank accounts ----------------------------------------------------------------------------------------------
def test_a_bad_routing_number_is_shown_next_to_its_field_then_the_account_is_added_and_removed(
    page: Page, portal: WebRuntime
) -> None:
    # Given a signed-in borrower on the bank accounts page
    signed_in(page, portal)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bank accounts").click()
    expect(page.get_by_role("heading", name="Add a bank account")).to_be_visible()
    number = unique_account_number()
    # When she adds an account with a routing number that fails the ABA checksum
    page.get_by_label("Account holder name").fill("Diego Patel")
    page.get_by_label("Routing number").fill(BAD_ROUTING)
    page.get_by_label("Account number").fill(number)
    page.get_by_role("radio", name="Savings").check()
    page.get_by_role("button", name="Add bank account").click()
    # Then the API's error is next to the field, which is marked invalid, described by it and focused
    routing = page.get_by_label("Routing number")
    expect(routing).to_be_focused()
    expect(routing).to_have_attribute("aria-invalid", "true")
    error = page.locator("#f-routing_number-error")
    expect(error).to_be_visible()
    assert "f-routing_number-error" in (routing.get_attribute("aria-describedby") or "").split()
    expect(routing).to_have_accessible_description(re.compile(re.escape(error.inner_text())))
    expect(page.get_by_role("alert")).to_have_text("The routing number is not valid.")
    expect(page.get_by_label("Account number")).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    # When she corrects it
    routing.fill(GOOD_ROUTING)
    page.get_by_role("button", name="Add bank account").click()
    # Then the API's message says it is ready, and the list shows its last 4 digits only, verified
    expect(page.get_by_role("alert")).to_have_text("The bank account is saved and ready for payments.")
    card = page.get_by_test_id("bank-accounts").get_by_role("listitem").filter(has_text=f"ending {number[-4:]}")
    expect(card).to_contain_text("Savings account ending")
    expect(card).to_contain_text("Verified: ready for payments.")
    expect(page.get_by_text(number)).to_have_count(0)
    # When she removes it (after a confirmation)
    card.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove it").click()
    # Then it is gone
    expect(page.get_by_role("alert")).to_have_text(f"The savings account ending {number[-4:]} was removed.")
    expect(page.get_by_role("listitem").filter(has_text=f"ending {number[-4:]}")).to_have_count(0)


def test_an_unverified_account_says_how_to_get_it_verified_and_is_not_offered_for_payments(
    page: Page, portal: WebRuntime
) -> None:
    # Given the instance accepts only accounts ASPIRE has on file, and a borrower adds one it has not
    signed_in(page, portal)
    ensure_verified_bank_account(page, portal, SITE)
    set_bank_verification("existing_only")
    try:
        number = unique_account_number()
        page.goto(f"{portal.web_url}/sites/{SITE}/bank-accounts")
        page.get_by_label("Account holder name").fill("Diego Patel")
        page.get_by_label("Routing number").fill(GOOD_ROUTING)
        page.get_by_label("Account number").fill(number)
        page.get_by_role("button", name="Add bank account").click()
        # Then the API's message says how to get it verified, and so does its card in the list
        expect(page.get_by_role("alert")).to_contain_text("saved but not verified yet")
        expect(page.get_by_role("alert")).to_contain_text("call Harvest Ag Finance or write to")
        card = page.get_by_test_id("bank-accounts").get_by_role("listitem").filter(has_text=f"ending {number[-4:]}")
        expect(card).to_contain_text("Not verified yet, so it cannot be used for payments.")
        assert_accessible(page)
        # And Make a payment does not offer it
        page.goto(f"{portal.web_url}/sites/{SITE}/payments/new")
        accounts = page.get_by_label("From bank account").locator("option")
        expect(accounts.first).to_be_attached()
        assert not [t for t in accounts.all_inner_texts() if f"ending {number[-4:]}" in t]
    finally:
        set_bank_verification("allow_any")


def test_an_account_with_a_payment_in_progress_cannot_be_removed(page: Page, portal: WebRuntime) -> None:
    # Given a borrower whose only verified account has a Pending or Scheduled payment
    signed_in(page, portal)
    bank = ensure_verified_bank_account(page, portal, SITE)
    pay_through_the_api(page, portal, payable(page, portal)["contract_id"], "5.00")
    page.goto(f"{portal.web_url}/sites/{SITE}/bank-accounts")
    card = page.get_by_test_id("bank-accounts").get_by_role("listitem").filter(has_text=f"ending {bank['last4']}")
    # When she tries to remove it
    card.first.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove it").click()
    # Then the API's 409 says why, and the account stays
    expect(page.get_by_role("alert")).to_have_text(
        "This bank account has a payment in progress; it can be removed once that is done."
    )
    expect(card.first).to_be_visible()


# --- paying -----------------------------------------------------------------------------------------------------
def test_pay_one_contract_review_confirm_and_see_it_scheduled(page: Page, portal: WebRuntime) -> None:
    # Given a borrower with a verified account and a contract with open invoices
    signed_in(page, portal)
    bank = ensure_verified_bank_account(page, portal, SITE)
    contract = payable(page, portal)
    before = len(payments_of(page, portal, SITE))
    # When she presses Pay on that contract's card on the home page
    expect(page.get_by_test_id("contracts-open")).to_be_visible(timeout=30_000)  # slow when the machine is busy
    page.get_by_role("link", name=f"Pay {contract['contract_id']}", exact=True).click()
    # Then Make a payment opens with that contract chosen
    expect(page.get_by_role("radio", name=re.compile(rf"^Contract {contract['contract_id']}:"))).to_be_checked()
    # Then its open invoices are listed and its open amount is prefilled (the API's string, no sums here)
    for invoice in contract["open_invoices"]:
        expect(page.get_by_text(re.compile(rf"Invoice {invoice['invoice_number']}\b"))).to_be_visible()
    expect(page.get_by_label("Amount")).to_have_value(contract["open_amount"])
    # When she reviews a smaller amount from her account and pays
    page.get_by_label("Amount").fill("12.34")
    page.get_by_label("From bank account").select_option(bank["bank_account_id"])
    review_and_pay(page)
    # Then the confirmation shows what was paid, and the status turns Scheduled on the page within seconds
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("$12.34")
    expect(facts).to_contain_text(contract["contract_id"])
    expect(facts).to_contain_text(f"ending {bank['last4']}")
    expect(page.get_by_test_id("payment-status")).to_have_text("Scheduled")
    # And it is the one new payment in the history
    payments = payments_of(page, portal, SITE)
    assert len(payments) == before + 1 and payments[0]["amount"] == "12.34"
    page.get_by_role("link", name="Payment history").first.click()
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="$12.34")).first
    expect(row).to_contain_text("Scheduled")


def test_pay_all_open_charges(page: Page, portal: WebRuntime) -> None:
    # Given a borrower with open charges on several contracts
    signed_in(page, portal)
    ensure_verified_bank_account(page, portal, SITE)
    owed = options(page, portal)
    with_open = [c for c in owed["contracts"] if c["open_amount"] != "0.00"]
    assert len(with_open) > 1
    # When she chooses all open charges, the total the API gives is prefilled; she reviews and pays it
    page.goto(f"{portal.web_url}/sites/{SITE}/payments/new")
    page.get_by_role("radio", name=re.compile("^All open charges")).check()
    expect(page.get_by_label("Amount")).to_have_value(owed["total_open"])
    page.get_by_role("button", name="Review payment").click()
    expect(page.locator("dl.review")).to_contain_text("All open charges")
    page.get_by_role("button", name="Pay", exact=True).click()
    # Then the confirmation lists every contract with open charges and its share
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    for c in with_open:
        expect(page.locator("dl.facts")).to_contain_text(c["contract_id"])
    payment = payments_of(page, portal, SITE)[0]
    assert payment["scope"] == "all" and payment["amount"] == owed["total_open"]
    # and the history, at a desktop width, shows every column of it without scrolling sideways
    page.get_by_role("link", name="Payment history").first.click()
    expect(page.get_by_role("row").filter(has_text="All open charges").first).to_be_visible()
    assert_tables_fit(page)


def test_a_payment_on_its_way_is_shown_above_the_open_amounts_it_does_not_lower_yet(
    page: Page, portal: WebRuntime
) -> None:
    # Given a borrower who has just paid one contract (Scheduled: ASPIRE's open amount stays the same)
    signed_in(page, portal)
    contract = payable(page, portal)
    payment_id = pay_through_the_api(page, portal, contract["contract_id"], "7.65")
    # When she opens Make a payment again
    page.goto(f"{portal.web_url}/sites/{SITE}/payments/new")
    # Then the payment on its way is listed, so she does not pay the same charges twice
    coming = page.get_by_role("region", name="Payments already on their way")
    expect(coming).to_contain_text(f"for Contract {contract['contract_id']}")
    expect(coming.get_by_role("link", name=re.compile(r"^\$7\.65 on "))).to_have_attribute(
        "href", f"/sites/{SITE}/payments/{payment_id}"
    )
    # and once it is canceled it is no longer on its way
    status, _ = enduser_call(page, portal, SITE, "POST", f"/payments/{payment_id}/cancel")
    assert status in (200, 202)
    deadline = time.monotonic() + 20
    while status_of(page, portal, payment_id) != "Canceled" and time.monotonic() < deadline:
        time.sleep(0.25)
    page.reload()
    expect(page.get_by_role("button", name="Review payment")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^\$7\.65 on "))).to_have_count(0)


def test_a_double_click_on_pay_makes_exactly_one_payment(page: Page, portal: WebRuntime) -> None:
    # Given a borrower on the review step
    fill_and_review(page, portal, "3.21")
    before = len(payments_of(page, portal, SITE))
    sent: list[str | None] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/payments"):
            sent.append(request.headers.get("idempotency-key"))

    page.on("request", record)
    # When she double-clicks Pay
    page.get_by_role("button", name="Pay", exact=True).dblclick()
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    # Then exactly one payment exists, made with one key
    assert len(payments_of(page, portal, SITE)) == before + 1
    assert len(set(sent)) == 1 and sent[0]


def test_pay_again_after_a_lost_response_sends_the_same_key_and_pays_once(page: Page, portal: WebRuntime) -> None:
    # Given a borrower on the review step, and a network that loses the first answer to POST /payments
    # (the request reaches the API and the payment is made; the browser sees a network error)
    fill_and_review(page, portal, "4.56")
    before = len(payments_of(page, portal, SITE))
    keys: list[str | None] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if route.request.method == "POST" and len(keys) == 1:
            route.fetch()  # the API makes the payment...
            route.abort("connectionreset")  # ...and its answer never arrives
        else:
            route.fallback()

    page.route(re.compile(r".*/sites/harvest/payments$"), lose_the_first_answer)
    # When she presses Pay, is told the portal cannot be reached, and presses Pay again
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Press Pay again to retry")
    assert len(payments_of(page, portal, SITE)) == before + 1  # the first attempt did pay
    page.get_by_role("button", name="Pay", exact=True).click()
    # Then the retry sent the same key, the API answered with that payment, and there is still only one
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    post_keys = [k for k in keys if k]
    assert len(post_keys) == 2 and post_keys[0] == post_keys[1]
    assert len(payments_of(page, portal, SITE)) == before + 1


def test_a_changed_form_is_a_new_attempt_with_a_new_key(page: Page, portal: WebRuntime) -> None:
    # Given a borrower who reviewed a payment and went back to change it
    fill_and_review(page, portal, "7.00")
    stored = "() => sessionStorage.getItem('portal.payment-attempt.harvest')"
    first = page.evaluate(stored)
    assert first
    page.get_by_role("button", name="Change").click()
    # When she changes the amount, the old key is dropped; the new review has a new key
    page.get_by_label("Amount").fill("7.50")
    assert page.evaluate(stored) is None
    page.get_by_role("button", name="Review payment").click()
    second = page.evaluate(stored)
    assert second and second != first
    # And after paying, no key is kept
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    assert page.evaluate(stored) is None


def test_a_bad_amount_is_shown_next_to_its_field(page: Page, portal: WebRuntime) -> None:
    fill_and_review(page, portal, "12.345")
    amount = page.get_by_label("Amount")
    expect(amount).to_be_focused()
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_accessible_description(re.compile("Enter an amount above zero"))


# --- history and cancel -----------------------------------------------------------------------------------------
def test_cancel_a_pending_payment_and_see_it_canceled(page: Page, portal: WebRuntime) -> None:
    # Given a payment that stays Pending (ASPIRE unreachable for the writer, as `portal-local aspire outage on`)
    signed_in(page, portal)
    set_outage(portal.paths.aspire_outage, True)
    try:
        payment_id = pay_through_the_api(page, portal, payable(page, portal)["contract_id"], "9.87")
        page.goto(f"{portal.web_url}/sites/{SITE}/payments")
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="$9.87")).first
        expect(row).to_contain_text("Pending")
        row.get_by_role("link").click()
        expect(page.get_by_role("heading", name="Payment of $9.87")).to_be_visible()
        expect(page.get_by_test_id("payment-status")).to_have_text("Pending")
        # When she cancels it and confirms
        page.get_by_role("button", name="Cancel this payment").click()
        page.get_by_role("button", name="Yes, cancel the payment").click()
        # Then it is Canceled, with its history, and cannot be canceled again
        expect(page.get_by_role("alert")).to_have_text("The payment is canceled.")
        expect(page.get_by_test_id("payment-status")).to_have_text("Canceled")
        expect(page.get_by_role("table", name="Status history")).to_contain_text("canceled by the user")
        expect(page.get_by_role("button", name="Cancel this payment")).to_have_count(0)
        # and the page (no confirmation, so no thank-you line) prints no stray "null" where that line would be
        assert_no_stray_text(page)
        assert status_of(page, portal, payment_id) == "Canceled"
    finally:
        set_outage(portal.paths.aspire_outage, False)
    page.get_by_role("link", name="Payment history").first.click()
    expect(page.get_by_role("row").filter(has=page.get_by_role("cell", name="$9.87")).first).to_contain_text("Canceled")


def test_cancel_a_scheduled_payment_and_see_it_canceled(page: Page, portal: WebRuntime) -> None:
    # Given a Scheduled payment open on the page
    signed_in(page, portal)
    payment_id = pay_through_the_api(page, portal, payable(page, portal)["contract_id"], "8.76")
    page.goto(f"{portal.web_url}/sites/{SITE}/payments/{payment_id}")
    expect(page.get_by_test_id("payment-status")).to_have_text("Scheduled")
    # When she cancels it and confirms (202 Pending Cancel; the writer takes the rows back out of ASPIRE)
    page.get_by_role("button", name="Cancel this payment").click()
    page.get_by_role("button", name="Yes, cancel the payment").click()
    expect(page.get_by_test_id("payment-status")).to_have_text(re.compile("Pending Cancel|Canceled"))
    deadline = time.monotonic() + 20
    while status_of(page, portal, payment_id) != "Canceled" and time.monotonic() < deadline:
        time.sleep(0.25)
    # Then, once the writer has run, the page says Canceled
    page.reload()
    expect(page.get_by_test_id("payment-status")).to_have_text("Canceled")


def test_a_payment_already_collected_cannot_be_canceled_and_says_why(page: Page, portal: WebRuntime) -> None:
    # Given a Scheduled payment open on the page
    signed_in(page, portal)
    payment_id = pay_through_the_api(page, portal, payable(page, portal)["contract_id"], "6.54")
    page.goto(f"{portal.web_url}/sites/{SITE}/payments/{payment_id}")
    expect(page.get_by_test_id("payment-status")).to_have_text("Scheduled")
    # When ASPIRE's EFT run collects it (and the sync reads that back) before she presses cancel
    simulator.eft_run(portal.paths.aspire_db, datetime.now(UTC))
    bootstrap.run_sync("incremental")
    assert status_of(page, portal, payment_id) == "Paid"
    page.get_by_role("button", name="Cancel this payment").click()
    page.get_by_role("button", name="Yes, cancel the payment").click()
    # Then the 409 is explained
    expect(page.get_by_role("alert")).to_contain_text("already picked it up")


def test_the_payment_journey_with_the_keyboard_alone(page: Page, portal: WebRuntime) -> None:
    # Given a signed-in borrower with a verified account (elena: one contract, so it is chosen already)
    signed_in(page, portal, 1)
    ensure_verified_bank_account(page, portal, SITE)
    before = len(payments_of(page, portal, SITE))

    def tab_to(name: str, role: str = "link") -> None:
        target = page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
        for _ in range(60):
            page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{role} {name!r} cannot be reached with Tab")

    # When she tabs to Make a payment, types an amount, tabs to Review and Pay, all with the keyboard
    tab_to("Make a payment")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Make a payment")).to_be_visible()
    tab_to("Amount", "textbox")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("1.50")
    tab_to("Review payment", "button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review your payment")).to_be_focused()
    tab_to("Pay", "button")
    page.keyboard.press("Enter")
    # Then the payment is made and confirmed
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("$1.50")
    assert len(payments_of(page, portal, SITE)) == before + 1


# --- every page: axe, 320 px ------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [1280, 320])
def test_payment_pages_are_accessible_and_fit(page: Page, portal: WebRuntime, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    signed_in(page, portal)
    ensure_verified_bank_account(page, portal, SITE)
    checked = []

    def check(name: str) -> None:
        assert_accessible(page)
        assert_fits(page, width)
        checked.append(name)

    page.goto(f"{portal.web_url}/sites/{SITE}/bank-accounts")
    expect(page.get_by_test_id("bank-accounts")).to_be_visible()
    check("bank accounts")
    page.goto(f"{portal.web_url}/sites/{SITE}/payments/new")
    expect(page.get_by_role("button", name="Review payment")).to_be_visible()
    check("make a payment")
    page.get_by_label("Amount").fill("2.00")
    page.get_by_role("button", name="Review payment").click()
    expect(page.get_by_role("heading", name="Review your payment")).to_be_visible()
    check("review")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("heading", name="Payment confirmation")).to_be_visible()
    check("confirmation")
    expect(page.get_by_test_id("payment-status")).to_have_text("Scheduled")
    page.get_by_role("button", name="Cancel this payment").click()
    check("cancel confirmation")
    page.goto(f"{portal.web_url}/sites/{SITE}/payments")
    expect(page.get_by_role("table", name="Your payments, newest first")).to_be_visible()
    check("history")
    assert len(checked) == 6


# --- the site's payments switch ---------------------------------------------------------------------------------
def test_with_payments_off_the_site_shows_no_entry_and_no_payment_data(page: Page, portal: WebRuntime) -> None:
    # Given Harvest with payments switched off by an admin
    signed_in(page, portal)
    set_payments_enabled(portal, SITE, False)
    try:
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if r.url.startswith(portal.enduser_url) else None)
        # When the borrower loads the portal
        page.goto(f"{portal.web_url}/sites/{SITE}/home")
        nav = page.get_by_role("navigation", name="Main")
        # Then the nav has no payment entries, the payment pages say "not available", and nothing is asked
        expect(nav.get_by_role("link")).to_have_text(["Contracts", "Lines of credit", "Profile"])
        expect(page.get_by_test_id("contracts-open").get_by_role("link").first).to_be_visible()
        expect(page.get_by_role("link", name=re.compile(r"^Pay "))).to_have_count(0)
        for path in ("payments/new", "payments", "bank-accounts", "payments/P-anything"):
            page.goto(f"{portal.web_url}/sites/{SITE}/{path}")
            expect(page.get_by_role("heading", name="Payments are not available")).to_be_visible()
        assert_accessible(page)
        assert f"{portal.enduser_url}/sites/{SITE}" in asked  # the branding, which says payments are off
        assert [u for u in asked if re.search(r"/(payments|bank-accounts)", u)] == []
    finally:
        set_payments_enabled(portal, SITE, True)
    # And with payments back on, the entries are back
    page.goto(f"{portal.web_url}/sites/{SITE}/home")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
        ["Contracts", "Lines of credit", "Make a payment", "Payment history", "Bank accounts", "Profile"]
    )


def test_staff_find_a_borrowers_payment_by_contract_and_see_who_paid_by_email(page: Page, portal: WebRuntime) -> None:
    # Given a borrower's payment on one contract
    signed_in(page, portal)
    contract_id = payable(page, portal)["contract_id"]
    payment_id = pay_through_the_api(page, portal, contract_id, "3.21")
    # When support looks the contract's payments up in the console
    admin_sign_in(page, portal, "portal-support")
    page.goto(f"{portal.web_url}/admin/payments?site={SITE}&contract_id={contract_id}")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=payment_id))
    # Then the payment's row names the borrower by email and links to her user page
    payer = row.get_by_role("link", name=borrower(portal)["email"])
    expect(payer).to_be_visible()
    payer.click()
    user = borrower(portal)
    expect(page.get_by_role("heading", name=f"{user['first_name']} {user['last_name']}", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=payment_id)).to_be_visible()  # among the user's payments
