"""The stored listing of the Stripe account (sync_core/stored_listing.py), end to end against both mocks as
servers: a run after a run reads Stripe's events since the last listing instead of listing the account
again, sees every change another integration made meanwhile as a listing would, and lists again when the
events cannot vouch for the stored listing (Stripe's events: https://docs.stripe.com/api/events/list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_core.events import PlanReady
from sync_core.outcome import Status
from sync_core.run.journal import Journal
from tests.support.engine_world import assert_exactly_once, backdate_netsuite, customer, planned_run, shop_customers


async def _decided(engine, journal, **kw):
    """The plan's decisions, as (internal id, rule, action, Stripe id), taken when the plan is ready."""
    decisions = None
    async for event in engine.mass_sync(journal, **kw):
        if isinstance(event, PlanReady):
            decisions = [(r.internal_id, r.decision.rule, r.decision.action, r.decision.stripe_customer_id)
                         for r in event.plan.rows]
    return decisions


async def _first_run(world, tmp_path, n=20, more=()):
    world.load(shop_customers(n) + list(more))
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _plan, outcomes = await planned_run(engine, journal)
    assert {o.status for o in outcomes.values() if o.internal_id != "200"} == {Status.OK}
    return journal, {i: o.stripe_customer_id for i, o in outcomes.items()}


async def _elsewhere(world, change):
    """A change made in Stripe by another integration (or the Dashboard), through the official client."""
    async with world.engine() as other:
        await change(other.stripe)


async def test_a_run_after_a_run_reads_the_events_not_the_account(world, tmp_path):
    journal, _ = await _first_run(world, tmp_path)
    async with world.engine() as engine:
        plan, again = await planned_run(engine, journal)
        assert engine.stripe.list_pages == 0 and engine.stripe.event_pages == 1
        assert engine.stripe.requests == 2  # the run's target (GET /v1/account) and one page of events
    assert "brought the stored listing up to date" in plan.index, plan.index
    assert plan.summary()["unchanged"] == 20 and {o.status for o in again.values()} == {Status.OK}


async def test_changes_made_in_stripe_between_runs_are_seen_as_a_listing_would_see_them(world, tmp_path):
    journal, linked = await _first_run(world, tmp_path)

    async def changes(stripe):
        await stripe.update(linked["101"], {"name": "Renamed in the Dashboard"})
        await stripe.update(linked["102"], {"email": "moved@elsewhere.test"})
        await stripe.update(linked["102"], {"email": "c1@shop.test"})  # and back, within the same second
        await stripe._call(lambda: stripe._client.v1.customers.delete_async(linked["103"]), "DELETE /v1/customers/{customer}")

    await _elsewhere(world, changes)
    async with world.engine(relist_after_hours=0) as engine:  # what a listing makes of the account now
        as_listed = await _decided(engine, journal, dry_run=True)
        assert engine.stripe.list_pages >= 1
    async with world.engine() as engine:
        assert await _decided(engine, journal, dry_run=True) == as_listed
        assert engine.stripe.list_pages == 0
    async with world.engine() as engine:
        plan, outcomes = await planned_run(engine, journal)
        assert engine.stripe.list_pages == 0
    # The first run listed an account without events: every event since counts, its own 20 creates and these 4.
    assert "brought the stored listing up to date with 24 events (1 page)" in plan.index, plan.index
    # The rename was made in Stripe outside custsync since it last wrote the name: not pushed over, it waits
    # for a person (R10); the email changed and changed back is no change at all (the newest event wins); the
    # deleted customer is reported (R2), not silently relinked.
    assert world.stripe_customers()[linked["101"]]["name"] == "Renamed in the Dashboard"
    assert (outcomes["101"].rule, outcomes["101"].status) == ("R10", Status.NEEDS_DECISION)
    assert not outcomes["101"].changes and not outcomes["102"].changes
    assert outcomes["103"].decision.rule == "R2" and outcomes["103"].status is Status.FAILED
    assert {o.status for i, o in outcomes.items() if i not in ("101", "103")} == {Status.OK}


async def test_a_customer_created_elsewhere_between_runs_is_matched_not_duplicated(world, tmp_path):
    # Customer 200 has no email yet: skipped by the first run (R2), given one in NetSuite after.
    journal, _ = await _first_run(world, tmp_path, more=[customer("200", email="", companyName="New")])
    made = {}

    async def create(stripe):
        made["id"] = (await stripe.create({"email": "NEW@shop.test", "name": "Made elsewhere"},
                                          idempotency_key="elsewhere-1"))[0]["id"]

    await _elsewhere(world, create)
    async with world.engine() as engine:
        await engine.netsuite.patch_customer("200", {"email": "new@shop.test"})
    async with world.engine() as engine:
        plan, outcomes = await planned_run(engine, journal)
        assert engine.stripe.list_pages == 0
    assert "brought the stored listing up to date" in plan.index
    assert outcomes["200"].stripe_customer_id == made["id"]  # one mailbox, any spelling: linked, not created
    assert_exactly_once(world)


