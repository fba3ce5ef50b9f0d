"""One pair of mock servers for the whole scenario suite; scenarios reset and load them in turn."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable, Iterator

import pytest

from testbed.scenario_runner import MockPair, ScenarioRunner


@pytest.fixture(scope="session")
def mock_pair() -> Iterator[MockPair]:
    with MockPair.start() as pair:
        yield pair


@pytest.fixture(scope="session")
def runner(mock_pair: MockPair) -> ScenarioRunner:
    return ScenarioRunner(mock_pair)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path
    return write
