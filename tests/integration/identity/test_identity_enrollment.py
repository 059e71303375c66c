"""Self-enrollment (PRODUCT.md §4) over synced items written by the sync's own item builders, on moto."""

from __future__ import annotations

import pytest

from portal.domain.enrollment import EnrollmentRequest
from portal.domain.errors import RateLimited, ValidationFailed
from portal.services.identity.models import InvalidToken, IssuedSession, UserStatus
from tests.integration.identity.kit import World

SITE = "summit"
CUSTOMER_EMAIL = "ap@acme.example"


@pytest.fixture
def acme(world: World) -> World:
    """Account A-1 (Acme) is the Customer of booked contract C-100, billed to 60601 in the US."""
    world.put_account(SITE, "A-1", "Acme Excavation", email_=CUSTOMER_EMAIL, contacts=["ops@acme.example"])
    world.put_contract(SITE, "C-100", "A-1", postal="60601-4410", bill_to_email="billing@acme.example")
    return world


def request(
    email: str = CUSTOMER_EMAIL, postal_code: str = "60601", contract_id: str = "C-100", first: str = "Ann"
) -> EnrollmentRequest:
    return EnrollmentRequest(first, "Smith", email, postal_code, contract_id)


def failed_rules(world: World, email: str = CUSTOMER_EMAIL) -> tuple[str, ...]:
    attempt = world.store.get_enrollment_attempt(SITE, email)
    assert attempt is not None
    return attempt.failed_rules


def test_eligible_details_create_a_pending_linked_user_and_send_a_verification_link(acme: World) -> None:
    # When Ann enrolls with the details of her invoice
    acme.identity.enrollment.enroll(SITE, request())
    # Then a Pending user exists, linked to the customer's account, and the customer's data was synced
    record = acme.identity.users.find_by_email(SITE, CUSTOMER_EMAIL)
    assert record is not None and record.user.status == UserStatus.PENDING
    assert record.account_ids == ("A-1",) and record.user.first_name == "Ann"
    assert acme.synced == [["A-1"]]
    assert acme.identity.users.linked_user_ids(SITE, "A-1") == [record.user.user_id]
    # And the email's link carries a token that sets the password and activates her
    mail = acme.outbox.last(CUSTOMER_EMAIL)
    assert mail.kind == "registration"
    assert mail.link.startswith(f"{acme.identity.ctx.web_base_url}/sites/summit/verify-email?token=")
    acme.identity.enrollment.verify(SITE, mail.token, "my own passphrase", "10.0.0.1")
    activated = acme.identity.users.find_by_email(SITE, CUSTOMER_EMAIL)
    assert activated is not None and activated.user.status == UserStatus.ACTIVE
    assert isinstance(acme.identity.sign_in.login(SITE, CUSTOMER_EMAIL, "my own passphrase"), IssuedSession)
    # And the link works once only
    with pytest.raises(InvalidToken):
        acme.identity.enrollment.verify(SITE, mail.token, "another passphrase", "10.0.0.1")
    assert acme.store.get_enrollment_attempt(SITE, CUSTOMER_EMAIL).outcome == "user_created"


def test_the_verification_link_expires_after_24_hours(acme: World) -> None:
    acme.identity.enrollment.enroll(SITE, request())
    acme.clock.advance(hours=24)
    with pytest.raises(InvalidToken):
        acme.identity.enrollment.verify(SITE, acme.outbox.last(CUSTOMER_EMAIL).token, "my own passphrase", "10.0.0.1")


