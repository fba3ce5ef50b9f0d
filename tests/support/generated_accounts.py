"""Generated account states for the property tests (hypothesis): case variants of a few mailboxes on either side,
blanks in every mapped field, shared emails, tags of earlier runs, shared and stale links, interrupted creates;
and how to load one into the mocks and compare what runs did with it."""

from __future__ import annotations

from hypothesis import strategies as st

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.run.journal import Journal
from tests.support.engine_world import World

MAILBOXES = ("ap@acme.test", "billing@shop.test")


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
    mocks.fresh()
    world.load(ns, stripe)
    if interrupted:
        died = journal.start_run("customsearch_paypack_mass_customer_sync")
        for iid in interrupted:
            journal.mark(died, iid, "create-attempted")
    return world


def snapshot(world: World):
    return world.ns_customers(), world.stripe_customers(include_deleted=True)


def key(outcome, made: set[str]):
    d = outcome.decision
    linked = outcome.stripe_customer_id
    if linked in made or (linked or "").startswith("(new for ") or (d and d.action.value == "create"):
        linked = "new"  # the customer the run creates, or the dry run's stand-in for it
    return (outcome.status.value if outcome.status.value != "planned" else "ok", outcome.rule,
            d.action.value if d else None, d.shared_with if d else None, linked)
