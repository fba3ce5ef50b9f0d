"""Pilot tests of the operator's actions: customer detail, clear id, portal URL, live mode, resume, retry."""

from __future__ import annotations

from pydantic import SecretStr
from textual.widgets import DataTable

from sync_core.run.journal import Journal
from sync_core.run.target import RunTarget, netsuite_account_id
from testbed import demo
from tests.support.tui_helpers import settle, text_of, wait_for
from tui.screens.detail import DetailScreen
from tui.screens.mass_sync import MassSyncScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.runs import RunPickerScreen
from tui.widgets.type_confirm import TypeToConfirmScreen

STRIPE_ID_FIELD = "custentity_paypack_stripe_customer_id"
LIVE_KEY = "sk_live_tui_FAKE_live_key_4321"


def ns_customer(mocks, iid: str) -> dict:
    return next(c for c in mocks.netsuite.control.state()["customers"] if c["id"] == iid)


def screen_text(app) -> str:
    """Everything the screen shows as text (Statics and tables), for 'never on screen' checks."""
    from textual.widgets import Static

    parts = [str(w.render()) for w in app.screen.query(Static)]
    for table in app.screen.query(DataTable):
        parts += [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]
    return "\n".join(parts)


async def open_detail(app, pilot, iid: str) -> None:
    await settle(app, pilot)
    app.push_screen(DetailScreen(iid))
    await settle(app, pilot)


async def test_detail_shows_both_sides_and_differences(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1004")  # linked to cus_demo1004, which has no phone or address yet
        assert "Stripe customer id: cus_demo1004" in text_of(app, "#links")
        table = app.screen.query_one("#compare", DataTable)
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)}
        assert rows["email"][1] == "same"  # same/differs second: 80 columns show it (issue 24)
        assert rows["phone"][1] == "differs" and rows["phone"][3] == ""
        assert rows["phone"][2].startswith("+1 555")
        assert "fields differ: a sync pushes them (R1)" in text_of(app, "#links")

        await pilot.press("s")
        await settle(app, pilot)
        table = app.screen.query_one("#compare", DataTable)
        assert all(str(table.get_row_at(i)[1]) == "same" for i in range(table.row_count))
        assert "Stripe is up to date." in text_of(app, "#links")


