"""Mass sync: the plan (dry run) per rule and per customer, then one run (new, resumed, retried, or picked
from the journal) with progress, rate, ETA, and a summary that names each group (synced, needs a decision,
skipped, failed, left) with its count and the next step.

The table shows one run only: the plan and the run it started, or the run picked with v; rows filter by
outcome (o) and sort (t); Enter opens the customer. x stops a running sync (the journal marks it stopped;
r resumes it). With a live Stripe key a run starts only from a plan just seen, confirmed by typing the
NetSuite account name.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, ProgressBar, RichLog
from textual.widgets.data_table import ColumnKey
from textual.worker import Worker, WorkerState

from sync_core.events import CustomersFound, CustomerSynced, PlanReady, RunFinished, RunStarted
from sync_core.outcome import Outcome, Status
from sync_core.rules.stripe_edits import shown
from sync_core.run.journal import Journal, JournalError, Step, opened
from sync_core.run.planner import describe as describe_plan

from ..messages import MassFailure, MassFinished, MassProgress
from ..typed_app import CustSyncAppAccess
from ..widgets.keys import Keys
from ..widgets.outcome import STATUS_STYLE, short_result
from ..widgets.plain import Plain
from ..widgets.runs import RunPickerScreen
from ..widgets.targets import TargetsBar
from ..widgets.type_confirm import TypeToConfirmScreen

FLUSH_SECONDS = 0.25  # the per-customer table takes the run's outcomes in batches, not one by one
PLAN_FRESH_SECONDS = 15 * 60  # a live run starts only from a plan seen this recently (and data unchanged)
FILTERS = ("all", "needs-decision", "failed", "skipped", "ok", "planned", "pending")
SORTS = ("id", "outcome", "rule")
STATE_STYLE = {**{s.value: style for s, style in STATUS_STYLE.items()}, "pending": "dim", "create-attempted": "dim"}
NARROW = 110  # below this many columns the plan-by-rule table and the failures log give the run table room


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
    # R10: each field edited in Stripe outside custsync, both values side by side
    for e in (o.decision.stripe_edits if o.decision else ()):
        if e.new:
            text += f"; {e.field}: NetSuite {shown(e.netsuite)} | Stripe {shown(e.stripe)} ({e.resolution.value})"
    return Text(text, style=STATUS_STYLE[o.status])


def step_cell(step: Step) -> Text:
    text = " ".join(p for p in (step.rule, step.action, step.state) if p)
    if step.state == "failed" and step.error:
        text += f": {step.error}"
    elif step.stripe_customer_id:
        text += f" {step.stripe_customer_id}"
    return Text(text, style=STATE_STYLE.get(step.state, ""))


@dataclass
class Row:
    internal_id: str
    plan: Text | None = None
    run: Text | None = None
    state: str = ""  # the run's state for this customer (ok, needs-decision, ...), else the plan's
    rule: str = ""

    def cells(self) -> tuple[Text, Text, Text]:
        return Text(self.internal_id), self.plan or Text(""), self.run or Text("")


def summary_text(title: str, counts: dict[str, int], *, dry_run: bool, run_id: str | None, stopped: str = "") -> Text:
    """Each group with its count and the next step; "no failures" is said only when all are synced."""
    t = Text()
    total = sum(counts.values())
    t.append(f"{title}: {total} customers", style="bold")
    if stopped:
        t.append(f"  {stopped}", style="bold yellow")
    t.append("\n")
    if dry_run:
        t.append(f"  planned {counts.get('planned', 0)}: s starts the run.\n", style="cyan")
    groups = [
        ("ok", "synced", "green", "nothing to do"),
        ("needs-decision", "need a decision", "yellow",
         "o filters them; Enter opens one, l chooses its Stripe customer; then f retries them"),
        ("skipped", "skipped", "yellow", "nothing to match on (R4): fill in an email or the Stripe id in NetSuite"),
        ("failed", "failed", "red", "cause and remedy below; mend them, then f retries them"),
        ("pending", "not done yet", "dim", "r resumes the run"),
    ]
    left = counts.get("pending", 0) + counts.get("create-attempted", 0)
    shown = {**counts, "pending": left}
    for key, label, style, step in groups:
        n = shown.get(key, 0)
        if n and not (dry_run and key == "ok"):
            t.append(f"  {label} {n}", style=f"bold {style}")
            t.append(f": {step}\n")
    if not dry_run and run_id and total and shown.get("ok", 0) == total:
        t.append("  Every customer synced: no failures, nothing left.\n", style="green")
    return t


class MassSyncScreen(CustSyncAppAccess, Screen[None]):
    BINDINGS = [
        Binding("p", "plan", "Plan", id="mass-plan",
                tooltip="What the rules would do for every customer of the saved search; writes nothing"),
        Binding("s", "start", "Start", id="mass-start",
                tooltip="Run the mass sync now (writes to Stripe and NetSuite, journaled)"),
        Binding("x", "stop", "Stop", id="mass-stop",
                tooltip="Stop the running sync; the journal marks it stopped and r resumes it"),
        Binding("v", "view_run", "Runs", id="mass-view",
                tooltip="Pick a journaled run to show (target, start, counts, status)"),
        Binding("r", "resume", "Resume", id="mass-resume",
                tooltip="Pick a journaled run and finish what it did not (failures stay failed)"),
        Binding("f", "retry_failed", "Retry", id="mass-retry-failed",
                tooltip="Pick a journaled run and redo its failed customers, and those decided since it ran"),
        Binding("o", "cycle_filter", "Filter", id="mass-filter", show=False, tooltip="Show only one outcome (cycles)"),
        Binding("t", "cycle_sort", "Sort", id="mass-sort", show=False, tooltip="Sort by id, outcome or rule (cycles)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.run_id: str | None = None  # the run the table shows (None: a plan, or nothing)
        self.rows: dict[str, Row] = {}
        self.filter, self.sort = "all", "id"
        self.plan_seen: tuple[float, int] | None = None  # (when, data_version) of the last complete plan
        self._buffer: list[tuple[Outcome, bool]] = []  # (outcome, dry_run), flushed into #customers-plan
        self._started = 0.0
        self._stopping = False
        self._stop = asyncio.Event()  # set: the running mass sync stops between customers
        self._requests = (0, 0, 0)  # NetSuite, Stripe, retries before this run: the summary counts this run's
        self._plan_reads = ""  # what planning read, and how Stripe was read: said again when the run ends

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Plain("Mass sync over the Mass Customer Sync saved search. p plans (dry run), s starts, "
                    "v shows a journaled run, r resumes one, f retries its failures.", id="mass-status",
                    classes="status")
        with Horizontal(id="mass-top"):
            with Vertical(id="plan-box"):
                yield Plain("No plan yet.", id="plan-title", classes="section")
                table: DataTable[str] = DataTable(id="plan", cursor_type="none")
                table.add_columns("rule + action", "customers")
                yield table
            with Vertical(id="run-box"):
                yield Plain("No run shown.", id="run-title", classes="status")
                customers: DataTable[Text] = DataTable(id="customers-plan", cursor_type="row", zebra_stripes=True)
                customers.add_column("id", key="id")
                customers.add_column("plan (dry run)", key="plan")
                customers.add_column("run", key="run")
                yield customers
        yield ProgressBar(id="progress", show_eta=True)
        yield Plain("", id="counts", classes="status")
        yield Plain("", id="summary", classes="status")
        yield RichLog(id="failures", wrap=True, markup=False, highlight=False)
        yield Keys()

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self._flush)
        self.watch(self.app, "dataset_version", self._dataset_changed, init=False)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    def _dataset_changed(self, _version: int) -> None:
        """A scenario replaced the mocks' customers: rows of the earlier data set are not shown."""
        if not self.running:
            self.run_id, self.rows, self.plan_seen = None, {}, None
            self._render_rows()
            self.query_one("#plan", DataTable).clear()
            self.query_one("#plan-title", Plain).update("No plan yet (the data changed).")
            self.query_one("#summary", Plain).update("")
            self.query_one("#counts", Plain).update("")
            self.query_one("#failures", RichLog).clear()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running or None  # greyed out while nothing runs
        if action in ("plan", "start", "resume", "retry_failed", "view_run"):
            return (not self.running) or None
        return True

    def _ready(self) -> bool:
        if not self.custsync_app.engine_ready:
            self.notify("The engine is not open yet.", severity="warning")
            return False
        if self.running:
            self.notify("A mass sync is already running: x stops it.", severity="warning")
            return False
        return True

    def _journal_path(self):
        return self.custsync_app.config.sync.journal_path

    # --- starting ------------------------------------------------------------------

    def action_plan(self) -> None:
        if self._ready():
            self.run_mass(dry_run=True)

    def action_start(self) -> None:
        if self._ready():
            self.start_flow()

    @work(exclusive=True, group="mass-ask", exit_on_error=False, description="asking before the run")
    async def start_flow(self) -> None:
        app = self.custsync_app
        if app.live:
            fresh = (self.plan_seen is not None and time.time() - self.plan_seen[0] < PLAN_FRESH_SECONDS
                     and self.plan_seen[1] == app.data_version)
            if not fresh:
                self.notify("With a live Stripe key a mass sync starts only from a plan you have just seen: "
                            "p plans (writes nothing), then s.", severity="warning", timeout=10)
                return
            account = app.config.netsuite.account
            counts = self.plan_counts()
            ok = await app.push_screen_wait(TypeToConfirmScreen(
                "Start the LIVE mass sync", f"The plan you just saw: {counts_line(counts)}. This writes to real "
                f"Stripe customers and to NetSuite account {account}.", account))
            if not ok:
                self.notify("Cancelled: nothing was written.", severity="warning")
                return
        self.run_mass(dry_run=False)

    def plan_counts(self) -> dict[str, int]:
        return dict(Counter(r.rule for r in self.rows.values() if r.plan is not None))

    def action_resume(self) -> None:
        self._pick("Resume a run", retry_failed=False)

    def action_retry_failed(self) -> None:
        self._pick("Retry a run's failures and decided customers", retry_failed=True)

    def action_view_run(self) -> None:
        if self._ready():
            self.view_flow()

    @work(exclusive=True, group="mass-ask", exit_on_error=False, description="picking a run")
    async def view_flow(self) -> None:
        run_id = await self.app.push_screen_wait(RunPickerScreen(self._journal_path(), "Show a run"))
        if run_id:
            self.show_run(run_id)

    def _pick(self, purpose: str, *, retry_failed: bool) -> None:
        if self._ready():
            self.pick_flow(purpose, retry_failed)

    @work(exclusive=True, group="mass-ask", exit_on_error=False, description="picking a run")
    async def pick_flow(self, purpose: str, retry_failed: bool) -> None:
        app = self.custsync_app
        run_id = await app.push_screen_wait(RunPickerScreen(self._journal_path(), purpose))
        if not run_id:
            return
        reopened: list[str] = []
        if retry_failed:
            with Journal(self._journal_path()) as journal:
                reopened = journal.reopen_decided(run_id)
        what = ("redoes its failed and unfinished customers" if retry_failed else "finishes what it did not")
        if reopened:
            what += f", and {len(reopened)} customer(s) decided since it ran ({', '.join(reopened[:5])})"
        if app.live:
            account = app.config.netsuite.account
            ok = await app.push_screen_wait(TypeToConfirmScreen(f"{purpose}: {run_id}",
                                                                f"Continues the journaled run: {what}.", account))
            if not ok:
                return
        self.notify(f"{purpose}: {run_id} {what}.")
        self.run_mass(dry_run=False, run_id=run_id, retry_failed=retry_failed)

    # --- showing one run -----------------------------------------------------------

    def show_run(self, run_id: str) -> None:
        """The journaled run's customers and summary (an earlier run, or one killed from outside)."""
        path = self._journal_path()
        with Journal(path) as journal:
            try:
                info = journal.run(run_id)
            except JournalError as exc:
                self.notify(str(exc), severity="error")
                return
            status = journal.status_of(info)
            steps = journal.steps(run_id)
        self.run_id = run_id
        self.rows = {}
        for step in steps:
            self.rows[step.internal_id] = Row(step.internal_id, run=step_cell(step), state=step.state,
                                              rule=" ".join(p for p in (step.rule, step.action) if p))
        self._render_rows()
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.started))
        stopped = {"interrupted": "INTERRUPTED: its process is gone; r resumes it.",
                   "stopped": "STOPPED by the operator; r resumes it.",
                   "running": "still running (another process)."}.get(status, "")
        self.query_one("#summary", Plain).update(summary_text(f"Run {run_id} ({status}, started {started})",
                                                              info.counts, dry_run=False, run_id=run_id,
                                                              stopped=stopped))
        self.query_one("#counts", Plain).update(f"Journaled counts: {counts_line(info.counts)}")
        log = self.query_one("#failures", RichLog)
        log.clear()
        for step in steps:
            if step.state == "failed":
                self._log_failure(step.internal_id, " ".join(p for p in (step.rule, "failed") if p), step.error,
                                  step.remedy)

    def _title(self) -> None:
        what = f"run {self.run_id}" if self.run_id else ("plan (dry run)" if self.rows else "No run shown")
        shown = self.query_one("#customers-plan", DataTable).row_count
        self.query_one("#run-title", Plain).update(
            f"{what}: {shown} of {len(self.rows)} customers  filter (o): {self.filter}  sort (t): {self.sort}  "
            "Enter opens one")

    def _passes(self, row: Row) -> bool:
        return self.filter == "all" or row.state == self.filter or (
            self.filter == "pending" and row.state in ("pending", "create-attempted"))

    def _sorted(self) -> list[Row]:
        rows = list(self.rows.values())

        def by_id(r: Row) -> tuple[int, str]:
            return (int(r.internal_id) if r.internal_id.isdigit() else 0, r.internal_id)

        if self.sort == "outcome":
            return sorted(rows, key=lambda r: (r.state, by_id(r)))
        if self.sort == "rule":
            return sorted(rows, key=lambda r: (r.rule, by_id(r)))
        return sorted(rows, key=by_id)

    def _render_rows(self) -> None:
        table = self.query_one("#customers-plan", DataTable)
        table.clear()
        table.columns[ColumnKey("run")].label = Text(f"run {self.run_id}" if self.run_id else "run")
        for row in self._sorted():
            if self._passes(row):
                table.add_row(*row.cells(), key=row.internal_id)
        self._title()

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self._render_rows()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._render_rows()

    @on(DataTable.RowSelected, "#customers-plan")
    def _open(self, event: DataTable.RowSelected) -> None:
        from .detail import DetailScreen

        if event.row_key.value is not None:
            self.app.push_screen(DetailScreen(str(event.row_key.value)))

    # --- the run -------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.running:
            self.stop_run()

    def stop_run(self, *, quitting: bool = False) -> None:
        """Stop between customers: those in flight finish, the rest stay pending in the journal and resume
        continues the run. Quitting cancels the customers in flight too (a create already sent is found again
        by its idempotency key and tag, so resume redoes them safely)."""
        self._stopping = True
        self._stop.set()
        if self.run_id:
            with Journal(self._journal_path()) as journal:
                journal.finish_run(self.run_id, "stopped")
        if quitting:
            self.workers.cancel_group(self, "mass")
        else:
            self.notify(f"Stopping run {self.run_id} after the customers in flight: r resumes it.", severity="warning")

    @work(exclusive=True, group="mass", exit_on_error=False, description="mass sync")
    async def run_mass(self, dry_run: bool, run_id: str | None = None, retry_failed: bool = False) -> None:
        self.running, self._stopping, self._stop = True, False, asyncio.Event()
        self.refresh_bindings()
        app = self.custsync_app
        engine = app.ready_engine
        self._requests = (engine.netsuite.requests, engine.stripe.requests, engine.retries)
        self._plan_reads = ""
        self.query_one("#failures", RichLog).clear()
        self.query_one("#summary", Plain).update("Reading the customers and planning…")
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        for eta in self.query_one("#progress", ProgressBar).query("ETAStatus"):
            eta.display = True
        if dry_run:
            self.run_id, self.rows = None, {}
        elif run_id is not None:
            self.show_run(run_id)  # the resumed run's journaled rows, updated as it goes
        else:
            self.run_id = None
            self.rows = {iid: Row(iid, plan=r.plan, rule=r.rule, state="pending")
                         for iid, r in self.rows.items() if r.plan is not None}
        self._render_rows()
        # A dry run writes no journal, but reads one that exists (R10's records), to plan as the run would.
        files = ExitStack()
        journal = files.enter_context(opened(engine.config.sync.journal_path, read_only=dry_run))
        by_rule: Counter[str] = Counter()
        self._started = time.monotonic()
        try:
            with app.live_writes():
                async for event in engine.mass_sync(journal, dry_run=dry_run, run_id=run_id,
                                                    retry_failed=retry_failed, stop=self._stop):
                    if isinstance(event, RunStarted):
                        self._run_started(event, run_id)
                    elif isinstance(event, PlanReady):
                        self._started = time.monotonic()
                        lines = describe_plan(event.plan.summary())
                        self._plan_reads = "; ".join(lines[2:])  # the rules' counts are the table's
                        self.query_one("#summary", Plain).update(
                            f"Plan{' (nothing written)' if dry_run else ''}: {'; '.join([lines[0], *lines[2:]])}.")
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
                            app.record_result(o.internal_id, short_result(o))
                        self._buffer.append((o, dry_run))
                        if o.status is Status.FAILED:
                            self.post_message(MassFailure(o))
                        self.post_message(MassProgress(event.done, event.total, dict(event.counts)))
                    elif isinstance(event, RunFinished):
                        self.post_message(MassFinished(event, dry_run, dict(by_rule)))
        finally:
            self.running = False
            files.close()
            if not dry_run:
                app.data_changed()
            if self._stopping and self.is_mounted:
                self._stopped()
            self.refresh_bindings()

    def _run_started(self, event: RunStarted, resumed_id: str | None) -> None:
        if event.dry_run or event.run_id is None:
            what = "plan (dry run: nothing is written)"
        else:
            self.run_id = event.run_id
            netsuite, stripe, _live = self.custsync_app.targets
            with Journal(self._journal_path()) as journal:
                journal.claim(event.run_id, f"NetSuite {netsuite}; Stripe {stripe}")
            what = f"{'resumed' if event.resumed else ''} run {event.run_id}".strip()
            self._render_rows()
        self.query_one("#mass-status", Plain).update(f"{what} over saved search {event.search_id}. "
                                                     + ("x stops it." if not event.dry_run else ""))

    def _stopped(self) -> None:
        self._flush()
        if self.run_id:
            self.show_run(self.run_id)
        self.query_one("#mass-status", Plain).update(
            Text(f"Run {self.run_id} stopped: r resumes it (custsync mass-sync --resume {self.run_id}).",
                 style="bold yellow"))

    def _flush(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        table = self.query_one("#customers-plan", DataTable)
        for o, dry_run in batch:
            cell = result_cell(o)
            row = self.rows.setdefault(o.internal_id, Row(o.internal_id))
            if dry_run:
                row.plan = cell
            else:
                row.run = cell
            row.state = o.status.value
            row.rule = f"{o.decision.rule} {o.decision.action.value}" if o.decision else o.status.value
            if o.internal_id in table.rows:
                if self._passes(row):
                    table.update_cell(o.internal_id, "plan" if dry_run else "run", cell, update_width=True)
                else:
                    table.remove_row(o.internal_id)
            elif self._passes(row):
                table.add_row(*row.cells(), key=o.internal_id)
        self._title()

    def on_mass_progress(self, message: MassProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total, progress=message.done)
        rate = rate_line(message.done, message.total, time.monotonic() - self._started)
        self.query_one("#counts", Plain).update(f"{rate}: {counts_line(message.counts)}")

    def _log_failure(self, internal_id: str, what: str, cause: str | None, remedy: str | None) -> None:
        log = self.query_one("#failures", RichLog)
        log.write(Text(f"customer {internal_id} {what}: {cause or '?'}", style="red"))
        if remedy:
            log.write(Text(f"    remedy: {remedy}", style="yellow"))

    def on_mass_failure(self, message: MassFailure) -> None:
        o = message.outcome
        self._log_failure(o.internal_id, short_result(o), o.cause, o.remedy)

    def on_mass_finished(self, message: MassFinished) -> None:
        self._flush()
        self._render_rows()
        f = message.finished
        total = sum(f.counts.values())
        if message.dry_run:
            table = self.query_one("#plan", DataTable)
            table.clear()
            self.query_one("#plan-title", Plain).update("Plan (dry run): what the rules would do")
            for key, n in sorted(message.by_rule.items()):
                table.add_row(key, str(n))
            self.plan_seen = (time.time(), self.custsync_app.data_version)
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(total, 1), progress=total)
        for eta in bar.query("ETAStatus"):
            eta.display = False  # done: an ETA would only say 00:00:00 or --:--:--
        ns0, st0, r0 = self._requests
        title = "Plan" if message.dry_run else f"Run {f.run_id}"
        counts = dict(f.counts)
        if not message.dry_run and f.run_id:  # the whole run's customers, a resumed run's earlier ones too
            try:
                with Journal(self._journal_path()) as journal:
                    counts = journal.run(f.run_id).counts
            except JournalError:
                pass
        self.query_one("#summary", Plain).update(summary_text(title, counts, dry_run=message.dry_run,
                                                              run_id=f.run_id,
                                                              stopped="STOPPED by the operator; r resumes it."
                                                              if f.stopped else ""))
        requests = (f"{title} finished: {total} customers in {f.elapsed:.1f}s: {counts_line(f.counts)}. "
                    f"This run's requests: NetSuite "
                    f"{f.netsuite_requests - ns0}, Stripe {f.stripe_requests - st0}, retries {f.retries - r0}.")
        if not message.dry_run:
            requests += f" By rule: {counts_line(message.by_rule)}."
        if self._plan_reads:
            requests += f" {self._plan_reads[0].upper()}{self._plan_reads[1:]}."
        self.query_one("#counts", Plain).update(requests)
        needs = counts.get("needs-decision", 0) + counts.get("skipped", 0) + counts.get("failed", 0)
        if f.stopped:
            self.notify(f"{title} stopped: {counts_line(counts)}", severity="warning")
            return  # the status says how to resume (_stopped)
        self.query_one("#mass-status", Plain).update(
            "Plan ready: s starts the sync." if message.dry_run else
            (f"Run {f.run_id} finished; {needs} customer(s) need you (below). After mending, f retries them "
             f"(custsync mass-sync --resume {f.run_id} --retry-failed)." if needs else
             f"Run {f.run_id} finished: every customer synced."))
        self.notify(f"{title} finished: {counts_line(counts)}",
                    severity="warning" if needs and not message.dry_run else "information")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "mass" and event.state is WorkerState.CANCELLED:
            self.running = False
            self.refresh_bindings()
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if event.worker.group == "mass":
                self.running = False
                self.refresh_bindings()
            text = Text(f"{event.worker.description} stopped: {getattr(error, 'message', error)}", style="red")
            if getattr(error, "remedy", None):
                text.append(f"  Remedy: {error.remedy}", style="yellow")  # type: ignore[union-attr]
            self.query_one("#mass-status", Plain).update(text)
            self.notify(f"Mass sync stopped: {getattr(error, 'message', error)}", severity="error")
            self.custsync_app.worker_failed()
