"""KMS: application-level encryption of small secrets (TOTP seeds) with an encryption context.

The context (site, user, purpose) is bound into the ciphertext: a seed copied to another user's item does
not decrypt there. Seeds are a few dozen bytes, far below KMS's 4 KB limit, so no envelope is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class KmsCipher:
    def __init__(self, client: Any, key_id: str) -> None:
        self._client = client
        self._key_id = key_id

    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        response = self._client.encrypt(KeyId=self._key_id, Plaintext=plaintext, EncryptionContext=dict(context))
        return bytes(response["CiphertextBlob"])

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        response = self._client.decrypt(KeyId=self._key_id, CiphertextBlob=ciphertext, EncryptionContext=dict(context))
        return bytes(response["Plaintext"])
