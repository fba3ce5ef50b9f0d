"""The session's mocks (tests/conftest.py) as the scenario runner's pair; scenarios reset and load them in turn."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from testbed.scenario_runner import MockPair, ScenarioRunner


@pytest.fixture(scope="session")
def _session_pair(mocks) -> MockPair:
    return MockPair.over(mocks)


@pytest.fixture
def mock_pair(_session_pair: MockPair, mocks) -> MockPair:
    """The pair with the launch fault settings back (another directory's test may have changed them)."""
    mocks.fresh()
    return _session_pair


@pytest.fixture
def runner(mock_pair: MockPair) -> ScenarioRunner:
    return ScenarioRunner(mock_pair)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path
    return write