def test_a_weak_password_does_not_use_up_the_link(acme: World) -> None:
    acme.identity.enrollment.enroll(SITE, request())
    token = acme.outbox.last(CUSTOMER_EMAIL).token
    with pytest.raises(ValidationFailed):
        acme.identity.enrollment.verify(SITE, token, "password1", "10.0.0.1")
    acme.identity.enrollment.verify(SITE, token, "my own passphrase", "10.0.0.1")


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("no_such_contract", "contract_exists"),
        ("not_booked", "contract_booked"),
        ("no_customer", "contract_has_customer"),
        ("other_email", "email_matches_customer_contact_or_bill_to"),
        ("other_postal_code", "postal_code_matches"),
    ],
)
def test_every_enrollment_check_failing_on_its_own(world: World, change: str, rule: str) -> None:
    # Given a customer whose details pass every check but one
    world.put_account(SITE, "A-1", "Acme", email_=CUSTOMER_EMAIL)
    world.put_contract(SITE, "C-200", "A-1")  # keeps the account on the site when C-100 is not booked
    customer = None if change == "no_customer" else "A-1"
    world.put_contract(
        SITE,
        "C-100",
        customer,
        booked=change != "not_booked",
        bill_to_email=CUSTOMER_EMAIL if change == "no_customer" else "",
        other_roles=[("A-9", "Guarantor")] if change == "no_customer" else [],
    )
    details = request(
        email="stranger@example.com" if change == "other_email" else CUSTOMER_EMAIL,
        postal_code="94105" if change == "other_postal_code" else "60601",
        contract_id="C-999" if change == "no_such_contract" else "C-100",
    )
    email = details.email
    # When they enroll
    with pytest.raises(ValidationFailed) as raised:
        world.identity.enrollment.enroll(SITE, details)
    # Then 422 details_not_matched, no user, no email, and exactly that rule is recorded for support
    assert raised.value.code == "details_not_matched" and not raised.value.fields
    assert world.identity.users.find_by_email(SITE, email) is None and world.outbox.all() == []
    recorded = failed_rules(world, email)
    if change == "no_such_contract":
        assert recorded[0] == rule  # the others cannot be checked without a contract
    else:
        assert recorded == (rule,)


def test_a_contract_of_another_site_is_not_on_this_one(world: World) -> None:
    world.put_account("careline", "A-1", "Acme", email_=CUSTOMER_EMAIL)
    world.put_contract("careline", "C-100", "A-1")
    with pytest.raises(ValidationFailed):
        world.identity.enrollment.enroll(SITE, request())
    assert failed_rules(world)[0] == "contract_exists"


@pytest.mark.parametrize(
    "email",
    [
        "ap@acme.example",  # first of the customer's addresses
        "AR@Acme.Example",  # second, typed in another case
        "ops@acme.example",  # one of a contact's addresses
        "plant@acme.example",
        "billing@acme.example",  # one of the bill-to location's addresses
        "controller@acme.example",
    ],
)
def test_every_address_of_a_multi_address_email_field_is_accepted(world: World, email: str) -> None:
    # Given email fields holding several addresses separated by "," and ";"
    world.put_account(
        SITE, "A-1", "Acme", email_="ap@acme.example; ar@acme.example", contacts=["ops@acme.example,plant@acme.example"]
    )
    world.put_contract(SITE, "C-100", "A-1", bill_to_email="billing@acme.example ;controller@acme.example")
    # When someone enrolls with any one of them
    world.identity.enrollment.enroll(SITE, request(email=email))
    # Then they are eligible
    assert world.identity.users.find_by_email(SITE, email) is not None
    assert world.outbox.last(email.casefold()).kind == "registration"


@pytest.mark.parametrize(
    ("stored", "country", "typed", "eligible"),
    [
        ("60601-4410", "US", "60601", True),
        ("60601", "US", "60601-9999", True),
        ("60601", "US", " 606 01 ", True),
        ("60601", "US", "60602", False),
        ("K1A 0B1", "CA", "k1a0b1", True),
        ("K1A0B1", "CA", "K1A-0B1", True),
        ("K1A 0B1", "CA", " k1a 0b1 ", True),
        ("K1A 0B1", "CA", "K1A 0B2", False),
    ],
)
def test_us_and_canadian_postal_codes_with_spaces_and_dashes(
    world: World, stored: str, country: str, typed: str, eligible: bool
) -> None:
    world.put_account(SITE, "A-1", "Acme", email_=CUSTOMER_EMAIL)
    world.put_contract(SITE, "C-100", "A-1", postal=stored, country=country)
    if eligible:
        world.identity.enrollment.enroll(SITE, request(postal_code=typed))
        assert world.identity.users.find_by_email(SITE, CUSTOMER_EMAIL) is not None
    else:
        with pytest.raises(ValidationFailed):
            world.identity.enrollment.enroll(SITE, request(postal_code=typed))
        assert failed_rules(world) == ("postal_code_matches",)


