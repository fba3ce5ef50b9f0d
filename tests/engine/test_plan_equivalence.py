"""The plan decides as one customer at a time would (issue 14), over generated account states.

The same account (case variants, blanks, shared emails, tags of earlier runs, shared and stale links,
interrupted creates) is synced twice from scratch: once through the plan (read in pages, index, decide
locally, execute) and once customer by customer through single sync's path. Each customer's outcome, and
the state both services are left in, must be the same (the ids of customers created differ, nothing else).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.events import CustomerSynced
from sync_core.run.journal import Journal
from tests.support.engine_world import World
from tests.support.generated_accounts import accounts, key, snapshot, start
from tests.support.properties import examples


async def _run(world: World, journal: Journal, path: str):
    async with world.engine() as engine:
        return {e.outcome.internal_id: e.outcome
                async for e in engine.mass_sync(journal, portal=False, path=path) if isinstance(e, CustomerSynced)}


def _sync_once(mocks, account, path: str):
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "j.sqlite")
        world = start(mocks, account, journal)
        before = set(world.stripe_customers(include_deleted=True))
        outcomes = asyncio.run(_run(world, journal, path))
        journal.close()
    ns_after, stripe_after = snapshot(world)
    made = {cid: f"new:{(c.get('metadata') or {}).get('netsuite_internal_id')}"
            for cid, c in stripe_after.items() if cid not in before}

    def named(cid):
        return made.get(cid, cid)

    keys = {i: key(o, set(made)) for i, o in outcomes.items()}
    netsuite = {iid: named(c.get(ID_FIELD)) for iid, c in ns_after.items()}
    stripe_state = {named(cid): {k: v for k, v in c.items() if k not in ("id", "created", "invoice_prefix")}
                    for cid, c in stripe_after.items()}
    return keys, netsuite, stripe_state


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(account=accounts())
def test_the_plan_decides_and_writes_as_one_customer_at_a_time(mocks, account):
    one_at_a_time = _sync_once(mocks, account, "per-customer")
    planned = _sync_once(mocks, account, "plan")
    assert planned[0] == one_at_a_time[0], "outcomes differ"
    assert planned[1] == one_at_a_time[1], "NetSuite left differently"
    assert planned[2] == one_at_a_time[2], "Stripe left differently"
