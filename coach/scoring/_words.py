"""Counts in messages: "1 reply", "2 replies", never "1 replies"."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun that agrees with it; ``plural`` when adding "s" is wrong."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
