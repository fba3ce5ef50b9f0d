"""Helpers shared by the TUI tests."""

from __future__ import annotations

from textual.widgets import DataTable, Static
from textual.worker import WorkerFailed


def text_of(app, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    return str(widget.render())


async def settle(app, pilot) -> None:
    """Wait for the app's workers and the screen updates they cause.

    A worker that fails is part of what the tests drive (an injected 503, say): the app reports
    it on screen, and the test checks the screen. wait_for_complete re-raises the failure only
    when the worker is still registered, so without this the same test passes or fails by timing.
    """
    await pilot.pause()
    try:
        await app.workers.wait_for_complete()
    except WorkerFailed:
        pass
    await pilot.pause()


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    """Pause until `condition()` holds. (A worker waiting on a modal never completes until it is
    answered, so `settle` cannot be used while a question is on screen.)"""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.05)


async def settled(pilot) -> None:
    await settle(pilot.app, pilot)


async def quiet(pilot) -> None:
    """No toasts (they come and go on a timer), and every table re-measured.

    A DataTable widens its columns to new rows on its next idle pass: a snapshot taken
    right after a worker filled it can catch the header still at its old widths.
    """
    pilot.app.clear_notifications()
    for table in pilot.app.screen.query(DataTable):
        table.refresh(layout=True)
    for _ in range(3):
        await pilot.pause(0.05)
