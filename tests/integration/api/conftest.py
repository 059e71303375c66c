"""The API functions over moto with a signed-in user: the sign-in world plus a contract of the user's account.

Authenticated routes get the authorizer context the real authorizer gave the user's real token, so a test of
any route runs the route's body, not just the authorizer's refusal.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.events import LambdaContextStub, api_event, authorizer_event
from tests.integration.admin.admin_kit import bind_admin
from tests.integration.identity.kit import PASSWORD, World, call, open_world

SITE = "summit"
EMAIL = "pat.lee@example.com"
CONTRACT = "C-100"


@dataclass(frozen=True)
class SignedIn:
    world: World
    site: str
    contract_id: str
    authorizer: dict[str, Any]  # the context API Gateway passes from the authorizer to the route's function


@pytest.fixture
def signed_in(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SignedIn:
    world = open_world(tmp_path, monkeypatch)
    # The contracts function reads the same tables; give it this world's wiring like the sign-in functions.
    for function in ("contracts", "payments"):
        setattr(importlib.import_module(f"{function}.app"), "wiring", world.wiring)  # noqa: B010 - on purpose
    bind_admin(world)  # the admin routers too (issue #10), so their bodies run under the fuzz test
    for admin_router in ("admin.common",):
        setattr(importlib.import_module(admin_router), "wiring", world.wiring)  # noqa: B010 - on purpose
    world.put_account(SITE, "A-1", "Acme Excavation")
    world.put_contract(SITE, CONTRACT, "A-1")
    world.user(SITE, EMAIL, accounts=("A-1",))
    login = api_event(
        "POST",
        f"/sites/{SITE}/auth/login",
        resource="/sites/{site}/auth/login",
        path_params={"site": SITE},
        body={"email": EMAIL, "password": PASSWORD},
    )
    status, body, _ = call("login", login)
    assert status == 200, body
    me = api_event(
        "GET",
        f"/sites/{SITE}/me",
        resource="/sites/{site}/me",
        path_params={"site": SITE},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    from authorizer.app import handler as authorize

    context: dict[str, Any] = authorize(authorizer_event(me), LambdaContextStub("authorizer"))["context"]
    return SignedIn(world, SITE, CONTRACT, context)
