"""Mass sync: the plan (dry run) per rule and action, then the run with progress and failures."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, RichLog, Static
from textual.worker import Worker, WorkerState

from sync_core.events import CustomersFound, CustomerSynced, RunFinished, RunStarted
from sync_core.journal import Journal
from sync_core.outcome import Status

from ..messages import MassFailure, MassFinished, MassProgress
from ..widgets.outcome import short_result
from ..widgets.targets import TargetsBar


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"


class MassSyncScreen(Screen[None]):
    BINDINGS = [
        Binding("p", "plan", "Plan (dry run)", id="mass-plan",
                tooltip="What the rules would do for every customer of the saved search; writes nothing"),
        Binding("s", "start", "Start sync", id="mass-start",
                tooltip="Run the mass sync now (writes to Stripe and NetSuite, journaled)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Static("Mass sync over the Mass Customer Sync saved search. p: plan (dry run), s: start.",
                     id="mass-status", classes="status")
        yield Static("No plan yet.", id="plan-title", classes="section")
        table: DataTable[str] = DataTable(id="plan", cursor_type="none")
        table.add_columns("rule + action", "customers")
        yield table
        yield ProgressBar(id="progress", show_eta=True)
        yield Static("", id="counts", classes="status")
        yield Static("Failures (cause and remedy):", classes="section")
        yield RichLog(id="failures", wrap=True, markup=False, highlight=False)
        yield Footer()

    def _ready(self) -> bool:
        if not self.app.engine_ready:  # type: ignore[attr-defined]
            self.notify("The engine is not open yet.", severity="warning")
            return False
        if self.running:
            self.notify("A mass sync is already running.", severity="warning")
            return False
        return True

    def action_plan(self) -> None:
        if self._ready():
            self.run_mass(dry_run=True)

    def action_start(self) -> None:
        if self._ready():
            self.run_mass(dry_run=False)

    @work(exclusive=True, group="mass", exit_on_error=False, description="mass sync")
    async def run_mass(self, dry_run: bool) -> None:
        self.running = True
        engine = self.app.engine  # type: ignore[attr-defined]
        self.query_one("#failures", RichLog).clear()
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        journal = None if dry_run else Journal(engine.config.sync.journal_path)
        by_rule: Counter[str] = Counter()
        try:
            async for event in engine.mass_sync(journal, dry_run=dry_run):
                if isinstance(event, RunStarted):
                    what = "plan (dry run: nothing is written)" if event.dry_run else f"run {event.run_id}"
                    self.query_one("#mass-status", Static).update(f"{what} over saved search {event.search_id}")
                elif isinstance(event, CustomersFound):
                    self.query_one("#progress", ProgressBar).update(total=event.total)
                elif isinstance(event, CustomerSynced):
                    o = event.outcome
                    d = o.decision
                    by_rule[f"{d.rule} {d.action.value}" if d else o.status.value] += 1
                    if not dry_run:
                        self.app.record_result(o.internal_id, short_result(o))  # type: ignore[attr-defined]
                    if o.status is Status.FAILED:
                        self.post_message(MassFailure(o))
                    self.post_message(MassProgress(event.done, event.total, dict(event.counts)))
                elif isinstance(event, RunFinished):
                    self.post_message(MassFinished(event, dry_run, dict(by_rule)))
        finally:
            self.running = False
            if journal is not None:
                journal.close()

    def on_mass_progress(self, message: MassProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total, progress=message.done)
        self.query_one("#counts", Static).update(f"{message.done}/{message.total}: {counts_line(message.counts)}")

    def on_mass_failure(self, message: MassFailure) -> None:
        o = message.outcome
        log = self.query_one("#failures", RichLog)
        log.write(Text(f"customer {o.internal_id} {short_result(o)}: {o.cause or '?'}", style="red"))
        if o.remedy:
            log.write(Text(f"    remedy: {o.remedy}", style="yellow"))

    def on_mass_finished(self, message: MassFinished) -> None:
        f = message.finished
        total = sum(f.counts.values())
        table = self.query_one("#plan", DataTable)
        table.clear()
        self.query_one("#plan-title", Static).update(
            "Plan (dry run): what the rules would do" if message.dry_run else f"Run {f.run_id}: what was done")
        for key, n in sorted(message.by_rule.items()):
            table.add_row(key, str(n))
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=total)
        title = "Plan" if message.dry_run else f"Run {f.run_id}"
        summary = (f"{title} finished: {total} customers in {f.elapsed:.1f}s: {counts_line(f.counts)}. "
                   f"Requests: NetSuite {f.netsuite_requests}, Stripe {f.stripe_requests}, retries {f.retries}.")
        self.query_one("#counts", Static).update(summary)
        self.query_one("#mass-status", Static).update(
            "Plan ready: s starts the sync." if message.dry_run else
            (f"Failures to mend, then: custsync mass-sync --resume {f.run_id} --retry-failed"
             if f.failures else "Run finished with no failures."))
        self.notify(summary, severity="warning" if f.counts.get("failed") else "information")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.running = False
            self.query_one("#mass-status", Static).update(f"mass sync stopped: {event.worker.error}")
            self.notify(f"Mass sync stopped: {event.worker.error}", severity="error")
