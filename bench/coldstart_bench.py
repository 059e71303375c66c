"""Cold start of every API function (and the authorizer) against the floor any Powertools API function pays.

The floor is what every such function must import and build before its first request: boto3, pydantic,
Powertools `Logger` and `Metrics`, the REST resolver with its OpenAPI params, and one
`APIGatewayRestResolver(enable_validation=True)`. Each measurement is a fresh interpreter (`python -c`) that
prints `time.perf_counter()` deltas around the import, so interpreter start-up itself is left out; floor and
function alternate in pairs, so machine noise hits both alike, and the medians are compared.

Then one extra run of each under `-X importtime` lists the modules a function imports beyond the floor, by
cumulative import time: where to look when trimming a function's cold start.

    .venv/bin/python -m bench.coldstart_bench [function ...]     (all API functions by default)
"""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT

PAIRS = 7
TOP_MODULES = 8
# Nothing may be contacted at import: these endpoints answer nothing (port 9 is "discard", closed locally).
DUMMY_ENDPOINT = "http://127.0.0.1:9"

FLOOR = """
import boto3, pydantic
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
import aws_lambda_powertools.event_handler.openapi.params
APIGatewayRestResolver(enable_validation=True)
"""


def deployed_code(into: Path) -> list[str]:
    """The portal's own code as Lambda gets it: copies of `functions/` and the common layer, compiled to `.pyc`
    (`make layer` ships the layer compiled, as the dependencies are: Lambda's /opt is read-only, so source-only
    modules would be compiled again at every cold start). The floor's libraries are compiled in site-packages."""
    paths = []
    for source in (ROOT / "functions", ROOT / "layers" / "common" / "python"):
        target = into / source.relative_to(ROOT)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compileall.compile_dir(target, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        paths.append(str(target))
    return paths


def _program(body: str, paths: list[str]) -> str:
    # sys.path is set before the clock starts: a Lambda runtime has it set before the handler module loads.
    return (
        f"import sys, time\nsys.path[:0] = {paths!r}\nstarted = time.perf_counter()\n"
        f"{body}\nprint(time.perf_counter() - started)\n"
    )


def _environment(state: Path) -> dict[str, str]:
    from local.runtime import Paths, handler_environment

    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(handler_environment(Paths(state), DUMMY_ENDPOINT, DUMMY_ENDPOINT))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # as the Makefile sets it
    return env


def _run(body: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, *flags, "-c", _program(body, CODE_PATHS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


CODE_PATHS: list[str] = []


def _seconds(body: str, env: dict[str, str]) -> float:
    return float(_run(body, env).stdout.strip().splitlines()[-1])


def _import_tree(body: str, env: dict[str, str]) -> list[tuple[int, str, int]]:
    """(depth, module, self us) of each first import, in `-X importtime` order (children before parents)."""
    tree = []
    for line in _run(body, env, "-X", "importtime").stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        module = name.lstrip()
        tree.append(((len(name) - len(module) - 1) // 2, module.strip(), int(self_us)))
    return tree


def _beyond_floor(tree: list[tuple[int, str, int]], floor: set[str]) -> dict[str, tuple[float, float]]:
    """module -> (ms of it and everything it pulled in that the floor does not import, its own ms).

    `-X importtime`'s cumulative column would charge boto3 to whichever portal module imported it first;
    here only modules outside the floor count, so the figures add up to what trimming could save."""
    beyond: dict[str, tuple[float, float]] = {}
    pending: list[tuple[int, int]] = []  # (depth, beyond-floor us of a finished subtree)
    for depth, module, self_us in tree:
        children = 0
        while pending and pending[-1][0] > depth:
            children += pending.pop()[1]
        own = 0 if module in floor else self_us
        pending.append((depth, own + children))
        if module not in floor:
            beyond[module] = ((own + children) / 1000, own / 1000)
    return beyond


def api_functions() -> list[str]:
    from portal.api.routes import FUNCTIONS

    return [f.name for f in FUNCTIONS if f.kind in ("api", "authorizer")]


def run(pairs: int = PAIRS, names: list[str] | None = None) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="coldstart-") as state:
        env = _environment(Path(state))
        CODE_PATHS[:] = deployed_code(Path(state) / "code")
        floor_modules = {module for _, module, _ in _import_tree(FLOOR, env)}
        for name in names or api_functions():
            body = f"import {name}.app"
            floor, function = [], []
            for _ in range(pairs):
                floor.append(_seconds(FLOOR, env))
                function.append(_seconds(body, env))
            beyond = _beyond_floor(_import_tree(body, env), floor_modules)
            top = sorted(beyond.items(), key=lambda item: item[1][0], reverse=True)[:TOP_MODULES]
            floor_ms, function_ms = statistics.median(floor) * 1000, statistics.median(function) * 1000
            results.append(
                {
                    "function": name,
                    "pairs": pairs,
                    "floor_ms": round(floor_ms, 1),
                    "function_ms": round(function_ms, 1),
                    "ratio": round(function_ms / floor_ms, 2),
                    "modules_beyond_floor": len(beyond),
                    "top": [(module, cumulative, own) for module, (cumulative, own) in top],
                }
            )
    return results


def table(results: list[dict[str, Any]]) -> str:
    pairs = results[0]["pairs"] if results else PAIRS
    lines = [
        f"Import of the handler module, median of {pairs} alternating pairs (fresh interpreter each; target <= 1.2)",
        "",
        "function | floor ms | function ms | ratio | modules beyond floor",
        "--- | --- | --- | --- | ---",
    ]
    lines += [
        f"{r['function']} | {r['floor_ms']} | {r['function_ms']} | {r['ratio']} | {r['modules_beyond_floor']}"
        for r in results
    ]
    for r in results:
        lines += [
            "",
            f"{r['function']}: top {TOP_MODULES} modules beyond the floor (ms with what they pull in beyond "
            "the floor, own ms; -X importtime, one run)",
        ]
        lines += [f"  {cumulative:8.1f} {own:7.1f}  {module}" for module, cumulative, own in r["top"]]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run(names=sys.argv[1:] or None)))  # python -m bench.coldstart_bench [function ...]
