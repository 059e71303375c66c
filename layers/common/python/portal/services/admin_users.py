"""A site's users as staff manage them (PRODUCT.md §4 admin actions; API.md admin table).

Reuses the identity services (`UserService`, `EnrollmentService.resend_registration`,
`RecoveryService.send_reset_link`); every user write carries its audit entry into the identity store's own
transaction (one `TransactWriteItems` spans the identity and control tables). Reset and resend write no user
state of their own but a fresh emailed link: their audit entry is put once the link went out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from portal.adapters.dynamodb.audit import audit_put
from portal.adapters.dynamodb.identity import DynamoIdentityStore
from portal.domain.errors import NotFound, ValidationFailed
from portal.ports import SiteReader
from portal.services.admin_audit import Actor
from portal.services.identity.models import User, UserRecord, UserStatus
from portal.services.identity.ports import CustomerRecords, CustomerSync
from portal.services.identity.service import Identity
from portal.services.linkability_facts import Linkability
from portal.services.pagination import PageScope, decode_page_token, encode_page_token, int_position, text_position
from portal.services.user_search import plan


def _public(user: User) -> dict[str, Any]:
    return {"user_id": user.user_id, "site_id": user.site_id, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "status": str(user.status), "created_at": user.created_at}  # fmt: skip


class AdminUsers:
    def __init__(
        self,
        identity: Identity,
        store: DynamoIdentityStore,
        sites: SiteReader,
        records: CustomerRecords,
        linkability: Linkability,
        customer_sync: CustomerSync,
        dynamodb: Any,
        audit_table: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._dynamodb = dynamodb
        self._identity = identity
        self._store = store
        self._sites = sites
        self._records = records
        self._linkability = linkability
        self._customer_sync = customer_sync
        self._audit_table = audit_table
        self._clock = clock or (lambda: datetime.now(UTC))

    # --- reads ------------------------------------------------------------------------------------------------
    def search(
        self, scope: PageScope, site_id: str, q: str | None, status: str | None, limit: int, next_token: str | None
    ) -> dict[str, Any]:
        self._site(site_id)
        if not q or not q.strip():
            after = decode_page_token(next_token, scope, text_position) if next_token else None
            users, last = self._store.list_users(site_id, status, limit, after)
            return {"users": users, "next_token": encode_page_token(last, scope) if last else None}
        query = plan(q)
        if not query.words:
            raise ValidationFailed("Search with at least two letters.", code="query_too_short",
                                   fields=[{"field": "q", "issue": "at least two letters or digits"}])  # fmt: skip
        offset = decode_page_token(next_token, scope, int_position) if next_token else 0
        ranked = self._store.search_users(site_id, query, status)
        page = ranked[offset : offset + limit]
        more = offset + limit < len(ranked)
        return {
            "users": [{**user, "score": score} for score, user in page],
            "next_token": encode_page_token(offset + limit, scope) if more else None,
        }

    def get(self, site_id: str, user_id: str) -> dict[str, Any]:
        record = self._record(site_id, user_id)
        names = self._records.account_names(site_id, record.account_ids)
        return {
            **_public(record.user),
            "linked_accounts": [{"account_id": a, "name": names.get(a)} for a in record.account_ids],
            "totp_enabled": record.totp is not None,
        }

    # --- writes -----------------------------------------------------------------------------------------------
    def create(
        self, actor: Actor, site_id: str, email: str, first_name: str, last_name: str, account_ids: Sequence[str]
    ) -> dict[str, Any]:
        self._site(site_id)
        accounts = list(dict.fromkeys(account_ids))
        self._require_linkable(site_id, accounts)

        def audit(user: User) -> list[Mapping[str, Any]]:
            after = {**_public(user), "account_ids": accounts}
            entry = actor.entry(self._clock(), site_id, {"user_id": user.user_id}, None, after)
            return [audit_put(self._audit_table, entry)]

        user = self._identity.users.create_user(site_id, email, first_name, last_name, accounts, extra=audit)
        self._identity.enrollment.resend_registration(site_id, user.user_id)
        if accounts:  # so the user sees their contracts within a minute of verifying (queued in AWS)
            self._customer_sync(accounts)
        return self.get(site_id, user.user_id)

    def update(self, actor: Actor, site_id: str, user_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        record = self._record(site_id, user_id)
        user = record.user
        accounts = list(dict.fromkeys(changes.get("account_ids", record.account_ids)))
        self._require_linkable(site_id, [a for a in accounts if a not in record.account_ids])
        first = changes.get("first_name", user.first_name)
        last = changes.get("last_name", user.last_name)
        before = {**_public(user), "account_ids": list(record.account_ids)}
        after = {**before, "first_name": first.strip(), "last_name": last.strip(), "account_ids": accounts}
        entry = actor.entry(self._clock(), site_id, {"user_id": user_id}, before, after)
        self._identity.users.update_user(site_id, user_id, first_name=first, last_name=last, account_ids=accounts,
                                         extra=[audit_put(self._audit_table, entry)])  # fmt: skip
        added = [a for a in accounts if a not in record.account_ids]
        if added:
            self._customer_sync(added)
        return self.get(site_id, user_id)

    def set_status(self, actor: Actor, site_id: str, user_id: str, status: UserStatus) -> dict[str, Any]:
        record = self._record(site_id, user_id)
        before = _public(record.user)
        entry = actor.entry(self._clock(), site_id, {"user_id": user_id}, before, {**before, "status": str(status)})
        self._identity.users.set_status(site_id, user_id, status, extra=[audit_put(self._audit_table, entry)])
        return self.get(site_id, user_id)

    def reset_password(self, actor: Actor, site_id: str, user_id: str) -> None:
        self._record(site_id, user_id)
        self._identity.recovery.send_reset_link(site_id, user_id)  # 409 unless Active
        self._audit_email(actor, site_id, user_id, "reset_link_sent")

    def resend_registration(self, actor: Actor, site_id: str, user_id: str) -> None:
        self._record(site_id, user_id)
        self._identity.enrollment.resend_registration(site_id, user_id)  # 409 unless Pending
        self._audit_email(actor, site_id, user_id, "registration_link_sent")

    # --- helpers ----------------------------------------------------------------------------------------------
    def _audit_email(self, actor: Actor, site_id: str, user_id: str, what: str) -> None:
        entry = actor.entry(self._clock(), site_id, {"user_id": user_id}, None, {"email": what})
        put = audit_put(self._audit_table, entry)["Put"]
        self._dynamodb.put_item(TableName=put["TableName"], Item=put["Item"],
                                ConditionExpression=put["ConditionExpression"])  # fmt: skip

    def _site(self, site_id: str) -> None:
        try:
            site, _ = self._sites.get_site_and_settings(site_id)
        except ValueError:  # not even a possible site id
            site = None
        if site is None:
            raise NotFound("There is no such site.", code="site_not_found")

    def _record(self, site_id: str, user_id: str) -> UserRecord:
        self._site(site_id)
        try:
            record = self._identity.users.get(site_id, user_id)
        except ValueError:  # an id that cannot be a key names no user
            record = None
        if record is None:
            raise NotFound("There is no such user on this site.", code="user_not_found")
        return record

    def _require_linkable(self, site_id: str, account_ids: Sequence[str]) -> None:
        failures = []
        for account_id in account_ids:
            failed = self._linkability.linkability(site_id, account_id).first_failure
            if failed is not None:
                failures.append({"field": "account_ids", "account_id": account_id, "rule": failed.rule,
                                 "issue": failed.detail})  # fmt: skip
        if failures:
            rules = ", ".join(sorted({f["rule"] for f in failures}))
            raise ValidationFailed(f"Some accounts cannot be linked on this site (failed: {rules}).",
                                   code="account_not_linkable", fields=failures)  # fmt: skip
