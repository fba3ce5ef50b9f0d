"""What every test directory shares: the hypothesis profile (deterministic unless asked to fuzz), one pair of
mock servers for the session, and the custsync reliability figures printed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.engine_world import RELIABILITY_REPORT
from tests.support.properties import load_profile
from tests.support.session_mocks import SessionMocks

load_profile()


@pytest.fixture(scope="session")
def mocks() -> Iterator[SessionMocks]:
    """Both mocks as real servers, started once (on first use) for the whole session; tests start from
    `mocks.fresh()` (their fixtures call it) rather than from a pair of their own."""
    with SessionMocks() as running:
        yield running


def pytest_sessionfinish(session):
    """Under pytest-xdist each worker hands its reliability lines to the controller, which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["custsync_reliability"] = list(RELIABILITY_REPORT)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    RELIABILITY_REPORT.extend(getattr(node, "workeroutput", {}).get("custsync_reliability", []))


def pytest_terminal_summary(terminalreporter):
    """What the reliability tests injected and saw, for the person reading the CI log."""
    if RELIABILITY_REPORT:
        terminalreporter.section("custsync reliability")
        for line in RELIABILITY_REPORT:
            terminalreporter.write_line(line)
