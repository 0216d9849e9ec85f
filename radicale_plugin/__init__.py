"""Radicale storage and rights plugins: a thin adapter over ``bridge`` (read path: issue 3)."""
