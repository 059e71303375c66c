"""One `requests` metric per request, by route template and status class, as the EMF line CloudWatch reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.events import api_event
from portal.observability import metrics
from tests.integration.api.conftest import SignedIn
from tests.integration.identity.kit import call


def emf_lines(out: str) -> list[dict[str, Any]]:
    """The EMF documents Powertools printed (log lines are JSON too, but carry no `_aws` block)."""
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]


def test_each_request_emits_one_count_by_route_and_status_class(
    signed_in: SignedIn, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given metrics enabled, as in Lambda, and nothing pending from the requests of the (metrics-disabled) setup
    metrics.clear_metrics()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()
    site = signed_in.site
    # When the user lists contracts (200), asks for an address nobody serves (404), and signs in badly (422)
    listed = api_event(
        "GET", f"/sites/{site}/contracts", resource="/sites/{site}/contracts", authorizer=signed_in.authorizer
    )
    nowhere = api_event("GET", f"/sites/{site}/nothing/here/12345")
    bad_login = api_event(
        "POST", f"/sites/{site}/auth/login", resource="/sites/{site}/auth/login", body={"email": "x", "password": "p"}
    )
    statuses = [call("contracts", listed)[0], call("login", nowhere)[0], call("login", bad_login)[0]]
    # Then each request printed exactly one EMF document with its route template and status class
    assert statuses == [200, 404, 422]
    documents = emf_lines(capsys.readouterr().out)
    assert [(d["route"], d["status_class"], d["requests"]) for d in documents] == [
        ("/sites/<site>/contracts", "2xx", [1.0]),
        ("unmatched", "4xx", [1.0]),  # never the raw path: that would be a dimension value per probe
        ("/sites/<site>/auth/login", "4xx", [1.0]),
    ]
    for document in documents:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "CustomerPortal"
        assert directive["Metrics"] == [{"Name": "requests", "Unit": "Count"}]
        assert sorted(directive["Dimensions"][0]) == ["route", "service", "status_class"]
