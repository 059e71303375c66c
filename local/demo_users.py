"""Portal users for the demo personas of `.local/demo-personas.json`, created through the user service.

Idempotent: a persona whose email already has a user on its site is left as it is (its password may have
been changed on purpose while trying the portal).
"""

from __future__ import annotations

import json
from typing import Any

from local.runtime import Paths
from portal.observability import logger
from portal.services.identity.models import UserStatus
from portal.services.identity.service import Identity
from portal.wiring import Wiring


def ensure_users(paths: Paths, wiring: Wiring | None = None) -> list[str]:
    if not paths.personas.exists():
        return [f"no demo personas yet ({paths.personas} is written by `portal-local seed`)"]
    personas: dict[str, Any] = json.loads(paths.personas.read_text(encoding="utf-8"))
    identity = (wiring or Wiring.from_env()).identity
    # The console shows one line per persona; the service's own JSON log lines would only repeat them.
    level = logger.log_level
    logger.setLevel("WARNING")
    try:
        return _ensure(personas, identity)
    finally:
        logger.setLevel(level)


def _ensure(personas: dict[str, Any], identity: Identity) -> list[str]:
    lines = []
    for site in personas.get("sites", []):
        site_id = site["site_id"]
        for person in site.get("users", []):
            email = person["email"]
            existing = identity.users.find_by_email(site_id, email)
            if existing is not None:
                lines.append(f"{site_id}: kept {email} ({existing.user.status})")
                continue
            identity.users.create_user(
                site_id,
                email,
                person.get("first_name") or "Demo",
                person.get("last_name") or "User",
                person.get("account_ids", []),
                UserStatus.ACTIVE,
                password=person["password"],
                link_source="demo",
            )
            mfa = "MFA by email" if person.get("mfa") == "email" else "no MFA"
            accounts = ", ".join(person.get("account_ids", []))
            lines.append(f"{site_id}: created {email} (Active, {mfa}, linked to {accounts})")
    return lines
