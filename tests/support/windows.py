"""Counting requests the way a rate limit does: the most that fall in any window of so many seconds."""

from __future__ import annotations


def most_within(times: list[float], seconds: float = 1.0) -> int:
    """The most of `times` in any half-open window [t, t + seconds)."""
    times, best, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best
