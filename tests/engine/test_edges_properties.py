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
from hypothesis import strategies as st

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.events import CustomerSynced
from sync_core.run.journal import Journal

from conftest import World

MAILBOXES = ("ap@acme.test", "billing@shop.test")
FIELDS = ("email", "phone", "name")


def spelling(box: str):
    return st.sampled_from([box, box.upper(), box.capitalize(), box.replace("@", "@").title()])


blank = st.sampled_from([None, "", "  "])
emails = st.one_of(blank, st.sampled_from(MAILBOXES).flatmap(spelling))
phones = st.one_of(blank, st.just("+1 555 0100"))
names = st.one_of(blank, st.sampled_from(["Acme Ltd", "Shop Inc"]))


@st.composite
def accounts(draw):
    n_ns = draw(st.integers(1, 5))
    ns_ids = [str(101 + i) for i in range(n_ns)]
    stripe = []
    for k in range(draw(st.integers(0, 4))):
        c = {"id": f"cus_S{k}", "email": draw(st.one_of(st.none(), st.sampled_from(MAILBOXES).flatmap(spelling))),
             "phone": draw(st.one_of(st.none(), st.just("+1 555 0199"))), "name": draw(st.one_of(st.none(), names)),
             "created": k + 1}
        tag = draw(st.one_of(st.none(), st.sampled_from(ns_ids)))
        if tag:
            c["metadata"] = {"netsuite_internal_id": tag}
        stripe.append(c)
    link_choices = [None, "cus_GONE"] + [c["id"] for c in stripe]
    ns = []
    for iid in ns_ids:
        c = {"id": iid, "companyName": draw(names), "email": draw(emails), "phone": draw(phones)}
        sid = draw(st.sampled_from(link_choices))
        if sid:
            c[ID_FIELD] = sid
        ns.append(c)
    interrupted = draw(st.lists(st.sampled_from(ns_ids), max_size=2, unique=True))
    return ns, stripe, interrupted


def start(mocks, account, journal: Journal) -> World:
    """Both mocks holding the account; the journal remembering its interrupted creates."""
    ns, stripe, interrupted = account
    world = World(mocks)
    mocks.netsuite.control.reset()
    mocks.stripe.control.reset()
    world.load(ns, stripe)
    if interrupted:
        died = journal.start_run("customsearch_paypack_mass_customer_sync")
        for iid in interrupted:
            journal.mark(died, iid, "create-attempted")
    return world


def snapshot(world: World):
    return world.ns_customers(), world.stripe_customers(include_deleted=True)


async def run(world: World, journal: Journal, *, dry_run: bool):
    async with world.engine() as engine:
        return {e.outcome.internal_id: e.outcome
                async for e in engine.mass_sync(journal, dry_run=dry_run, portal=False)
                if isinstance(e, CustomerSynced)}


def key(outcome, made: set[str]):
    d = outcome.decision
    linked = outcome.stripe_customer_id
    if linked in made or (linked or "").startswith("(new for ") or d and d.action.value == "create":
        linked = "new"  # the customer the run creates, or the dry run's stand-in for it
    return (outcome.status.value if outcome.status.value != "planned" else "ok", outcome.rule,
            d.action.value if d else None, d.shared_with if d else None, linked)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
