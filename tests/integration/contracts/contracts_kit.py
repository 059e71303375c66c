"""Contracts API over moto: a small ASPIRE, the real sync, and the real handler with its AWS calls counted."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from local.aspire.scenario import AspireScenario
from local.events import LambdaContextStub, api_event
from portal.api.routes import resolve
from portal.domain.principal import EndUser
from portal.domain.settings import Site
from portal.wiring import SyncWiring

SITES = (
    Site(site_id="summit", display_name="Summit", is_default=True),
    Site(site_id="harvest", display_name="Harvest", private_labels=("AGRI",)),
    Site(site_id="careline", display_name="CareLine", private_labels=("MED", "DENTAL")),
)


def principal(user_id: str = "U-1", accounts: tuple[str, ...] = ("A-ME",), site_id: str = "summit") -> EndUser:
    return EndUser(site_id, user_id, f"session-of-{user_id}", accounts)


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[AspireScenario]:
    built = AspireScenario(tmp_path / "aspire.db")
    yield built
    built.close()


@pytest.fixture
def sync(aws: None, scenario: AspireScenario, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Runs a sync job of the real engine from the scenario's ASPIRE into moto."""
    monkeypatch.setenv("ASPIRE_SQLITE_PATH", str(scenario.path))
    wiring = SyncWiring.from_env()
    for site in SITES:
        wiring.sites.put_site(site)

    def run(job: str = "incremental") -> dict[str, Any]:
        summary: dict[str, Any] = wiring.engine().run(job)  # type: ignore[arg-type]
        assert summary["status"] == "succeeded", summary
        return summary

    return run


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    ops: Counter[str]  # AWS operations this one request made, by "service.Operation"


class ContractsApi:
    """Calls the contracts function as API Gateway would (route table + event factory) and counts the AWS
    operations of every request; a Scan on a request path fails the test."""

    def __init__(self, calls: Counter[str]) -> None:
        self._calls = calls
        self.module: ModuleType = importlib.reload(importlib.import_module("contracts.app"))  # a fresh container
        self.answers: list[tuple[str, Answer]] = []

    def warm(self) -> None:
        """Loads the per-container site-map cache outside any request's count."""
        self.module.wiring.site_maps.get()

    def get(self, path: str, who: EndUser | None = None, query: Mapping[str, str] | None = None) -> Answer:
        found = resolve("enduser", "GET", path)
        assert found is not None and found[0].function == "contracts", path
        route, params = found
        event = api_event(
            "GET", path, resource=route.path, path_params=params, query=query, authorizer=who.context() if who else None
        )
        before = Counter(self._calls)
        response = self.module.handler(event, LambdaContextStub("contracts"))
        ops = self._calls - before
        if ops["dynamodb.Scan"]:
            pytest.fail(f"GET {path} made {ops['dynamodb.Scan']} Scan call(s); request paths never Scan")
        answer = Answer(response["statusCode"], json.loads(response["body"]) if response.get("body") else None, ops)
        self.answers.append((route.path, answer))
        return answer


@pytest.fixture
def api(aws: None, aws_calls: Counter[str]) -> Iterator[ContractsApi]:
    client = ContractsApi(aws_calls)
    yield client
    scans = [path for path, answer in client.answers if answer.ops["dynamodb.Scan"]]
    assert not scans, f"Scan on request paths: {scans}"
