"""A run the CLI holds (a scheduled `custsync mass-sync`, another process) shows in the TUI's run picker as
running, however quiet its journal, not as interrupted; once its process is gone it shows as interrupted."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from textual.widgets import DataTable

from sync_core.run.journal import Journal
from sync_core.run.target import RunTarget
from tests.support.tui_helpers import settle, wait_for
from tui.widgets.runs import RunPickerScreen


async def picker_status(app_for) -> str:
    """The status the TUI's run picker (F2, v) shows for the latest run."""
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "v")
        await wait_for(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        return str(app.screen.query_one("#runs", DataTable).get_row_at(0)[1])  # run, status, started, ...


async def test_a_run_another_process_holds_shows_as_running_then_interrupted_when_it_is_gone(app_for, config):
    cron = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])  # the scheduled run's process
    try:
        journal = Journal(config.sync.journal_path)
        target = RunTarget(config.netsuite.account, "acct_demo", "test")
        run_id = journal.start_run(config.netsuite.mass_customer_sync_search, target)
        journal.add_pending(run_id, [str(i) for i in range(1001, 1011)])
        journal._db.execute("UPDATE steps SET updated = updated - 3600")  # quiet for an hour: reading, say
        journal._db.execute("UPDATE runs SET started = started - 3600")
        journal._db.execute("INSERT INTO run_locks VALUES (?, ?, ?, ?, ?, ?)",
                            (f"{config.netsuite.account}|acct_demo|test", run_id, cron.pid, socket.gethostname(),
                             time.time() - 3600, time.time()))
        journal.close()
        assert await picker_status(app_for) == "running"
    finally:
        cron.kill()
        cron.wait()
    assert await picker_status(app_for) == "interrupted"
