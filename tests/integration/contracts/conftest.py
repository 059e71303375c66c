"""Fixtures of the contracts API tests (defined with their helpers in contracts_kit.py)."""

from __future__ import annotations

from contracts_kit import api, scenario, sync

__all__ = ["api", "scenario", "sync"]
