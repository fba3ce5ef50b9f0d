"""Mass sync: the plan (dry run) per rule and per customer, then the run (new, resumed or retrying failures)
with progress, rate, ETA and failures. The plan stays on screen above the run."""

from __future__ import annotations

import time
from collections import Counter

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, RichLog, Static
from textual.worker import Worker, WorkerState

from sync_core.events import CustomersFound, CustomerSynced, RunFinished, RunStarted
from sync_core.journal import Journal
from sync_core.outcome import Outcome, Status

from ..messages import MassFailure, MassFinished, MassProgress
from ..widgets.outcome import STATUS_STYLE, short_result
from ..widgets.runs import RunPickerScreen
from ..widgets.targets import TargetsBar
from ..widgets.plain import Plain

FLUSH_SECONDS = 0.25  # the per-customer table takes the run's outcomes in batches, not one by one


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"


def rate_line(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or elapsed <= 0:
        return f"{done}/{total}"
    rate = done / elapsed
    eta = (total - done) / rate
    return f"{done}/{total}  {rate:.1f}/s  ETA {int(eta) // 60}:{int(eta) % 60:02d}"


def result_cell(o: Outcome) -> Text:
    text = short_result(o)
    if o.status is Status.FAILED and o.cause:
        text += f": {o.cause}"
    elif o.stripe_customer_id:
        text += f" {o.stripe_customer_id}"
    return Text(text, style=STATUS_STYLE[o.status])


class MassSyncScreen(Screen[None]):
    BINDINGS = [
        Binding("p", "plan", "Plan (dry run)", id="mass-plan",
                tooltip="What the rules would do for every customer of the saved search; writes nothing"),
        Binding("s", "start", "Start sync", id="mass-start",
                tooltip="Run the mass sync now (writes to Stripe and NetSuite, journaled)"),
        Binding("r", "resume", "Resume run", id="mass-resume",
                tooltip="Pick a journaled run and finish what it did not (failures stay failed)"),
        Binding("f", "retry_failed", "Retry failed", id="mass-retry-failed",
                tooltip="Pick a journaled run and redo its failed customers as well as the unfinished ones"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self._buffer: list[tuple[Outcome, bool]] = []  # (outcome, dry_run), flushed into #customers-plan
        self._started = 0.0

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Plain("Mass sync over the Mass Customer Sync saved search. p: plan (dry run), s: start, "
                     "r: resume a run, f: retry a run's failures.", id="mass-status", classes="status")
        with Horizontal(id="mass-top"):
            with Vertical(id="plan-box"):
                yield Plain("No plan yet.", id="plan-title", classes="section")
                table: DataTable[str] = DataTable(id="plan", cursor_type="none")
                table.add_columns("rule + action", "customers")
                yield table
            customers: DataTable[Text] = DataTable(id="customers-plan", cursor_type="row", zebra_stripes=True)
            customers.add_column("id", key="id")
            customers.add_column("plan (dry run)", key="plan")
            customers.add_column("run", key="run")
            yield customers
        yield ProgressBar(id="progress", show_eta=True)
        yield Plain("", id="counts", classes="status")
        yield Plain("Failures (cause and remedy):", classes="section")
        yield RichLog(id="failures", wrap=True, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self._flush)

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
            self.app.confirm_write(  # type: ignore[attr-defined]
                "Start the mass sync", "Syncs every customer the Mass Customer Sync saved search chooses.",
                lambda: self.run_mass(dry_run=False))

    def action_resume(self) -> None:
        self._pick("Resume a run", retry_failed=False)

    def action_retry_failed(self) -> None:
        self._pick("Retry a run's failures", retry_failed=True)

    def _pick(self, purpose: str, *, retry_failed: bool) -> None:
        if not self._ready():
            return
        path = self.app.config.sync.journal_path  # type: ignore[attr-defined]

        def picked(run_id: str | None) -> None:
            if run_id:
                what = "redoes its failed and unfinished customers" if retry_failed else "finishes what it did not"
                self.app.confirm_write(  # type: ignore[attr-defined]
                    f"{purpose}: {run_id}", f"Continues the journaled run {run_id}: {what}.",
                    lambda: self.run_mass(dry_run=False, run_id=run_id, retry_failed=retry_failed))

        self.app.push_screen(RunPickerScreen(path, purpose), picked)

    @work(exclusive=True, group="mass", exit_on_error=False, description="mass sync")
    async def run_mass(self, dry_run: bool, run_id: str | None = None, retry_failed: bool = False) -> None:
        self.running = True
        engine = self.app.engine  # type: ignore[attr-defined]
        self.query_one("#failures", RichLog).clear()
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        if dry_run:
            self.query_one("#customers-plan", DataTable).clear()
        journal = None if dry_run else Journal(engine.config.sync.journal_path)
        by_rule: Counter[str] = Counter()
        self._started = time.monotonic()
        try:
            with self.app.live_writes():  # type: ignore[attr-defined]
                async for event in engine.mass_sync(journal, dry_run=dry_run, run_id=run_id,
                                                    retry_failed=retry_failed):
                    if isinstance(event, RunStarted):
                        what = ("plan (dry run: nothing is written)" if event.dry_run else
                                f"{'resumed' if event.resumed else ''} run {event.run_id}".strip())
                        self.query_one("#mass-status", Static).update(f"{what} over saved search {event.search_id}")
                    elif isinstance(event, CustomersFound):
                        self._started = time.monotonic()
                        self.query_one("#progress", ProgressBar).update(total=event.total)
                        if event.already_done:
                            self.notify(f"{event.already_done} customers were finished by the run already.")
                    elif isinstance(event, CustomerSynced):
                        o = event.outcome
                        d = o.decision
                        by_rule[f"{d.rule} {d.action.value}" if d else o.status.value] += 1
                        if not dry_run:
                            self.app.record_result(o.internal_id, short_result(o))  # type: ignore[attr-defined]
                        self._buffer.append((o, dry_run))
                        if o.status is Status.FAILED:
                            self.post_message(MassFailure(o))
                        self.post_message(MassProgress(event.done, event.total, dict(event.counts)))
                    elif isinstance(event, RunFinished):
                        self.post_message(MassFinished(event, dry_run, dict(by_rule)))
        finally:
            self.running = False
            if journal is not None:
                journal.close()

    def _flush(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        table = self.query_one("#customers-plan", DataTable)
        new = []
        for o, dry_run in batch:
            cell = result_cell(o)
            if o.internal_id in table.rows:
                table.update_cell(o.internal_id, "plan" if dry_run else "run", cell)
            else:
                new.append((o.internal_id, cell, dry_run))
        for iid, cell, dry_run in new:
            table.add_row(Text(iid), cell if dry_run else Text(""), Text("") if dry_run else cell, key=iid)

    def on_mass_progress(self, message: MassProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total, progress=message.done)
        rate = rate_line(message.done, message.total, time.monotonic() - self._started)
        self.query_one("#counts", Static).update(f"{rate}: {counts_line(message.counts)}")

    def on_mass_failure(self, message: MassFailure) -> None:
        o = message.outcome
        log = self.query_one("#failures", RichLog)
        log.write(Text(f"customer {o.internal_id} {short_result(o)}: {o.cause or '?'}", style="red"))
        if o.remedy:
            log.write(Text(f"    remedy: {o.remedy}", style="yellow"))

    def on_mass_finished(self, message: MassFinished) -> None:
        self._flush()
        self.query_one("#customers-plan", DataTable).sort("id", key=lambda cell: int(cell.plain))  # done order varies
        f = message.finished
        total = sum(f.counts.values())
        if message.dry_run:
            table = self.query_one("#plan", DataTable)
            table.clear()
            self.query_one("#plan-title", Static).update("Plan (dry run): what the rules would do")
            for key, n in sorted(message.by_rule.items()):
                table.add_row(key, str(n))
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=total)
        title = "Plan" if message.dry_run else f"Run {f.run_id}"
        summary = (f"{title} finished: {total} customers in {f.elapsed:.1f}s: {counts_line(f.counts)}. "
                   f"Requests: NetSuite {f.netsuite_requests}, Stripe {f.stripe_requests}, retries {f.retries}.")
        if not message.dry_run:
            summary += f" By rule: {counts_line(message.by_rule)}."
        self.query_one("#counts", Static).update(summary)
        self.query_one("#mass-status", Static).update(
            "Plan ready: s starts the sync." if message.dry_run else
            (f"Failures to mend, then f retries them (custsync mass-sync --resume {f.run_id} --retry-failed)"
             if f.failures else "Run finished with no failures."))
        self.notify(summary, severity="warning" if f.counts.get("failed") else "information")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.running = False
            error = event.worker.error
            text = Text(f"mass sync stopped: {getattr(error, 'message', error)}", style="red")
            if getattr(error, "remedy", None):
                text.append(f"  Remedy: {error.remedy}", style="yellow")  # type: ignore[union-attr]
            self.query_one("#mass-status", Static).update(text)
            self.notify(f"Mass sync stopped: {getattr(error, 'message', error)}", severity="error")