def test_duplicate_enrollment_makes_no_second_user_and_tells_the_person_by_email(acme: World) -> None:
    # Given Ann enrolled and set her password
    acme.identity.enrollment.enroll(SITE, request())
    acme.identity.enrollment.verify(SITE, acme.outbox.last(CUSTOMER_EMAIL).token, "my own passphrase", "10.0.0.1")
    first = acme.identity.users.find_by_email(SITE, CUSTOMER_EMAIL)
    assert first is not None
    user_id = first.user.user_id
    # When the same email enrolls again (any case)
    acme.identity.enrollment.enroll(SITE, request(email="AP@ACME.EXAMPLE", first="Someone"))
    # Then there is still one user, unchanged, and the mailbox is told to log in or reset
    record = acme.identity.users.find_by_email(SITE, CUSTOMER_EMAIL)
    assert record is not None and record.user.user_id == user_id and record.user.first_name == "Ann"
    notice = acme.outbox.last(CUSTOMER_EMAIL)
    assert notice.kind == "already_registered"
    web = acme.identity.ctx.web_base_url
    assert f"{web}/sites/summit/sign-in" in notice.text and f"{web}/sites/summit/forgot-password" in notice.text
    assert acme.store.get_enrollment_attempt(SITE, CUSTOMER_EMAIL).outcome == "already_registered"


def test_enrolling_again_before_verifying_sends_a_fresh_link_that_voids_the_older_one(acme: World) -> None:
    acme.identity.enrollment.enroll(SITE, request())
    acme.identity.enrollment.enroll(SITE, request())
    older, newer = acme.outbox.all(CUSTOMER_EMAIL)
    assert older.kind == newer.kind == "registration"
    with pytest.raises(InvalidToken):
        acme.identity.enrollment.verify(SITE, older.token, "my own passphrase", "10.0.0.1")
    acme.identity.enrollment.verify(SITE, newer.token, "my own passphrase", "10.0.0.1")
    record = acme.identity.users.find_by_email(SITE, CUSTOMER_EMAIL)
    assert record is not None and record.user.status == UserStatus.ACTIVE


def test_the_link_forgot_password_sends_a_pending_user_voids_the_enrollment_one(acme: World) -> None:
    # Given a Pending user who asked for a password reset (which sends a fresh registration link)
    acme.identity.enrollment.enroll(SITE, request())
    acme.identity.recovery.forgot(SITE, CUSTOMER_EMAIL)
    first, second = acme.outbox.all(CUSTOMER_EMAIL)
    # When the newer one sets the password, the older one cannot set another
    acme.identity.enrollment.verify(SITE, second.token, "my own passphrase", "10.0.0.1")
    with pytest.raises(InvalidToken):
        acme.identity.enrollment.verify(SITE, first.token, "an attacker's passphrase", "10.0.0.1")


def test_twenty_enrollments_of_one_email_send_at_most_three_emails_and_answer_the_same(acme: World) -> None:
    for _ in range(20):
        acme.identity.enrollment.enroll(SITE, request())  # no exception: the route answers 202
    mails = acme.outbox.all(CUSTOMER_EMAIL)
    assert [m.kind for m in mails] == ["registration"] * 3
    # And the last link sent is the one that works
    acme.identity.enrollment.verify(SITE, mails[-1].token, "my own passphrase", "10.0.0.1")
    # And once Active, the "already registered" notices are capped on their own
    for _ in range(5):
        acme.identity.enrollment.enroll(SITE, request())
    assert [m.kind for m in acme.outbox.all(CUSTOMER_EMAIL)][3:] == ["already_registered"] * 3
    # And the next clock hour allows a few more
    acme.clock.advance(hours=1)
    acme.identity.enrollment.enroll(SITE, request())
    assert len(acme.outbox.all(CUSTOMER_EMAIL)) == 7


def test_the_same_email_may_enroll_on_two_sites_as_two_users(acme: World) -> None:
    acme.put_account("careline", "A-7", "Acme Medical", email_=CUSTOMER_EMAIL)
    acme.put_contract("careline", "C-700", "A-7", postal="K1A 0B1", country="CA")
    acme.identity.enrollment.enroll(SITE, request())
    acme.identity.enrollment.enroll("careline", request(contract_id="C-700", postal_code="K1A0B1"))
    summit = acme.identity.users.find_by_email(SITE, CUSTOMER_EMAIL)
    careline = acme.identity.users.find_by_email("careline", CUSTOMER_EMAIL)
    assert summit and careline and summit.user.user_id != careline.user.user_id
    assert careline.account_ids == ("A-7",)


def test_enrollment_guesses_are_limited(acme: World) -> None:
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            acme.identity.enrollment.enroll(SITE, request(postal_code="99999"))
    with pytest.raises(RateLimited):
        acme.identity.enrollment.enroll(SITE, request())
    acme.clock.advance(seconds=2)
    acme.identity.enrollment.enroll(SITE, request())
