"""The trainer's screen (F5) and the step-at-a-time scenario session under it."""

from __future__ import annotations

from textual.widgets import DataTable

from sync_core.config import NetSuiteTarget, StripeTarget
from sync_core.engine import Engine
from testbed.scenario_load import load_scenario, resolve
from testbed.scenario_runner import MockPair, ScenarioRunner, ScenarioSession
from tests.support.tui_helpers import confirm, settle, text_of
from tui.app import make_app
from tui.screens.customers import CustomersScreen
from tui.screens.scenarios import ScenariosScreen


async def pick_scenario(app, pilot, name: str) -> None:
    await settle(app, pilot)
    await pilot.press("f5")
    await settle(app, pilot)
    assert isinstance(app.screen, ScenariosScreen)
    table = app.screen.query_one("#scenario-list", DataTable)
    table.move_cursor(row=table.get_row_index(name))
    await pilot.pause()


async def test_step_through_a_scenario(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pick_scenario(app, pilot, "rematch")
        assert "Relink a customer" in text_of(app, "#scenario-lesson")
        await pilot.press("l")
        await confirm(app, pilot)  # it replaces the mocks' data: asked first (issue 24)
        assert [c["id"] for c in mocks.netsuite.control.state()["customers"]] == ["301"]
        assert "Loaded rematch into both mocks: 3 steps" in text_of(app, "#step-detail")

        await pilot.press("n")
        await settle(app, pilot)
        detail = text_of(app, "#step-detail")
        assert "Step 1: sync 301 (dry run)  PASS" in detail
        assert "Rule fired: R1" in detail
        assert "While the field is filled, the email is never looked at." in detail
        assert "ok    rule: 'R1'" in detail
        steps = app.screen.query_one("#scenario-steps", DataTable)
        assert [str(steps.get_row_at(i)[2]) for i in range(3)] == ["PASS", "", ""]

        await pilot.press("n")
        await settle(app, pilot)
        assert "Step 2: clear_stripe_id 301  PASS" in text_of(app, "#step-detail")
        await pilot.press("n")
        await settle(app, pilot)
        detail = text_of(app, "#step-detail")
        assert "Rule fired: R3" in detail
        assert "Scenario rematch: PASS  (3/3 steps pass)" in detail
        assert "Final checks (then):" in detail
        assert app.screen.session.done

        await pilot.press("f1")  # the customers screen reads the scenario's customers
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        table = app.screen.query_one("#customers", DataTable)
        assert table.row_count == 1 and "301" in table.rows


async def test_run_all_reports_expected_vs_actual(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pick_scenario(app, pilot, "stale-link")
        await pilot.press("enter")
        await confirm(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        detail = text_of(app, "#step-detail")
        assert "Scenario stale-link: PASS" in detail
        assert "Rule fired: R2" in detail


async def test_real_targets_offer_no_scenarios(config, mocks):
    real = config.model_copy(deep=True)
    real.netsuite.target = NetSuiteTarget.REAL
    real.stripe.target = StripeTarget.REAL

    def factory(cfg):
        engine = Engine.from_config(config)  # reads the mocks, but says it points at real systems
        engine.config = real
        return engine

    app = make_app(real, engine_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick_scenario(app, pilot, "rematch")
        assert "Scenarios need the mocks" in text_of(app, "#scenarios-status")
        await pilot.press("l", "enter", "n", "a")
        await settle(app, pilot)
        assert len(mocks.netsuite.control.state()["customers"]) == 40  # nothing was loaded
        assert app.screen.session is None
        assert not app.screen.check_action("load", ())


async def test_session_steps_match_a_full_run(config, mocks):
    pair = MockPair.attach(config)
    runner = ScenarioRunner(pair)
    loaded = load_scenario(resolve("rematch"))
    async with ScenarioSession(runner, loaded) as session:
        first = await session.step()
        assert first is not None and first.index == 1 and first.rule == "R1" and first.ok
        assert not session.done and session.report.then == []
        while await session.step() is not None:
            pass
        assert session.done
    assert session.report.ok and session.report.then
    assert await session.step() is None
    full = await __import__("asyncio").to_thread(runner.run, loaded)
    assert [s.ok for s in full.steps] == [s.ok for s in session.report.steps]
    assert [s.rule for s in full.steps] == [s.rule for s in session.report.steps]
