"""The local outage switch: while a flag file exists, every ASPIRE call fails as if the server were down.

`portal-local aspire outage on|off` creates/removes the file (`.local/aspire-outage`); the wiring wraps the
SQLite demo source with this when `ASPIRE_OUTAGE_FLAG` is set, which only the local runtime does. The check
is a `stat` per call, so the switch takes effect at once in the running `make run` process.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from portal.adapters.aspire.port import AspireSource, AspireUnavailable


class SwitchableAspireSource:
    def __init__(self, source: AspireSource, flag: str | Path) -> None:
        self._source = source
        self.flag = Path(flag)

    def _check(self) -> None:
        if self.flag.exists():
            raise AspireUnavailable(f"ASPIRE is switched off locally ({self.flag}; portal-local aspire outage off)")

    def version(self) -> str:
        self._check()
        return self._source.version()

    def db_rowversion(self) -> int:
        self._check()
        return self._source.db_rowversion()

    def min_active_rowversion(self) -> int:
        self._check()
        return self._source.min_active_rowversion()

    def stream(self, query: str, params: Mapping[str, Any], page_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        self._check()
        return self._source.stream(query, params, page_size)

    def fetch_one(self, query: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        self._check()
        return self._source.fetch_one(query, params)

    def execute(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        self._check()
        return self._source.execute(query, params)


def set_outage(flag: str | Path, on: bool) -> bool:
    """Switch the local outage on or off; returns whether it is on now."""
    path = Path(flag)
    if on:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("ASPIRE unreachable for the portal (portal-local aspire outage off)\n")
    else:
        path.unlink(missing_ok=True)
    return path.exists()
