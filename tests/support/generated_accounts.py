"""Generated account states for the property tests (hypothesis): case variants of a few mailboxes on either side,
blanks in every mapped field, addresses of other shapes on either side, shared emails, tags of earlier runs, shared
and stale links, runs killed at every step of a create; and how to load one into the mocks and compare what runs
did with it."""

from __future__ import annotations

import time

from hypothesis import strategies as st

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.run.journal import Journal
from testbed import demo
from tests.support.engine_world import World

MAILBOXES = ("ap@acme.test", "billing@shop.test")
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
    return {p: ns_address.get(n) for p, n in zip(STRIPE_PARTS, NS_PARTS, strict=True)} if ns_address else None


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
    mocks.fresh()
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
                return {p: a.get(n) or None for p, n in zip(STRIPE_PARTS, NS_PARTS, strict=True)}
    return None


def written_back(outcomes) -> set[str]:
    """The customers whose PayPack fields the run wrote back to NetSuite."""
    return {i for i, o in outcomes.items() if any(c.system == "netsuite" for c in o.changes)}


def snapshot(world: World):
    return world.ns_customers(), world.stripe_customers(include_deleted=True)


def key(outcome, made: set[str]):
    d = outcome.decision
    linked = outcome.stripe_customer_id
    if linked in made or (linked or "").startswith("(new for ") or (d and d.action.value == "create"):
        linked = "new"  # the customer the run creates, or the dry run's stand-in for it
    return (outcome.status.value if outcome.status.value != "planned" else "ok", outcome.rule,
            d.action.value if d else None, d.shared_with if d else None, linked)
