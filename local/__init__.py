"""The laptop runtime behind `make run` (not deployed)."""
