"""Both mocks as real servers (subprocesses under waitress), shared by the engine tests; reset per test."""

from __future__ import annotations

import pytest

from sync_core.config import load_config
from sync_core.engine import Engine
from testbed import demo
from testbed.bundled import BundledMocks


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
    mocks.stripe.control.faults(latency_ms=0, error_rate=0.0, rate_429=0.0, drop_rate=0.0, requests_per_second=None,
                                operation_requests_per_second=None)
    return World(mocks)


class World:
    def __init__(self, mocks: BundledMocks) -> None:
        self.mocks = mocks
        self.config = mocks.configure(load_config(env={}))
        self.config.stripe.requests_per_second = self.config.stripe.operation_requests_per_second = 1000
        assert self.config.stripe.search_requests_per_second <= 20  # what Stripe (and the mock) allow search
        self.config.sync.backoff_base_seconds = 0.01
        self.config.sync.backoff_max_seconds = 0.05

    def load(self, ns_customers, stripe_customers=(), *, portal="active", portal_status="RELEASED", columns=None):
        self.mocks.load(demo.netsuite_state(list(ns_customers), portal_status=portal_status, columns=columns),
                        demo.stripe_state(list(stripe_customers), portal=portal))

    def engine(self, **sync_overrides) -> Engine:
        config = self.config.model_copy(deep=True)
        for key, value in sync_overrides.items():
            setattr(config.sync, key, value)
        return Engine.from_config(config)

    def ns_customers(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.mocks.netsuite.control.state()["customers"]}

    def stripe_customers(self, include_deleted: bool = False) -> dict[str, dict]:
        customers = self.mocks.stripe.control.state()["accounts"][0]["test"]["customers"]
        return {c["id"]: c for c in customers if include_deleted or not c.get("deleted")}


def assert_exactly_once(world: World, outcomes=None) -> dict[str, int]:
    """Every linked NetSuite customer names one live Stripe customer; no internal id has two."""
    ns = world.ns_customers()
    stripe = world.stripe_customers()
    from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD

    tagged: dict[str, list[str]] = {}
    for c in stripe.values():
        iid = (c.get("metadata") or {}).get("netsuite_internal_id")
        if iid:
            tagged.setdefault(iid, []).append(c["id"])
    dupes = {iid: ids for iid, ids in tagged.items() if len(ids) > 1}
    assert not dupes, f"Stripe customers created twice: {dupes}"
    for iid, c in ns.items():
        sid = c.get(ID_FIELD)
        if sid:
            assert sid in stripe, f"customer {iid} names {sid}, which is not a live Stripe customer"
        if iid in tagged:
            assert sid == tagged[iid][0], f"customer {iid}: field {sid!r} but Stripe made {tagged[iid][0]} for it"
    for o in outcomes or ():
        if o.status.value == "ok":
            assert ns[o.internal_id].get(ID_FIELD) == o.stripe_customer_id
    return {"netsuite": len(ns), "stripe": len(stripe), "linked": sum(1 for c in ns.values() if c.get(ID_FIELD))}


RELIABILITY_REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter):
    """What the reliability tests injected and saw, for the person reading the CI log."""
    if RELIABILITY_REPORT:
        terminalreporter.section("custsync reliability")
        for line in RELIABILITY_REPORT:
            terminalreporter.write_line(line)
