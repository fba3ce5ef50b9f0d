"""The sync's promises over generated account states, against both mocks as servers (hypothesis).

States mix case variants of a few mailboxes on either side, blanks in every mapped field, addresses of other
shapes on either side (a second line and a state, or neither), shared emails, Stripe customers tagged by
earlier runs (cleared fields), links shared by two NetSuite customers, stale links, and runs killed at every
step of a create: before it was sent, after it landed in Stripe (with the email changed since), or inside the
write-back. Whatever the state:
- no mailbox gets a second Stripe customer from custsync, and no intent a second one after a kill;
- no Stripe value is cleared by a blank in NetSuite, and no address is left a mix of two;
- the dry run's plan is what the run then does, its NetSuite write-backs included;
- a second run with nothing changed writes nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.events import CustomerSynced, PlanReady
from sync_core.run.journal import Journal
from tests.support.engine_world import World
from tests.support.generated_accounts import accounts, address_of, key, kill_made, snapshot, start, written_back
from tests.support.properties import examples

FIELDS = ("email", "phone", "name")


async def run(world: World, journal: Journal, *, dry_run: bool, summary: dict | None = None):
    """The run's outcomes by internal id; `summary` gets the plan's summary."""
    outcomes = {}
    async with world.engine() as engine:
        async for e in engine.mass_sync(journal, dry_run=dry_run, portal=False):
            if isinstance(e, CustomerSynced):
                outcomes[e.outcome.internal_id] = e.outcome
            elif isinstance(e, PlanReady) and summary is not None:
                summary.update(e.plan.summary())
    return outcomes


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(account=accounts())
def test_the_promises_hold_on_any_account(mocks, account):
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "j.sqlite")
        world = start(mocks, account, journal)
        ns_before, stripe_before = snapshot(world)

        planned: dict = {}
        plan = asyncio.run(run(world, journal, dry_run=True, summary=planned))
        assert snapshot(world) == (ns_before, stripe_before), "a dry run wrote"
        done = asyncio.run(run(world, journal, dry_run=False))
        ns_after, stripe_after = snapshot(world)

        created = [c for cid, c in stripe_after.items() if cid not in stripe_before]
        made = {c["id"] for c in created}
        assert {i: key(o, made) for i, o in plan.items()} == {i: key(o, made) for i, o in done.items()}, "plan != run"
        assert planned["netsuite_write_backs"] == len(written_back(done)), "the plan counted other write-backs"

        # A killed run's create that landed is this customer's: linked (unless nothing can be), never a second.
        for iid, point, _email in account[2]:
            if point != "before-create":
                mine = [c["id"] for c in created if (c.get("metadata") or {}).get("netsuite_internal_id") == iid]
                assert not mine, f"customer {iid}: created {mine} although the killed run's {kill_made(iid)} exists"
                assert ns_after[iid].get(ID_FIELD) in (None, kill_made(iid)), \
                    f"customer {iid} linked to {ns_after[iid].get(ID_FIELD)}, not to what its create made"
        # An address is one value: every Stripe address is the one it had, or one NetSuite customer's whole.
        whole = [a for c in ns_after.values() if (a := address_of(c))]
        for cid, c in stripe_after.items():
            if cid in stripe_before and c.get("address") != stripe_before[cid].get("address"):
                assert c.get("address") in whole, f"{cid}'s address is a mix: {c.get('address')}"

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
