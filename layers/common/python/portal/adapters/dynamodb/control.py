"""Sites and instance settings in the control table."""

from __future__ import annotations

from typing import Any

from portal.adapters.dynamodb import keys
from portal.adapters.dynamodb.batch_get import batch_get
from portal.adapters.dynamodb.codec import from_item, key, to_item
from portal.adapters.dynamodb.query import query_items
from portal.domain.settings import InstanceSettings, Site

_SITE_FIELDS = set(Site.model_fields)


class DynamoSiteRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def get_site_and_settings(self, site_id: str) -> tuple[Site | None, InstanceSettings]:
        """Both in one BatchGetItem: the public branding route needs the site and the instance settings."""
        wanted = [key(keys.SITES_PK, keys.site_sk(site_id)), key(keys.INSTANCE_PK, keys.SETTINGS_SK)]
        found = {item["pk"]: item for item in batch_get(self._client, self._table, wanted)}
        site = self._site(found[keys.SITES_PK]) if keys.SITES_PK in found else None
        settings = self._settings(found.get(keys.INSTANCE_PK))
        return site, settings

    def get_site(self, site_id: str) -> Site | None:
        response = self._client.get_item(TableName=self._table, Key=key(keys.SITES_PK, keys.site_sk(site_id)))
        return self._site(from_item(response["Item"])) if "Item" in response else None

    def list_sites(self) -> list[Site]:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.SITES_PK}},
        }
        return [self._site(item) for item in query_items(self._client, request)]

    def put_site(self, site: Site) -> None:
        item = {"pk": keys.SITES_PK, "sk": keys.site_sk(site.site_id), **site.model_dump(mode="json")}
        self._client.put_item(TableName=self._table, Item=to_item(item))

    def get_settings(self) -> InstanceSettings:
        response = self._client.get_item(TableName=self._table, Key=key(keys.INSTANCE_PK, keys.SETTINGS_SK))
        return self._settings(from_item(response["Item"]) if "Item" in response else None)

    def put_settings(self, settings: InstanceSettings) -> None:
        item = {"pk": keys.INSTANCE_PK, "sk": keys.SETTINGS_SK, **settings.model_dump(mode="json")}
        self._client.put_item(TableName=self._table, Item=to_item(item))

    @staticmethod
    def _site(item: dict[str, Any]) -> Site:
        return Site.model_validate({k: v for k, v in item.items() if k in _SITE_FIELDS})

    @staticmethod
    def _settings(item: dict[str, Any] | None) -> InstanceSettings:
        if item is None:
            return InstanceSettings()
        return InstanceSettings.model_validate({k: v for k, v in item.items() if k in InstanceSettings.model_fields})
