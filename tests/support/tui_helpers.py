"""Helpers shared by the TUI tests."""

from __future__ import annotations

import time
from dataclasses import replace

from textual.widgets import DataTable, Static
from textual.worker import WorkerFailed, WorkerState

SETTLE_TIMEOUT_S = 60.0


def text_of(app, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    return str(widget.render())


async def settle(app, pilot) -> None:
    """Wait for the app's workers and the screen updates they cause.

    A worker that fails is part of what the tests drive (an injected 503, say): the app reports
    it on screen, and the test checks the screen. wait_for_complete re-raises the failure only
    when the worker is still registered, so without this the same test passes or fails by timing.
    A worker may start another as it ends (a check that rereads the records when done): the wait goes on
    until no worker is left running, not only those running when it began.
    """
    await pilot.pause()
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass
        await pilot.pause()
        running = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not running:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still running after {SETTLE_TIMEOUT_S} s: {running}")


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    """Pause until `condition()` holds. (A worker waiting on a modal never completes until it is
    answered, so `settle` cannot be used while a question is on screen.)"""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.05)


async def start_mass_sync(app, pilot):
    """F2 then s, once the app has settled: a mass sync starts. The mass sync screen, its run going on."""
    await settle(app, pilot)
    await pilot.press("f2", "s")
    return app.screen


async def run_started(app, pilot):
    """start_mass_sync, then until the run is journaled (it has a run id) and still running."""
    mass = await start_mass_sync(app, pilot)
    await wait_for(pilot, lambda: mass.running and mass.run_id is not None)
    return mass


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


async def confirm(app, pilot, key: str = "y") -> None:
    """Answer the yes/no question on screen (loading a scenario asks first: it replaces the mocks' data)."""
    from tui.widgets.confirm import ConfirmScreen

    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press(key)
    await settle(app, pilot)


async def type_path(app, pilot, key: str, path) -> None:
    """F5, then `key` (o opens a file, w saves the mocks) and the path typed into its prompt, Enter."""
    from textual.widgets import Input

    from tui.widgets.path_prompt import PathPrompt

    await settle(app, pilot)
    await pilot.press("f5")
    await settle(app, pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
