"""Issue 24, "figures that hold" (after a stop the bar and line say stopped: test_mass_run_screen.py); rate and one
ETA count the writes
still to do; progress moves per customer, not per write-back batch; the plan follows a decision (l); the
header keeps a failing doctor check until it passes; a failed customer's screen shows its cause and remedy;
a run's table shows its ids on first show. Against both mocks as real servers."""

from __future__ import annotations

from textual.widgets import DataTable, ProgressBar

from sync_core.events import CustomerSynced, StripeWritten
from testbed import demo
from tests.support.tui_helpers import settle, start_mass_sync, text_of, wait_for
from tui.screens.detail import DetailScreen
from tui.screens.link import LinkScreen
from tui.screens.mass_sync import MassSyncScreen, rate_line
from tui.widgets.confirm import ConfirmScreen


def test_rate_and_eta_count_the_writes_left_not_the_customers():
    # 30 customers done, 25 of them needed no write; 5 of 10 writes in 5 s: 1/s, 5 s left (not 10/40 in 5 s)
    assert rate_line(30, 40, 5, 10, 5.0) == "30/40 customers; writes 5/10  1.0/s  ETA 0:05"
    assert rate_line(30, 40, 0, 10, 5.0) == "30/40 customers; writes 0/10"
    assert rate_line(40, 40, 0, 0, 5.0) == "40/40 customers"  # a plan, or nothing to write
    assert rate_line(10, 9000, 10, 9000, 1.0).endswith("ETA 14:59")
    assert rate_line(1, 9000, 1, 9000, 1.0).endswith("ETA 2:29:59")


async def test_stripe_writes_are_reported_before_their_write_back_batch(config, mocks):
    """The engine says each customer's Stripe write as it is done; its CustomerSynced comes once its batch of
    PayPack fields is back from NetSuite (so progress moves per customer, not per batch of 200)."""
    from sync_core.engine import Engine
    from sync_core.run.journal import Journal

    events = []
    async with Engine.from_config(config) as engine:
        async for event in engine.mass_sync(Journal(config.sync.journal_path), portal=False):
            events.append(event)
    written = [e.internal_id for e in events if isinstance(e, StripeWritten)]
    synced = {e.outcome.internal_id: k for k, e in enumerate(events) if isinstance(e, CustomerSynced)}
    assert len(written) > 20
    for k, e in enumerate(events):
        if isinstance(e, StripeWritten):
            assert synced[e.internal_id] > k


async def test_progress_moves_per_customer_while_a_write_back_batch_fills(app_for, mocks):
    mocks.netsuite.control.faults(latency_ms=300)  # a batch's answer takes a while: customers wait on it
    app = app_for()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await start_mass_sync(app, pilot)
            bar = screen.query_one("#progress", ProgressBar)
            # the bar counts customers written to Stripe whose write-back is still on its way
            await wait_for(pilot, lambda: screen.running and screen._awaiting > 0 and bar.progress > screen._done)
            assert "writes " in text_of(app, "#counts")
            await settle(app, pilot)
    finally:
        mocks.netsuite.control.faults(latency_ms=0)


async def test_the_plan_follows_a_decision_taken_on_the_customer(app_for):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "p")
        await settle(app, pilot)
        await pilot.press("o")  # needs-decision
        await pilot.pause()
        table = app.screen.query_one("#customers-plan", DataTable)
        asked = str(table.get_row_at(0)[0])
        assert "ask" in str(table.get_row_at(0)[1])
        before = dict(app.screen.plan_by_rule)
        await pilot.press("enter")  # Enter opens it, wherever the focus is
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await settle(app, pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen)
                       and app.screen.query_one("#candidates", DataTable).row_count == 2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and "Link: OK" in text_of(app, "#outcome"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MassSyncScreen))
        await settle(app, pilot)
        mass = app.screen
        assert mass.rows[asked].rule.startswith("R1")
        assert mass.plan_by_rule.get("R3 ask", 0) == before["R3 ask"] - 1
        assert f"customer {asked} planned again" in text_of(app, "#plan-title")


async def test_the_header_keeps_a_failing_doctor_check_until_it_passes(app_for, mocks):
    ns_state, st_state = demo.generate(40)
    mocks.load(demo.netsuite_state(ns_state["customers"], portal_status="TESTING"), st_state)
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert "doctor: 2 failing" in text_of(app, "#targets")
        app.check_health()  # both services answer: connected, and the failing checks are still said
        await settle(app, pilot)
        header = text_of(app, "#targets")
        assert "connected" in header and "doctor: 2 failing" in header
        mocks.load(*demo.generate(40))  # mended
        await pilot.press("d")
        await settle(app, pilot)
        assert "doctor" not in text_of(app, "#targets")


async def test_a_failed_customer_s_screen_shows_its_failure_cause_and_remedy(app_for, mocks):
    mocks.load(*demo.generate(40, stale_link=True))
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "s")
        await settle(app, pilot)
        await pilot.press("o", "o")  # failed
        await pilot.pause()
        assert app.screen.query_one("#customers-plan", DataTable).row_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        outcome = text_of(app, "#outcome")
        assert "Nothing run yet" not in outcome
        assert "Last result (mass sync run run-" in outcome and "R2" in outcome and "failed" in outcome
        assert "Cause: Stored Stripe customer cus_demoDELETED was deleted" in outcome
        assert "Remedy: Clear STRIPE CUSTOMER ID (PAYPACK)" in outcome
        await settle(app, pilot)


async def test_a_run_picked_to_show_renders_its_ids_at_once(app_for, config):
    """F2 opened for the first time, v, Enter: the run's columns are as wide as their cells at once (they
    read "10" and "R3" until o or t redrew them)."""
    from sync_core.engine import Engine
    from sync_core.run.journal import Journal

    async with Engine.from_config(config) as engine:
        async for _ in engine.mass_sync(Journal(config.sync.journal_path), portal=False):
            pass
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        [run] = Journal(config.sync.journal_path).runs()
        app.screen.show_run(run.id)
        table = app.screen.query_one("#customers-plan", DataTable)
        # before DataTable's next idle pass (when the first draw happens): each column fits what it shows
        widths = {str(c.key.value): c.content_width for c in table.ordered_columns}
        assert widths["id"] >= len("1001") and widths["run"] >= len(f"run {run.id}")
        await pilot.pause()
        first = table.render_line(1).text  # the first row under the header, as drawn
        assert "1001" in first and "R3 create ok" in first
