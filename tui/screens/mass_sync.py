"""Mass sync: the plan (dry run) per rule and per customer, then one run (new, resumed, retried, or picked
from the journal) with progress, rate and ETA of the writes still to do, and a summary that names each group
(synced, needs a decision, skipped, failed, left) with its count and the next step.

The table shows one run only: the plan and the run it started, or the run picked with v; rows filter by
outcome (o) and sort (t); Enter opens the customer. r resumes and f retries the run on screen (v picks
another): a retry redoes that run's failed and decided customers, and asks first before it does anything
more. x stops a running sync (the journal marks it stopped; r resumes it). With a live Stripe key a run
starts only from a plan just seen, confirmed by typing the NetSuite account name.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, ProgressBar, RichLog
from textual.widgets.data_table import ColumnKey
from textual.worker import Worker, WorkerState

from sync_core.events import CustomersFound, CustomerSynced, PlanReady, RunFinished, RunStarted, StripeWritten
from sync_core.outcome import Outcome, Status
from sync_core.plural import plural
from sync_core.rules.stripe_edits import shown
from sync_core.run.journal import Journal, JournalError, RunInfo, Step, opened
from sync_core.run.planner import describe as describe_plan
from sync_core.run.resume_scope import retry_scope
from sync_core.run.target import current_target

from ..last_result import LastResult
from ..messages import MassFailure, MassFinished, MassProgress
from ..widgets.confirm import ConfirmScreen
from ..widgets.keys import Keys
from ..widgets.outcome import STATUS_STYLE, short_result
from ..widgets.plain import Plain
from ..widgets.runs import RunPickerScreen
from ..widgets.targets import TargetsBar
from ..widgets.type_confirm import TypeToConfirmScreen

if TYPE_CHECKING:
    from ..app import CustSyncApp

FLUSH_SECONDS = 0.25  # the per-customer table takes the run's outcomes in batches, not one by one
PLAN_FRESH_SECONDS = 15 * 60  # a live run starts only from a plan seen this recently (and data unchanged)
FILTERS = ("all", "needs-decision", "failed", "skipped", "ok", "planned", "pending")
SORTS = ("id", "outcome", "rule")
STATE_STYLE = {**{s.value: style for s, style in STATUS_STYLE.items()}, "pending": "dim", "create-attempted": "dim"}
NARROW = 110  # below this many columns the plan-by-rule table gives the run table room, and lines are shorter
NO_REMEDY = "mend the cause, then f retries it; Enter on its row shows both records"


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"


def eta_text(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def rate_line(done: int, total: int, writes_done: int, writes_total: int, elapsed: float) -> str:
    """Customers done, and the rate and one ETA of the writes: customers that need no write finish at once and
    would make both look better than they are."""
    line = f"{done}/{total} customers"
    if writes_total <= 0:
        return line
    line += f"; writes {writes_done}/{writes_total}"
    if writes_done <= 0 or elapsed <= 0:
        return line
    rate = writes_done / elapsed
    return f"{line}  {rate:.1f}/s  ETA {eta_text((writes_total - writes_done) / rate)}"


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
    cause: str | None = None
    remedy: str | None = None

    def cells(self) -> tuple[Text, Text, Text]:
        return Text(self.internal_id), self.plan or Text(""), self.run or Text("")


GROUPS = [  # (state, label, style, next step, the same in fewer words): the summary's lines
    ("ok", "synced", "green", "", ""),
    ("needs-decision", "need a decision", "yellow", "o shows them, Enter opens one, l links it; then f retries",
     "Enter opens one, l links it; then f"),
    ("skipped", "skipped", "yellow", "no email and no Stripe id to match on (R4): fill one in NetSuite",
     "no email or Stripe id (R4)"),
    ("failed", "failed", "red", "cause and remedy below; mend them, then f retries them", "see below; mend, then f"),
    ("pending", "not done yet", "dim", "r resumes the run", "r resumes"),
]


def summary_text(title: str, counts: dict[str, int], *, dry_run: bool, run_id: str | None, stopped: str = "",
                 narrow: bool = False) -> Text:
    """Each group with its count and the next step (`narrow`: in fewer words, a line each at 80 columns);
    "no failures" is said only when all are synced."""
    t = Text()
    total = sum(counts.values())
    t.append(f"{title}: {plural(total, 'customer')}", style="bold")
    if stopped:
        t.append(f"  {stopped}", style="bold yellow")
    t.append("\n")
    if dry_run:
        t.append(f"  planned {counts.get('planned', 0)}: s starts the run.\n", style="cyan")
    left = counts.get("pending", 0) + counts.get("create-attempted", 0)
    shown = {**counts, "pending": left}
    for key, label, style, step, short in GROUPS:
        step = short if narrow else step
        n = shown.get(key, 0)
        if n and not (dry_run and key == "ok"):
            t.append(f"  {label} {n}", style=f"bold {style}")
            t.append(f": {step}\n" if step else "\n")
    if not dry_run and run_id and total and shown.get("ok", 0) == total:
        t.append("  Every customer synced: no failures, nothing left.\n", style="green")
    return t


class MassSyncScreen(Screen[None]):
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
                tooltip="Finish what the run on screen did not (or pick one); failures stay failed"),
        Binding("f", "retry_failed", "Retry", id="mass-retry-failed",
                tooltip="Redo the failed customers of the run on screen (or pick one) and those decided since it "
                "ran; asks first before doing more"),
        Binding("o", "cycle_filter", "Filter", id="mass-filter", show=False, tooltip="Show only one outcome (cycles)"),
        Binding("t", "cycle_sort", "Sort", id="mass-sort", show=False, tooltip="Sort by id, outcome or rule (cycles)"),
        Binding("enter", "open_row", "Open", id="mass-open", show=False,
                tooltip="Open the highlighted customer: both records, its decision, its last result"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.run_id: str | None = None  # the run the table shows (None: a plan, or nothing)
        self.rows: dict[str, Row] = {}
        self.filter, self.sort = "all", "id"
        self.plan_seen: tuple[float, int] | None = None  # (when, data_version) of the last complete plan
        self.plan_by_rule: Counter[str] = Counter()  # the plan-by-rule table's counts
        self._buffer: list[tuple[Outcome, bool]] = []  # (outcome, dry_run), flushed into #customers-plan
        self._started = 0.0  # when the writes began (the plan was ready)
        self._stopping = False
        self._stop = asyncio.Event()  # set: the running mass sync stops between customers
        self._requests = (0, 0, 0)  # NetSuite, Stripe, retries before this run: the summary counts this run's
        self._plan_reads = ""  # what planning read, and how Stripe was read: said again when the run ends
        self._writes: set[str] = set()  # the run's customers whose plan writes anything
        self._advanced: set[str] = set()  # of those, the ones whose writes are done (or failed)
        self._awaiting = 0  # customers written to Stripe whose write-back batch is not back yet
        self._done = 0  # the last CustomerSynced's: customers finished, by state
        self._counts: dict[str, int] = {}
        self._before = 0  # customers a resumed run had finished before
        self._finished: MassFinished | None = None  # the last run's end, as shown

    @property
    def _app(self) -> CustSyncApp:
        return cast("CustSyncApp", self.app)

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Plain("Mass sync over the Mass Customer Sync saved search. p plans (dry run), s starts, "
                    "v shows a journaled run, r resumes it, f retries its failures.", id="mass-status",
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
        yield ProgressBar(id="progress", show_eta=False)  # one ETA: the counts line's, of the writes left
        yield Plain("", id="counts", classes="status")
        yield Plain("", id="summary", classes="status")
        yield RichLog(id="failures", wrap=True, markup=False, highlight=False)
        yield Keys()

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self._flush)
        self.watch(self.app, "dataset_version", self._dataset_changed, init=False)
        self.watch(self.app, "customer_changed", self._customer_changed, init=False)
        self.query_one("#failures", RichLog).display = False
        self.query_one("#customers-plan", DataTable).focus()

    def on_screen_resume(self) -> None:
        if not isinstance(self.focused, DataTable):
            self.query_one("#customers-plan", DataTable).focus()

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
            self._failures_clear()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running or None  # greyed out while nothing runs
        if action in ("plan", "start", "resume", "retry_failed", "view_run"):
            return (not self.running) or None
        return True

    def _ready(self) -> bool:
        if not self._app.engine_ready:
            self.notify("The engine is not open yet.", severity="warning")
            return False
        if self.running:
            self.notify("A mass sync is already running: x stops it.", severity="warning")
            return False
        return True

    def _journal_path(self):
        return self._app.config.sync.journal_path

    def _say(self, text: str | Text) -> None:
        self.query_one("#mass-status", Plain).update(text)

    # --- starting ------------------------------------------------------------------

    def action_plan(self) -> None:
        if self._ready():
            self.run_mass(dry_run=True)

    def action_start(self) -> None:
        if self._ready():
            self.start_flow()

    @work(exclusive=True, group="mass-ask", exit_on_error=False, description="asking before the run")
    async def start_flow(self) -> None:
        app = self._app
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
        return dict(self.plan_by_rule)

    def action_resume(self) -> None:
        if self._ready():
            self.continue_flow(retry=False)

    def action_retry_failed(self) -> None:
        if self._ready():
            self.continue_flow(retry=True)

    def action_view_run(self) -> None:
        if self._ready():
            self.view_flow()

    @work(exclusive=True, group="mass-ask", exit_on_error=False, description="picking a run")
    async def view_flow(self) -> None:
        run_id = await self.app.push_screen_wait(RunPickerScreen(self._journal_path(), "Show a run",
                                                                 self._app.targets.run_target()))
        if run_id:
            self.show_run(run_id)

    @work(exclusive=True, group="mass-ask", exit_on_error=False, description="asking before the run")
    async def continue_flow(self, retry: bool) -> None:
        """Resume (or retry) the run on screen, else one picked; what it redoes is said, and anything beyond the
        run's failed and decided customers is asked first."""
        app = self._app
        purpose = "Retry a run's failures and decided customers" if retry else "Resume a run"
        run_id = self.run_id or await app.push_screen_wait(
            RunPickerScreen(self._journal_path(), purpose, app.targets.run_target()))
        if not run_id:
            return
        info = self._run_info(run_id)
        if info is None or not await self._same_target(info):
            return
        with Journal(self._journal_path()) as journal:
            scope = retry_scope(journal, run_id)
        if not (scope.total if retry else scope.unfinished or scope.reads_the_search):
            nothing = (f"Run {run_id}: nothing to retry (no failures, no customers decided since it ran, none "
                       "unfinished). Nothing was written." if retry else
                       f"Run {run_id}: nothing left to resume, every customer it took is done"
                       + (f"; f retries its {plural(len(scope.failed) + len(scope.decided), 'failed or decided customer')}."
                          if scope.failed or scope.decided else "."))
            self._say(Text(nothing, style="bold"))
            self.notify(nothing)
            return
        plan = scope.plan_text(run_id, retry=retry) + (" p shows that plan first." if scope.reads_the_search else "")
        if scope.asks_first(retry=retry) and not app.live:
            ok = await app.push_screen_wait(ConfirmScreen(
                f"{'Retry' if retry else 'Resume'} run {run_id}?", plan,
                yes_label="Yes, retry" if retry else "Yes, resume"))
            if not ok:
                self.notify("Cancelled: nothing was written.", severity="warning")
                return
        if app.live:
            account = app.config.netsuite.account
            if not await app.push_screen_wait(TypeToConfirmScreen(f"{purpose}: {run_id}", plan, account)):
                return
        self.notify(plan)
        self.run_mass(dry_run=False, run_id=run_id, retry_failed=retry)

    def _run_info(self, run_id: str) -> RunInfo | None:
        """The journal's record of the run (None, and said, when the journal has no such run)."""
        try:
            with Journal(self._journal_path()) as journal:
                return journal.run(run_id)
        except JournalError as exc:
            self.notify(str(exc), severity="error")
            return None

    async def _same_target(self, info: RunInfo) -> bool:
        """A run continues only against its own target (another mock set, account or mode is refused here,
        before anything is read)."""
        engine = self._app.engine
        assert engine is not None
        here = await current_target(engine.config, engine.netsuite, engine.stripe)
        if info.target == here:
            return True
        ran = info.target.describe() if info.target else "a target it did not record"
        refusal = (f"Run {info.id} ran against {ran}; this custsync points at {here.describe()}. It is not "
                   "resumed here: its journal is not true of these accounts. s starts a new run here (p shows "
                   "its plan first), or open custsync against that target to resume it.")
        self._say(Text(refusal, style="bold red"))
        self.notify(refusal, severity="error", timeout=15)
        return False

    # --- showing one run -----------------------------------------------------------

    def show_run(self, run_id: str) -> None:
        """The journaled run's customers and summary (an earlier run, or one killed from outside)."""
        path = self._journal_path()
        info = self._run_info(run_id)
        if info is None:
            return
        with Journal(path) as journal:
            status = journal.status_of(info)
            steps = journal.steps(run_id)
        self.run_id = run_id
        self.rows = {}
        for step in steps:
            self.rows[step.internal_id] = Row(step.internal_id, run=step_cell(step), state=step.state,
                                              rule=" ".join(p for p in (step.rule, step.action) if p),
                                              cause=step.error, remedy=step.remedy)
        self._render_rows()
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.started))
        stopped = {"interrupted": "INTERRUPTED: its process is gone; r resumes it.",
                   "stopped": "STOPPED; r resumes it.",
                   "running": "still running (another process)."}.get(status, "")
        self.query_one("#summary", Plain).update(summary_text(f"Run {run_id} ({status}, started {started})",
                                                              info.counts, dry_run=False, run_id=run_id,
                                                              stopped=stopped, narrow=self.has_class("-narrow")))
        self.query_one("#counts", Plain).update(f"Journaled counts: {counts_line(info.counts)}")
        done = sum(n for state, n in info.counts.items() if state not in ("pending", "create-attempted"))
        self.query_one("#progress", ProgressBar).update(total=max(sum(info.counts.values()), 1), progress=done)
        self._failures_from(steps)

    def _title(self) -> None:
        what = f"run {self.run_id}" if self.run_id else ("plan (dry run)" if self.rows else "No run shown")
        shown = self.query_one("#customers-plan", DataTable).row_count
        self.query_one("#run-title", Plain).update(
            f"{what}: {shown} of {plural(len(self.rows), 'customer')}  filter (o): {self.filter}  sort (t): "
            f"{self.sort}  Enter opens one")

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
        shown = [row.cells() for row in self._sorted() if self._passes(row)]
        # The columns are as wide as what they show before the first draw: DataTable widens them on its next
        # idle pass, and a first draw before it was kept (ids read "10" until o or t drew the table again).
        for column, cells in zip(table.ordered_columns, zip(*shown) if shown else [()] * 3):
            column.content_width = max([column.content_width, cell_len(column.label.plain),
                                        *(cell_len(c.plain) for c in cells)])
        for cells in shown:
            table.add_row(*cells, key=cells[0].plain)
        self._title()

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self._render_rows()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._render_rows()

    def action_open_row(self) -> None:
        """Enter opens the highlighted customer wherever the focus is (the title says "Enter opens one")."""
        table = self.query_one("#customers-plan", DataTable)
        if table.row_count:
            self._open_customer(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    @on(DataTable.RowSelected, "#customers-plan")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._open_customer(str(event.row_key.value))

    def _open_customer(self, internal_id: str) -> None:
        from .detail import DetailScreen

        row = self.rows.get(internal_id)
        last = None
        if row is not None and row.run is not None and row.state:
            where = f"mass sync run {self.run_id}" if self.run_id else "the mass sync"
            last = LastResult(where, row.run.plain, row.state, row.cause, row.remedy)
        self.app.push_screen(DetailScreen(internal_id, last))

    # --- the plan follows the operator's decisions -----------------------------------------

    def _customer_changed(self, change: tuple[int, str]) -> None:
        """A customer was linked, synced or unlinked on its own screen: a plan row of it is planned again."""
        internal_id = change[1]
        row = self.rows.get(internal_id)
        if row is None or self.running:
            return
        if self.run_id is None and row.plan is not None:
            self.replan(internal_id)
        elif self.run_id is not None and row.state in ("needs-decision", "failed"):
            row.run = Text(f"{row.run.plain if row.run else ''}; changed since: f retries it", style="cyan")
            self._render_rows()

    @work(group="mass-replan", exit_on_error=False, description="planning a customer again")
    async def replan(self, internal_id: str) -> None:
        engine = self._app.engine
        assert engine is not None
        outcome = await engine.sync_one(internal_id, dry_run=True)
        row = self.rows.get(internal_id)
        if row is None or self.run_id is not None or self.running:
            return  # the screen moved on meanwhile
        self.plan_by_rule[row.rule] -= 1
        if self.plan_by_rule[row.rule] <= 0:
            del self.plan_by_rule[row.rule]
        row.plan, row.state = result_cell(outcome), outcome.status.value
        row.rule = f"{outcome.decision.rule} {outcome.decision.action.value}" if outcome.decision \
            else outcome.status.value
        self.plan_by_rule[row.rule] += 1
        self._render_rows()
        self._plan_table(replanned=internal_id)

    def _plan_table(self, replanned: str | None = None) -> None:
        table = self.query_one("#plan", DataTable)
        table.clear()
        for key, n in sorted(self.plan_by_rule.items()):
            table.add_row(key, str(n))
        title = "Plan (dry run): what the rules would do"
        if replanned:
            title = f"Plan, customer {replanned} planned again"
        self.query_one("#plan-title", Plain).update(title)
        if replanned:
            counts = Counter(r.state for r in self.rows.values())
            self.query_one("#summary", Plain).update(summary_text("Plan", dict(counts), dry_run=True, run_id=None,
                                                                  narrow=self.has_class("-narrow")))

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
            self._say(Text(f"Stopping run {self.run_id} after the customers in flight...", style="bold yellow"))
            self.notify(f"Stopping run {self.run_id} after the customers in flight: r resumes it.", severity="warning")

    @work(exclusive=True, group="mass", exit_on_error=False, description="mass sync")
    async def run_mass(self, dry_run: bool, run_id: str | None = None, retry_failed: bool = False) -> None:
        self.running, self._stopping, self._stop = True, False, asyncio.Event()
        self.refresh_bindings()
        app = self._app
        engine = app.engine
        assert engine is not None
        self._requests = (engine.netsuite.requests, engine.stripe.requests, engine.retries)
        self._plan_reads = ""
        self._writes, self._advanced, self._awaiting, self._before = set(), set(), 0, 0
        self._finished = None
        self._failures_clear()
        self.query_one("#summary", Plain).update("Reading the customers and planning…")
        self.query_one("#counts", Plain).update("")
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        if dry_run:
            self.run_id, self.rows = None, {}
        elif run_id is not None:
            self.show_run(run_id)  # the resumed run's journaled rows, updated as it goes
            self._failures_clear()  # the failures being retried are not shown as failures until they fail again
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
        total = 0
        try:
            with app.live_writes():
                async for event in engine.mass_sync(journal, dry_run=dry_run, run_id=run_id,
                                                    retry_failed=retry_failed, stop=self._stop):
                    if isinstance(event, RunStarted):
                        self._run_started(event)
                    elif isinstance(event, PlanReady):
                        self._started = time.monotonic()
                        if not dry_run:
                            self._writes = {r.internal_id for r in event.plan.rows if r.needs_requests()}
                        lines = describe_plan(event.plan.summary())
                        self._plan_reads = "; ".join(lines[2:])  # the rules' counts are the table's
                        self.query_one("#summary", Plain).update(
                            f"Plan{' (nothing written)' if dry_run else ''}: {'; '.join([lines[0], *lines[2:]])}.")
                    elif isinstance(event, CustomersFound):
                        self._before = event.already_done  # a resumed run's bar and line count the whole run
                        total = event.total
                        self.query_one("#progress", ProgressBar).update(total=max(self._before + total, 1),
                                                                        progress=self._before)
                        if event.already_done:
                            self.notify(f"{plural(event.already_done, 'customer was', 'customers were')} finished "
                                        "by the run already.")
                    elif isinstance(event, StripeWritten):
                        self._awaiting += 1
                        self._advanced.add(event.internal_id)
                        self._progress(self._done + self._awaiting, total, self._counts)
                    elif isinstance(event, CustomerSynced):
                        o = event.outcome
                        d = o.decision
                        by_rule[f"{d.rule} {d.action.value}" if d else o.status.value] += 1
                        if o.internal_id in self._advanced:
                            self._awaiting -= 1
                        elif o.internal_id in self._writes:
                            self._advanced.add(o.internal_id)
                        if not dry_run:
                            app.record_result(o.internal_id, short_result(o), cause=o.cause, remedy=o.remedy,
                                              source=f"mass sync run {self.run_id}", state=o.status.value)
                        self._buffer.append((o, dry_run))
                        if o.status is Status.FAILED:
                            self.post_message(MassFailure(o))
                        self._done, self._counts = event.done, dict(event.counts)
                        self._progress(event.done + self._awaiting, event.total, self._counts)
                    elif isinstance(event, RunFinished):
                        self.post_message(MassFinished(event, dry_run, dict(by_rule)))
        finally:
            self.running = False
            self._done, self._counts = 0, {}
            files.close()
            if not dry_run:
                app.data_changed()
            if self._stopping and self.is_mounted:
                self._stopped()
            self.refresh_bindings()

    def _progress(self, advanced: int, total: int, counts: dict[str, int]) -> None:
        advanced, total = self._before + advanced, self._before + total
        rate = rate_line(advanced, total, len(self._advanced), len(self._writes), time.monotonic() - self._started)
        self.post_message(MassProgress(advanced, total, counts, rate))

    def _run_started(self, event: RunStarted) -> None:
        if event.dry_run:
            what = "plan (dry run: nothing is written)"
        else:
            self.run_id = run_id = event.run_id
            assert run_id is not None  # a run that writes is journaled: it has an id
            with Journal(self._journal_path()) as journal:
                journal.claim(run_id, self._app.targets.where())
            what = f"{'resumed' if event.resumed else ''} run {event.run_id}".strip()
            self._render_rows()
        self._say(f"{what[:1].upper()}{what[1:]} over saved search {event.search_id}. "
                  + ("x stops it." if not event.dry_run else ""))

    def _stopped(self) -> None:
        self._flush()
        if self.run_id:
            self.show_run(self.run_id)
            # The run's end may have been shown already (the engine releases its lock after RunFinished): the
            # journal's rows above, then its STOPPED bar and line again.
            if self._finished is not None and self._finished.finished.run_id == self.run_id:
                self._show_finished(self._finished, announce=False)
        self._say(Text(f"Run {self.run_id} stopped: r resumes it (custsync mass-sync --resume {self.run_id}).",
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
            row.cause, row.remedy = o.cause, o.remedy
            if o.internal_id in table.rows:
                if self._passes(row):
                    table.update_cell(o.internal_id, "plan" if dry_run else "run", cell, update_width=True)
                else:
                    table.remove_row(o.internal_id)
            elif self._passes(row):
                table.add_row(*row.cells(), key=o.internal_id)
        self._title()

    def on_mass_progress(self, message: MassProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)
        self.query_one("#counts", Plain).update(f"{message.rate}: {counts_line(message.counts)}")

    # --- the failures log: the run's failures as they are now --------------------------------

    def _failures_clear(self) -> None:
        log = self.query_one("#failures", RichLog)
        log.clear()
        log.display = False

    def _log_failure(self, internal_id: str, what: str, cause: str | None, remedy: str | None) -> None:
        log = self.query_one("#failures", RichLog)
        log.display = True
        log.write(Text(f"customer {internal_id} {what}: {cause or 'no cause was given'}", style="red"))
        log.write(Text(f"    remedy: {remedy or NO_REMEDY}", style="yellow"))

    def _failures_from(self, steps: list[Step]) -> None:
        """The journal's failures of the run shown: one that was mended and retried leaves the log."""
        self._failures_clear()
        for step in steps:
            if step.state == "failed":
                self._log_failure(step.internal_id, " ".join(p for p in (step.rule, step.action, "failed") if p),
                                  step.error, step.remedy)

    def on_mass_failure(self, message: MassFailure) -> None:
        o = message.outcome
        self._log_failure(o.internal_id, short_result(o), o.cause, o.remedy)

    def on_mass_finished(self, message: MassFinished) -> None:
        self._finished = message
        self._show_finished(message)

    def _show_finished(self, message: MassFinished, *, announce: bool = True) -> None:
        """The run's end on screen: its bar, summary and line from the journal; `announce` also says it."""
        self._flush()
        self._render_rows()
        f = message.finished
        total = sum(f.counts.values())
        if message.dry_run:
            self.plan_by_rule = Counter(message.by_rule)
            self._plan_table()
            self.plan_seen = (time.time(), self._app.data_version)
        ns0, st0, r0 = self._requests
        title = "Plan" if message.dry_run else f"Run {f.run_id}"
        counts = dict(f.counts)
        if not message.dry_run and f.run_id:  # the whole run's customers, a resumed run's earlier ones too
            try:
                with Journal(self._journal_path()) as journal:
                    counts = journal.run(f.run_id).counts
                    self._failures_from(journal.steps(f.run_id))
            except JournalError:
                pass
        whole = sum(counts.values())
        left = counts.get("pending", 0) + counts.get("create-attempted", 0)
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(whole, 1), progress=whole - left)  # stopped: what was done, not 100%
        self.query_one("#summary", Plain).update(summary_text(title, counts, dry_run=message.dry_run,
                                                              run_id=f.run_id,
                                                              stopped="STOPPED; r resumes it."
                                                              if f.stopped else "",
                                                              narrow=self.has_class("-narrow")))
        if f.stopped:
            line = (f"{title} STOPPED: {whole - left} of {plural(whole, 'customer')} done, {total} of them in "
                    f"{f.elapsed:.1f}s: {counts_line(f.counts)}.")
        else:
            line = f"{title} finished: {plural(total, 'customer')} in {f.elapsed:.1f}s: {counts_line(f.counts)}."
        if not self.has_class("-narrow"):
            line += (f" This run's requests: NetSuite {f.netsuite_requests - ns0}, Stripe {f.stripe_requests - st0}, "
                     f"retries {f.retries - r0}.")
            if not message.dry_run:
                line += f" By rule: {counts_line(message.by_rule)}."
            if self._plan_reads:
                line += f" {self._plan_reads[0].upper()}{self._plan_reads[1:]}."
        self.query_one("#counts", Plain).update(line)
        self.query_one("#customers-plan", DataTable).focus()
        needs = counts.get("needs-decision", 0) + counts.get("skipped", 0) + counts.get("failed", 0)
        if not announce:
            return
        if f.stopped:
            self.notify(f"{title} stopped: {counts_line(counts)}", severity="warning")
            return  # the status says how to resume (_stopped)
        self._say(
            "Plan ready: s starts the sync; Enter opens a customer." if message.dry_run else
            (f"Run {f.run_id} finished; {plural(needs, 'customer needs', 'customers need')} you (below). After "
             f"mending, f retries (custsync mass-sync --resume {f.run_id} --retry-failed)." if needs else
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
            self._say(text)
            self.notify(f"Mass sync stopped: {getattr(error, 'message', error)}", severity="error")
            self._app.worker_failed()
