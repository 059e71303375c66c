"""The application KMS key on the local moto server, stable across restarts of `make run`.

moto keeps keys in memory with random ids and random key material, and its ciphertexts name the key id;
TOTP seeds encrypted before a restart must still decrypt after it. So the key is created with a fixed id
(moto 5.2 does not honour the `_custom_id_` tag for KMS, so the id is pinned in moto's in-process backend,
where the local moto server, a ThreadedMotoServer, keeps its state) and its material is pinned to bytes kept
in `.local/kms-key-material.bin`. In AWS the CDK stack owns the key (`infra/constructs/data.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local.aws_local import aws_client
from local.runtime import LOCAL_KMS_KEY_ALIAS, Paths

LOCAL_KEY_ID = "00000000-0000-4000-8000-0000c0571a70"
MATERIAL_FILE = "kms-key-material.bin"


def _backend_keys(account_id: str, region: str) -> dict[str, Any] | None:
    """The key table of moto's in-process KMS backend (None when the server runs in another process)."""
    from moto.kms.models import kms_backends

    try:
        keys: dict[str, Any] = kms_backends[account_id][region].keys
    except KeyError:
        return None
    return keys


def _pin(keys: dict[str, Any], key_id: str, material_file: Path) -> None:
    key = keys[key_id]
    if key_id != LOCAL_KEY_ID:
        keys[LOCAL_KEY_ID] = keys.pop(key_id)
        key.id = LOCAL_KEY_ID
        key.arn = key.arn.rsplit("/", 1)[0] + "/" + LOCAL_KEY_ID
        for alias in key.aliases.values():
            alias.target_key_id = LOCAL_KEY_ID
    if material_file.exists():
        key.key_material = material_file.read_bytes()
    else:
        material_file.parent.mkdir(parents=True, exist_ok=True)
        material_file.write_bytes(key.key_material)
        material_file.chmod(0o600)


def ensure_kms_key(endpoint: str, paths: Paths, alias: str = LOCAL_KMS_KEY_ALIAS) -> str:
    """The key id behind `alias` on the moto server at `endpoint`, created and pinned when needed."""
    kms = aws_client("kms", endpoint)
    target = next((a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"] if a["AliasName"] == alias), None)
    if target is None:
        created = kms.create_key(
            Description="Customer Portal application key (local)",
            KeyUsage="ENCRYPT_DECRYPT",
            Tags=[{"TagKey": "_custom_id_", "TagValue": LOCAL_KEY_ID}],
        )["KeyMetadata"]
        target = created["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=target)
    arn = kms.describe_key(KeyId=target)["KeyMetadata"]["Arn"]
    _, _, _, region, account_id, _ = arn.split(":", 5)
    keys = _backend_keys(account_id, region)
    if keys is not None and target in keys:
        _pin(keys, target, paths.state / MATERIAL_FILE)
        return LOCAL_KEY_ID
    return str(target)
