"""What the benchmarks share: the source tree on `sys.path`, the AWS operation meter, environment overrides,
percentiles, Markdown tables and the `--child` subprocess a benchmark runs its measured part in.

Import this module first in a benchmark: importing it puts the portal's layer and functions on `sys.path`
(as Lambda and `make run` see them), so the modules imported after it are the worktree's own.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".local" / "bench"  # cached seeds (ASPIRE databases) between runs
for _path in (ROOT / "layers" / "common" / "python", ROOT / "functions", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


class AwsMeter:
    """AWS operations by "service.Operation" and the time spent inside them, for every boto3 client of a session
    (attach it before the clients are created: a client copies the session's event hooks when it is made)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self._started = 0.0

    def before(self, event_name: str, **_: Any) -> None:
        self.calls[event_name.split(".", 1)[1]] += 1
        self._started = time.perf_counter()

    def after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started

    def attach(self, session: Any) -> None:
        session.events.register("before-call.*.*", self.before)
        session.events.register("after-call.*.*", self.after)

    def detach(self, session: Any) -> None:
        session.events.unregister("before-call.*.*", self.before)
        session.events.unregister("after-call.*.*", self.after)


@contextlib.contextmanager
def environment(values: Mapping[str, str], remove: Sequence[str] = ()) -> Iterator[None]:
    """`os.environ` with `values` set and `remove` unset for the block, restored after it."""
    saved = {name: os.environ.get(name) for name in (*values, *remove)}
    os.environ.update(values)
    for name in remove:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least `fraction` of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered), math.ceil(fraction * len(ordered))) - 1)]


def markdown_table(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> str:
    """`| title | ... |` rows of (key, title) columns; integers with thousands separators, a missing cell blank."""

    def cell(value: Any) -> str:
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)

    lines = [" | ".join(title for _, title in columns), " | ".join("---" for _ in columns)]
    lines += [" | ".join(cell(row.get(key, "")) for key, _ in columns) for row in rows]
    return "\n".join(lines)


def run_child(module: str, args: Sequence[str], env: Mapping[str, str], what: str) -> Any:
    """Runs `python -m <module> --child <args>` (the measured part in a process of its own, for its own RSS or
    environment) and returns the JSON of its last output line."""
    out = subprocess.run(  # noqa: S603 - our own interpreter on our own module
        [sys.executable, "-m", module, "--child", *args], cwd=ROOT, env=dict(env), capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"{what} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def moto_tables(prefix: str) -> Iterator[tuple[AwsMeter, Any]]:
    """moto in-process with the portal's tables under `prefix`, the environment naming them (no endpoint, quiet
    Powertools) and a meter on every client made in the block: yields (meter, a DynamoDB client)."""
    import boto3
    from moto import mock_aws

    from portal.adapters.dynamodb.tables import TABLES
    from portal.config import table_env

    env = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_REGION": "us-east-1", "POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true",
           **table_env(prefix)}  # fmt: skip
    with environment(env, ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE")), mock_aws():
        boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
        assert session is not None
        meter = AwsMeter()
        meter.attach(session)
        client = boto3.client("dynamodb")
        for table in TABLES:
            client.create_table(**table.create_table_kwargs(prefix))
        try:
            yield meter, client
        finally:
            meter.detach(session)
