"""R10 in the TUI, against both mocks as servers: a customer fixes their email in the Stripe portal; the customer
screen and the plan rows show NetSuite's value and Stripe's side by side, and `e` lets the operator choose per
field (policy ask, the default)."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.support.tui_helpers import settle, text_of, wait_for
from tui.screens.detail import DetailScreen
from tui.screens.edits import EditsScreen


async def _synced_then_edited(app, pilot, mocks) -> None:
    """Customer 1004 synced from the TUI (custsync records what it sent), then its email fixed in the portal."""
    await settle(app, pilot)
    app.push_screen(DetailScreen("1004"))
    await settle(app, pilot)
    await pilot.press("s")
    await settle(app, pilot)
    mocks.stripe.control.portal_edit("cus_demo1004", {"email": "payables@fixed.test"})  # the portal allows email
    await pilot.press("r")
    await settle(app, pilot)


async def test_the_customer_screen_shows_both_values_and_e_keeps_stripes(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(140, 45)) as pilot:
        await _synced_then_edited(app, pilot, mocks)
        decision = text_of(app, "#decision")
        assert "Edited in Stripe outside custsync (R10): e chooses per field" in decision
        assert "| Stripe 'payables@fixed.test' (last synced" in decision and "stripe, ask" in decision
        assert decision.index("Edited in Stripe") < decision.index("R10  action: use-linked")

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditsScreen))
        table = app.screen.query_one("#edit-choices", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[:2] for r in rows] == [["email", "push NetSuite's"], ["email", "keep Stripe's"]]
        assert rows[1][3] == "'payables@fixed.test'" and rows[1][2].startswith("'billing")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await settle(app, pilot)
        assert "1 field chosen" in text_of(app, "#outcome")
        assert "R10" not in text_of(app, "#decision").split("\n")[0]  # nothing asks any more
        assert "kept earlier" in text_of(app, "#decision")
    stripe = mocks.stripe.control.state()["accounts"][0]["test"]["customers"]
    assert next(c for c in stripe if c["id"] == "cus_demo1004")["email"] == "payables@fixed.test"


async def test_the_plan_rows_show_both_values(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(200, 45)) as pilot:
        await _synced_then_edited(app, pilot, mocks)
        await pilot.press("escape", "f2", "p")
        await settle(app, pilot)
        table = app.screen.query_one("#customers-plan", DataTable)
        cell = str(table.get_cell("1004", "plan"))
        assert cell.startswith("R10 use-linked needs-decision"), cell
        assert "email: NetSuite 'billing" in cell and "| Stripe 'payables@fixed.test' (ask)" in cell
