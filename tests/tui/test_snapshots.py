"""Snapshots of every screen (the rules screen: test_snapshots_and_cli.py) at 120x40 with stable data: the seeded demo customers, and text that varies
between runs (ports, timings) replaced before the picture is taken."""

from __future__ import annotations

import re
from dataclasses import replace

from textual.widgets import DataTable, Static

from tui.screens.detail import DetailScreen
from tui_helpers import confirm, settle

SIZE = (120, 40)


async def settled(pilot) -> None:
    await settle(pilot.app, pilot)


async def quiet(pilot) -> None:
    """No toasts (they come and go on a timer), and every table re-measured.

    A DataTable widens its columns to new rows on its next idle pass: a snapshot taken
    right after a worker filled it can catch the header still at its old widths.
    """
    pilot.app.clear_notifications()
    # Each mock set has accounts and ports of its own: the header shows steady ones.
    pilot.app.targets = replace(pilot.app.targets, netsuite_account="1234567_SB1", stripe_account="acct_5napshot",
                                netsuite_url="http://127.0.0.1:40001", stripe_url="http://127.0.0.1:40002")
    for table in pilot.app.screen.query(DataTable):
        table.refresh(layout=True)
    for _ in range(3):
        await pilot.pause(0.05)


def test_customers_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=run_before)


def test_detail_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.push_screen(DetailScreen("1004"))
        await settled(pilot)
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=run_before)


def test_mass_sync_plan_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("f2", "p")
        await settled(pilot)
        counts = pilot.app.screen.query_one("#counts", Static)
        text = re.sub(r"in \d+\.\d+s", "in 0.0s", str(counts.render()))
        counts.update(re.sub(r"(?s)[Rr]equests: .*", "requests: (vary)", text))
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=run_before)


def test_doctor_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("f3")
        await settled(pilot)
        screen = pilot.app.screen
        steady = [replace(c, detail=re.sub(r"\d{7}_SB1", "1234567_SB1", re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT",
                                                                             c.detail))) for c in screen.checks]
        screen.show(steady)
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=run_before)


def test_scenarios_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("f5")
        await settled(pilot)
        table = pilot.app.screen.query_one("#scenario-list")
        table.move_cursor(row=table.get_row_index("rematch"))
        await pilot.press("l")
        await confirm(pilot.app, pilot)  # loading replaces the mocks' data: asked first
        await pilot.press("n")  # a dry run: no ids the mock makes up
        await settled(pilot)
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=run_before)


def test_help_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        await quiet(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=run_before)
