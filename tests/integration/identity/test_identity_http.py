"""The sign-in routes and the authorizer as API Gateway invokes them: statuses, bodies, headers, policies."""

from __future__ import annotations

from typing import Any

import pytest

from local.events import LambdaContextStub, api_event, authorizer_event
from portal.domain.principal import EndUser
from tests.integration.identity.kit import PASSWORD, World, call

EMAIL = "pat.lee@example.com"


def post(path: str, body: Any, *, token: str | None = None) -> tuple[int, Any, dict[str, Any]]:
    site = path.split("/")[2]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resource = path.replace(f"/sites/{site}", "/sites/{site}", 1)
    event = api_event("POST", path, resource=resource, path_params={"site": site}, headers=headers, body=body)
    if token:
        event["requestContext"]["authorizer"] = authorize(event)["context"]
    return call("login", event)


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    from authorizer.app import handler

    result: dict[str, Any] = handler(authorizer_event(event), LambdaContextStub("authorizer"))
    return result


def login_token(site: str = "summit") -> str:
    status, body, _ = post(f"/sites/{site}/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200, body
    return str(body["access_token"])


def test_login_answers_a_bearer_token_that_no_cache_keeps(world: World) -> None:
    world.user("summit", EMAIL)
    status, body, headers = post("/sites/summit/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert headers["Cache-Control"] == "no-store"


def test_login_with_mfa_answers_a_challenge(world: World) -> None:
    world.user("harvest", EMAIL)
    status, body, _ = post("/sites/harvest/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200 and body["mfa_required"] is True and body["mfa_method"] == "email"
    code = world.outbox.last(EMAIL).code
    status, body, _ = post("/sites/harvest/auth/mfa", {"challenge_id": body["challenge_id"], "code": code})
    assert status == 200 and body["access_token"].startswith("harvest.")


def test_login_failures_are_identical_for_known_and_unknown_emails(world: World) -> None:
    world.user("summit", EMAIL)
    known = post("/sites/summit/auth/login", {"email": EMAIL, "password": "not the password"})
    unknown = post("/sites/summit/auth/login", {"email": "nobody@example.com", "password": "not the password"})
    assert known[0] == unknown[0] == 401
    assert (
        known[1]
        == unknown[1]
        == {"error": {"code": "invalid_credentials", "message": "The email or password is incorrect."}}
    )


def test_forgot_password_is_identical_for_known_and_unknown_emails(world: World) -> None:
    world.user("summit", EMAIL)
    known = post("/sites/summit/auth/password/forgot", {"email": EMAIL})
    unknown = post("/sites/summit/auth/password/forgot", {"email": "nobody@example.com"})
    assert known[:2] == unknown[:2] == (202, {"status": "check_email"})
    assert [m.to for m in world.outbox.all()] == [EMAIL]


def test_enrollment_is_identical_for_known_and_unknown_emails(world: World) -> None:
    # Given a customer with two addresses on file, one of which already has a user
    world.put_account("summit", "A-1", "Acme", email_="ap@acme.example; ar@acme.example")
    world.put_contract("summit", "C-100", "A-1")
    world.user("summit", "ap@acme.example")
    details = {"first_name": "Ann", "last_name": "Smith", "postal_code": "60601", "contract_id": "C-100"}
    # When both enroll with matching details, and both with a wrong postal code
    known = post("/sites/summit/enrollment", {**details, "email": "ap@acme.example"})
    unknown = post("/sites/summit/enrollment", {**details, "email": "ar@acme.example"})
    known_bad = post("/sites/summit/enrollment", {**details, "email": "ap@acme.example", "postal_code": "1"})
    unknown_bad = post("/sites/summit/enrollment", {**details, "email": "ar@acme.example", "postal_code": "1"})
    # Then the answers do not tell them apart; only the mailboxes do
    assert known[:2] == unknown[:2] == (202, {"status": "check_email"})
    assert known_bad[0] == unknown_bad[0] == 422
    assert known_bad[1] == unknown_bad[1] and known_bad[1]["error"]["code"] == "details_not_matched"
    assert [m.kind for m in world.outbox.all("ap@acme.example")] == ["already_registered"]
    assert [m.kind for m in world.outbox.all("ar@acme.example")] == ["registration"]


def test_rate_limited_answers_say_when_to_come_back(world: World) -> None:
    for _ in range(5):
        post("/sites/summit/auth/login", {"email": EMAIL, "password": "wrong password"})
    status, body, headers = post("/sites/summit/auth/login", {"email": EMAIL, "password": "wrong password"})
    assert status == 429 and body["error"]["code"] == "too_many_attempts" and headers["Retry-After"] == "2"


def test_forgot_password_answers_202_also_over_its_limit(world: World) -> None:
    # Given an Active user asking for a reset link eight times in a row (the limit delays after five)
    world.user("summit", EMAIL)
    answers = [post("/sites/summit/auth/password/forgot", {"email": EMAIL})[:2] for _ in range(8)]
    # Then every answer is the same 202, and the mailbox got at most three links
    assert len(set(map(repr, answers))) == 1 and answers[0][0] == 202
    assert [m.kind for m in world.outbox.all(EMAIL)] == ["password_reset"] * 3


def test_bad_input_is_400_or_422_and_never_echoes_a_secret(world: World) -> None:
    status, body, _ = post("/sites/summit/auth/login", b"{not json")
    assert status == 400 and body["error"]["code"] == "malformed_request"
    status, body, _ = post("/sites/summit/auth/login", {"email": "not-an-email", "password": "hunter2-secret"})
    assert status == 422 and "hunter2-secret" not in str(body)
    status, body, _ = post("/sites/summit/auth/password/reset", {"token": "x" * 43, "password": "hunter2-secret"})
    assert status == 400 and body["error"]["code"] == "invalid_token"
    status, body, _ = post("/sites/nowhere/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 404 and body["error"]["code"] == "site_not_found"


def test_weak_password_at_verification_is_422_with_the_field(world: World) -> None:
    world.user("summit", EMAIL)
    post("/sites/summit/auth/password/forgot", {"email": EMAIL})
    token = world.outbox.last(EMAIL).token
    status, body, _ = post("/sites/summit/auth/password/reset", {"token": token, "password": "qwerty123"})
    assert status == 422 and body["error"]["code"] == "weak_password"
    assert body["error"]["fields"][0]["field"] == "password" and "qwerty123" not in str(body)
    status, _, _ = post("/sites/summit/auth/password/reset", {"token": token, "password": "a fine passphrase"})
    assert status == 204


# --- the authorizer --------------------------------------------------------------------------------------------
def me_event(site: str, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api_event(
        "GET", f"/sites/{site}/me", resource="/sites/{site}/me", path_params={"site": site}, headers=headers
    )


def test_authorizer_allows_only_the_tokens_own_site_with_the_principal_as_context(world: World) -> None:
    user_id = world.user("summit", EMAIL, accounts=("A-1", "A-2"))
    token = login_token()
    result = authorize(me_event("summit", token))
    statement = result["policyDocument"]["Statement"][0]
    assert result["principalId"] == user_id and statement["Effect"] == "Allow"
    assert statement["Resource"] == [
        "arn:aws:execute-api:us-east-1:000000000000:enduser/local/*/sites/summit",
        "arn:aws:execute-api:us-east-1:000000000000:enduser/local/*/sites/summit/*",
    ]
    session_id = result["context"]["session_id"]
    assert result["context"] == EndUser("summit", user_id, session_id, ("A-1", "A-2")).context()
    assert all(isinstance(v, str) for v in result["context"].values())


def test_authorizer_denies_a_token_on_another_sites_path(world: World) -> None:
    world.user("summit", EMAIL)
    result = authorize(me_event("careline", login_token()))
    assert [s["Effect"] for s in result["policyDocument"]["Statement"]] == ["Deny"]
    assert "context" not in result


@pytest.mark.parametrize("token", [None, "", "summit.", "summit." + "A" * 43, "Basic abc"])
def test_authorizer_refuses_missing_or_unknown_tokens_with_401(world: World, token: str | None) -> None:
    event = me_event("summit", token)
    if token == "Basic abc":
        event["headers"]["Authorization"] = token
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(event)


def test_me_shows_the_user_their_accounts_and_mfa_methods(world: World) -> None:
    world.put_account("summit", "A-1", "Acme Excavation")
    user_id = world.user("summit", EMAIL, accounts=("A-1", "A-404"))
    token = login_token()
    event = me_event("summit", token)
    event["requestContext"]["authorizer"] = authorize(event)["context"]
    status, body, headers = call("login", event)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert body == {
        "user_id": user_id,
        "site_id": "summit",
        "email": EMAIL,
        "first_name": "Pat",
        "last_name": "Lee",
        "status": "Active",
        "linked_accounts": [{"account_id": "A-1", "name": "Acme Excavation"}, {"account_id": "A-404", "name": None}],
        "mfa_methods": [],
        "totp_enabled": False,
    }
