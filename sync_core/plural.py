"""Counts in words: "1 customer", "2 customers" (what the CLI, the TUI and the testbed print)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word`, or its plural (`many`, else `word` + "s") unless n is 1."""
    return f"{n} {word if n == 1 else many or word + 's'}"
