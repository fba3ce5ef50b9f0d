"""[sync] lookup_field set to a custom field (PayPack's "Customer Sync Field"), through sync_one and mass_sync
against both mocks as servers: R3 matches the field's value against Stripe metadata under the field id (exact,
letter case counts), a create writes it there, R4 skips a customer whose field is blank, and the email is pushed
but no longer matched on."""

from __future__ import annotations

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.outcome import Status
from sync_core.rules.catalogue import Action
from sync_core.run.journal import Journal
from testbed import demo
from tests.support.engine_world import customer, synced, trace_text

FIELD = "custentity_account_no"


def load(world, ns_customers, stripe_customers=()):
    state = demo.netsuite_state(list(ns_customers))
    state["custom_fields"].append({"id": FIELD, "label": "ACCOUNT NO", "type": "text"})
    world.mocks.load(state, demo.stripe_state(list(stripe_customers)))


def account(iid, value, email="ap@acme.test", sid=None):
    return customer(iid, email=email, sid=sid, **({FIELD: value} if value is not None else {}))


def engine(world, **overrides):
    return world.engine(lookup_field=FIELD, **overrides)


async def test_links_the_stripe_customer_whose_metadata_holds_the_value(world):
    load(world, [account("101", "AC-1001")],
         [{"id": "cus_EMAIL", "email": "ap@acme.test", "created": 1},  # same email: not matched on any more
          {"id": "cus_CASE", "email": "x@acme.test", "metadata": {FIELD: "ac-1001"}, "created": 2},  # case counts
          {"id": "cus_MATCH", "email": "old@acme.test", "metadata": {FIELD: "AC-1001"}, "created": 3}])
    async with engine(world) as eng:
        out = await eng.sync_one("101", portal=False)
    assert (out.rule, out.decision.action, out.stripe_customer_id) == ("R3", Action.LINK_EXISTING, "cus_MATCH")
    assert f"metadata {FIELD} = 'AC-1001' (exact): 1" in trace_text(out)
    assert world.ns_customers()["101"][ID_FIELD] == "cus_MATCH"
    stripe = world.stripe_customers()
    assert stripe["cus_MATCH"]["email"] == "ap@acme.test"  # the email is still pushed as a mapped field
    assert stripe["cus_EMAIL"].get("metadata", {}) == {} and len(stripe) == 3


async def test_creates_one_with_the_value_in_metadata_and_the_next_process_finds_it(world):
    load(world, [account("101", "  AC-2002 "), account("102", "AC-2002", email="other@acme.test")],
         [{"id": "cus_EMAIL", "email": "ap@acme.test"}])
    lag = world.mocks.stripe.control.faults()["search_lag_seconds"]
    world.mocks.stripe.control.faults(search_lag_seconds=600)  # search will not show the new customer
    try:
        async with engine(world) as eng:
            out = await eng.sync_one("101", portal=False)
        assert (out.rule, out.decision.action) == ("R3", Action.CREATE)
        made = world.stripe_customers()[out.stripe_customer_id]
        assert made["metadata"][FIELD] == "AC-2002" and made["metadata"]["netsuite_internal_id"] == "101"
        assert made["email"] == "ap@acme.test"
        # Another process, later: search lags, but NetSuite says 101 (same value) holds the new customer.
        async with engine(world) as eng:
            second = await eng.sync_one("102", portal=False)
    finally:
        world.mocks.stripe.control.faults(search_lag_seconds=lag)
    assert (second.decision.action, second.stripe_customer_id) == (Action.LINK_EXISTING, out.stripe_customer_id)
    assert len(world.stripe_customers()) == 2


async def test_two_stripe_customers_holding_the_value_ask(world):
    load(world, [account("101", "AC-3003")],
         [{"id": "cus_1", "email": "a@x.test", "metadata": {FIELD: "AC-3003"}, "created": 1},
          {"id": "cus_2", "email": "b@x.test", "metadata": {FIELD: "AC-3003"}, "created": 2}])
    async with engine(world) as eng:
        out = await eng.sync_one("101", portal=False)
        candidates = await eng.candidates("101")
    assert (out.status, out.rule, out.decision.candidates) == (Status.NEEDS_DECISION, "R3", ("cus_1", "cus_2"))
    assert f"hold {FIELD} 'AC-3003'" in out.decision.reason
    assert [c.id for c in candidates.candidates] == ["cus_1", "cus_2"]  # what a person chooses from
    assert not world.ns_customers()["101"].get(ID_FIELD)


async def test_blank_value_is_r4_naming_the_field_even_with_an_email(world):
    load(world, [account("101", "   "), account("102", None)], [{"id": "cus_EMAIL", "email": "ap@acme.test"}])
    async with engine(world) as eng:
        outs = [await eng.sync_one(i, portal=False) for i in ("101", "102")]
    for out in outs:
        assert (out.status, out.rule) == (Status.SKIPPED, "R4")
        assert FIELD in out.decision.reason and FIELD in out.decision.remedy
    assert list(world.stripe_customers()) == ["cus_EMAIL"] and not world.ns_customers()["101"].get(ID_FIELD)


