"""The portal's DynamoDB tables, defined once.

The CDK stack (`infra/`), the local bootstrap (`local/`) and the test fixtures all build their tables from
`TABLES`, so a key or index that exists in one place exists in all three.

Every table has the same generic shape (`pk`/`sk`, one sparse GSI `gsi1`, TTL on `expires_at`): the item
shapes live in `keys.py` and the repositories, not in the table definitions. Keys of customer data start
with the site (`S#<site>#...`), see docs/data-model.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableDef:
    logical_name: str  # "data", "identity", ...: the name used in code and env vars (TABLE_DATA, ...)
    purpose: str
    partition_key: str = "pk"
    sort_key: str = "sk"
    indexes: tuple[GlobalIndex, ...] = (GlobalIndex("gsi1", "gsi1pk", "gsi1sk"),)
    ttl_attribute: str | None = "expires_at"

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical_name}"

    def env_var(self) -> str:
        return f"TABLE_{self.logical_name.upper()}"

    def create_table_kwargs(self, prefix: str) -> dict[str, Any]:
        """Arguments for `dynamodb.create_table` (local bootstrap and tests)."""
        attributes = {self.partition_key, self.sort_key}
        for index in self.indexes:
            attributes |= {index.partition_key, index.sort_key}
        return {
            "TableName": self.physical_name(prefix),
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
            "KeySchema": [
                {"AttributeName": self.partition_key, "KeyType": "HASH"},
                {"AttributeName": self.sort_key, "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": index.partition_key, "KeyType": "HASH"},
                        {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ],
        }


DATA = TableDef("data", "customer data synced from ASPIRE: accounts, contracts, invoices, schedules, assets")
IDENTITY = TableDef("identity", "end users, account links, sessions, challenges, emailed tokens, rate limits")
PAYMENTS = TableDef("payments", "one-time ACH payments, their status history and idempotency records")
CONTROL = TableDef("control", "instance settings, sites and branding, sync watermarks/leases/runs, audit log")

TABLES: tuple[TableDef, ...] = (DATA, IDENTITY, PAYMENTS, CONTROL)
