"""Issue 16: decisions actionable in the TUI (R3 ask, R2 stale link), and text shown as text (names, emails,
remedies that look like markup), against both mocks as real servers with the scenario markup-in-names."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from textual.widgets import DataTable, Input

from sync_core.errors import NetSuiteError
from sync_core.outcome import Outcome, Status
from testbed.scenario_load import load_scenario, resolve
from testbed.scenario_runner import MockPair
from tests.support.tui_helpers import settle, text_of, wait_for
from tui.render import print_outcome
from tui.screens.detail import DetailScreen
from tui.screens.link import LinkScreen
from tui.widgets.confirm import ConfirmScreen

ID_FIELD = "custentity_paypack_stripe_customer_id"
BOLD_NAME = "[b]Bold Ltd[/b]"
LINK_NAME = "[link=https://example.test]Pay here[/link]"


def load_named_scenario(config, name: str) -> None:
    MockPair.attach(config.model_copy(deep=True)).load(load_scenario(resolve(name)).scenario.given, config)


def ns_customer(mocks, iid: str) -> dict:
    return next(c for c in mocks.netsuite.control.state()["customers"] if c["id"] == iid)


def literal(cell: object, expected: str) -> bool:
    """The cell shows `expected` as typed, with no style read out of it."""
    return isinstance(cell, Text) and cell.plain == expected and not cell.spans


async def test_markup_names_are_shown_literally_in_lists_and_candidates(app_for, config):
    load_named_scenario(config, "markup-in-names")
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        row = app.screen.query_one("#customers", DataTable).get_row("811")
        assert literal(row[1], BOLD_NAME) and literal(row[2], "ap@[red]brackets[/red].test")

        app.push_screen(DetailScreen("811"))
        await settle(app, pilot)
        assert BOLD_NAME in text_of(app, "#customer-title")
        decision = text_of(app, "#decision")
        assert "ap@[red]brackets[/red].test" in decision and "l shows the candidates" in decision

        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen)
                       and app.screen.query_one("#candidates", DataTable).row_count == 2)
        table = app.screen.query_one("#candidates", DataTable)
        old = table.get_row("cus_markup_old")
        assert literal(old[1], LINK_NAME) and literal(old[5], "note=[blink]x[/blink]")
        assert str(old[3]) == "2020-09-13 12:26 UTC"  # created to the minute, what a person chooses by
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))


def test_cli_remedy_keeps_its_config_section_names():
    """A remedy naming "[netsuite] rest_url" printed by the CLI loses nothing (it used to be read as markup)."""
    out = io.StringIO()
    outcome = Outcome("811", Status.FAILED, error=NetSuiteError(
        "host unreachable", remedy="Check [netsuite] rest_url and [stripe] base_url."))
    print_outcome(Console(file=out, width=200), outcome)
    assert "remedy: Check [netsuite] rest_url and [stripe] base_url." in out.getvalue()


async def test_ask_to_linked_in_the_tui_states_the_write_and_refreshes_the_list(app_for, config, mocks):
    load_named_scenario(config, "markup-in-names")
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        app.push_screen(DetailScreen("811"))
        await settle(app, pilot)
        assert "R3" in text_of(app, "#decision") and "ask" in text_of(app, "#decision")

        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen)
                       and app.screen.query_one("#candidates", DataTable).row_count == 2)
        app.screen.query_one("#candidates", DataTable).move_cursor(row=1)  # cus_markup_new
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = text_of(app, "#confirm-body")
        assert f"{ID_FIELD} (STRIPE CUSTOMER ID (PAYPACK)) (empty) -> cus_markup_new" in body
        assert "Nothing else is written" in body
        assert not ns_customer(mocks, "811").get(ID_FIELD)  # nothing written before the yes

        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and "Link: OK" in text_of(app, "#outcome"))
        await settle(app, pilot)
        assert ns_customer(mocks, "811")[ID_FIELD] == "cus_markup_new"
        assert "R1" in text_of(app, "#decision")  # the stored id now wins

        await pilot.press("escape")  # back to the list: the new id shows without Ctrl+R
        await settle(app, pilot)
        row = app.screen.query_one("#customers", DataTable).get_row("811")
        assert str(row[3]) == "cus_markup_new" and str(row[5]) == "linked cus_markup_new"


async def test_a_typed_id_is_checked_in_stripe_first(app_for, config, mocks):
    load_named_scenario(config, "stale-link")  # 901 names a deleted Stripe customer (R2)
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        app.push_screen(DetailScreen("901"))
        await settle(app, pilot)
        assert "R2" in text_of(app, "#decision") and "l shows the candidates" in text_of(app, "#decision")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen)
                       and "Stripe" in text_of(app, "#link-status") and "reading" not in text_of(app, "#link-status"))
        await pilot.press("i")
        app.screen.query_one("#link-id", Input).value = "cus_nobody"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not linked" in text_of(app, "#link-status"))
        status = text_of(app, "#link-status")
        assert "Stripe has no customer cus_nobody" in status and "Remedy:" in status
        assert isinstance(app.screen, LinkScreen)

        app.screen.query_one("#link-id", Input).value = "cus_elsewhere"  # exists: 902's by email
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "cus_deleted -> cus_elsewhere" in text_of(app, "#confirm-body")
        await pilot.press("n")  # no: nothing written, still choosing
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen))
        assert "nothing was written" in text_of(app, "#link-status")
        assert ns_customer(mocks, "901")[ID_FIELD] == "cus_deleted"
