"""Issue 16: an 80x24 terminal shows the header, every footer key and the help; the mass-sync table shows
more than three rows; the header's health comes from a real check of both services."""

from __future__ import annotations

from textual.widgets import DataTable, Footer

from tests.support.tui_helpers import settle, text_of
from tui.screens.help import HelpScreen

NARROW = (80, 24)


def footer_fits(app) -> bool:
    footer = app.screen.query_one(Footer)
    keys = list(footer.children)
    return bool(keys) and all(k.region.right <= footer.region.right and k.region.width > 0 for k in keys)


async def test_80x24_header_footer_help_and_mass_table_fit(app_for):
    app = app_for()
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        header = text_of(app, "#targets")
        assert len(header) <= 80 and "connected" in header
        assert f"NS: mock {app.targets.netsuite_account}  Stripe: mock {app.targets.stripe_account} test" in header
        assert footer_fits(app)

        await pilot.press("f2", "p")
        await settle(app, pilot)
        await pilot.pause(0.3)
        assert footer_fits(app)
        table = app.screen.query_one("#customers-plan", DataTable)
        assert table.region.height - 1 > 3  # header row + more than three customers
        assert table.row_count == 40

        from tui.screens.detail import DetailScreen

        app.push_screen(DetailScreen("1001"))
        await settle(app, pilot)
        await pilot.pause(0.3)
        assert footer_fits(app)
        app.pop_screen()

        app.push_screen(HelpScreen())
        await pilot.pause()
        box = app.screen.query_one("#help-box")
        assert box.region.right <= 80 and box.region.bottom <= 24


async def test_health_reports_an_unreachable_service_with_its_cause(app_for, mocks):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        assert app.health == "connected" and app.health_checked is not None
        mocks.stripe.control.faults(error_rate=1.0)
        try:
            app.check_health()  # what the timer does every HEALTH_SECONDS, and a failed worker at once
            await settle(app, pilot)
            assert app.health.startswith("unreachable: Stripe:")
            assert "unreachable: Stripe:" in text_of(app, "#targets")
        finally:
            mocks.stripe.control.faults(error_rate=0.0)
        app.check_health()
        await settle(app, pilot)
        assert app.health == "connected"


async def test_at_80_columns_the_header_says_down_with_the_cause(app_for, mocks):
    app = app_for()
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        mocks.stripe.control.faults(error_rate=1.0)
        try:
            app.check_health()
            await settle(app, pilot)
            assert "DOWN: Stripe:" in text_of(app, "#targets")
        finally:
            mocks.stripe.control.faults(error_rate=0.0)
