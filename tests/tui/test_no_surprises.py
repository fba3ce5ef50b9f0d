"""Issue 24, "must not surprise": the TUI writes nothing the operator did not ask for. Loading a scenario is
refused during a mass sync and asks first when idle (typed, for mocks it did not start); d puts the demo data
back; r and f act on the run on screen; a retry redoes that run's failed and decided customers only, and asks
before doing more; a run of another mock set is refused. Against both mocks as real servers."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as STRIPE_ID_FIELD
from sync_core.run.journal import Journal
from sync_core.run.target import RunTarget
from testbed import demo
from tests.support.tui_helpers import confirm, run_started, settle, text_of, wait_for
from tui.screens.mass_sync import MassSyncScreen
from tui.screens.scenarios import ScenariosScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.runs import RunPickerScreen
from tui.widgets.type_confirm import TypeToConfirmScreen


def ns_ids(mocks) -> list[str]:
    return [c["id"] for c in mocks.netsuite.control.state()["customers"]]


def stripe_count(mocks) -> int:
    return len(mocks.stripe.control.state()["accounts"][0]["test"]["customers"])


async def to_scenario(app, pilot, name: str) -> None:
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen)
                   and app.screen.query_one("#scenario-list", DataTable).row_count > 0)
    table = app.screen.query_one("#scenario-list", DataTable)
    table.move_cursor(row=table.get_row_index(name))
    await pilot.pause()


async def test_loading_a_scenario_is_refused_while_a_mass_sync_runs(app_for, mocks):
    mocks.netsuite.control.faults(latency_ms=400)  # the run takes long enough to try twice
    app = app_for()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            mass = await run_started(app, pilot)
            await to_scenario(app, pilot, "rematch")
            await pilot.press("l")
            await wait_for(pilot, lambda: "Not loaded: a mass sync is running" in text_of(app, "#step-detail"))
            assert not isinstance(app.screen, (ConfirmScreen, TypeToConfirmScreen))  # not even asked
            assert f"run {mass.run_id}" in text_of(app, "#step-detail")
            assert len(ns_ids(mocks)) == 40  # the run's customers are still there
            assert mass.running
            await pilot.press("n")  # stepping would load it too: refused the same way
            await pilot.pause(0.2)
            assert len(ns_ids(mocks)) == 40 and app.screen.session is None
            await pilot.press("f2", "x")
            await settle(app, pilot)
    finally:
        mocks.netsuite.control.faults(latency_ms=0)


async def test_loading_asks_first_and_no_changes_nothing_then_d_puts_the_demo_data_back(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await to_scenario(app, pilot, "rematch")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = text_of(app, "#confirm-body")
        assert f"NetSuite account {app.targets.netsuite_account} with 40 customers" in body
        assert "d brings the demo data back" in body
        await pilot.press("n")
        await settle(app, pilot)
        assert len(ns_ids(mocks)) == 40 and app.screen.session is None  # "no" replaced nothing

        await pilot.press("l")
        await confirm(app, pilot)
        assert ns_ids(mocks) == ["301"]
        await pilot.press("N")  # the next lesson: the mocks hold a scenario loaded here, so not asked again
        await settle(app, pilot)
        assert app.screen.session is not None and app.screen.session.report.name != "rematch"

        await pilot.press("d")
        await confirm(app, pilot)
        assert len(ns_ids(mocks)) == demo.DEMO_CUSTOMERS
        assert "demo data again" in text_of(app, "#step-detail")


async def test_mocks_it_did_not_start_are_replaced_only_after_typing_the_account(app_for, mocks):
    app = app_for(started_mocks=False)  # someone's running mocks (custsync mocks)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await to_scenario(app, pilot, "rematch")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen))
        assert "not started by this custsync" in text_of(app, "#type-body")
        app.screen.query_one("#type-word", Input).value = "yes"
        await pilot.press("enter")  # not the account: nothing happens
        await pilot.pause(0.2)
        assert len(ns_ids(mocks)) == 40
        app.screen.query_one("#type-word", Input).value = app.targets.netsuite_account
        await pilot.press("enter")
        await settle(app, pilot)
        assert ns_ids(mocks) == ["301"]


async def test_o_then_n_steps_the_opened_scenario_not_the_one_loaded_before(app_for, mocks, tmp_path):
    from shutil import copy

    from testbed.scenario_load import resolve
    from tui.widgets.path_prompt import PathPrompt

    elsewhere = tmp_path / "from-a-customer.yaml"
    copy(resolve("stale-link"), elsewhere)
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await to_scenario(app, pilot, "rematch")
        await pilot.press("l")
        await confirm(app, pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
        app.screen.query_one("#path", Input).value = str(elsewhere)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen) and "stale" in
                       text_of(app, "#scenario-lesson"))
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.session.report.name == "from-a-customer"
        assert "Step 1:" in text_of(app, "#step-detail")
        assert "301" not in ns_ids(mocks)  # the stale-link scenario's data, not rematch's
        # an opened file is not a lesson of the course
        table = app.screen.query_one("#scenario-list", DataTable)
        assert str(table.get_row(str(elsewhere.resolve()))[0]) == "file"


async def run_to_the_end(app, pilot):
    await pilot.press("f2", "s")
    await settle(app, pilot)
    journal = Journal(app.config.sync.journal_path)
    [run] = journal.runs(limit=1)
    journal.close()
    return run


async def test_retry_of_a_finished_run_changes_nothing(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        run = await run_to_the_end(app, pilot)
        assert "failed" not in run.counts
        state = mocks.netsuite.control.state()  # the search chooses 5 more customers now
        state["customers"] += [{"id": str(i), "companyName": f"New {i}", "email": f"new{i}@new.test"}
                               for i in range(5001, 5006)]
        mocks.netsuite.control.load(state)
        before = stripe_count(mocks)
        await pilot.press("f")
        await settle(app, pilot)
        assert "nothing to retry" in text_of(app, "#mass-status")
        assert stripe_count(mocks) == before
        journal = Journal(app.config.sync.journal_path)
        assert journal.run(run.id).counts == run.counts and len(journal.runs()) == 1
        journal.close()
        assert not any(c.get(STRIPE_ID_FIELD) for c in mocks.netsuite.control.state()["customers"]
                       if c["id"].startswith("500"))


async def test_f_retries_the_run_on_screen_not_the_newest(app_for, config, mocks):
    mocks.load(*demo.generate(40, stale_link=True))  # one R2 failure in the first run
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        first = await run_to_the_end(app, pilot)
        assert first.counts.get("failed") == 1
        second = await run_to_the_end(app, pilot)  # the newest run: its R2 failure again
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        runs = app.screen.query_one("#runs", DataTable)
        runs.move_cursor(row=runs.get_row_index(first.id))
        await pilot.pause()
        assert "it can be resumed here" in text_of(app, "#runs-target")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MassSyncScreen) and app.screen.run_id == first.id)
        stale = next(c["id"] for c in mocks.netsuite.control.state()["customers"]
                     if c.get(STRIPE_ID_FIELD) == "cus_demoDELETED")
        state = mocks.netsuite.control.state()  # the remedy: clear the stale id
        next(c for c in state["customers"] if c["id"] == stale)[STRIPE_ID_FIELD] = None
        mocks.netsuite.control.load(state)
        await pilot.press("f")
        await settle(app, pilot)
        journal = Journal(config.sync.journal_path)
        assert journal.run(first.id).counts.get("failed", 0) == 0  # the run on screen was retried
        assert journal.run(second.id).counts.get("failed") == 1  # the newest was not touched
        journal.close()


async def test_retry_that_would_do_more_than_failures_shows_the_plan_and_asks(app_for, config, mocks):
    journal = Journal(config.sync.journal_path)
    target = RunTarget(config.netsuite.account, mocks.stripe_account, "test")
    run_id = journal.start_run(config.netsuite.mass_customer_sync_search, target)
    journal.add_pending(run_id, [str(i) for i in range(1001, 1041)])
    for i in range(1001, 1011):  # stopped after 10 customers
        journal.mark(run_id, str(i), "ok")
    journal.finish_run(run_id, "stopped")
    journal.close()
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "f")
        await wait_for(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = text_of(app, "#confirm-body")
        assert "30 not reached before it stopped (1011, 1012" in body and "No other customer is taken" in body
        await pilot.press("n")
        await settle(app, pilot)
        journal = Journal(config.sync.journal_path)
        assert journal.run(run_id).counts == {"ok": 10, "pending": 30}  # "no" wrote nothing
        journal.close()


async def test_a_run_of_another_mock_set_is_refused(app_for, config, mocks):
    journal = Journal(config.sync.journal_path)
    other = RunTarget("7654321_SB1", "acct_0other00", "test")  # another `custsync mocks`' accounts
    run_id = journal.start_run(config.netsuite.mass_customer_sync_search, other)
    journal.add_pending(run_id, [str(i) for i in range(1001, 1041)])
    journal.finish_run(run_id, "stopped")
    journal.close()
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "v")
        await wait_for(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        await pilot.pause()
        assert "(another target)" in str(app.screen.query_one("#runs", DataTable).get_row_at(0)[4])
        assert "it is not resumed here" in text_of(app, "#runs-target")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MassSyncScreen) and app.screen.run_id == run_id)
        before = stripe_count(mocks)
        await pilot.press("r")
        await settle(app, pilot)
        status = text_of(app, "#mass-status")
        assert "ran against NetSuite 7654321_SB1, Stripe acct_0other00" in status and "not resumed here" in status
        assert stripe_count(mocks) == before
        journal = Journal(config.sync.journal_path)
        assert journal.run(run_id).counts == {"pending": 40}
        journal.close()
