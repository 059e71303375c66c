"""Sites and instance settings as staff change them (PRODUCT.md §6, API.md admin table).

Every write is one `TransactWriteItems`: the site (or settings) item, its audit entry, and a version bump of
one guard item (`INSTANCE / SITEMAP`). The cross-site rules (a label belongs to at most one site, exactly one
default site) are checked against every site as read at that version; two concurrent edits cannot both pass
them, since the second one's guard condition fails (409 `concurrent_change`, try again).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb.audit import audit_put
from portal.adapters.dynamodb.codec import key, to_item
from portal.adapters.dynamodb.control import DynamoSiteRepository
from portal.domain.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from portal.domain.settings import InstanceSettings, Site
from portal.domain.sites import SiteMap
from portal.observability import logger
from portal.services.admin_audit import Actor

GUARD_SK = "SITEMAP"
LABEL_MESSAGE = "Label and default-site changes take effect for users at the next sync run (within 15 minutes)."
_CONFLICT_CODES = {"label_conflict": "label_taken", "default_site_conflict": "default_site_conflict"}


def _reasons(error: ClientError) -> list[str]:
    return [str(r.get("Code", "")) for r in error.response.get("CancellationReasons", [])]


class AdminSites:
    def __init__(
        self, client: Any, table: str, repo: DynamoSiteRepository, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._client = client
        self._table = table
        self._repo = repo
        self._clock = clock or (lambda: datetime.now(UTC))

    # --- sites ------------------------------------------------------------------------------------------------
    def list_sites(self) -> list[Site]:
        return sorted(self._repo.list_sites(), key=lambda s: s.site_id)

    def get_site(self, site_id: str) -> Site:
        try:
            site = self._repo.get_site(site_id)
        except ValueError:  # not even a possible site id
            site = None
        if site is None:
            raise NotFound("There is no such site.", code="site_not_found")
        return site

    def create_site(self, actor: Actor, site: Site) -> tuple[Site, str | None]:
        version, sites = self._read()
        if any(s.site_id == site.site_id for s in sites):
            raise Conflict("A site with this id exists already.", code="site_exists")
        self._check_map(sites, [*sites, site])
        self._write(actor, version, site, None, create=True)
        return site, LABEL_MESSAGE if site.private_labels or site.is_default else None

    def update_site(self, actor: Actor, site_id: str, changes: Mapping[str, Any]) -> tuple[Site, str | None]:
        version, sites = self._read()
        before = next((s for s in sites if s.site_id == site_id), None)
        if before is None:
            raise NotFound("There is no such site.", code="site_not_found")
        try:
            after = Site.model_validate({**before.model_dump(), **changes, "site_id": site_id})
        except ValueError as error:  # the body model validated each field; this is the combined check
            raise ValidationFailed("The site is not valid.", code="invalid_site") from error
        self._check_map(sites, [after if s.site_id == site_id else s for s in sites])
        self._write(actor, version, after, before, create=False)
        remapped = (set(after.private_labels), after.is_default) != (set(before.private_labels), before.is_default)
        return after, LABEL_MESSAGE if remapped else None

    @staticmethod
    def _check_map(before: list[Site], after: list[Site]) -> None:
        """The label rules of `SiteMap` as 409s (they would otherwise stop every sync run as a 500)."""
        try:
            new_map = SiteMap(s.as_config() for s in after)
        except ConfigurationError as error:
            raise Conflict(error.message, code=_CONFLICT_CODES.get(error.code, "site_conflict")) from None
        had_default = any(s.is_default for s in before)
        if had_default and new_map.default_site is None:
            raise Conflict(
                "Exactly one site must be the default (for contracts without a private label); make another "
                "site the default instead.",
                code="default_site_required",
            )

    def _read(self) -> tuple[int, list[Site]]:
        response = self._client.get_item(
            TableName=self._table, Key=key(keys.INSTANCE_PK, GUARD_SK), ConsistentRead=True
        )
        version = int(response.get("Item", {}).get("version", {}).get("N", "0"))
        return version, self._repo.list_sites()

    def _guard(self, version: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(keys.INSTANCE_PK, GUARD_SK),
                "UpdateExpression": "SET version = :next",
                "ConditionExpression": "attribute_not_exists(version) OR version = :seen",
                "ExpressionAttributeValues": {":next": {"N": str(version + 1)}, ":seen": {"N": str(version)}},
            }
        }

    def _write(self, actor: Actor, version: int, site: Site, before: Site | None, *, create: bool) -> None:
        item = {"pk": keys.SITES_PK, "sk": keys.site_sk(site.site_id), **site.model_dump(mode="json")}
        put: dict[str, Any] = {"TableName": self._table, "Item": to_item(item)}
        put["ConditionExpression"] = "attribute_not_exists(pk)" if create else "attribute_exists(pk)"
        entry = actor.entry(
            self._clock(),
            site.site_id,
            {"site_id": site.site_id},
            before.model_dump(mode="json") if before else None,
            site.model_dump(mode="json"),
        )
        self._transact([self._guard(version), {"Put": put}, audit_put(self._table, entry)])
        logger.info("site saved", extra={"site_id": site.site_id, "action": actor.action})

    def _transact(self, actions: list[dict[str, Any]]) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            if "ConditionalCheckFailed" in _reasons(error)[:2]:
                raise Conflict("Another change was saved at the same time; try again.", "concurrent_change") from None
            raise

    # --- instance settings ------------------------------------------------------------------------------------
    def get_settings(self) -> InstanceSettings:
        return self._repo.get_settings()

    def put_settings(self, actor: Actor, changes: Mapping[str, Any]) -> InstanceSettings:
        before = self._repo.get_settings()
        merged = {**before.model_dump(), **changes}
        if "login_branding" in changes:
            merged["login_branding"] = {**before.login_branding.model_dump(), **changes["login_branding"]}
        now = self._clock()
        switched_on = changes.get("bank_verification_mode") == "existing_only"
        if switched_on and before.bank_verification_mode != "existing_only":
            # Bank accounts first used after this moment need the stricter check (PRODUCT.md §5).
            merged["bank_verification_since"] = now.astimezone(UTC).isoformat()
        elif merged["bank_verification_mode"] == "allow_any":
            merged["bank_verification_since"] = None
        try:
            after = InstanceSettings.model_validate(merged)
        except ValueError as error:
            raise ValidationFailed("The settings are not valid.", code="invalid_settings") from error
        item = {"pk": keys.INSTANCE_PK, "sk": keys.SETTINGS_SK, **after.model_dump(mode="json")}
        entry = actor.entry(now, None, {"settings": "instance"}, before.model_dump(mode="json"),
                            after.model_dump(mode="json"))  # fmt: skip
        put = {"Put": {"TableName": self._table, "Item": to_item(item)}}
        self._client.transact_write_items(TransactItems=[put, audit_put(self._table, entry)])
        logger.info("instance settings saved", extra={"action": actor.action})
        return after
