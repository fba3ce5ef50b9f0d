"""pytest plugin: drive custsync against both mocks from a QA team's own test suite (docs/qa.md).

Installed with custsync (entry point `pytest11: custsync`), or named with `-p testbed.pytest_plugin`. Fixtures:

- `custsync_mocks` (session): both mocks as real HTTP servers on loopback (`MockPair`), started once;
- `custsync` (per test): a `Custsync` on those mocks, with its own run journal. Load a scenario file or a state
  document into both mocks, then sync through an engine, replay a scenario, or run the `custsync` CLI:

      def test_two_spellings_ask_a_person(custsync):
          custsync.load_scenario("scenarios/email-case-one-mailbox.yaml")
          assert custsync.sync("101", dry_run=True).rule == "R3"
          assert custsync.cli("sync", "101", "--dry-run").exit_code == 3
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sync_core.config import Config, load_config
from sync_core.engine import Engine
from sync_core.outcome import Outcome

from .bundled import mock_environment
from .scenario_load import LoadedScenario, load_scenario, resolve
from .scenario_model import Given
from .scenario_report import ScenarioReport
from .scenario_runner import MockPair, ScenarioRunner
from .scenario_state import apply_overrides

CLI_TIMEOUT_S = 300


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


class Custsync:
    """custsync pointed at the session's mocks; `config` is what every engine and CLI run here uses."""

    def __init__(self, mocks: MockPair, journal_dir: Path) -> None:
        self.mocks = mocks
        self.journal_path = journal_dir / "custsync-journal.sqlite"
        self.config = self._with_journal(mocks.config)

    def _with_journal(self, config: Config) -> Config:
        config = config.model_copy(deep=True)
        config.sync.journal_path = self.journal_path
        return config

    # --- what the mocks hold ---------------------------------------------------------

    def load_scenario(self, name_or_path: str | os.PathLike[str]) -> LoadedScenario:
        """Reset both mocks to a scenario file's `given` (its config overrides apply to this `config`)."""
        loaded = load_scenario(resolve(str(name_or_path)))
        self.load_given(loaded.scenario.given)
        return loaded

    def load_given(self, given: Given | dict[str, Any]) -> None:
        """Reset both mocks to a `given` (as a scenario file writes it: friendly keys)."""
        model = given if isinstance(given, Given) else Given.model_validate(given)
        self.config = self._with_journal(apply_overrides(self.mocks.config, model))
        self.mocks.load(model, self.config)

    def load_state(self, netsuite: dict[str, Any] | None = None, stripe: dict[str, Any] | None = None) -> None:
        """Reset both mocks to state documents in the mocks' own format (docs/mock-control-api.md)."""
        self.config = self._with_journal(self.mocks.config)
        key = self.config.stripe.api_key.get_secret_value() if self.config.stripe.api_key else None
        for control, state in ((self.mocks.netsuite, netsuite), (self.mocks.stripe, stripe)):
            control.reset()
            if state is not None:
                if control is self.mocks.stripe and key:
                    for account in state.get("accounts", []):
                        account.setdefault("api_keys", [key])
                control.load(state)
        self.mocks.wire_portal(self.config)

    # --- custsync ----------------------------------------------------------------------

    @asynccontextmanager
    async def engine(self) -> AsyncIterator[Engine]:
        """The sync engine on these mocks, for async tests: `async with custsync.engine() as engine: ...`."""
        async with Engine.from_config(self.config) as engine:
            yield engine

    def sync(self, internal_id: str, *, dry_run: bool = False) -> Outcome:
        """One customer's sync (the "Sync to Stripe" button), from a plain (not async) test."""
        async def run() -> Outcome:
            async with self.engine() as engine:
                return await engine.sync_one(str(internal_id), dry_run=dry_run)
        return asyncio.run(run())

    def run_scenario(self, name_or_path: str | os.PathLike[str]) -> ScenarioReport:
        """Load and replay a scenario file; `report.ok`, and `report.failures()` says expected vs actual."""
        return ScenarioRunner(self.mocks).run(load_scenario(resolve(str(name_or_path))))

    def environment(self) -> dict[str, str]:
        """The CUSTSYNC_* variables that point a `custsync` process at these mocks (fake credentials)."""
        env = mock_environment(self.config)
        env["CUSTSYNC_SYNC_JOURNAL_PATH"] = str(self.journal_path)
        return env

    def cli(self, *args: str, timeout: float = CLI_TIMEOUT_S) -> CliResult:
        """`custsync ARGS...` in a process of its own, against these mocks; its exit code and output."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
        env.update(self.environment())
        done = subprocess.run([sys.executable, "-m", "tui.cli", *args], env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def custsync_mocks() -> Iterator[MockPair]:
    """Both mocks as real servers for the whole session (each `custsync` test loads its own state)."""
    with MockPair.start(load_config(env={})) as pair:
        yield pair


@pytest.fixture
def custsync(custsync_mocks: MockPair, tmp_path: Path) -> Custsync:
    """custsync on the session's mocks, with a run journal of this test's own."""
    return Custsync(custsync_mocks, tmp_path)
