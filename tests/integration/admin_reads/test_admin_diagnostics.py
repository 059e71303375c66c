"""Diagnostics 1-3: every rule failing on its own, with the data that decided it in its detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.services.identity.models import EnrollmentAttempt
from tests.integration.admin_reads.admin_reads_kit import AdminWorld

VISIBILITY = "/admin/sites/{site}/diagnostics/contract-visibility"
LINKABILITY = "/admin/sites/{site}/diagnostics/account-linkability"
ENROLLMENT = "/admin/sites/{site}/diagnostics/enrollment"


def checklist(admin: AdminWorld, path: str, site: str = "summit", **query: str) -> tuple[str, dict[str, Any]]:
    status, body = admin.get(path.format(site=site), query)
    assert status == 200, body
    assert set(body) >= {"verdict", "checks"}
    return body["verdict"], {c["rule"]: c for c in body["checks"]}


def failed(checks: dict[str, Any]) -> set[str]:
    return {rule for rule, check in checks.items() if not check["passed"]}


def visibility(admin: AdminWorld, user_id: str, contract_id: str, site: str = "summit") -> tuple[str, dict[str, Any]]:
    return checklist(admin, VISIBILITY, site, user_id=user_id, contract_id=contract_id)


def test_a_linked_active_user_sees_the_contract_and_every_check_passes(admin: AdminWorld) -> None:
    user = admin.world.user("summit", "pat@example.com", accounts=("A-1",))
    verdict, checks = visibility(admin, user, "C-1")
    assert verdict == "visible" and not failed(checks)
    assert list(checks) == [
        "user_exists", "user_active", "contract_synced", "contract_booked",
        "linked_account_holds_customer_or_guarantor_role", "private_label_maps_to_site", "listed_as",
        "synced_since_change", "no_restore_pending",
    ]  # fmt: skip
    assert "A-1 (Customer)" in checks["linked_account_holds_customer_or_guarantor_role"]["detail"]


def test_a_terminated_contract_is_visible_and_listed_closed(admin: AdminWorld) -> None:
    user = admin.world.user("summit", "pat@example.com", accounts=("A-2",))
    verdict, checks = visibility(admin, user, "C-2")
    assert verdict == "visible"
    assert checks["listed_as"]["detail"] == "listed under closed contracts (terminated)"


def test_a_contract_with_another_sites_label_names_the_label_and_the_site(admin: AdminWorld) -> None:
    # Given a user linked after the last sync (a contract synced to another site is no sync delay)
    admin.world.clock.now = datetime.now(UTC) + timedelta(hours=1)
    user = admin.world.user("summit", "pat@example.com", accounts=("A-3",))
    verdict, checks = visibility(admin, user, "C-3")
    assert verdict == "not_visible"
    assert failed(checks) == {"contract_synced", "private_label_maps_to_site"}
    assert checks["contract_synced"]["detail"] == "contract C-3 is synced to site harvest, not summit"
    assert "AGRI" in checks["private_label_maps_to_site"]["detail"]
    assert "in the portal (site harvest)" in checks["synced_since_change"]["detail"]


def test_a_contract_of_an_account_the_user_is_not_linked_to(admin: AdminWorld) -> None:
    user = admin.world.user("summit", "pat@example.com", accounts=("A-1",))
    verdict, checks = visibility(admin, user, "C-6")
    assert verdict == "not_visible" and failed(checks) == {"linked_account_holds_customer_or_guarantor_role"}
    assert "(A-1)" in checks["linked_account_holds_customer_or_guarantor_role"]["detail"]


def test_a_pending_user(admin: AdminWorld) -> None:
    user = admin.world.identity.users.create_user("summit", "sam@example.com", "Sam", "Ray", ["A-1"]).user_id
    verdict, checks = visibility(admin, user, "C-1")
    assert verdict == "not_visible" and failed(checks) == {"user_active"}
    assert "is Pending" in checks["user_active"]["detail"]


def test_an_unknown_user_and_an_unsynced_contract(admin: AdminWorld) -> None:
    verdict, checks = visibility(admin, "nobody", "C-404")
    assert verdict == "not_visible"
    assert {"user_exists", "user_active", "contract_synced"} <= failed(checks)
    assert "not in the portal" in checks["contract_synced"]["detail"]


def test_a_link_created_after_the_last_sync_says_wait_for_the_next_sync(admin: AdminWorld) -> None:
    # Given a contract booked in ASPIRE after the last sync, and a user linked after it too
    admin.aspire.contract("C-7", "A-1")
    admin.world.clock.now = datetime.now(UTC) + timedelta(hours=1)
    user = admin.world.user("summit", "pat@example.com", accounts=("A-1",))
    verdict, checks = visibility(admin, user, "C-7")
    assert verdict == "not_visible" and failed(checks) == {"contract_synced", "synced_since_change"}
    assert "account A-1 linked" in checks["synced_since_change"]["detail"]
    assert "wait for the next incremental sync" in checks["synced_since_change"]["detail"]
    # When the next sync has run, the contract is visible
    admin.run_sync()
    assert visibility(admin, user, "C-7")[0] == "visible"


def test_a_restore_detected_after_the_last_success_is_pending(admin: AdminWorld) -> None:
    user = admin.world.user("summit", "pat@example.com", accounts=("A-1",))
    admin.sync.sync_state.record_event("restore_detected", datetime.now(UTC) + timedelta(minutes=5), {"watermark": 9})
    verdict, checks = visibility(admin, user, "C-1")
    assert verdict == "not_visible" and failed(checks) == {"no_restore_pending"}
    assert "restore was detected" in checks["no_restore_pending"]["detail"]


def test_account_linkability_is_the_domain_rule_over_the_synced_facts(admin: AdminWorld) -> None:
    verdict, checks = checklist(admin, LINKABILITY, account_id="A-3")
    assert verdict == "not_linkable" and failed(checks) == {"active_contract_label_maps_to_site"}
    assert "site harvest" in checks["active_contract_label_maps_to_site"]["detail"]
    assert checklist(admin, LINKABILITY, "harvest", account_id="A-3")[0] == "linkable"
    _, checks = checklist(admin, LINKABILITY, account_id="A-2")
    assert failed(checks) == {"has_active_contract", "active_contract_label_maps_to_site"}
    _, checks = checklist(admin, LINKABILITY, account_id="A-404")
    assert "account_synced" in failed(checks) and "not been synced" in checks["account_synced"]["detail"]


def test_enrollment_of_a_pending_user_lists_the_emails_sent(admin: AdminWorld) -> None:
    world = admin.world
    user = world.identity.users.create_user("summit", "sam@example.com", "Sam", "Ray", ["A-1"]).user_id
    world.identity.enrollment.resend_registration("summit", user)
    status, body = admin.get(ENROLLMENT.format(site="summit"), {"email": "sam@example.com"})
    assert status == 200, body
    checks = {c["rule"]: c for c in body["checks"]}
    assert body["verdict"] == "problem_found" and failed(checks) == {"user_active"}
    assert [(m["kind"], m["state"], m["delivery"]) for m in body["recent_emails"]] == [("registration", "sent", None)]
    assert "registration at" in checks["emails_delivered"]["detail"]


def test_a_bounced_email_fails_the_delivery_check(admin: AdminWorld) -> None:
    world = admin.world
    user = world.identity.users.create_user("summit", "sam@example.com", "Sam", "Ray", ["A-1"]).user_id
    world.identity.enrollment.resend_registration("summit", user)
    bounced = world.wiring.mail_log.record_bounce_latest(
        ["summit", "harvest"], "sam@example.com", "2026-11-02T16:00:00Z", "Permanent/General"
    )
    assert bounced is not None and bounced[0] == "summit"
    verdict, checks = checklist(admin, ENROLLMENT, email="sam@example.com")
    assert verdict == "problem_found" and failed(checks) == {"user_active", "emails_delivered"}
    detail = checks["emails_delivered"]["detail"]
    assert "registration at" in detail and "bounced" in detail and "Permanent/General" in detail


def test_the_failed_rules_of_the_last_enrollment_attempt(admin: AdminWorld) -> None:
    store = admin.world.store
    attempt = EnrollmentAttempt("2026-11-02T15:00:00Z", "not_eligible", ("postal_code_matches",))
    store.put_enrollment_attempt("summit", "new@example.com", attempt)
    verdict, checks = checklist(admin, ENROLLMENT, email="new@example.com")
    assert verdict == "problem_found"
    assert failed(checks) == {"user_exists", "user_active", "emails_delivered", "enrollment_checks_passed"}
    assert "postal_code_matches" in checks["enrollment_checks_passed"]["detail"]


def test_bad_diagnostics_input_is_4xx(admin: AdminWorld) -> None:
    assert admin.get(ENROLLMENT.format(site="summit"), {"email": "not-an-email"})[0] == 422
    assert admin.get(VISIBILITY.format(site="summit"), {"user_id": "u"})[0] == 422
    assert admin.get(LINKABILITY.format(site="nowhere"), {"account_id": "A-1"})[0] == 404
    assert admin.get(VISIBILITY.format(site="summit"), {"user_id": "u#x", "contract_id": "C#1"})[0] == 200
