"""The sync's promises over generated account states, against both mocks as servers (hypothesis).

States mix case variants of a few mailboxes on either side, blanks in every mapped field, shared emails,
Stripe customers tagged by earlier runs (cleared fields), links shared by two NetSuite customers, stale
links and interrupted creates. Whatever the state:
- no mailbox gets a second Stripe customer from custsync;
- no Stripe value is cleared by a blank in NetSuite;
- the dry run's plan is what the run then does;
- a second run with nothing changed writes nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from sync_core.events import CustomerSynced
from sync_core.run.journal import Journal
from tests.support.engine_world import World
from tests.support.generated_accounts import accounts, key, snapshot, start
from tests.support.properties import examples

FIELDS = ("email", "phone", "name")


async def run(world: World, journal: Journal, *, dry_run: bool):
    async with world.engine() as engine:
        return {e.outcome.internal_id: e.outcome
                async for e in engine.mass_sync(journal, dry_run=dry_run, portal=False)
                if isinstance(e, CustomerSynced)}


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(account=accounts())
def test_the_promises_hold_on_any_account(mocks, account):
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "j.sqlite")
        world = start(mocks, account, journal)
        ns_before, stripe_before = snapshot(world)

        plan = asyncio.run(run(world, journal, dry_run=True))
        assert snapshot(world) == (ns_before, stripe_before), "a dry run wrote"
        done = asyncio.run(run(world, journal, dry_run=False))
        ns_after, stripe_after = snapshot(world)

        created = [c for cid, c in stripe_after.items() if cid not in stripe_before]
        made = {c["id"] for c in created}
        assert {i: key(o, made) for i, o in plan.items()} == {i: key(o, made) for i, o in done.items()}, "plan != run"

        boxes = [c["email"].lower() for c in created]
        assert len(boxes) == len(set(boxes)), f"a mailbox got two Stripe customers: {boxes}"
        # A push to a linked customer may move it out of a mailbox, which then gets its own customer; but a
        # mailbox that still has a Stripe customer after the run never got a second one from custsync.
        others = {(c.get("email") or "").lower() for cid, c in stripe_after.items()
                  if cid not in made and not c.get("deleted")}
        assert not set(boxes) & others, f"created a second Stripe customer for an existing mailbox: {boxes}"

        for cid, before in stripe_before.items():
            for f in FIELDS:
                if before.get(f):
                    assert stripe_after[cid].get(f), f"{cid}.{f} {before[f]!r} was cleared"

        again = asyncio.run(run(world, journal, dry_run=False))
        assert snapshot(world) == (ns_after, stripe_after), "a second run with nothing changed wrote"
        assert not [o for o in again.values() if o.changes]
        journal.close()
