"""Issue 16: the mass-sync screen shows one run, says honestly what is left and for whom, and stops or quits
safely; against both mocks as real servers."""

from __future__ import annotations

import time

from textual.widgets import DataTable

from sync_core.run.journal import Journal
from tests.support.tui_helpers import run_started, settle, start_mass_sync, text_of, wait_for
from tui.screens.detail import DetailScreen
from tui.screens.mass_sync import MassSyncScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.runs import RunPickerScreen


def run_rows(app) -> DataTable:
    return app.screen.query_one("#customers-plan", DataTable)


async def test_stop_marks_the_run_stopped_and_resume_finishes_it(app_for, config, mocks):
    mocks.netsuite.control.faults(latency_ms=60)  # slow enough to stop halfway
    app = app_for()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await start_mass_sync(app, pilot)
            bar = screen.query_one("#progress")
            await wait_for(pilot, lambda: screen.running and bar.progress >= 3)
            assert text_of(app, "#counts").count("ETA") <= 1  # one ETA: the bar's own is off (issue 24)
            assert not [w for w in bar.query("ETAStatus") if w.display]
            await pilot.press("x")
            await settle(app, pilot)
            # the bar and the line say stopped, not 100% and finished (issue 24)
            assert bar.progress < bar.total == 40
            counts = text_of(app, "#counts")
            assert "STOPPED" in counts and "of 40 customers done" in counts and "finished" not in counts
            journal = Journal(config.sync.journal_path)
            [run] = journal.runs()
            journal.close()
            assert run.status == "stopped" and run.counts.get("pending", 0) > 0
            assert f"Run {run.id} stopped: r resumes it" in text_of(app, "#mass-status")
            assert "not done yet" in text_of(app, "#summary")
            assert run_rows(app).row_count == 40  # the whole run, its pending customers too

            mocks.netsuite.control.faults(latency_ms=0)
            await pilot.press("r")  # the run on screen: no picker (issue 24)
            await settle(app, pilot)
            assert not isinstance(app.screen, RunPickerScreen)
            journal = Journal(config.sync.journal_path)
            run = journal.run(run.id)
            journal.close()
            assert run.status.startswith("finished") and "pending" not in run.counts
            assert sum(run.counts.values()) == 40
    finally:
        mocks.netsuite.control.faults(latency_ms=0)


async def test_quit_during_a_run_asks_first(app_for, config, mocks):
    mocks.netsuite.control.faults(latency_ms=250)
    app = app_for()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            mass = await start_mass_sync(app, pilot)
            await wait_for(pilot, lambda: mass.running)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "A mass sync is running" in text_of(app, "#confirm-title")
            await pilot.press("n")
            await pilot.pause(0.1)
            assert app.is_running and mass.running  # "no" keeps the run going
            journal = Journal(config.sync.journal_path)
            assert journal.runs()[0].status == "running"
            journal.close()
            await pilot.press("x")
            await settle(app, pilot)
    finally:
        mocks.netsuite.control.faults(latency_ms=0)


async def test_a_run_killed_from_outside_shows_as_interrupted(app_for, config):
    journal = Journal(config.sync.journal_path)
    run_id = journal.start_run(config.netsuite.mass_customer_sync_search)  # status "running", owner gone
    journal.add_pending(run_id, [str(i) for i in range(1001, 1011)])
    journal.mark(run_id, "1001", "ok", rule="R1", action="update")
    journal._db.execute("UPDATE steps SET updated = updated - 3600")
    journal._db.execute("UPDATE runs SET started = started - 3600")
    journal.close()
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "v")
        await wait_for(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        assert str(app.screen.query_one("#runs", DataTable).get_row_at(0)[1]) == "interrupted"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MassSyncScreen) and run_rows(app).row_count == 10)
        assert "INTERRUPTED" in text_of(app, "#summary") and "not done yet 9" in text_of(app, "#summary")


async def test_plan_rows_filter_sort_and_open(app_for):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "p")
        await settle(app, pilot)
        assert run_rows(app).row_count == 40
        await pilot.press("o")  # needs-decision
        await pilot.pause()
        rows = run_rows(app)
        assert 0 < rows.row_count < 40
        assert all("ask" in str(rows.get_row_at(i)[1]) for i in range(rows.row_count))
        assert "filter (o): needs-decision" in text_of(app, "#run-title")
        await pilot.press("o", "o", "o", "o", "o", "o")  # back to all
        await pilot.press("t")  # by outcome
        await pilot.pause()
        assert "sort (t): outcome" in text_of(app, "#run-title") and run_rows(app).row_count == 40
        first = str(run_rows(app).get_row_at(0)[0])
        run_rows(app).focus()
        run_rows(app).move_cursor(row=0)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.internal_id == first


async def test_retry_covers_customers_decided_since_the_run(app_for, config, mocks):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "s")
        await settle(app, pilot)
        journal = Journal(config.sync.journal_path)
        [run] = journal.runs()
        asked = next(s for s in journal.steps(run.id) if s.state == "needs-decision")
        journal.close()
        candidates = await app.engine.candidates(asked.internal_id)
        await app.engine.link(asked.internal_id, candidates.candidates[0].id)  # the operator decided

        await pilot.press("f")  # the run on screen (issue 24)
        await settle(app, pilot)
        journal = Journal(config.sync.journal_path)
        after = journal.run(run.id)
        journal.close()
        assert after.counts.get("needs-decision", 0) == run.counts["needs-decision"] - 1
        assert str(run_rows(app).get_row(asked.internal_id)[2]).startswith("R1")
        assert time.time() - after.started < 600


async def test_quit_yes_during_a_run_marks_it_stopped(app_for, config, mocks):
    mocks.netsuite.control.faults(latency_ms=250)
    app = app_for()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await run_started(app, pilot)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: not app.is_running, timeout=10)
    finally:
        mocks.netsuite.control.faults(latency_ms=0)
    journal = Journal(config.sync.journal_path)
    [run] = journal.runs()
    journal.close()
    assert run.status == "stopped"  # resume continues it
