"""The engine tests' world over the session's mocks (tests/conftest.py), fresh for each test."""

from __future__ import annotations

import pytest

from tests.support.engine_world import World


@pytest.fixture
def world(mocks):
    """Both mocks in their default state with no faults; returns a loader and the config pointed at them."""
    mocks.fresh()
    return World(mocks)
