"""Fixtures of the payments tests (defined with their helpers in payments_kit.py)."""

from __future__ import annotations

from payments_kit import pay

__all__ = ["pay"]