async def test_clear_id_asks_and_cancel_writes_nothing(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1004")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "cus_demo1004" in text_of(app, "#confirm-body")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert ns_customer(mocks, "1004")[STRIPE_ID_FIELD] == "cus_demo1004"
        assert "Nothing run yet" in text_of(app, "#outcome")


async def test_clear_id_confirmed_then_rematch_by_email(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1004")
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert not ns_customer(mocks, "1004").get(STRIPE_ID_FIELD)
        outcome = text_of(app, "#outcome")
        assert "Clear Stripe id: OK" in outcome and "'cus_demo1004' -> None" in outcome
        assert "Stripe customer id: (empty)" in text_of(app, "#links")
        assert "R3" in text_of(app, "#decision")  # the rules now match by email

        await pilot.press("s")
        await settle(app, pilot)
        assert "rule R3 link-existing" in text_of(app, "#outcome")  # the same email: relinked
        assert ns_customer(mocks, "1004")[STRIPE_ID_FIELD] == "cus_demo1004"


async def test_clear_id_failure_shows_cause_and_remedy(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1004")
        mocks.netsuite.control.faults(error_rate=1.0)
        try:
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
        finally:
            mocks.netsuite.control.faults(error_rate=0.0)
        outcome = text_of(app, "#outcome")
        assert "Clear Stripe customer id: FAILED" in outcome
        assert "Cause:" in outcome


async def test_portal_url_is_masked_and_copied_on_demand(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1004")
        await pilot.press("p")
        await settle(app, pilot)
        url = ns_customer(mocks, "1004")["custentity_paypack_portal_url"]
        assert url and url.startswith("http")
        assert "Portal URL: http" in text_of(app, "#links") and "****" in text_of(app, "#links")
        assert url not in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == url
        assert url not in screen_text(app)


async def test_check_key_opens_the_link_and_shows_the_last_check_masked(app_for, mocks):
    """k opens the stored link as the customer would: R7 while the portal is off, ok once it is activated."""
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1004")
        assert "Last link check: not checked yet" in text_of(app, "#links")
        await pilot.press("p")
        await settle(app, pilot)
        url = ns_customer(mocks, "1004")["custentity_paypack_portal_url"]
        mocks.stripe.control.set_portal("none")
        try:
            await pilot.press("k")
            await settle(app, pilot)
            assert "Last link check: not-activated (R7) at" in text_of(app, "#links")
            outcome = text_of(app, "#outcome")
            assert "Getting error while generating customer portal Session URL" in outcome
            assert "Settings -> Customer Portal" in outcome
        finally:
            mocks.stripe.control.save_portal_settings()
        await pilot.press("k")
        await settle(app, pilot)
        assert "Last link check: ok (R6) at" in text_of(app, "#links")
        shown = screen_text(app)
        assert url not in shown and "sig=" not in shown and "/p/session/" not in shown


async def test_mass_sync_resume_finishes_only_what_the_run_did_not(app_for, config, mocks):
    journal = Journal(config.sync.journal_path)
    target = RunTarget(netsuite_account_id(config.netsuite.account), mocks.stripe_account, "test")  # these mocks'
    run_id = journal.start_run(config.netsuite.mass_customer_sync_search, target)
    journal.add_pending(run_id, [str(i) for i in range(1001, 1041)])  # the run took 40 customers
    for i in range(1001, 1031):  # and was killed after 30 of them
        journal.mark(run_id, str(i), "ok")
    journal.close()
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "r")
        await pilot.pause()
        assert isinstance(app.screen, RunPickerScreen)
        runs = app.screen.query_one("#runs", DataTable)
        assert runs.row_count == 1 and str(runs.get_row_at(0)[0]) == run_id
        await pilot.press("enter")
        await settle(app, pilot)
        assert f"Run {run_id} finished: 10 customers" in text_of(app, "#counts")
        per_customer = app.screen.query_one("#customers-plan", DataTable)
        # the screen shows that run, whole: its 30 journaled customers and the 10 the resume did (issue 16)
        assert per_customer.row_count == 40
        assert str(per_customer.get_row("1001")[2]) == "ok"
        assert str(per_customer.get_row("1031")[2]).split()[-2:] != ["pending"]


async def test_mass_sync_retry_failed_after_mending(app_for, mocks):
    mocks.load(*demo.generate(40, stale_link=True))
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "s")
        await settle(app, pilot)
        assert "failed 1" in text_of(app, "#counts")
        stale = next(c["id"] for c in mocks.netsuite.control.state()["customers"]
                     if c.get(STRIPE_ID_FIELD) == "cus_demoDELETED")
        state = mocks.netsuite.control.state()  # the remedy: clear the stale id
        next(c for c in state["customers"] if c["id"] == stale)[STRIPE_ID_FIELD] = None
        mocks.netsuite.control.load(state)

        await pilot.press("f")  # the run on screen
        await settle(app, pilot)
        counts = text_of(app, "#counts")
        assert "finished: 1 customer in" in counts and "ok 1" in counts
        assert ns_customer(mocks, stale)[STRIPE_ID_FIELD].startswith("cus_")
        # no failure is left, but the run still has customers for a person: said, not "no failures" (issue 16)
        summary = text_of(app, "#summary")
        assert "failed" not in summary and "need a decision 1" in summary and "skipped 2" in summary
        # the mended failure's lines leave the failures log (issue 24)
        log = app.screen.query_one("#failures")
        assert not log.display and not [line for line in log.lines if stale in line.text]


def live_config(config, mocks):
    ns_state, st_state = demo.generate(40, stripe_api_key=LIVE_KEY)
    account = st_state["accounts"][0]
    account["live"] = account.pop("test")
    mocks.load(ns_state, st_state)
    cfg = config.model_copy(deep=True)
    cfg.stripe.api_key = SecretStr(LIVE_KEY)
    return cfg


async def test_live_mode_confirms_every_write_and_cancel_writes_nothing(app_for, config, mocks):
    app = app_for(live_config(config, mocks))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1001")
        assert "LIVE STRIPE" in text_of(app, "#targets")
        before = (mocks.netsuite.control.state(), mocks.stripe.control.state())
        for key in ("s", "p", "c"):
            await pilot.press(key)
            await pilot.pause()
            if key == "c" and not isinstance(app.screen, ConfirmScreen):
                continue  # 1001 has no Stripe id: nothing to clear, nothing asked
            assert isinstance(app.screen, ConfirmScreen), key
            assert "LIVE" in text_of(app, "#confirm-title")
            await pilot.press("n")
            await settle(app, pilot)
        assert (mocks.netsuite.control.state(), mocks.stripe.control.state()) == before

        # a live mass sync starts only from a plan just seen, confirmed by typing the account (issue 16)
        await pilot.press("escape", "f2", "s")
        await settle(app, pilot)
        assert isinstance(app.screen, MassSyncScreen)  # no plan seen: refused with a notice
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen))
        await pilot.press("y", "enter")  # one key is not the account name
        await pilot.pause(0.2)
        assert isinstance(app.screen, TypeToConfirmScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert (mocks.netsuite.control.state(), mocks.stripe.control.state()) == before
        assert not Journal(config.sync.journal_path).runs()


async def test_live_mass_sync_runs_after_the_account_name_is_typed(app_for, config, mocks):
    cfg = live_config(config, mocks)
    app = app_for(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "p")
        await settle(app, pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen))
        app.screen.query_one("#type-word").value = cfg.netsuite.account
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MassSyncScreen)
        assert "finished: 40 customers" in text_of(app, "#counts")
        assert len(Journal(config.sync.journal_path).runs()) == 1


async def test_live_mode_confirmed_write_goes_through_once(app_for, config, mocks):
    app = app_for(live_config(config, mocks))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "1001")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert "rule R3 create" in text_of(app, "#outcome")
        sid = ns_customer(mocks, "1001")[STRIPE_ID_FIELD]
        live = mocks.stripe.control.state()["accounts"][0]["live"]["customers"]
        assert sid in {c["id"] for c in live}
        assert app.engine.stripe.allow_writes_live is False  # the confirmation held for that write only
