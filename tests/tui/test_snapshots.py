"""Snapshots of every screen (the rules screen: test_snapshots_and_cli.py) at 120x40 with stable data: the seeded demo
customers, and text that varies between runs (ports, timings) replaced before the picture is taken."""

from __future__ import annotations

import re
from dataclasses import replace

from textual.widgets import Static

from tests.support.tui_helpers import confirm, quiet, settled
from tui.screens.detail import DetailScreen

SIZE = (120, 40)


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
        ns = pilot.app.config.netsuite
        # Made afresh by every start of the mocks: the M2M ids, the certificate's dates; and the ports.
        varying = [(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"), (re.escape(ns.certificate_id or "-"), "CERTIFICATE-ID"),
                   (re.escape((ns.client_id or "-")[:8]), "CLIENTID"), (r"\d{4}-\d\d-\d\d \(\d+ days\)", "DATE (N days)"),
                   (r"\d{7}_SB1", "1234567_SB1")]

        def steady(text: str) -> str:
            for pattern, fixed in varying:
                text = re.sub(pattern, fixed, text)
            return text

        screen.show([replace(c, detail=steady(c.detail)) for c in screen.checks])
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
