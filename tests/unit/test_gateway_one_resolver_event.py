"""The local gateway hosts every function in one process; Powertools keeps the current event in a class
attribute shared by all resolvers, so two resolver functions must never run at once there (local/gateway.py)."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from local import gateway


def _module(started: threading.Event, release: threading.Event | None) -> SimpleNamespace:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started.set()
        if release is not None:
            release.wait(5)
        return {"statusCode": 200}

    return SimpleNamespace(handler=handler)


def test_two_resolver_functions_never_run_at_the_same_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the contracts function busy with a request
    contracts_started, release = threading.Event(), threading.Event()
    payments_started = threading.Event()
    modules = {"contracts": _module(contracts_started, release), "payments": _module(payments_started, None)}
    monkeypatch.setattr(gateway, "_modules", modules)
    monkeypatch.setattr(gateway, "_locks", {name: gateway._resolver_lock for name in modules})
    first = threading.Thread(target=gateway.invoke, args=("contracts", {}))
    first.start()
    assert contracts_started.wait(5)
    # When a payments request arrives meanwhile
    second = threading.Thread(target=gateway.invoke, args=("payments", {}))
    second.start()
    # Then it waits for the contracts request to end (it would read that request's event otherwise)
    assert not payments_started.wait(0.3)
    release.set()
    first.join(5)
    second.join(5)
    assert payments_started.is_set()


def test_every_function_behind_a_route_shares_the_one_lock() -> None:
    # The functions behind the REST routes run resolvers; the authorizer, the writer and the sync do not.
    assert {"login", "contracts", "payments", "admin"} <= gateway._RESOLVER_FUNCTIONS
    assert not {"authorizer", "payments_writer"} & gateway._RESOLVER_FUNCTIONS
