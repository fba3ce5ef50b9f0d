"""Both mocks as real servers (subprocesses under waitress), shared by the engine tests; reset per test."""

from __future__ import annotations

import pytest

from testbed.bundled import BundledMocks

from tests.support.engine_world import RELIABILITY_REPORT, World


@pytest.fixture(scope="session")
def mocks():
    with BundledMocks() as running:
        yield running


@pytest.fixture
def world(mocks):
    """Reset both mocks, with no faults; returns a loader and the config pointed at them."""
    mocks.netsuite.control.reset()
    mocks.stripe.control.reset()
    mocks.netsuite.control.faults(latency_ms=0, error_rate=0.0, rate_429=0.0, drop_rate=0.0, concurrency_limit=5,
                                  restlet_usage_limit=None, writeback_failures={})
    mocks.stripe.control.faults(latency_ms=0, error_rate=0.0, rate_429=0.0, drop_rate=0.0, requests_per_second=None)
    return World(mocks)


def pytest_terminal_summary(terminalreporter):
    """What the reliability tests injected and saw, for the person reading the CI log."""
    if RELIABILITY_REPORT:
        terminalreporter.section("custsync reliability")
        for line in RELIABILITY_REPORT:
            terminalreporter.write_line(line)
