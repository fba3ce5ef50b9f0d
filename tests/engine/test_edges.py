"""The rules at the edges real accounts have, through sync_one and mass_sync against both mocks as servers.

Blanks are not values; one mailbox has one Stripe customer whatever its spelling; an earlier create never
overrides a later intent; a Stripe customer shared by two NetSuite customers is said so and not fought over;
the dry run's plan is what the run does.
"""

from __future__ import annotations

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.outcome import Status
from sync_core.rules.catalogue import Action
from sync_core.run.journal import Journal
from tests.support.engine_world import customer, synced, trace_text, world_target

# --- A blank in NetSuite is not a value ---------------------------------------------------------------


async def test_csv_imported_link_without_email_keeps_the_stripe_email(world):
    # The guide's route for a customer with no email: import the Stripe id by CSV, then sync.
    world.load([customer(email=None, phone=None, sid="cus_A")],
               [{"id": "cus_A", "email": "billing@acme.test", "phone": "+1 555 0199", "name": "Old name"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101", portal=False)
    assert (out.status, out.rule) == (Status.OK, "R1")
    after = world.stripe_customers()["cus_A"]
    assert after["email"] == "billing@acme.test" and after["phone"] == "+1 555 0199"
    assert after["name"] == "Acme Ltd"  # a value NetSuite has is still pushed
    assert "left as they are in Stripe: email, phone" in trace_text(out)


async def test_blank_clears_only_the_fields_the_operator_named(world):
    world.load([customer(email=None, phone=None, sid="cus_A")],
               [{"id": "cus_A", "email": "billing@acme.test", "phone": "+1 555 0199"}])
    async with world.engine(blank_clears=["phone"]) as engine:
        out = await engine.sync_one("101", portal=False)
    after = world.stripe_customers()["cus_A"]
    assert not after.get("phone") and after["email"] == "billing@acme.test"
    assert any(c.field == "phone" and c.before == "+1 555 0199" for c in out.changes)


# --- One mailbox, any spelling ------------------------------------------------------------------------


async def test_lowercase_netsuite_email_finds_the_capitalised_stripe_customer(world):
    world.load([customer(email="billing@x.test")], [{"id": "cus_CAP", "email": "Billing@X.test"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101", portal=False)
    assert (out.decision.action, out.stripe_customer_id) == (Action.LINK_EXISTING, "cus_CAP")
    assert list(world.stripe_customers()) == ["cus_CAP"]


async def test_two_spellings_in_stripe_are_two_candidates(world):
    world.load([customer(email="billing@x.test")],
               [{"id": "cus_1", "email": "Billing@X.test", "created": 1},
                {"id": "cus_2", "email": "BILLING@x.test", "created": 2}])
    async with world.engine() as engine:
        out = await engine.sync_one("101", portal=False)
    assert out.status is Status.NEEDS_DECISION and out.decision.candidates == ("cus_1", "cus_2")
    assert not world.ns_customers()["101"].get(ID_FIELD) and len(world.stripe_customers()) == 2
    async with world.engine(duplicate_email_policy="oldest") as engine:
        out = await engine.sync_one("101", portal=False)
    assert out.stripe_customer_id == "cus_1"


async def test_mass_sync_of_case_variants_creates_one_customer_the_first_creates(world, tmp_path):
    world.load([customer("101", email="Ops@Shop.test"), customer("102", email="ops@shop.test"),
                customer("103", email="OPS@SHOP.TEST")])
    world.mocks.netsuite.control.faults(latency_ms=30)  # records come back in any order
    async with world.engine() as engine:
        outcomes = {o.internal_id: o for o in await synced(engine, Journal(tmp_path / "j.sqlite"), portal=False)}
    assert len(world.stripe_customers()) == 1
    (made,) = world.stripe_customers()
    assert outcomes["101"].decision.action is Action.CREATE
    for iid, shared in (("102", ("101",)), ("103", ("101", "102"))):
        o = outcomes[iid]
        assert (o.decision.action, o.stripe_customer_id, o.decision.shared_with) == (Action.LINK_EXISTING, made, shared)
    assert {c[ID_FIELD] for c in world.ns_customers().values()} == {made}


# --- An earlier create must not override a later intent -------------------------------------------------


async def test_rematch_after_email_change_creates_for_the_new_email(world):
    world.load([customer(email="old@acme.test")])
    async with world.engine() as engine:
        first = await engine.sync_one("101", portal=False)
    old_id = first.stripe_customer_id
    async with world.engine() as engine:
        # The guide's rematch, as an admin does it in NetSuite: change the email, clear STRIPE CUSTOMER ID.
        await engine.netsuite.patch_customer("101", {"email": "new@acme.test", ID_FIELD: None})
        again = await engine.sync_one("101", portal=False)
    assert again.decision.action is Action.CREATE and again.stripe_customer_id != old_id
    stripe = world.stripe_customers()
    assert stripe[again.stripe_customer_id]["email"] == "new@acme.test"
    assert stripe[old_id]["email"] == "old@acme.test"
    assert any(c.field == "(created)" for c in again.changes) and "recovered" not in trace_text(again)


async def test_a_tag_from_an_earlier_run_does_not_win_over_ask(world):
    # An admin cleared the field to move the link: the customer custsync once created is one candidate of two.
    world.load([customer(email="ap@acme.test")],
               [{"id": "cus_MINE", "email": "ap@acme.test", "name": "Acme Ltd", "created": 1,
                 "metadata": {"netsuite_internal_id": "101"}},
                {"id": "cus_OTHER", "email": "AP@acme.test", "created": 2}])
    async with world.engine() as engine:
        out = await engine.sync_one("101", portal=False)
    assert out.status is Status.NEEDS_DECISION and set(out.decision.candidates) == {"cus_MINE", "cus_OTHER"}


async def test_interrupted_create_of_the_same_data_is_recovered_and_said_so(world, tmp_path):
    world.load([customer(email="ap@acme.test")],
               [{"id": "cus_MADE", "email": "ap@acme.test", "name": "Acme Ltd", "business_name": "Acme Ltd",
                 "phone": "+1 555 0100", "metadata": {"netsuite_internal_id": "101"}}])  # what the create sent
    journal = Journal(tmp_path / "j.sqlite")
    run_id = journal.start_run("customsearch_paypack_mass_customer_sync", world_target(world))
    journal.mark(run_id, "101", "create-attempted")  # the run died after sending the create
    async with world.engine() as engine:
        (out,) = await synced(engine, journal, run_id=run_id, portal=False)
    assert (out.decision.action, out.stripe_customer_id, out.decision.recovered) == (Action.LINK_EXISTING, "cus_MADE", True)
    assert "interrupted create" in trace_text(out) and len(world.stripe_customers()) == 1


def _killed_after_create(world, journal, *, made_email: str, created: int):
    """A run died after its create for 101 landed in Stripe (tagged, `created` then) and before NetSuite learnt
    the id; the journal holds the open attempt."""
    import time

    world.load([customer(email="new@acme.test")],
               [{"id": "cus_MADE", "email": made_email, "name": "Acme Ltd", "phone": "+1 555 0100", "created": created,
                 "metadata": {"netsuite_internal_id": "101"}}])
    run_id = journal.start_run("customsearch_paypack_mass_customer_sync", world_target(world))
    journal.mark(run_id, "101", "create-attempted")
    return run_id, int(time.time())


async def test_kill_edit_resume_links_the_customer_the_attempt_made_and_pushes_the_new_values(world, tmp_path):
    """Killed after the create landed, the email changed, resumed: the idempotency key (made of the data) no longer
    replays it, and the customer is in the old mailbox; it is still this customer's (the journal knows the
    attempt), so it is linked and brought up to date, never created twice. Both paths alike."""
    import time

    for path in ("plan", "per-customer"):
        journal = Journal(tmp_path / f"{path}.sqlite")
        run_id, _ = _killed_after_create(world, journal, made_email="old@acme.test", created=int(time.time()))
        async with world.engine() as engine:
            (out,) = await synced(engine, journal, run_id=run_id, portal=False, path=path)
        assert (out.decision.action, out.stripe_customer_id, out.decision.recovered) == \
            (Action.LINK_EXISTING, "cus_MADE", True), path
        assert "interrupted create" in trace_text(out)
        assert list(world.stripe_customers()) == ["cus_MADE"], path
        assert world.stripe_customers()["cus_MADE"]["email"] == "new@acme.test"
        assert world.ns_customers()["101"][ID_FIELD] == "cus_MADE"
        journal.close()


async def test_the_guides_rematch_stays_a_new_customer(world, tmp_path):
    """A customer tagged for 101 made before the open attempt (an earlier, finished create: the field was written
    and later cleared after an email change) is not what the attempt made: the rematch creates a new one."""
    journal = Journal(tmp_path / "j.sqlite")
    run_id, _ = _killed_after_create(world, journal, made_email="old@acme.test", created=1_600_000_000)
    async with world.engine() as engine:
        (out,) = await synced(engine, journal, run_id=run_id, portal=False)
    assert (out.rule, out.decision.action, out.decision.recovered) == ("R3", Action.CREATE, False)
    assert len(world.stripe_customers()) == 2 and world.ns_customers()["101"][ID_FIELD] != "cus_MADE"


# --- Ownership ----------------------------------------------------------------------------------------


async def test_shared_stripe_customer_is_said_so_and_a_second_run_writes_nothing(world, tmp_path):
    world.load([customer("101", email="ap@acme.test", companyName="Acme East"),
                customer("102", email="AP@acme.test", companyName="Acme West")])
    async with world.engine() as engine:
        first = {o.internal_id: o for o in await synced(engine, Journal(tmp_path / "j.sqlite"), portal=False)}
    sid = first["101"].stripe_customer_id
    assert first["102"].decision.shared_with == ("101",) and "shared" in first["102"].decision.reason
    before = world.stripe_customers()[sid]
    for _ in range(2):
        async with world.engine() as engine:
            again = await synced(engine, Journal(tmp_path / "j.sqlite"), portal=False)
            stripe_requests = engine.stripe.requests
        assert all(not o.changes for o in again), [(o.internal_id, o.changes) for o in again]
        assert {o.decision.action for o in again} == {Action.USE_LINKED}
        assert stripe_requests <= 3  # reads only (the account: the run's target; a list page or a retrieve each)
    after = world.stripe_customers()[sid]
    assert after["metadata"]["netsuite_internal_id"] == "101" and after["name"] == before["name"] == "Acme East"


async def test_linking_a_customer_another_netsuite_customer_holds_says_so(world):
    world.load([customer("101", email="ap@acme.test"), customer("102", email=None, sid="cus_X")],
               [{"id": "cus_X", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101", dry_run=True)
    assert out.decision.shared_with == ("102",) and "already linked to NetSuite customer(s) 102" in trace_text(out)


async def test_a_mass_sync_sees_a_holder_outside_its_saved_search(world, tmp_path):
    # 900 is inactive, so not in the Mass Customer Sync search (demo criteria: isinactive is F), and holds the
    # same Stripe id as 101 with a space around it: the run's plan says it is shared, as single sync does.
    world.load([customer("101", email="ap@acme.test", sid="cus_X"),
                customer("900", email="old@acme.test", sid=" cus_X ", isInactive=True)],
               [{"id": "cus_X", "email": "ap@acme.test", "name": "Acme Ltd", "phone": "+1 555 0100",
                 "metadata": {"netsuite_internal_id": "900"}}])
    async with world.engine() as engine:
        alone = await engine.sync_one("101", dry_run=True)
        ran = {o.internal_id: o for o in await synced(engine, Journal(tmp_path / "j.sqlite"), dry_run=True)}
    assert set(ran) == {"101"}
    assert "NetSuite customer 900 (its tag), which still links it: shared" in trace_text(ran["101"])
    assert (ran["101"].rule, ran["101"].decision.action, trace_text(ran["101"])) == \
        (alone.rule, alone.decision.action, trace_text(alone))


# --- The plan is the run --------------------------------------------------------------------------------


async def test_dry_run_plan_equals_the_run_with_shared_emails(world, tmp_path):
    world.load([customer("101", email="a@shop.test"), customer("102", email="A@shop.test"),
                customer("103", email="b@shop.test"), customer("104", email=None)],
               [{"id": "cus_B", "email": "b@shop.test"}])
    async with world.engine() as engine:
        plan = {o.internal_id: o for o in await synced(engine, dry_run=True, portal=False)}
    assert plan["102"].decision.action is Action.LINK_EXISTING and plan["102"].stripe_customer_id == "(new for 101)"
    assert world.stripe_customers().keys() == {"cus_B"}  # a dry run writes nothing
    async with world.engine() as engine:
        done = {o.internal_id: o for o in await synced(engine, Journal(tmp_path / "j.sqlite"), portal=False)}
    assert {i: (o.rule, o.decision.action, o.decision.shared_with) for i, o in plan.items()} == \
           {i: (o.rule, o.decision.action, o.decision.shared_with) for i, o in done.items()}


# --- Smaller ----------------------------------------------------------------------------------------------


async def test_stripe_refusing_the_email_is_a_failed_customer_with_a_remedy(world):
    world.load([customer(email="billing@localhost")])  # Stripe wants a dot in the domain
    async with world.engine() as engine:
        out = await engine.sync_one("101", portal=False)
    assert (out.status, out.rule, out.decision.action) == (Status.FAILED, "R3", Action.ERROR)
    assert "Invalid email address" in out.cause and "Correct the email address" in out.remedy
    assert not world.stripe_customers() and not world.ns_customers()["101"].get(ID_FIELD)


async def test_a_stored_id_from_the_other_mode_is_r2_with_its_own_remedy(world):
    # Stripe answers a test key asking for a live customer "No such customer: ...; a similar object exists in
    # live mode, but a test mode key was used to make this request" (the PayPack error table's commonest mix-up).
    world.load([customer(sid="cus_LIVE1")], [])
    state = world.mocks.stripe.control.state()
    state["accounts"][0]["live"] = {"customers": [{"id": "cus_LIVE1", "email": "ap@acme.test"}],
                                    "portal_configuration": "active", "payment_methods": []}
    world.mocks.stripe.control.load(state)
    async with world.engine() as engine:
        out = await engine.sync_one("101", portal=False)
    assert (out.status, out.rule) == (Status.FAILED, "R2")
    assert "other Stripe mode" in out.cause and "test-mode id with a live key" in out.remedy
    assert not world.stripe_customers() and world.ns_customers()["101"][ID_FIELD] == "cus_LIVE1"
