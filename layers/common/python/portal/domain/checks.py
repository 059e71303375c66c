"""Named rule checks and verdicts: the checklist shape behind every diagnostics answer.

A rule never short-circuits: it evaluates every one of its checks so support staff see the whole checklist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Check", "Verdict", "format_ids"]


@dataclass(frozen=True)
class Check:
    """One named rule, passed or failed, with a sentence holding the data that decided it."""

    rule: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class Verdict:
    """The outcome of a rule: every check that was evaluated, in order."""

    checks: tuple[Check, ...]

    def __post_init__(self) -> None:
        # Accept any iterable (a list, a generator) but store an immutable tuple.
        object.__setattr__(self, "checks", tuple(self.checks))

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if not check.passed), None)

    def get(self, rule: str) -> Check | None:
        """The check named ``rule``, or None when the verdict has no such check."""
        return next((check for check in self.checks if check.rule == rule), None)

    def as_dict(self, verdict_ok: str, verdict_failed: str) -> dict[str, Any]:
        """The diagnostics shape of API.md: ``{"verdict": ..., "checks": [{"rule", "passed", "detail"}]}``."""
        return {
            "verdict": verdict_ok if self.ok else verdict_failed,
            "checks": [check.as_dict() for check in self.checks],
        }


def format_ids(ids: Iterable[str], limit: int = 5) -> str:
    """Join ids for a detail sentence, listing at most ``limit`` of them: ``"A, B, C, D, E and 2 more"``."""
    items = list(ids)
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
