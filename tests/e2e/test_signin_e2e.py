"""Sign-in end to end through the local gateway (the same route table, authorizer and handlers as in AWS)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyotp
import pytest

from local.gateway import Gateway
from tests.integration.identity.kit import PASSWORD, World, open_world

pytestmark = pytest.mark.e2e
EMAIL = "pat.lee@example.com"


@pytest.fixture
def world(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return open_world(tmp_path, monkeypatch)


def http(method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    raw = json.dumps(body).encode() if body is not None else None
    response = Gateway("enduser").handle(method, path, headers, raw)
    text = response.get("body")
    return response["statusCode"], json.loads(text) if text else None


def sign_in(world: World, site: str, email: str = EMAIL, password: str = PASSWORD) -> str:
    status, body = http("POST", f"/sites/{site}/auth/login", {"email": email, "password": password})
    assert status == 200, body
    if body.get("mfa_required"):
        code = world.outbox.last(email).code
        status, body = http("POST", f"/sites/{site}/auth/mfa", {"challenge_id": body["challenge_id"], "code": code})
        assert status == 200, body
    return str(body["access_token"])


def test_a_persona_with_mfa_reads_the_code_from_the_outbox_and_sees_themselves(world: World) -> None:
    # Given a user of a site with MFA on
    user_id = world.user("harvest", EMAIL, accounts=("A-3",))
    # When they log in, read the emailed code and answer it
    token = sign_in(world, "harvest")
    # Then GET /me answers with their user, status and linked accounts
    status, body = http("GET", "/sites/harvest/me", token=token)
    assert status == 200
    assert (body["user_id"], body["status"], body["mfa_methods"]) == (user_id, "Active", ["email"])
    assert [a["account_id"] for a in body["linked_accounts"]] == ["A-3"]


def test_no_token_or_a_bad_one_is_401(world: World) -> None:
    assert http("GET", "/sites/summit/me")[0] == 401
    assert http("GET", "/sites/summit/me", token="summit." + "x" * 43)[0] == 401
    assert http("GET", "/sites/summit/me", token="garbage")[0] == 401


def test_a_token_of_site_a_on_site_b_is_403(world: World) -> None:
    world.user("summit", EMAIL)
    world.user("careline", EMAIL)  # the same person with a user on both sites
    token = sign_in(world, "summit")
    for path in ("/sites/careline/me", "/sites/careline/contracts", "/sites/careline/me/totp"):
        method = "POST" if path.endswith("totp") else "GET"
        assert http(method, path, token=token)[0] == 403, path
    assert http("GET", "/sites/summit/me", token=token)[0] == 200


def test_logout_revokes_the_token(world: World) -> None:
    world.user("summit", EMAIL)
    token = sign_in(world, "summit")
    assert http("POST", "/sites/summit/auth/logout", token=token) == (204, None)
    assert http("GET", "/sites/summit/me", token=token)[0] == 401


def test_password_change_revokes_the_other_tokens(world: World) -> None:
    world.user("summit", EMAIL)
    laptop, phone = sign_in(world, "summit"), sign_in(world, "summit")
    change = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    assert http("POST", "/sites/summit/me/password", change, token=laptop) == (204, None)
    assert http("GET", "/sites/summit/me", token=phone)[0] == 401
    assert http("GET", "/sites/summit/me", token=laptop)[0] == 200
    wrong = {"current_password": "not it", "new_password": "another passphrase"}
    status, body = http("POST", "/sites/summit/me/password", wrong, token=laptop)
    assert status == 422 and body["error"]["code"] == "current_password_incorrect"


def test_an_idle_token_expires_after_30_minutes(world: World) -> None:
    world.user("summit", EMAIL)
    token = sign_in(world, "summit")
    world.clock.advance(minutes=29)
    assert http("GET", "/sites/summit/me", token=token)[0] == 200
    world.clock.advance(minutes=30)
    assert http("GET", "/sites/summit/me", token=token)[0] == 401


def test_enroll_follow_the_link_set_a_password_and_log_in(world: World) -> None:
    # Given a customer eligible for self-enrollment
    world.put_account("summit", "A-1", "Acme Excavation", contacts=["ops@acme.example; ann@acme.example"])
    world.put_contract("summit", "C-100", "A-1", postal="K1A 0B1", country="CA")
    details = {"first_name": "Ann", "last_name": "Smith", "email": "ann@acme.example", "postal_code": "k1a-0b1",
               "contract_id": "C-100"}  # fmt: skip
    # When they register, follow the emailed link and set a password
    assert http("POST", "/sites/summit/enrollment", details) == (202, {"status": "check_email"})
    token = world.outbox.last("ann@acme.example").token
    assert http("POST", "/sites/summit/enrollment/verify", {"token": token, "password": "ann's passphrase"}) == (
        204,
        None,
    )
    # Then they log in and see the customer's account
    bearer = sign_in(world, "summit", "ann@acme.example", "ann's passphrase")
    status, body = http("GET", "/sites/summit/me", token=bearer)
    assert status == 200 and body["linked_accounts"] == [{"account_id": "A-1", "name": "Acme Excavation"}]
    # And the link cannot be used again
    status, body = http("POST", "/sites/summit/enrollment/verify", {"token": token, "password": "ann's passphrase"})
    assert status == 400 and body["error"]["code"] == "invalid_token"


def test_set_up_an_authenticator_app_and_log_in_with_an_independent_generator(world: World) -> None:
    world.user("summit", EMAIL)
    token = sign_in(world, "summit")
    # When the user sets up an app and confirms it with a code from an independent TOTP generator
    status, setup = http("POST", "/sites/summit/me/totp", token=token)
    assert status == 200 and setup["otpauth_uri"].startswith("otpauth://totp/") and "<svg" in setup["qr_svg"]
    app = pyotp.TOTP(setup["secret"])
    assert http("POST", "/sites/summit/me/totp/confirm", {"code": app.at(world.clock())}, token=token) == (204, None)
    # Then the next login asks for the app's code (from a later time-step) and accepts it
    world.clock.advance(seconds=30)
    status, body = http("POST", "/sites/summit/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200 and body["mfa_required"] is True and body["mfa_method"] == "totp"
    code = app.at(world.clock())
    status, issued = http("POST", "/sites/summit/auth/mfa", {"challenge_id": body["challenge_id"], "code": code})
    assert status == 200 and issued["access_token"].startswith("summit.")
    # And removing the app is one DELETE
    assert http("DELETE", "/sites/summit/me/totp", token=issued["access_token"]) == (204, None)
    status, me = http("GET", "/sites/summit/me", token=issued["access_token"])
    assert me["totp_enabled"] is False
