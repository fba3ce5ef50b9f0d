"""A mass sync as a plan (issue 14), end to end against both mocks as servers: what a run costs when
nothing changed, the PayPack fields written back in batches with each customer's own result, and runs
that take only the customers changed since a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.outcome import Status
from sync_core.run.journal import Journal
from tests.support.engine_world import assert_exactly_once, backdate_netsuite, customer, planned_run, shop_customers


async def test_a_second_run_with_nothing_changed_sends_no_request_of_its_own(world, tmp_path):
    world.load(shop_customers(40))
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        await planned_run(engine, journal)
    async with world.engine() as engine:
        plan, again = await planned_run(engine, journal)
        netsuite, stripe = engine.netsuite.requests, engine.stripe.requests
    assert plan.summary()["unchanged"] == 40 and not any(o.changes for o in again.values())
    assert {o.status for o in again.values()} == {Status.OK}
    # Reading, not writing: search columns, portal deployment, the configured fields (once per engine), one
    # page, the size estimate, who holds which Stripe id, the portal links; Stripe's account (the run's target)
    # and one list page. None of it grows with the customers.
    assert netsuite <= 7 and stripe == 2, (netsuite, stripe)


async def test_a_write_back_refused_for_one_record_fails_that_customer_only(world, tmp_path):
    world.load(shop_customers(5))
    # What NetSuite answers when the record changed while the script held it (docs/mock-control-api.md).
    world.mocks.netsuite.control.faults(writeback_failures={"103": "RCRD_HAS_BEEN_CHANGED"})
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _plan, first = await planned_run(engine, journal)
    assert first["103"].status is Status.FAILED and "RCRD_HAS_BEEN_CHANGED" in first["103"].cause + str(first["103"].error.code)
    assert first["103"].remedy
    assert {i: o.status for i, o in first.items() if i != "103"} == dict.fromkeys(["101", "102", "104", "105"], Status.OK)
    assert world.ns_customers()["103"].get(ID_FIELD) is None  # nothing half-written in NetSuite
    world.mocks.netsuite.control.faults(writeback_failures={})
    async with world.engine() as engine:
        _plan, second = await planned_run(engine, journal)
    assert second["103"].status is Status.OK and second["103"].stripe_customer_id == first["103"].stripe_customer_id
    assert_exactly_once(world)  # the customer the first run created is linked, not created again


async def test_write_back_stops_before_governance_runs_out_and_sends_the_rest_again(world, tmp_path):
    world.load(shop_customers(12))
    world.mocks.netsuite.control.clear_requests()
    # 5 units per record.submitFields, a 20-unit reserve: 30 units write 2 records a call.
    world.mocks.netsuite.control.faults(restlet_usage_limit=30)
    async with world.engine() as engine:
        _plan, outcomes = await planned_run(engine, Journal(tmp_path / "j.sqlite"))
    assert {o.status for o in outcomes.values()} == {Status.OK}
    assert all(c.get(ID_FIELD) for c in world.ns_customers().values())
    restlet_calls = [r for r in world.mocks.netsuite.control.requests() if r["path"].endswith("restlet.nl")]
    # columns, the page, the portal links, and 12 records 2 a call: at least 6 writeBack calls (4 without the limit)
    assert len(restlet_calls) >= 3 + 6, [r["path"] for r in restlet_calls]


async def test_changed_since_takes_only_the_customers_modified_after_it(world, tmp_path):
    world.load(shop_customers(6))
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        await planned_run(engine, journal)
    backdate_netsuite(world)  # that run an hour ago: well past the 2 s margin for clocks (CLOCK_MARGIN_SECONDS)
    since = datetime.now(UTC) - timedelta(minutes=30)
    async with world.engine() as engine:
        await engine.netsuite.patch_customer("104", {"email": "new-address@shop.test"})
    async with world.engine() as engine:
        plan, outcomes = await planned_run(engine, journal, changed_since=since)
    assert list(outcomes) == ["104"] and plan.summary()["customers"] == 1
    assert outcomes["104"].decision.action.value == "update"
    sid = world.ns_customers()["104"][ID_FIELD]
    assert world.stripe_customers()[sid]["email"] == "new-address@shop.test"


async def test_a_dry_run_counts_every_write_back_the_run_then_makes(world, tmp_path):
    """A planned create writes its new id back, and a linked customer whose portal field is empty or stale gets
    the current link: the dry run counted neither and called the linked ones "unchanged"."""
    journal = Journal(tmp_path / "j.sqlite")
    world.load([customer("101", email="new@shop.test"),  # a create
                customer("102", email="ap@linked.test", sid="cus_L2", companyName="Linked 2"),  # empty portal field
                customer("103", email="ap@current.test", sid="cus_L3", companyName="Linked 3")],  # link made below
               [{"id": "cus_L2", "email": "ap@linked.test", "name": "Linked 2", "business_name": "Linked 2",
                 "phone": "+1 555 0100",
                 "metadata": {"netsuite_internal_id": "102"}},
                {"id": "cus_L3", "email": "ap@current.test", "name": "Linked 3", "business_name": "Linked 3",
                  "phone": "+1 555 0100",
                 "metadata": {"netsuite_internal_id": "103"}}])
    async with world.engine() as engine:
        await engine.portal_link("103")  # 103's field holds its current link; 102's is empty
        planned, _ = await planned_run(engine, None, dry_run=True)
        _plan, done = await planned_run(engine, journal)
    summary = planned.summary()
    written_back = {i for i, o in done.items() if any(c.system == "netsuite" for c in o.changes)}
    assert written_back == {"101", "102"}
    assert summary["netsuite_write_backs"] == len(written_back) == 2
    assert summary["unchanged"] == 1 and summary["stripe_creates"] == 1
    rows = {r.internal_id: r for r in planned.rows}
    assert rows["102"].portal.outcome.value == "planned" and rows["103"].portal.outcome.value == "current"
