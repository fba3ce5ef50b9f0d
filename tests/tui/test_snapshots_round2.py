"""Snapshots of the screens issue 16 added or reshaped where the look matters: choosing a Stripe customer
among candidates whose names look like markup (shown literally), and the mass-sync screen at 80x24."""

from __future__ import annotations

import re

from textual.widgets import DataTable, Static

from testbed.scenario_load import load_scenario, resolve
from testbed.scenario_runner import MockPair
from tests.support.tui_helpers import quiet, settled
from tui.screens.detail import DetailScreen


def test_link_candidates_with_markup_names_snapshot(snap_compare, app_for, config):
    MockPair.attach(config.model_copy(deep=True)).load(
        load_scenario(resolve("markup-in-names")).scenario.given, config)

    async def run_before(pilot):
        await settled(pilot)
        pilot.app.push_screen(DetailScreen("811"))
        await settled(pilot)
        await pilot.press("l")
        for _ in range(100):
            await pilot.pause(0.05)
            tables = pilot.app.screen.query("#candidates")
            if tables and tables.first(DataTable).row_count == 2:
                break
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=(160, 45), run_before=run_before)


def test_mass_sync_plan_at_80x24_snapshot(snap_compare, app_for):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("f2", "p")
        await settled(pilot)
        counts = pilot.app.screen.query_one("#counts", Static)
        text = re.sub(r"in \d+\.\d+s", "in 0.0s", str(counts.render()))
        counts.update(re.sub(r"(?s)[Rr]equests: .*", "requests: (vary)", text))
        await quiet(pilot)

    assert snap_compare(app_for(), terminal_size=(80, 24), run_before=run_before)
