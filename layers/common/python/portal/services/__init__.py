"""Use cases: take ports as arguments, apply domain rules, return models."""
