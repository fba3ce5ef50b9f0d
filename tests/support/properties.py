"""Hypothesis profiles for the property tests.

- `deterministic` (the default, what the README's test command and CI run): derandomized, so every run
  tries the same examples and passes or fails the same way, whoever runs it;
- `fuzz` (on purpose: `HYPOTHESIS_PROFILE=fuzz` or `pytest --hypothesis-profile=fuzz`): random examples,
  FUZZ_FACTOR times each test's budget, failures kept in .hypothesis/ and replayed first next time.

A failure the fuzz profile finds is pinned as an `@example(...)` on its test (print_blob shows how to
reproduce it), so the deterministic profile checks it from then on.
"""

from __future__ import annotations

import os

from hypothesis import settings

DETERMINISTIC = "deterministic"
FUZZ = "fuzz"
FUZZ_FACTOR = 40
PROFILE_ENV = "HYPOTHESIS_PROFILE"

settings.register_profile(DETERMINISTIC, derandomize=True, database=None, deadline=None, print_blob=True,
                          max_examples=100)
settings.register_profile(FUZZ, derandomize=False, deadline=None, print_blob=True, max_examples=100 * FUZZ_FACTOR)


def load_profile() -> str:
    """The profile named by $HYPOTHESIS_PROFILE, else the deterministic one (`--hypothesis-profile` wins over both)."""
    name = os.environ.get(PROFILE_ENV) or DETERMINISTIC
    settings.load_profile(name)
    return name


def examples(n: int) -> int:
    """A property test's budget: n examples in the deterministic profile, FUZZ_FACTOR times n when fuzzing.
    (Read when the test module is imported, after pytest has loaded the profile.)"""
    return n * FUZZ_FACTOR if settings.get_current_profile_name() == FUZZ else n
