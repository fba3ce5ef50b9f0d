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
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.events import CustomerSynced, PlanReady
from sync_core.run.journal import Journal
from testbed import demo

from conftest import World

MAILBOXES = ("ap@acme.test", "billing@shop.test")
FIELDS = ("email", "phone", "name")
# The search maps the whole billing address, so an address that changes shape (a second line and a state, or
# neither) is what a sync sends.
ADDRESS_COLUMNS = ("billaddress1", "billaddress2", "billcity", "billstate", "billzipcode", "billcountry")
COLUMNS = [c for c in demo.DEMO_SEARCH_COLUMNS if not c["name"].startswith("bill")] + [
    {"name": n, "label": n, "join": None, "summary": None} for n in ADDRESS_COLUMNS]
NS_ADDRESSES = (None, {"addr1": "1 Infinite Loop", "addr2": "Suite 5", "city": "Cupertino", "state": "CA",
                       "zip": "95014", "country": "US"},
                {"addr1": "10 Downing Street", "city": "London", "zip": "SW1A 2AA", "country": "GB"})
STRIPE_PARTS = ("line1", "line2", "city", "state", "postal_code", "country")
NS_PARTS = ("addr1", "addr2", "city", "state", "zip", "country")
# Where a killed run stopped in a create: before it was sent, after it landed in Stripe (NetSuite never learnt
# the id), or inside the write-back (NetSuite wrote the id; the journal never heard).
KILL_POINTS = ("before-create", "after-create", "in-write-back")


def spelling(box: str):
    return st.sampled_from([box, box.upper(), box.capitalize(), box.replace("@", "@").title()])


blank = st.sampled_from([None, "", "  "])
emails = st.one_of(blank, st.sampled_from(MAILBOXES).flatmap(spelling))
phones = st.one_of(blank, st.just("+1 555 0100"))
names = st.one_of(blank, st.sampled_from(["Acme Ltd", "Shop Inc"]))


def stripe_address(ns_address):
    return {p: ns_address.get(n) for p, n in zip(STRIPE_PARTS, NS_PARTS)} if ns_address else None


@st.composite
def accounts(draw):
    n_ns = draw(st.integers(1, 5))
    ns_ids = [str(101 + i) for i in range(n_ns)]
    stripe = []
    for k in range(draw(st.integers(0, 4))):
        c = {"id": f"cus_S{k}", "email": draw(st.one_of(st.none(), st.sampled_from(MAILBOXES).flatmap(spelling))),
             "phone": draw(st.one_of(st.none(), st.just("+1 555 0199"))), "name": draw(st.one_of(st.none(), names)),
             "created": k + 1}
        address = stripe_address(draw(st.sampled_from(NS_ADDRESSES)))
        if address:
            c["address"] = address
        tag = draw(st.one_of(st.none(), st.sampled_from(ns_ids)))
        if tag:
            c["metadata"] = {"netsuite_internal_id": tag}
        stripe.append(c)
    link_choices = [None, "cus_GONE"] + [c["id"] for c in stripe]
    ns = []
    for iid in ns_ids:
        c = {"id": iid, "companyName": draw(names), "email": draw(emails), "phone": draw(phones)}
        address = draw(st.sampled_from(NS_ADDRESSES))
        if address:
            c["addressBook"] = {"items": [{"defaultBilling": True, "addressBookAddress": dict(address)}]}
        sid = draw(st.sampled_from(link_choices))
        if sid:
            c[ID_FIELD] = sid
        ns.append(c)
    # Kills: which customers a killed run left with an open create attempt, where it stopped, and the email
    # the create sent: the customer's own, or the one it had before someone changed it after the kill.
    kills = draw(st.lists(st.tuples(st.sampled_from(ns_ids), st.sampled_from(KILL_POINTS),
                                    st.sampled_from(("own", "changed since"))),
                          max_size=2, unique_by=lambda k: k[0]))
    return ns, stripe, kills


def start(mocks, account, journal: Journal) -> World:
    """Both mocks holding the account, as a killed run left it; the journal remembering its open create attempts."""
    ns, stripe, kills = account
    world = World(mocks)
    mocks.netsuite.control.reset()
    mocks.stripe.control.reset()
    if kills:
        died = journal.start_run("customsearch_paypack_mass_customer_sync")
        ns, stripe = [dict(c) for c in ns], list(stripe)
        by_id = {c["id"]: c for c in ns}
        for iid, point, email in kills:
            journal.mark(died, iid, "create-attempted")
            if point == "before-create":
                continue
            made = kill_made(iid)
            sent = by_id[iid].get("email") if email == "own" else f"before-{iid}@moved.test"
            stripe.append({"id": made, "email": sent, "name": "Made Before The Kill", "created": int(time.time()),
                           "metadata": {"netsuite_internal_id": iid}})
            by_id[iid].pop(ID_FIELD, None)  # the create was for a customer without a Stripe id
            if point == "in-write-back":
                by_id[iid][ID_FIELD] = made
    world.load(ns, stripe, columns=COLUMNS)
    return world


def kill_made(iid: str) -> str:
    """The Stripe customer a killed run's create made for `iid`."""
    return f"cus_K{iid}"


def address_of(record):
    """A NetSuite customer's billing address as the whole Stripe address it maps to (None: it has none)."""
    book = record.get("addressBook") or []
    for item in book.get("items") or [] if isinstance(book, dict) else book:  # the mock's state holds the list
        if item.get("defaultBilling"):
            a = item.get("addressBookAddress") or {}
            if any(a.get(n) for n in NS_PARTS):
                return {p: a.get(n) or None for p, n in zip(STRIPE_PARTS, NS_PARTS)}
    return None


def snapshot(world: World):
    return world.ns_customers(), world.stripe_customers(include_deleted=True)


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


def written_back(outcomes) -> set[str]:
    """The customers whose PayPack fields the run wrote back to NetSuite."""
    return {i for i, o in outcomes.items() if any(c.system == "netsuite" for c in o.changes)}


def key(outcome, made: set[str]):
    d = outcome.decision
    linked = outcome.stripe_customer_id
    if linked in made or (linked or "").startswith("(new for ") or d and d.action.value == "create":
        linked = "new"  # the customer the run creates, or the dry run's stand-in for it
    return (outcome.status.value if outcome.status.value != "planned" else "ok", outcome.rule,
            d.action.value if d else None, d.shared_with if d else None, linked)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
