"""The identity table: end users, account links, sessions, MFA challenges, emailed tokens, failure counters,
and the records support staff read later (last enrollment attempt, authentication emails sent).

Key shapes are in `identity_keys.py`. Everything that expires carries `expires_at` (epoch seconds, the
table's TTL attribute); the rules never rely on TTL deletion (it can lag by days) and compare times
themselves. Every read on a request path is GetItem or Query; writes that must not race are conditional.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from portal.adapters.dynamodb import identity_keys as ik
from portal.adapters.dynamodb.batch import BatchWriter
from portal.adapters.dynamodb.batch_get import batch_get
from portal.adapters.dynamodb.codec import from_item, key, to_item
from portal.adapters.dynamodb.identity_keys import encoded
from portal.adapters.dynamodb.query import query_items
from portal.services.identity.models import (
    AttemptKey,
    Challenge,
    EmailTaken,
    EmailToken,
    EnrollmentAttempt,
    SentEmail,
    SessionRecord,
    TokenPurpose,
    TotpSeed,
    User,
    UserRecord,
    UserStatus,
)
from portal.services.identity.throttle import HOUR, AttemptState
from portal.services.user_search import CANDIDATES, EXACT, PHONETIC, PREFIX, IndexEntry, QueryPlan, index_entries, score

DIAGNOSTICS_RETENTION = timedelta(days=90)
CHALLENGE_GRACE_S = 3600  # kept a little after expiry so a late answer is "expired", not "unknown"
TOKEN_GRACE_S = 24 * 3600


def user_fields(user: User) -> dict[str, str]:
    """What a search index entry repeats of its user (a search answers without reading the users)."""
    return {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "status": str(user.status)}  # fmt: skip


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _bytes(value: Any) -> bytes:
    return bytes(value.value) if isinstance(value, Binary) else bytes(value)


def _message_index(message_id: str | None) -> dict[str, str]:
    """gsi1 keys of a sent email by its SES message id (none for an id that cannot be a key part)."""
    try:
        return {"gsi1pk": ik.message_index_pk(message_id), "gsi1sk": "MAIL"} if message_id else {}
    except ValueError:
        return {}


def _epoch(iso_time: str) -> int:
    return int(datetime.fromisoformat(iso_time).timestamp())


def _values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_item({"v": value})["v"] for name, value in values.items()}


def _serial_attribute(purpose: str) -> str:
    """The USER item's counter of the links sent for `purpose` (registration, reset)."""
    return f"{purpose}_link_serial"


def _equals_or_absent(name: str, placeholder: str, value: int) -> str:
    return f"(attribute_not_exists({name}) OR {name} = {placeholder})" if value == 0 else f"{name} = {placeholder}"


def _password_update(password_hash: str, activate: bool, at: str) -> tuple[str, dict[str, Any]]:
    expression = "SET password_hash = :hash, updated_at = :at" + (", #status = :active" if activate else "")
    expression += ", password_version = if_not_exists(password_version, :zero) + :one"
    values: dict[str, Any] = {":hash": password_hash, ":at": at, ":zero": 0, ":one": 1}
    if activate:
        values[":active"] = str(UserStatus.ACTIVE)
    return expression, values


class DynamoIdentityStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    # --- helpers ----------------------------------------------------------------------------------------------
    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=key(pk, sk), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def _put(self, item: Mapping[str, Any]) -> None:
        self._client.put_item(TableName=self._table, Item=to_item(item))

    def _update(
        self, pk: str, sk: str, expression: str, condition: str, values: Mapping[str, Any], **extra: Any
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key(pk, sk),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=_values(values),
                **extra,
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def _query(self, pk: str, prefix: str, **extra: Any) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            **extra,
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self._client.query(**kwargs)
            items.extend(from_item(raw) for raw in response["Items"])
            if "LastEvaluatedKey" not in response or "Limit" in kwargs:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # --- users and links --------------------------------------------------------------------------------------
    def create_user(
        self, user: User, account_ids: Sequence[str], *, link_source: str, extra: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """The user, its email's uniqueness, its links and its search index entries in one transaction, with
        `extra` actions (the admin API's audit entry) in the same one."""
        pk = ik.user_pk(user.site_id, user.user_id)
        user_item = {
            "pk": pk,
            "sk": ik.USER_SK,
            "type": "user",
            "site_id": user.site_id,
            "user_id": user.user_id,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "status": str(user.status),
            "password_hash": user.password_hash,
            "password_version": user.password_version,
            "created_at": user.created_at,
            "updated_at": user.created_at,
            "gsi1pk": ik.users_index_pk(user.site_id),
            "gsi1sk": f"{ik.users_index_sk(user.email)}#{user.user_id}",
        }
        email_item = {
            "pk": ik.email_pk(user.site_id, user.email),
            "sk": ik.EMAIL_SK,
            "type": "email",
            "user_id": user.user_id,
            "created_at": user.created_at,
        }
        new = "attribute_not_exists(pk)"
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": to_item(email_item), "ConditionExpression": new}},
            {"Put": {"TableName": self._table, "Item": to_item(user_item), "ConditionExpression": new}},
        ]
        for account_id in account_ids:
            link = self._link_item(user, account_id, link_source)
            actions.append({"Put": {"TableName": self._table, "Item": to_item(link)}})
        actions.extend(self._index_puts(user.site_id, user.user_id, user_fields(user)))
        actions.extend(dict(a) for a in extra)
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and (
                self.user_id_for_email(user.site_id, user.email) is not None
            ):
                raise EmailTaken() from error
            raise

    @staticmethod
    def _link_item(user: User, account_id: str, source: str) -> dict[str, Any]:
        return {
            "pk": ik.user_pk(user.site_id, user.user_id),
            "sk": ik.link_sk(account_id),
            "type": "link",
            "account_id": account_id,
            "user_id": user.user_id,
            "source": source,
            "linked_at": user.created_at,
            "gsi1pk": ik.account_users_index_pk(user.site_id, account_id),
            "gsi1sk": ik.account_users_index_sk(user.user_id),
        }

    def user_id_for_email(self, site_id: str, email: str) -> str | None:
        try:
            pk = ik.email_pk(site_id, email)
        except ValueError:
            return None
        item = self._get(pk, ik.EMAIL_SK)
        return str(item["user_id"]) if item else None

    def get_user(self, site_id: str, user_id: str) -> UserRecord | None:
        items = self._query(ik.user_pk(site_id, user_id), ik.USER_ITEMS_PREFIX, ConsistentRead=True)
        user: User | None = None
        accounts: list[str] = []
        totp = pending = None
        for item in items:
            sk = item["sk"]
            if sk == ik.USER_SK:
                user = User(
                    site_id=item["site_id"],
                    user_id=item["user_id"],
                    email=item["email"],
                    first_name=item.get("first_name", ""),
                    last_name=item.get("last_name", ""),
                    status=UserStatus(item["status"]),
                    created_at=item["created_at"],
                    password_hash=item.get("password_hash"),
                    password_version=int(item.get("password_version", 0)),
                    registration_serial=int(item.get(_serial_attribute("registration"), 0)),
                    reset_serial=int(item.get(_serial_attribute("reset"), 0)),
                )
            elif sk.startswith(ik.LINK_PREFIX):
                accounts.append(str(item["account_id"]))
            elif sk == ik.TOTP_SK:
                totp = TotpSeed(_bytes(item["seed"]), int(item.get("last_step", 0)))
            elif sk == ik.TOTP_PENDING_SK:
                pending = TotpSeed(_bytes(item["seed"]), 0, int(item["expires_at"]))
        if user is None:
            return None
        return UserRecord(user, tuple(accounts), totp, pending)

    def emails_of(self, site_id: str, user_ids: Sequence[str]) -> dict[str, str]:
        """The email of each of a site's users, by id, in one BatchGetItem per 100 users (staff lists that name
        users: the payment lookup). Ids that cannot be part of a key name nobody."""
        wanted = []
        for user_id in dict.fromkeys(user_ids):
            try:
                wanted.append(key(ik.user_pk(site_id, user_id), ik.USER_SK))
            except ValueError:
                continue
        items = batch_get(self._client, self._table, wanted, projection="user_id, email")
        return {str(item["user_id"]): str(item["email"]) for item in items}

    def principal_facts(self, site_id: str, user_id: str) -> tuple[UserStatus, tuple[str, ...]] | None:
        items = self._query(
            ik.user_pk(site_id, user_id),
            ik.USER_ITEMS_PREFIX,
            ConsistentRead=True,
            ProjectionExpression="sk, #status, account_id",
            ExpressionAttributeNames={"#status": "status"},
        )
        status = next((UserStatus(i["status"]) for i in items if i["sk"] == ik.USER_SK), None)
        if status is None:
            return None
        return status, tuple(str(i["account_id"]) for i in items if i["sk"].startswith(ik.LINK_PREFIX))

    def set_password(
        self, site_id: str, user_id: str, password_hash: str, *, require: UserStatus, activate: bool, at: str
    ) -> bool:
        """A new password: its version goes up, so every emailed link issued before is void."""
        expression, values = _password_update(password_hash, activate, at)
        values[":require"] = str(require)
        return self._update(
            ik.user_pk(site_id, user_id),
            ik.USER_SK,
            expression,
            "#status = :require",
            values,
            ExpressionAttributeNames={"#status": "status"},
        )

    def rehash_password(self, site_id: str, user_id: str, old_hash: str, new_hash: str, at: str) -> bool:
        """The same password hashed with today's parameters: not a change, so the version (and the links
        out there) stay; refused when the password changed since `old_hash` was read."""
        return self._update(
            ik.user_pk(site_id, user_id),
            ik.USER_SK,
            "SET password_hash = :hash, updated_at = :at",
            "password_hash = :old",
            {":hash": new_hash, ":at": at, ":old": old_hash},
        )

    def set_status(
        self, site_id: str, user_id: str, status: UserStatus, at: str, *, extra: Sequence[Mapping[str, Any]] = ()
    ) -> bool:
        """For the admin API (deactivate/reactivate); sessions are revoked by the service. The search index
        entries carry the status (the search's filter) and change in the same transaction."""
        record = self.get_user(site_id, user_id)
        if record is None:
            return False
        fields = {**user_fields(record.user), "status": str(status)}
        update = {
            "Update": {
                "TableName": self._table,
                "Key": key(ik.user_pk(site_id, user_id), ik.USER_SK),
                "UpdateExpression": "SET #status = :status, updated_at = :at",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": _values({":status": str(status), ":at": at}),
            }
        }
        return self._transact([update, *self._index_puts(site_id, user_id, fields), *(dict(a) for a in extra)])

    def update_user(
        self,
        site_id: str,
        user_id: str,
        *,
        first_name: str,
        last_name: str,
        account_ids: Sequence[str],
        link_source: str,
        at: str,
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        """Names and account links (the admin API's edit), the search index entries and `extra` at once.

        False when the user is gone."""
        record = self.get_user(site_id, user_id)
        if record is None:
            return False
        user = record.user
        old_fields = user_fields(user)
        new_fields = {**old_fields, "first_name": first_name, "last_name": last_name}
        pk = ik.user_pk(site_id, user_id)
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": key(pk, ik.USER_SK),
                    "UpdateExpression": "SET first_name = :first, last_name = :last, updated_at = :at",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": _values({":first": first_name, ":last": last_name, ":at": at}),
                }
            }
        ]
        old_keys = self._index_keys(site_id, user_id, old_fields)
        new_keys = self._index_keys(site_id, user_id, new_fields)
        actions.extend(
            {"Delete": {"TableName": self._table, "Key": key(*k)}} for k in sorted(old_keys.keys() - new_keys.keys())
        )
        actions.extend(self._index_puts(site_id, user_id, new_fields))
        linked = set(record.account_ids)
        wanted = list(dict.fromkeys(account_ids))
        linker = dataclasses.replace(user, created_at=at)  # a new link's `linked_at` is now
        for account_id in wanted:
            if account_id not in linked:
                item = self._link_item(linker, account_id, link_source)
                actions.append({"Put": {"TableName": self._table, "Item": to_item(item)}})
        for account_id in linked:
            if account_id not in wanted:
                actions.append({"Delete": {"TableName": self._table, "Key": key(pk, ik.link_sk(account_id))}})
        actions.extend(dict(a) for a in extra)
        if len(actions) > 100:
            raise ValueError("too many changes for one transaction")
        return self._transact(actions)

    def _transact(self, actions: list[dict[str, Any]]) -> bool:
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and (
                reasons[:1] == ["ConditionalCheckFailed"]
            ):
                return False
            raise
        return True

    # --- user search index (portal.services.user_search) ------------------------------------------------------
    @staticmethod
    def _index_keys(site_id: str, user_id: str, fields: Mapping[str, str]) -> dict[tuple[str, str], IndexEntry]:
        entries = index_entries(fields["first_name"], fields["last_name"], fields["email"])
        return {
            (ik.user_search_pk(site_id, e.kind, e.token), ik.user_search_sk(e.kind, e.token, user_id)): e
            for e in entries
        }

    def _index_puts(self, site_id: str, user_id: str, fields: Mapping[str, str]) -> list[dict[str, Any]]:
        puts = []
        for (pk, sk), entry in sorted(self._index_keys(site_id, user_id, fields).items()):
            item = {"pk": pk, "sk": sk, "type": "user_search", "kind": entry.kind, "token": entry.token,
                    "user_id": user_id, **fields}  # fmt: skip
            puts.append({"Put": {"TableName": self._table, "Item": to_item(item)}})
        return puts

    def search_users(self, site_id: str, query: QueryPlan, status: str | None) -> list[tuple[int, dict[str, Any]]]:
        """(score, user fields) of the users matching `query`, best first; a few bounded Queries, no Scan."""
        best: dict[str, dict[int, int]] = {}  # user_id -> word index -> best score
        users: dict[str, dict[str, Any]] = {}
        for index, word in enumerate(query.words):
            kinds = ("E",) if query.email else ("N", "E")
            for kind in kinds:
                for item in self._search_query(ik.user_search_pk(site_id, kind, word), encoded(word), status):
                    grade = EXACT if item["token"] == word else PREFIX
                    self._grade(best, users, item, index, grade)
            for code in sorted(query.phonetic(word)):
                for item in self._search_query(ik.user_search_pk(site_id, "PH", code), None, status):
                    self._grade(best, users, item, index, PHONETIC)
        ranked = [(score(per_word.values()), users[user_id]) for user_id, per_word in best.items()]
        ranked.sort(key=lambda r: (-r[0], r[1]["last_name"].casefold(), r[1]["first_name"].casefold(),
                                   r[1]["email"], r[1]["user_id"]))  # fmt: skip
        return ranked

    @staticmethod
    def _grade(
        best: dict[str, dict[int, int]], users: dict[str, dict[str, Any]], item: dict[str, Any], index: int, grade: int
    ) -> None:
        user_id = str(item["user_id"])
        users[user_id] = {k: item.get(k) for k in ("user_id", "email", "first_name", "last_name", "status")}
        per_word = best.setdefault(user_id, {})
        per_word[index] = max(per_word.get(index, 0), grade)

    def _search_query(self, pk: str, prefix: str | None, status: str | None) -> list[dict[str, Any]]:
        condition = "pk = :pk" + (" AND begins_with(sk, :prefix)" if prefix else "")
        values: dict[str, Any] = {":pk": {"S": pk}}
        if prefix:
            values[":prefix"] = {"S": prefix}
        kwargs: dict[str, Any] = {"TableName": self._table, "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": values, "Limit": CANDIDATES}  # fmt: skip
        if status:
            kwargs["FilterExpression"] = "#status = :status"
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
            values[":status"] = {"S": status}
        return [from_item(raw) for raw in self._client.query(**kwargs)["Items"]]

    def list_users(
        self, site_id: str, status: str | None, limit: int, after: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A site's users by email (gsi1), `after` the last gsi1 sort key of the previous page."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :pk" + (" AND gsi1sk > :after" if after else ""),
            "ExpressionAttributeValues": {":pk": {"S": ik.users_index_pk(site_id)}},
            "Limit": limit,
        }
        if after:
            kwargs["ExpressionAttributeValues"][":after"] = {"S": after}
        if status:
            kwargs["FilterExpression"] = "#status = :status"
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
            kwargs["ExpressionAttributeValues"][":status"] = {"S": status}
        users: list[dict[str, Any]] = []
        last: str | None = None
        while len(users) < limit:
            response = self._client.query(**kwargs)
            for raw in response["Items"]:
                item = from_item(raw)
                users.append({k: item.get(k) for k in ("user_id", "email", "first_name", "last_name", "status")})
                last = str(item["gsi1sk"])
                if len(users) >= limit:
                    break
            if "LastEvaluatedKey" not in response:
                return users, (last if len(users) >= limit else None)
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return users, last

    def linked_user_ids(self, site_id: str, account_id: str) -> list[str]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :pk AND begins_with(gsi1sk, :u)",
            "ExpressionAttributeValues": {
                ":pk": {"S": ik.account_users_index_pk(site_id, account_id)},
                ":u": {"S": "U#"},
            },
        }
        return [str(item["user_id"]) for item in query_items(self._client, kwargs)]

    # --- authenticator apps -----------------------------------------------------------------------------------
    def put_pending_totp(self, site_id: str, user_id: str, ciphertext: bytes, expires: int) -> None:
        pk = ik.user_pk(site_id, user_id)
        self._put(
            {"pk": pk, "sk": ik.TOTP_PENDING_SK, "type": "totp_pending", "seed": ciphertext, "expires_at": expires}
        )

    def activate_totp(self, site_id: str, user_id: str, ciphertext: bytes, step: int, at: str) -> None:
        pk = ik.user_pk(site_id, user_id)
        item = {"pk": pk, "sk": ik.TOTP_SK, "type": "totp", "seed": ciphertext, "last_step": step, "confirmed_at": at}
        self._client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table, "Item": to_item(item)}},
                {"Delete": {"TableName": self._table, "Key": key(pk, ik.TOTP_PENDING_SK)}},
            ]
        )

    def delete_totp(self, site_id: str, user_id: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key=key(ik.user_pk(site_id, user_id), ik.TOTP_SK), ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    def use_totp_step(self, site_id: str, user_id: str, step: int) -> bool:
        return self._update(
            ik.user_pk(site_id, user_id),
            ik.TOTP_SK,
            "SET last_step = :step",
            "attribute_exists(pk) AND last_step < :step",
            {":step": step},
        )

    # --- sessions ---------------------------------------------------------------------------------------------
    def put_session(self, session: SessionRecord) -> None:
        item = {
            "pk": ik.session_pk(session.site_id, session.token_hash),
            "sk": ik.SESSION_SK,
            "type": "session",
            "session_id": session.session_id,
            "user_id": session.user_id,
            "created_at": session.created_at,
            "last_seen_at": session.last_seen_at,
            "absolute_expiry": session.absolute_expiry,
            "expires_at": session.absolute_expiry,
        }
        ref = {
            "pk": ik.user_pk(session.site_id, session.user_id),
            "sk": ik.session_ref_sk(session.session_id),
            "type": "session_ref",
            "token_hash": session.token_hash,
            "expires_at": session.absolute_expiry,
        }
        self._client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table, "Item": to_item(item)}},
                {"Put": {"TableName": self._table, "Item": to_item(ref)}},
            ]
        )

    def get_session(self, site_id: str, token_hash: str) -> SessionRecord | None:
        item = self._get(ik.session_pk(site_id, token_hash), ik.SESSION_SK)
        if item is None:
            return None
        return SessionRecord(
            site_id=site_id,
            session_id=item["session_id"],
            token_hash=token_hash,
            user_id=item["user_id"],
            created_at=int(item["created_at"]),
            last_seen_at=int(item["last_seen_at"]),
            absolute_expiry=int(item["absolute_expiry"]),
        )

    def touch_session(self, site_id: str, token_hash: str, now: int) -> None:
        self._update(
            ik.session_pk(site_id, token_hash),
            ik.SESSION_SK,
            "SET last_seen_at = :now",
            "attribute_exists(pk) AND last_seen_at < :now",
            {":now": now},
        )

    def delete_session(self, site_id: str, user_id: str, session_id: str) -> None:
        ref = self._get(ik.user_pk(site_id, user_id), ik.session_ref_sk(session_id))
        if ref is None:
            return
        writer = BatchWriter(self._client)
        writer.delete(self._table, key(ik.session_pk(site_id, ref["token_hash"]), ik.SESSION_SK))
        writer.delete(self._table, key(ik.user_pk(site_id, user_id), ik.session_ref_sk(session_id)))
        writer.flush()

    def delete_sessions(self, site_id: str, user_id: str, *, keep: str | None = None) -> int:
        pk = ik.user_pk(site_id, user_id)
        refs = self._query(pk, ik.SESSION_REF_PREFIX, ConsistentRead=True)
        writer = BatchWriter(self._client)
        keep_sk = ik.session_ref_sk(keep) if keep else None
        count = 0
        for ref in refs:
            if ref["sk"] == keep_sk:
                continue
            writer.delete(self._table, key(ik.session_pk(site_id, ref["token_hash"]), ik.SESSION_SK))
            writer.delete(self._table, key(pk, ref["sk"]))
            count += 1
        writer.flush()
        return count

    # --- MFA challenges ---------------------------------------------------------------------------------------
    def put_challenge(self, challenge: Challenge) -> None:
        self._put(
            {
                "pk": ik.challenge_pk(challenge.site_id, challenge.challenge_id),
                "sk": ik.CHALLENGE_SK,
                "type": "challenge",
                "user_id": challenge.user_id,
                "method": challenge.method,
                "code_hash": challenge.code_hash,
                "code_expires": challenge.code_expires,
                "attempts": challenge.attempts,
                "sends": challenge.sends,
                "used": challenge.used,
                "challenge_expires": challenge.expires,
                "expires_at": challenge.expires + CHALLENGE_GRACE_S,
            }
        )

    def get_challenge(self, site_id: str, challenge_id: str) -> Challenge | None:
        item = self._get(ik.challenge_pk(site_id, challenge_id), ik.CHALLENGE_SK)
        if item is None:
            return None
        return Challenge(
            site_id=site_id,
            challenge_id=challenge_id,
            user_id=item["user_id"],
            method=item["method"],
            expires=int(item["challenge_expires"]),
            code_hash=item.get("code_hash"),
            code_expires=int(item.get("code_expires", 0)),
            attempts=int(item.get("attempts", 0)),
            sends=int(item.get("sends", 0)),
            used=bool(item.get("used", False)),
        )

    def count_challenge_failure(self, site_id: str, challenge_id: str) -> int:
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=key(ik.challenge_pk(site_id, challenge_id), ik.CHALLENGE_SK),
                UpdateExpression="ADD attempts :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=_values({":one": 1}),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if _conditional_failed(error):
                return 0
            raise
        return int(from_item(response["Attributes"])["attempts"])

    def consume_challenge(self, site_id: str, challenge_id: str, *, code_hash: str | None, max_attempts: int) -> bool:
        condition = "attribute_exists(pk) AND used = :false AND attempts < :max"
        values: dict[str, Any] = {":true": True, ":false": False, ":max": max_attempts}
        if code_hash is not None:
            # The code checked must still be the newest one: a resend between check and use voids it.
            condition += " AND code_hash = :hash"
            values[":hash"] = code_hash
        return self._update(
            ik.challenge_pk(site_id, challenge_id), ik.CHALLENGE_SK, "SET used = :true", condition, values
        )

    def replace_challenge_code(
        self, site_id: str, challenge_id: str, *, code_hash: str, code_expires: int, max_sends: int
    ) -> bool:
        return self._update(
            ik.challenge_pk(site_id, challenge_id),
            ik.CHALLENGE_SK,
            "SET code_hash = :hash, code_expires = :expires ADD sends :one",
            "attribute_exists(pk) AND used = :false AND sends < :max",
            {":hash": code_hash, ":expires": code_expires, ":one": 1, ":false": False, ":max": max_sends},
        )

    # --- emailed tokens ---------------------------------------------------------------------------------------
    def next_link_serial(self, site_id: str, user_id: str, purpose: TokenPurpose) -> tuple[int, int] | None:
        """Counts one more link of `purpose` for the user: (its serial, the user's password version), or None
        when there is no such user. Only the newest serial of a purpose is redeemable."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=key(ik.user_pk(site_id, user_id), ik.USER_SK),
                UpdateExpression="ADD #serial :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#serial": _serial_attribute(purpose)},
                ExpressionAttributeValues=_values({":one": 1}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _conditional_failed(error):
                return None
            raise
        item = from_item(response["Attributes"])
        return int(item[_serial_attribute(purpose)]), int(item.get("password_version", 0))

    def put_email_token(self, token: EmailToken) -> None:
        self._put(
            {
                "pk": ik.email_token_pk(token.site_id, token.token_hash),
                "sk": ik.EMAIL_TOKEN_SK,
                "type": "email_token",
                "purpose": token.purpose,
                "user_id": token.user_id,
                "token_expires": token.expires,
                "used": token.used,
                "serial": token.serial,
                "password_version": token.password_version,
                "expires_at": token.expires + TOKEN_GRACE_S,
            }
        )

    def get_email_token(self, site_id: str, token_hash: str) -> EmailToken | None:
        item = self._get(ik.email_token_pk(site_id, token_hash), ik.EMAIL_TOKEN_SK)
        if item is None:
            return None
        return EmailToken(
            site_id,
            token_hash,
            item["purpose"],
            item["user_id"],
            int(item["token_expires"]),
            bool(item["used"]),
            serial=int(item.get("serial", 0)),
            password_version=int(item.get("password_version", 0)),
        )

    def redeem_email_token(
        self, token: EmailToken, now: int, password_hash: str, *, require: UserStatus, activate: bool, at: str
    ) -> bool:
        """Uses the link up and sets the password in one transaction, or does neither: the link must be unused
        and unexpired, still the newest of its purpose, and no password may have been set since it was sent."""
        token_key = key(ik.email_token_pk(token.site_id, token.token_hash), ik.EMAIL_TOKEN_SK)
        expression, values = _password_update(password_hash, activate, at)
        values.update({":require": str(require), ":serial": token.serial, ":version": token.password_version})
        names = {"#status": "status", "#serial": _serial_attribute(token.purpose)}
        # Items written before links were numbered have no serial or version yet: they count as 0.
        user_condition = (
            "#status = :require"
            f" AND {_equals_or_absent('#serial', ':serial', token.serial)}"
            f" AND {_equals_or_absent('password_version', ':version', token.password_version)}"
        )
        # A Pending user becoming Active: the search index entries carry the status (the search's filter), so
        # they change in the same transaction, as in `set_status`.
        record = self.get_user(token.site_id, token.user_id) if activate else None
        index = (
            self._index_puts(token.site_id, token.user_id, {**user_fields(record.user), "status": values[":active"]})
            if record is not None
            else []
        )
        try:
            self._client.transact_write_items(
                TransactItems=[
                    *index,
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": token_key,
                            "UpdateExpression": "SET used = :true, used_at = :now",
                            "ConditionExpression": "attribute_exists(pk) AND used = :false AND token_expires > :now"
                            " AND purpose = :purpose AND user_id = :user",
                            "ExpressionAttributeValues": _values(
                                {
                                    ":true": True,
                                    ":false": False,
                                    ":now": now,
                                    ":purpose": token.purpose,
                                    ":user": token.user_id,
                                }
                            ),
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": key(ik.user_pk(token.site_id, token.user_id), ik.USER_SK),
                            "UpdateExpression": expression,
                            "ConditionExpression": user_condition,
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": _values(values),
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return False
            raise
        return True

    # --- authentication emails per address and hour -----------------------------------------------------------
    def count_email(self, site_id: str, email: str, kind: str, hour: int, cap: int) -> bool:
        """One more email of `kind` to the address in the clock hour starting at `hour` (epoch seconds), if
        fewer than `cap` were counted; the conditional ADD keeps parallel requests under the cap too."""
        return self._update(
            ik.email_pk(site_id, email),
            ik.mail_cap_sk(kind, hour),
            "ADD sends :one SET expires_at = :expires",
            "attribute_not_exists(sends) OR sends < :cap",
            {":one": 1, ":cap": cap, ":expires": hour + 2 * HOUR},
        )

    # --- brute-force counters ---------------------------------------------------------------------------------
    @staticmethod
    def _attempts_key(attempt: AttemptKey) -> tuple[str, str]:
        if attempt.subject_type == "email":
            pk = ik.email_pk(attempt.site_id, attempt.subject)
        elif attempt.subject_type == "user":
            pk = ik.user_pk(attempt.site_id, attempt.subject)
        else:
            pk = ik.address_pk(attempt.site_id, attempt.subject)
        return pk, ik.attempts_sk(attempt.kind)

    def get_attempts(self, attempt: AttemptKey) -> AttemptState:
        item = self._get(*self._attempts_key(attempt))
        if item is None:
            return AttemptState()
        return AttemptState(
            failures=tuple(sorted(int(f) for f in item.get("failures", []))),
            locked_until=int(item.get("locked_until", 0)),
            version=int(item.get("version", 0)),
            in_flight=tuple(sorted((str(t), int(at)) for t, at in item.get("in_flight", {}).items())),
        )

    def save_attempts(self, attempt: AttemptKey, state: AttemptState, expected_version: int) -> bool:
        pk, sk = self._attempts_key(attempt)
        item = {
            "pk": pk,
            "sk": sk,
            "type": "attempts",
            "failures": list(state.failures),
            "locked_until": state.locked_until,
            "version": state.version,
            "in_flight": dict(state.in_flight),
            "expires_at": state.expires(),
        }
        condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :expected"
        kwargs: dict[str, Any] = {"TableName": self._table, "Item": to_item(item), "ConditionExpression": condition}
        if expected_version:
            kwargs["ExpressionAttributeValues"] = _values({":expected": expected_version})
        try:
            self._client.put_item(**kwargs)
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def settle_attempt(self, attempt: AttemptKey, ticket: str, at: int) -> None:
        """Moves the in-flight entry to the settled failures; bumping the version makes a concurrent charge
        based on the older counter retry. Nothing happens when a success has cleared the counter meanwhile."""
        pk, sk = self._attempts_key(attempt)
        self._update(
            pk,
            sk,
            "SET failures = list_append(if_not_exists(failures, :empty), :at), expires_at = :expires"
            " REMOVE in_flight.#ticket ADD version :one",
            "attribute_exists(in_flight.#ticket)",
            {":empty": [], ":at": [at], ":expires": at + HOUR, ":one": 1},
            ExpressionAttributeNames={"#ticket": ik.ticket_name(ticket)},
        )

    def clear_attempts(self, attempt: AttemptKey) -> None:
        self._client.delete_item(TableName=self._table, Key=key(*self._attempts_key(attempt)))

    # --- what support staff ask later -------------------------------------------------------------------------
    def put_enrollment_attempt(self, site_id: str, email: str, attempt: EnrollmentAttempt) -> None:
        self._put(
            {
                "pk": ik.email_pk(site_id, email),
                "sk": ik.ENROLLMENT_SK,
                "type": "enrollment_attempt",
                "at": attempt.at,
                "outcome": attempt.outcome,
                "failed_rules": list(attempt.failed_rules),
                "expires_at": _epoch(attempt.at) + int(DIAGNOSTICS_RETENTION.total_seconds()),
            }
        )

    def get_enrollment_attempt(self, site_id: str, email: str) -> EnrollmentAttempt | None:
        item = self._get(ik.email_pk(site_id, email), ik.ENROLLMENT_SK)
        if item is None:
            return None
        return EnrollmentAttempt(item["at"], item["outcome"], tuple(item.get("failed_rules", [])))

    def record_email(self, site_id: str, email: str, sent: SentEmail) -> None:
        self._put(
            {
                "pk": ik.email_pk(site_id, email),
                "sk": ik.mail_log_sk(sent.sent_at, sent.kind, secrets.token_hex(3)),
                "type": "email_sent",
                "sent_at": sent.sent_at,
                "kind": sent.kind,
                "state": sent.state,
                "message_id": sent.message_id,
                "expires_at": _epoch(sent.sent_at) + int(DIAGNOSTICS_RETENTION.total_seconds()),
                # Delivery, bounce and complaint events arrive by SES message id (functions/ses_events).
                **_message_index(sent.message_id),
            }
        )

    def recent_emails(self, site_id: str, email: str, limit: int = 10) -> list[SentEmail]:
        items = self._query(ik.email_pk(site_id, email), ik.MAIL_LOG_PREFIX, ScanIndexForward=False, Limit=limit)
        return [SentEmail(i["sent_at"], i["kind"], i["state"], i.get("message_id")) for i in items]
