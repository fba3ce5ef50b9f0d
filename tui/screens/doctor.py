"""Doctor: sync_core's troubleshooting checks, PASS/FAIL with remedies."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from sync_core.admin.doctor import Check, run_doctor

from ..typed_app import CustSyncAppAccess
from ..widgets.keys import Keys
from ..widgets.plain import Plain
from ..widgets.targets import TargetsBar


class DoctorScreen(CustSyncAppAccess, Screen[None]):
    BINDINGS = [
        Binding("d", "run", "Run checks", id="doctor-run", tooltip="Run every check again"),
    ]

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Plain("waiting for the engine...", id="doctor-summary", classes="status")
        table: DataTable[Text] = DataTable(id="checks", cursor_type="row")
        table.add_columns("result", "check", "rule", "detail")
        yield table
        with VerticalScroll(id="remedies-box"):
            yield Plain("", id="remedies")
        yield Keys()

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", lambda ready: self.action_run() if ready else None)

    def action_run(self) -> None:
        if self.custsync_app.engine_ready:
            self.query_one("#doctor-summary", Static).update("running checks...")
            self.run_checks()

    @work(exclusive=True, group="doctor", exit_on_error=False, description="doctor")
    async def run_checks(self) -> None:
        checks = await run_doctor(self.custsync_app.ready_engine.services)
        self.show(checks)

    def show(self, checks: list[Check]) -> None:
        self.checks = checks
        table = self.query_one("#checks", DataTable)
        table.clear()
        remedies = Text()
        for c in checks:
            style = {"PASS": "bold green", "WARN": "bold yellow", "FAIL": "bold red"}[c.mark]
            table.add_row(Text(c.mark, style=style), Text(c.title), Text(c.rule or ""), Text(c.detail), key=c.id)
            if not c.ok or c.warning:
                remedies.append(f"{c.mark} {c.title}", style=style)
                remedies.append(f" ({c.rule})" if c.rule else "")
                remedies.append(f": {c.detail}\n")
                if c.remedy:
                    remedies.append("  remedy: ", style="bold yellow")
                    remedies.append(f"{c.remedy}\n")
        failing = [c for c in checks if not c.ok]
        warnings = sum(1 for c in checks if c.ok and c.warning)
        self.query_one("#remedies", Static).update(
            remedies if failing or warnings else Text("All checks pass.", style="green"))
        summary = f"{len(checks)} checks: {len(checks) - len(failing)} pass, {len(failing)} fail"
        if warnings:
            summary += f" ({warnings} with a warning)"
        self.query_one("#doctor-summary", Static).update(summary)
        # The header keeps saying so until a run of the checks passes them (the health check does not clear it).
        self.custsync_app.doctor_failing = tuple(c.title for c in failing)
        self.notify(summary, severity="warning" if failing else "information")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one("#doctor-summary", Static).update(f"doctor could not run: {event.worker.error}")
            self.notify(f"Doctor failed: {event.worker.error}", severity="error")
