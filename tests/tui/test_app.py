"""Pilot tests: what an operator does, checked on screen."""

from __future__ import annotations

from textual.widgets import DataTable

from testbed import demo
from tests.support.tui_helpers import settle, text_of
from tui.screens.customers import CustomersScreen
from tui.screens.detail import DetailScreen


async def test_header_shows_targets_and_health(app_for):
    app = app_for()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        header = text_of(app, "#targets")
        targets = app.targets  # each mock set answers as accounts of its own (issue 24)
        assert f"NetSuite: mock {targets.netsuite_account} at 127.0.0.1:" in header
        assert f"Stripe: mock {targets.stripe_account} at 127.0.0.1:" in header and "test mode" in header
        assert "(mocks started here)" in header
        assert targets.stripe_account.startswith("acct_") and targets.stripe_account != "acct_demo"
        assert "health: connected" in header
        assert "LIVE" not in header


async def test_customers_list_filter_and_open_sync(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        table = app.screen.query_one("#customers", DataTable)
        assert table.row_count == 40
        assert "40 of 40 customers" in text_of(app, "#customers-status")

        await pilot.press("slash", *"1001", "enter")
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("enter")  # open the highlighted customer
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        decision = text_of(app, "#decision")
        assert "R3" in decision and "action: create" in decision
        assert "Match by email when no id is stored" in decision  # the rule's explanation

        await pilot.press("s")
        await settle(app, pilot)
        outcome = text_of(app, "#outcome")
        assert "OK" in outcome and "rule R3 create" in outcome
        ns = {c["id"]: c for c in mocks.netsuite.control.state()["customers"]}
        new_id = ns["1001"]["custentity_paypack_stripe_customer_id"]
        assert new_id and new_id.startswith("cus_")
        assert f"Stripe customer id: {new_id}" in outcome
        portal_url = ns["1001"]["custentity_paypack_portal_url"]
        assert portal_url not in outcome  # the bearer link is masked
        # after the sync the rules see the link (R1)
        assert "R1" in text_of(app, "#decision")

        await pilot.press("escape")
        await settle(app, pilot)
        row = app.screen.query_one("#customers", DataTable).get_row("1001")
        assert str(row[5]) == "R3 create ok"  # this session's last sync result


async def test_portal_link_from_detail(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(DetailScreen("1004"))  # linked: cus_demo1004
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        outcome = text_of(app, "#outcome")
        assert "Portal link: OK" in outcome
        assert "cus_demo1004" in outcome
        assert "R6" in outcome


async def test_doctor_shows_failing_deployment_check(app_for, mocks):
    ns_state, st_state = demo.generate(40)
    mocks.load(demo.netsuite_state(ns_state["customers"], portal_status="TESTING"), st_state)
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        summary = text_of(app, "#doctor-summary")
        # Two checks see it: the deployment's status, and a portal link opened as a customer would (R8).
        assert "2 fail" in summary
        remedies = text_of(app, "#remedies")
        assert "FAIL" in remedies and "(R8)" in remedies
        assert "set Status to Released" in remedies
        table = app.screen.query_one("#checks", DataTable)
        results = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert results.count("FAIL") == 2 and "PASS" in results
        assert "doctor: 2 failing" in text_of(app, "#targets")


async def test_mass_sync_plan_then_run_to_the_end(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await pilot.press("p")
        await settle(app, pilot)
        plan = app.screen.query_one("#plan", DataTable)
        rows = {str(plan.get_row_at(i)[0]): int(plan.get_row_at(i)[1]) for i in range(plan.row_count)}
        assert sum(rows.values()) == 40
        assert any(k.startswith("R3 create") for k in rows)
        counts = text_of(app, "#counts")
        assert "Plan finished: 40 customers" in counts
        # How planning read the services stays on screen, Stripe's way too (issue 14).
        assert "Read to plan it: NetSuite" in counts and "listed the account" in counts, counts

        await pilot.press("s")
        await settle(app, pilot)
        counts = text_of(app, "#counts")
        assert "finished: 40 customers" in counts
        assert "ok " in counts
        bar = app.screen.query_one("#progress")
        assert bar.progress == bar.total == 40
        # the R3-duplicates need a decision: the summary names that group and its next step, and never
        # says "no failures" while customers are left for a person (issue 16)
        summary = text_of(app, "#summary")
        assert "need a decision" in summary and "l links it" in summary
        assert "no failures" not in summary and "need you" in text_of(app, "#mass-status")


async def test_rules_screen_lists_catalogue(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f4")
        await pilot.pause()
        for rule in ("R1", "R2", "R9"):
            assert text_of(app, f"#rule-{rule}").startswith(rule)


async def test_live_key_is_unmistakable_and_open_failure_is_reported(config):
    from pydantic import SecretStr

    from sync_core.config import StripeTarget
    from tui.app import make_app

    live = config.model_copy(deep=True)
    live.stripe.target = StripeTarget.REAL
    live.stripe.api_key = SecretStr("sk_live_notarealkey")

    class Refused(Exception):
        pass

    def factory(cfg):
        raise Refused("no network in this test")

    app = make_app(live, engine_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one("#targets")
        header = text_of(app, "#targets")
        assert "LIVE STRIPE" in header and "LIVE" in header.split("Stripe:")[1]
        assert bar.has_class("-live")
        assert "engine not open: no network in this test" in header
        assert not app.engine_ready


async def test_mass_sync_lists_failures_with_cause_and_remedy(app_for, mocks):
    mocks.load(*demo.generate(40, stale_link=True))  # one R2: the stored id names a deleted customer
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "s")
        await settle(app, pilot)
        assert "failed 1" in text_of(app, "#counts")
        log = app.screen.query_one("#failures")
        lines = " ".join(strip.text for strip in log.lines)
        assert "R2 error failed" in lines
        assert "remedy: Clear STRIPE CUSTOMER ID (PAYPACK)" in lines
        assert "--retry-failed" in text_of(app, "#mass-status")


async def test_palette_switches_screens(app_for):
    from tui.screens.doctor import DoctorScreen

    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Doctor")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DoctorScreen)
