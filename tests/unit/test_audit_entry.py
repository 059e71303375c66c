"""An audit entry is keyed for both reads (by month, by site), never carries a secret, and is insert-only."""

from __future__ import annotations

from portal.adapters.dynamodb.audit import REDACTED, AuditEntry, audit_put


def test_an_entry_is_written_only_if_new_and_indexed_by_month_and_site() -> None:
    entry = AuditEntry("2026-12-01T21:00:00+00:00", "sub-1", "admin@example.com", "PATCH /admin/sites/{site}", "summit")
    action = audit_put("portal-control", entry)["Put"]
    assert action["ConditionExpression"] == "attribute_not_exists(pk)"
    assert action["Item"]["pk"] == {"S": "AUDIT#2026-12"}
    assert action["Item"]["gsi1pk"] == {"S": "AUDIT#SITE#summit"}
    assert action["Item"]["sk"]["S"].startswith("2026-12-01T21:00:00+00:00#")


def test_secrets_are_redacted_at_any_depth_and_instance_changes_have_their_own_scope() -> None:
    entry = AuditEntry(
        "2026-12-01T21:00:00+00:00",
        "sub-1",
        "admin@example.com",
        "PUT /admin/settings",
        None,
        before={"login_branding": {"support_email": "a@x"}, "users": [{"password": "hunter2"}]},
        after={"token": "abc", "display_name": "Summit"},
    )
    item = entry.item()
    assert item["gsi1pk"] == "AUDIT#SITE#INSTANCE"
    assert item["before"]["users"] == [{"password": REDACTED}]
    assert item["after"] == {"token": REDACTED, "display_name": "Summit"}
    assert "hunter2" not in repr(audit_put("t", entry)) and "abc" not in repr(item["after"].values())
