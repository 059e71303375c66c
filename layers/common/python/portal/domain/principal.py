"""The signed-in end user: who a live session token belongs to, and the only source of keys for reading data.

The authorizer establishes it from the session and hands it to the functions as its `context`, which API
Gateway passes in `requestContext.authorizer` (flat string values only); `context()` and `from_context()`
are that round trip. Services take it as given; `portal.api.auth` extracts it from an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EndUser:
    site_id: str
    user_id: str
    session_id: str
    account_ids: tuple[str, ...] = ()

    def context(self) -> dict[str, str]:
        """The authorizer `context` that carries this principal (API Gateway allows only flat strings)."""
        return {
            "site_id": self.site_id,
            "user_id": self.user_id,
            "session_id": self.session_id,
            "account_ids": ",".join(self.account_ids),
        }

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> EndUser | None:
        """The principal an authorizer context carries; None when it names no complete sign-in."""
        site_id, user_id, session_id = context.get("site_id"), context.get("user_id"), context.get("session_id")
        if not (site_id and user_id and session_id):
            return None
        accounts = tuple(a for a in str(context.get("account_ids") or "").split(",") if a)
        return cls(str(site_id), str(user_id), str(session_id), accounts)