async def test_a_stripe_state_loaded_anew_is_listed_again(world, tmp_path):
    journal, _linked = await _first_run(world, tmp_path)
    # Loading a state document stands for another account's data (as deleting test data would): its events
    # are gone, so the stored listing's anchor is not among them.
    stripe_state = world.mocks.stripe.control.state()
    world.mocks.stripe.control.load(stripe_state)
    async with world.engine() as engine:
        plan, outcomes = await planned_run(engine, journal)
        assert engine.stripe.list_pages >= 1
    assert plan.index.startswith("listed the account"), plan.index
    assert {o.status for o in outcomes.values()} == {Status.OK}


async def test_more_events_than_a_listing_costs_lists_the_account_instead(world, tmp_path):
    journal, linked = await _first_run(world, tmp_path, n=5)

    async def busy(stripe):
        for k in range(120):  # 120 events: two pages of events, against one page of listing
            await stripe.update(linked["101"], {"description": f"note {k}"})

    await _elsewhere(world, busy)
    async with world.engine() as engine:
        plan, _ = await planned_run(engine, journal)
        assert engine.stripe.list_pages >= 1
    assert plan.index.startswith("listed the account"), plan.index


async def test_a_dry_run_stores_nothing_and_relist_after_zero_never_stores(world, tmp_path):
    world.load(shop_customers(5))
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        await planned_run(engine, journal, dry_run=True)
    async with world.engine(relist_after_hours=0) as engine:
        await planned_run(engine, journal)
    async with world.engine() as engine:
        plan, _ = await planned_run(engine, journal)
        assert engine.stripe.event_pages <= 1  # the anchor asked for the listing this run stores
    assert plan.index.startswith("listed the account"), plan.index


async def test_a_changed_since_run_costs_the_events_and_the_writes_only(world, tmp_path):
    journal, _linked = await _first_run(world, tmp_path)
    backdate_netsuite(world)  # that run an hour ago: well past the 2 s margin for clocks (CLOCK_MARGIN_SECONDS)
    moment = datetime.now(UTC) - timedelta(minutes=30)
    async with world.engine() as engine:
        for internal_id in ("104", "105", "106"):
            await engine.netsuite.patch_customer(internal_id, {"phone": "+1 555 0199"})
    async with world.engine() as engine:
        plan, outcomes = await planned_run(engine, journal, changed_since=moment)
        stripe_requests = engine.stripe.requests
    assert set(outcomes) == {"104", "105", "106"} and all(o.changes for o in outcomes.values())
    assert stripe_requests == 1 + 1 + 3, plan.index  # the target, a page of events, three updates


async def test_a_stored_listing_older_than_stripes_30_days_of_events_is_listed_again(world, tmp_path):
    journal, _ = await _first_run(world, tmp_path, n=5)
    # "List events, going back up to 30 days" (https://docs.stripe.com/api/events/list): past that the
    # anchor is gone from the list, and what changed meanwhile cannot be known from events.
    world.mocks.stripe.control.advance_clock(31 * 86400)
    async with world.engine() as engine:
        plan, _outcomes = await planned_run(engine, journal)
        assert engine.stripe.list_pages >= 1
    assert plan.index.startswith("listed the account"), plan.index
    assert plan.summary()["unchanged"] == 5


async def test_a_listing_stored_by_an_earlier_custsync_with_fewer_fields_is_listed_again(world, tmp_path):
    """A stored listing without business_name and individual_name (custsync before it sent them) would make
    every customer holding them look changed, run after run: it is listed again, once."""
    journal, _ = await _first_run(world, tmp_path)
    journal._db.execute("UPDATE stripe_listings SET kept = 'id,email,created,deleted,metadata,name,phone,"
                        "description,address'")
    journal._db.commit()
    async with world.engine() as engine:
        plan, outcomes = await planned_run(engine, journal)
        assert engine.stripe.list_pages >= 1
    assert plan.index.startswith("listed the account"), plan.index
    assert plan.summary()["unchanged"] == 20 and {o.status for o in outcomes.values()} == {Status.OK}
    async with world.engine() as engine:
        plan, _ = await planned_run(engine, journal)
        assert engine.stripe.list_pages == 0
    assert "brought the stored listing up to date" in plan.index, plan.index