async def test_mass_sync_and_its_dry_run_agree_and_a_second_run_has_nothing_to_do(world, tmp_path):
    load(world, [account("101", "AC-1"), account("102", "AC-2", email="same@x.test"),
                 account("103", "AC-2", email="else@x.test"), account("104", None),
                 account("105", "AC-5"), account("106", "AC-6", sid="cus_LINKED"),
                 account("107", "AC-7", email="same@x.test")],
         [{"id": "cus_A", "email": "a@x.test", "metadata": {FIELD: "AC-1"}},
          {"id": "cus_5a", "email": "c@x.test", "metadata": {FIELD: "AC-5"}, "created": 1},
          {"id": "cus_5b", "email": "d@x.test", "metadata": {FIELD: "AC-5"}, "created": 2},
          {"id": "cus_LINKED", "email": "ap@acme.test"}])
    async with engine(world) as eng:
        plan = {o.internal_id: o for o in await synced(eng, dry_run=True, portal=False)}
    assert len(world.stripe_customers()) == 4  # a dry run writes nothing
    async with engine(world) as eng:
        done = {o.internal_id: o for o in await synced(eng, Journal(tmp_path / "j.sqlite"), portal=False)}

    def view(outcomes):
        return {i: (o.rule, o.decision.action, o.decision.shared_with) for i, o in outcomes.items()}

    assert view(plan) == view(done)
    new_for_102 = done["102"].stripe_customer_id
    assert plan["103"].stripe_customer_id == "(new for 102)" and done["103"].stripe_customer_id == new_for_102
    expected = {"101": ("R3", Action.LINK_EXISTING), "102": ("R3", Action.CREATE), "103": ("R3", Action.LINK_EXISTING),
                "104": ("R4", Action.SKIP), "105": ("R3", Action.ASK), "106": ("R1", Action.UPDATE),
                "107": ("R3", Action.CREATE)}  # 107 shares 102's email, not its value: a customer of its own
    assert {i: (o.rule, o.decision.action) for i, o in done.items()} == expected
    stripe = world.stripe_customers()
    assert stripe["cus_LINKED"]["metadata"][FIELD] == "AC-6"  # an update writes the value too
    assert stripe[new_for_102]["metadata"][FIELD] == "AC-2"
    assert stripe[done["107"].stripe_customer_id]["metadata"][FIELD] == "AC-7"
    async with engine(world) as eng:
        again = {o.internal_id: o for o in await synced(eng, Journal(tmp_path / "j.sqlite"), portal=False)}
    assert {i: o.decision.action for i, o in again.items() if o.decision.action not in (Action.SKIP, Action.ASK)} \
        == {i: Action.USE_LINKED for i in ("101", "102", "103", "106", "107")}


async def test_the_index_groups_a_listing_by_the_value_and_looks_a_value_up_with_one_search(world):
    from sync_core.run.stripe_index import build_index

    stripe = [{"id": f"cus_{k:03d}", "email": "same@x.test", "metadata": {FIELD: f"AC-{k}"}, "created": k}
              for k in range(150)]
    load(world, [account("101", "AC-7")], stripe)
    async with engine(world) as eng:
        listed = await build_index(eng.stripe, eng.mailboxes, stored_ids=set(), emails={"AC-7", "AC-149", "ac-8"})
        looked_up = await build_index(eng.stripe, eng.mailboxes, stored_ids=set(), emails={"AC-7"}, expected_pages=2)
    assert listed.listed_all and listed.pages == 2
    assert [c["id"] for c in await listed.same_mailbox("AC-149")] == ["cus_149"]
    assert await listed.same_mailbox("ac-8") == []  # letter case counts
    # One value costs one request (a search: Stripe's list has no metadata filter), less than two pages.
    assert looked_up.pages == 0 and looked_up.lookups == 1
    assert [c["id"] for c in await looked_up.same_mailbox(" AC-7 ")] == ["cus_007"]


async def test_the_per_customer_path_decides_as_the_plan_does(world, tmp_path):
    accounts = [account("101", "AC-1"), account("102", "AC-2"), account("103", "AC-2", email="b@x.test"),
                account("104", ""), account("105", "AC-1", sid="cus_A")]
    stripe = [{"id": "cus_A", "email": "a@x.test", "metadata": {FIELD: "AC-1"}}]
    outcomes = {}
    for path in ("per-customer", "plan"):
        load(world, accounts, stripe)
        async with engine(world) as eng:
            done = await synced(eng, Journal(tmp_path / f"{path}.sqlite"), portal=False, path=path)
        outcomes[path] = {o.internal_id: (o.rule, o.decision.action, o.decision.shared_with) for o in done}
        assert len(world.stripe_customers()) == 2  # one create for AC-2, whichever path
    assert outcomes["per-customer"] == outcomes["plan"]
    assert outcomes["plan"]["103"] == ("R3", Action.LINK_EXISTING, ("102",))


async def test_the_customer_screens_comparison_is_what_a_sync_pushes(world):
    """The TUI's comparison mapped the record without the lookup field (and without blank_clears), so it showed
    "Stripe is up to date" where a sync pushes metadata[F]: `Engine.compare` maps and diffs as the sync does."""
    from sync_core.rules.mapping import changed_fields

    load(world, [{**account("101", "AC-1001", sid="cus_LINKED"), "phone": None}],
         [{"id": "cus_LINKED", "email": "ap@acme.test", "name": "Co 101", "phone": "+1 555", "created": 1,
           "metadata": {"netsuite_internal_id": "101"}}])
    async with engine(world, blank_clears=["phone"]) as eng:
        seen = await eng.compare("101")
        shown = {f for f, _, _ in changed_fields(seen.params, seen.customer)}
        out = await eng.sync_one("101", portal=False)
    assert seen.linked and seen.stripe_id == "cus_LINKED"
    assert seen.params["metadata"][FIELD] == "AC-1001" and seen.params["phone"] == ""
    pushed = {c.field for c in out.changes if c.system == "stripe"}
    assert shown == pushed and {f"metadata.{FIELD}", "phone"} <= shown
