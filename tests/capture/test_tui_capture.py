"""The TUI: `w` on a customer captures it as a scenario file (the same capture as the CLI's)."""

from __future__ import annotations

import time

from textual.widgets import Checkbox, Input, Static

from sync_core.engine import Engine
from testbed.scenario_load import load_scenario
from tui.app import make_app
from tui.screens.detail import DetailScreen
from tui.widgets.path_prompt import PathPrompt

from .conftest import comparable, load_source


async def _until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await pilot.pause(0.05)


def _outcome(app) -> str:
    return str(app.screen.query_one("#outcome", Static).render())


async def _capture(app, pilot, path, *, anonymize: bool = True) -> None:
    await pilot.press("w")
    await _until(pilot, lambda: isinstance(app.screen, PathPrompt))
    app.screen.query_one("#anonymize", Checkbox).value = anonymize
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await _until(pilot, lambda: isinstance(app.screen, DetailScreen) and "Capture" in _outcome(app))


async def test_w_on_a_customer_writes_its_scenario(source, tmp_path):
    config = load_source(source, tmp_path)
    before = comparable(source)
    app = make_app(config, engine_factory=Engine.from_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.engine_ready)
        app.push_screen(DetailScreen("101"))
        await _until(pilot, lambda: isinstance(app.screen, DetailScreen))
        path = tmp_path / "ticket.yaml"
        await _capture(app, pilot, path)
        shown = _outcome(app)
        assert f"wrote {path} (anonymized)" in shown
        assert "decided now: customer 101: R3 ask" in shown and "Stripe requests (reads only)" in shown

        # an existing file: refused, nothing written over it
        await _capture(app, pilot, path)
        assert "nothing written" in _outcome(app) and "exists" in _outcome(app)
    scenario = load_scenario(path).scenario
    assert scenario.steps[0].expect.rule == "R3" and scenario.captured.anonymized
    assert comparable(source) == before
