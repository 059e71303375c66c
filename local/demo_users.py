"""Portal users for the demo personas (created by the sign-in work's user service)."""

from __future__ import annotations

from local.runtime import Paths


def ensure_users(paths: Paths) -> list[str]:
    if not paths.personas.exists():
        return ["no personas yet (portal-local seed)"]
    return ["end-user sign-in is not built yet: the personas' users are listed but not created"]
