"""The route table is the contract between the CDK, the local gateway and the handlers."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from portal.api.routes import FUNCTIONS, FUNCTIONS_BY_NAME, ROUTES, SCHEDULES, path_exists, resolve, routes_for

ROOT = Path(__file__).resolve().parents[2]


def test_every_route_and_schedule_names_an_existing_function_folder() -> None:
    for name in {r.function for r in ROUTES} | {s.function for s in SCHEDULES}:
        assert name in FUNCTIONS_BY_NAME or name == "authorizer", name
    for function in FUNCTIONS:
        assert (ROOT / "functions" / function.name / "app.py").is_file(), function.name


def test_both_apis_serve_health_and_openapi_without_auth() -> None:
    for api in ("enduser", "admin"):
        for path in ("/health", "/openapi.json"):
            found = resolve(api, "GET", path)
            assert found is not None and found[0].auth == "none"


@pytest.mark.parametrize("api", ["enduser", "admin"])
def test_each_api_function_registers_exactly_the_routes_the_table_gives_it(api: str, aws: None) -> None:
    # Given the route table and the handler modules
    for function in {r.function for r in routes_for(api)}:  # type: ignore[arg-type]
        module = importlib.import_module(f"{function}.app")
        registered = {
            (route.method, route.rule.pattern) for route in module.app._static_routes + module.app._dynamic_routes
        }
        # When a route of the table is dispatched to its function
        for route in (r for r in routes_for(api) if r.function == function):  # type: ignore[arg-type]
            powertools_rule = route.path.replace("{", "<").replace("}", ">")
            # Then the function's resolver has a route with the same method and path
            assert any(
                method == route.method and _same_path(pattern, powertools_rule) for method, pattern in registered
            ), f"{function} does not serve {route.method} {route.path}"


def _same_path(pattern: str, rule: str) -> bool:
    import re

    concrete = re.sub(r"<\w+>", "x1", rule)
    return re.match(pattern, concrete) is not None


def test_resolve_extracts_path_parameters_and_rejects_other_shapes() -> None:
    route, params = resolve("enduser", "GET", "/sites/summit") or (None, {})
    assert route is not None and route.function == "login" and params == {"site": "summit"}
    assert resolve("enduser", "GET", "/sites/summit/extra/deep/path") is None
    assert resolve("enduser", "DELETE", "/sites/summit") is None
    assert path_exists("enduser", "/sites/summit")
    assert not path_exists("enduser", "/nowhere")
