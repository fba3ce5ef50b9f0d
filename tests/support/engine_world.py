"""The engine tests' world: both mocks (one pair for the session) reset and loaded per test, a config that
reaches them, and the checks every mass sync must pass (no customer linked twice)."""

from __future__ import annotations

import os
import time

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.config import load_config
from sync_core.engine import Engine
from sync_core.events import CustomerSynced, PlanReady, RunFinished
from sync_core.run.target import RunTarget, netsuite_account_id
from testbed import demo
from testbed.bundled import BundledMocks

# What the reliability tests injected and saw, printed at the end of the run for the person reading the CI log.
RELIABILITY_REPORT: list[str] = []


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


def world_target(world: World) -> RunTarget:
    """The target (NetSuite account, Stripe account, mode) a run against the world's mocks records."""
    return RunTarget(netsuite_account_id(world.mocks.netsuite.info["account"]), world.mocks.stripe_account, "test")


def config_file(world: World, tmp_path) -> tuple:
    """A custsync.toml that reaches the world's mocks (journal in tmp_path), and the environment with its secrets."""
    ns, st = world.mocks.netsuite.info, world.mocks.stripe.info
    path = tmp_path / "custsync.toml"
    path.write_text(
        f'[netsuite]\ntarget = "mock"\nrest_url = "{ns["url"]}"\nrestlet_url = "{ns["url"]}"\naccount = "{ns["account"]}"\n'
        f'concurrency = 5\n[stripe]\ntarget = "mock"\nbase_url = "{st["url"]}"\nrequests_per_second = 500\n'
        'operation_requests_per_second = 500\n'
        f'[sync]\njournal_path = "{tmp_path / "journal.sqlite"}"\nworkers = 16\n')
    env = {**os.environ, "CUSTSYNC_NETSUITE_CONSUMER_KEY": ns["consumer_key"],
           "CUSTSYNC_NETSUITE_CONSUMER_SECRET": ns["consumer_secret"], "CUSTSYNC_NETSUITE_TOKEN_ID": ns["token_id"],
           "CUSTSYNC_NETSUITE_TOKEN_SECRET": ns["token_secret"], "CUSTSYNC_STRIPE_API_KEY": st["api_key"]}
    return path, env


def backdate_netsuite(world: World, edits: dict[str, dict] | None = None, *, seconds: float = 3600) -> None:
    """As time passes (without waiting for it): every NetSuite customer created and last modified `seconds` ago,
    then `edits` ({internal id: fields}) made by a person now. Through the NetSuite mock's control API: the
    state document, dates included (NetSuite keeps them to the second)."""
    state = world.mocks.netsuite.control.state()
    then = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for c in state["customers"]:
        c["dateCreated"] = c["lastModifiedDate"] = then
        if c["id"] in (edits or {}):
            c.update(edits[c["id"]])
            c["lastModifiedDate"] = now
    world.mocks.netsuite.control.load(state)


def customer(iid="101", email="ap@acme.test", sid=None, **extra):
    """A NetSuite customer as the state document holds it; `sid` fills STRIPE CUSTOMER ID."""
    c = {"id": iid, "companyName": "Acme Ltd", "email": email, "phone": "+1 555 0100", **extra}
    if sid:
        c[ID_FIELD] = sid
    return c


def shop_customers(n: int, first: int = 101):
    """n customers with their own mailboxes (c0@shop.test ...), internal ids from `first`."""
    return [customer(str(first + k), email=f"c{k}@shop.test", companyName=f"Shop {k}") for k in range(n)]


def trace_text(outcome) -> str:
    return " | ".join(s.outcome for s in outcome.decision.trace)


async def synced(engine, journal=None, **kw):
    """A mass sync's outcomes in the order they came."""
    return [e.outcome async for e in engine.mass_sync(journal, **kw) if isinstance(e, CustomerSynced)]


async def mass_run(engine, journal=None, **kw):
    """A mass sync's outcomes and its RunFinished event."""
    outcomes, finished = [], None
    async for event in engine.mass_sync(journal, **kw):
        if isinstance(event, CustomerSynced):
            outcomes.append(event.outcome)
        elif isinstance(event, RunFinished):
            finished = event
    return outcomes, finished


async def planned_run(engine, journal, **kw):
    """A mass sync's plan (PlanReady) and its outcomes by internal id."""
    plan, outcomes = None, {}
    async for event in engine.mass_sync(journal, **kw):
        if isinstance(event, PlanReady):
            plan = event.plan
        elif isinstance(event, CustomerSynced):
            outcomes[event.outcome.internal_id] = event.outcome
    return plan, outcomes
