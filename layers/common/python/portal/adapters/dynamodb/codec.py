"""Plain Python values <-> DynamoDB attribute values.

boto3's low-level client is used instead of the resource API: it imports faster at cold start and is the
one AWS keeps current. boto3's own TypeSerializer/TypeDeserializer do the conversion; this module only
adapts floats (rejected by DynamoDB) and keeps money as Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: _normalise(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, set | frozenset):
        return set(value) if value else None
    return value


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Serialise a mapping; None values and empty sets are dropped (DynamoDB cannot store empty sets)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        normalised = _normalise(value)
        if normalised is None:
            continue
        out[key] = _serializer.serialize(normalised)
    return out


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}
