"""One customer: NetSuite's synced fields beside the linked Stripe customer's, the rules' decision, and actions.

Actions: Sync to Stripe, Write the portal link, Check the portal link now (open it as the customer would),
Clear the Stripe customer id (to rematch), copy or open the portal link (shown masked only: it is a bearer link),
and capture the customer as a scenario file for support (read-only, anonymized unless asked otherwise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from sync_core.admin.decisions import Comparison
from sync_core.engine import Engine
from sync_core.errors import SyncError
from sync_core.masking import mask_url
from sync_core.outcome import Outcome, Status
from sync_core.plural import plural
from sync_core.rules.catalogue import Action
from sync_core.run.journal import opened
from testbed.capture_real import KEEP_REAL_WARNING, CaptureError, capture_to_file, request_counts_text

from ..last_result import LastResult
from ..render import edit_lines
from ..typed_app import CustSyncAppAccess
from ..widgets.compare import cells, compare_rows
from ..widgets.keys import Keys
from ..widgets.outcome import decision_text, outcome_text, short_result
from ..widgets.path_prompt import PathPrompt
from ..widgets.plain import Plain
from ..widgets.targets import TargetsBar
from .edits import EditsScreen
from .link import LinkScreen


def browser_available() -> bool:
    """A browser Python can start from this terminal (Textual opens URLs with `webbrowser`)."""
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def needs_a_person(o: Outcome) -> bool:
    """R3 "ask" (several candidates) or R2 (the stored id names no Stripe customer): a person links one."""
    d = o.decision
    return d is not None and (d.action is Action.ASK or d.rule == "R2")


def error_text(title: str, exc: BaseException) -> Text:
    t = Text()
    t.append(f"{title}: ", style="bold")
    t.append("FAILED\n", style="bold red")
    t.append("Cause: ", style="bold red")
    t.append(f"{exc.message if isinstance(exc, SyncError) else exc}\n")
    remedy = exc.remedy if isinstance(exc, SyncError) else None
    if remedy:
        t.append("Remedy: ", style="bold yellow")
        t.append(remedy)
    return t


class DetailScreen(CustSyncAppAccess, Screen[None]):
    BINDINGS = [
        Binding("s", "sync", "Sync", id="detail-sync", tooltip="Run the sync for this customer now (writes)"),
        Binding("p", "portal", "Portal", id="detail-portal",
                tooltip="Write the current signed portal link when the field is empty or stale (R6)"),
        Binding("k", "check_portal", "Check", id="detail-check-portal",
                tooltip="Open the stored portal link as the customer would and say what they get (R6-R8)"),
        Binding("l", "link", "Link", id="detail-link",
                tooltip="The candidates (name, email, created, who else points at each): link one or type an id"),
        Binding("e", "edits", "Edits", id="detail-edits", show=False,  # the decision panel names it when it applies
                tooltip="Fields edited in Stripe outside custsync (R10): push NetSuite's value, or keep Stripe's"),
        Binding("c", "clear_id", "Unlink", id="detail-clear-id",
                tooltip="Empty STRIPE CUSTOMER ID (PAYPACK) so the next sync rematches by email (asks first)"),
        Binding("y", "copy_portal", "Copy portal URL", id="detail-copy-portal", show=False,
                tooltip="Copy the full portal URL to the clipboard (it is never shown)"),
        Binding("o", "open_portal", "Open portal", id="detail-open-portal", show=False,
                tooltip="Open the portal URL in the browser"),
        Binding("r", "refresh", "Refresh", id="detail-refresh", show=False,
                tooltip="Read both records again and ask the rules what they would do (dry run)"),
        Binding("w", "capture", "Capture", id="detail-capture", show=False,
                tooltip="Capture this customer as a scenario file for support: read-only, anonymized unless unticked"),
        Binding("escape", "app.pop_screen", "Back", id="detail-back", tooltip="Back to the customers"),
    ]

    def __init__(self, internal_id: str, last: LastResult | None = None) -> None:
        super().__init__()
        self.internal_id = internal_id
        self.last = last  # what the screen it was opened from knows of its last result
        self.stripe_id: str | None = None
        self.portal_url: str | None = None  # a bearer link: only ever shown through mask_url
        self.last_check: str | None = None  # what opening the link gave last, and when
        self.decision: Outcome | None = None  # the rules' dry run, shown under "Decision"

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Plain(f"Customer {self.internal_id}", id="customer-title", classes="title")
        yield Plain("reading NetSuite and Stripe...", id="links", classes="status")
        table: DataTable[Text] = DataTable(id="compare", cursor_type="none", zebra_stripes=True)
        table.add_columns("Stripe field", "", "NetSuite (synced columns)", "Stripe customer")
        yield table
        with VerticalScroll(id="detail-scroll"):
            yield Plain("Decision the rules would take now:", classes="section")
            yield Plain("asking the rules (dry run)...", id="decision", classes="panel")
            yield Plain("Result:", classes="section")
            yield Plain(self._first_result(), id="outcome", classes="panel")
        yield Keys()

    def _first_result(self) -> Text:
        """Its last failure (cause and remedy) when it has one this session, else what the keys do."""
        last = self.last if self.last is not None and self.last.state != "ok" else \
            self.custsync_app.last_failures.get(self.internal_id)
        t = last.text() if last is not None else Text("Nothing run yet on this screen.\n")
        t.append("s syncs to Stripe, p writes the portal link, k checks it, l chooses the Stripe customer, e chooses "
                 "for fields edited in Stripe, c clears the Stripe id.", style="dim")
        return t

    def on_mount(self) -> None:
        self.action_refresh()

    def _engine(self) -> Engine:
        return self.custsync_app.ready_engine

    # --- reads ---------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.compare()
        self.plan()

    @work(exclusive=True, group="detail-compare", exit_on_error=False, description="reading both records")
    async def compare(self) -> None:
        found = await self._engine().compare(self.internal_id)
        self.stripe_id, self.portal_url = found.stripe_id, found.portal_url
        self.show_compare(found)

    def show_compare(self, found: Comparison) -> None:
        columns, sid, customer, linked = found.columns, found.stripe_id, found.customer, found.linked
        self.query_one("#customer-title", Static).update(f"Customer {self.internal_id}  {found.name}")
        rows = compare_rows(found.params, customer if linked else None)
        table = self.query_one("#compare", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*cells(row, linked), key=row.field)
        differ = sum(r.differs for r in rows)
        t = Text()
        t.append("Stripe customer id: ", style="bold")
        t.append(sid or "(empty)", style="green" if linked else "red" if sid else "yellow")
        if sid and customer is None:
            t.append("  names no Stripe customer here (R2: stale link)", style="red")
        elif sid and not linked:
            t.append("  was deleted in Stripe (R2: stale link)", style="red")
        elif not sid:
            t.append("  not linked: a sync matches by email (R3)", style="yellow")
        t.append("\nPortal URL: ", style="bold")
        t.append(mask_url(self.portal_url) or "(none)")
        if self.portal_url:
            t.append("  y copies it, o opens it, k checks it", style="dim")
        t.append("\nLast link check: ", style="bold")
        t.append(self.last_check or "not checked yet")
        t.append(f"\nSynced columns (R9): {', '.join(columns) or 'none'}.  ", style="dim")
        if linked:
            t.append(f"{plural(differ, 'field differs', 'fields differ')}: a sync pushes them (R1)." if differ
                     else "Stripe is up to date.",
                     style="bold yellow" if differ else "green")
        self.query_one("#links", Static).update(t)

    def _journal_path(self) -> Any:
        return self._engine().config.sync.journal_path

    @work(exclusive=True, group="detail-plan", exit_on_error=False, description="dry run")
    async def plan(self) -> None:
        with opened(self._journal_path(), read_only=True) as journal:  # what custsync last sent (R10)
            outcome = await self._engine().sync_one(self.internal_id, dry_run=True, journal=journal)
        self.decision = outcome
        text = Text()
        if needs_a_person(outcome):
            text.append("A person decides here: l shows the candidates (or type an id) and links one.\n\n",
                        style="bold magenta")
        lines = edit_lines(outcome.decision, "  ")
        if lines:
            asks = outcome.decision is not None and outcome.decision.needs_person
            text.append("Edited in Stripe outside custsync (R10)" + (": e chooses per field" if asks else "") + "\n",
                        style="bold magenta" if asks else "bold")
            text.append("\n".join(lines) + "\n\n")
        text.append_text(decision_text(outcome))
        self.query_one("#decision", Static).update(text)

    # --- the decision the rules leave to a person (R2, R3 ask) --------------------------

    def action_link(self) -> None:
        self.link_flow()

    @work(exclusive=True, group="detail-link", exit_on_error=False, description="choosing the Stripe customer")
    async def link_flow(self) -> None:
        reason = self.decision.cause if self.decision is not None and needs_a_person(self.decision) else ""
        result = await self.app.push_screen_wait(LinkScreen(self.internal_id, reason or ""))
        if result is None:
            return
        t = Text()
        t.append("Link: ", style="bold")
        t.append("OK\n", style="bold green")
        t.append(f"  change netsuite customer {result.internal_id} {result.field}: {result.previous!r} -> "
                 f"{result.stripe_customer_id!r}\n")
        t.append("The decision is journaled. Next: s syncs; the stored id wins (R1).", style="dim")
        self._result(t)
        app = self.custsync_app
        app.record_result(self.internal_id, f"linked {result.stripe_customer_id}")
        app.changed_customer(self.internal_id)
        self.notify(f"Customer {self.internal_id} linked to {result.stripe_customer_id}.")
        self.action_refresh()

    # --- R10: a field edited in Stripe, left to a person (policy ask) -------------------

    def action_edits(self) -> None:
        decision = self.decision.decision if self.decision is not None else None
        if decision is None or not decision.needs_person:
            self._result(Text("Edits: no field edited in Stripe waits for a choice (R10).", style="yellow"))
            return
        self.edits_flow(decision.stripe_edits)

    @work(exclusive=True, group="detail-edits", exit_on_error=False, description="choosing per field")
    async def edits_flow(self, edits: Any) -> None:
        chosen = await self.app.push_screen_wait(EditsScreen(self.internal_id, edits))
        if chosen:
            self._result(Text(f"Edits: {plural(chosen, 'field')} chosen and recorded in the journal (R10).",
                              style="green"))
            self.custsync_app.changed_customer(self.internal_id)
            self.action_refresh()

    # --- writes (each asks first when the Stripe key is live) -------------------------

    def _result(self, content: Text | str) -> None:
        self.query_one("#outcome", Static).update(content)

    def action_sync(self) -> None:
        self.custsync_app.confirm_write(
            f"Sync customer {self.internal_id} to Stripe",
            "Creates or updates the Stripe customer and writes its id (and the portal link) back to NetSuite.",
            self._start_sync)

    def _start_sync(self) -> None:
        self._result("syncing to Stripe...")
        self.sync()

    @work(exclusive=True, group="detail-write", exit_on_error=False, description="sync to Stripe")
    async def sync(self) -> None:
        with self.custsync_app.live_writes(), opened(self._journal_path()) as journal:
            outcome = await self._engine().sync_one(self.internal_id, journal=journal)
        if outcome.portal_url:
            self.portal_url = outcome.portal_url
        self._result(outcome_text(outcome, "Sync to Stripe"))
        app = self.custsync_app
        ok = outcome.status is Status.OK
        app.record_result(self.internal_id, short_result(outcome), cause=None if ok else outcome.cause,
                          remedy=None if ok else outcome.remedy, source="sync", state=outcome.status.value)
        app.changed_customer(self.internal_id)
        severity: SeverityLevel = "information" if outcome.status is Status.OK else (
            "error" if outcome.status is Status.FAILED else "warning")
        self.notify(f"Customer {self.internal_id}: {short_result(outcome)}"
                    + (f" -> {outcome.stripe_customer_id}" if outcome.stripe_customer_id else ""), severity=severity)
        self.action_refresh()

    def action_portal(self) -> None:
        self.custsync_app.confirm_write(
            f"Write the portal link of customer {self.internal_id}",
            "Writes the current signed link to the portal Suitelet into the portal field, when the field is empty "
            "or stale. Nothing is asked of Stripe.",
            self._start_portal)

    def _start_portal(self) -> None:
        self._result("writing the portal link...")
        self.portal()

    @work(exclusive=True, group="detail-write", exit_on_error=False, description="portal link")
    async def portal(self) -> None:
        with self.custsync_app.live_writes():
            outcome = await self._engine().portal_link(self.internal_id)
        if outcome.portal_url:
            self.portal_url = outcome.portal_url
        self._result(outcome_text(outcome, "Portal link"))
        message = outcome.portal.message if outcome.portal else (outcome.cause or outcome.status.value)
        self.notify(f"Customer {self.internal_id}: {message}",
                    severity="information" if outcome.status is Status.OK else "warning")
        self.custsync_app.data_changed()
        self.compare()

    def action_check_portal(self) -> None:
        self._result("opening the portal link as the customer would...")
        self.check_portal()

    @work(exclusive=True, group="detail-check", exit_on_error=False, description="portal link check")
    async def check_portal(self) -> None:
        outcome = await self._engine().portal_check(self.internal_id)
        p = outcome.portal
        verdict = f"{p.outcome.value} ({p.rule})" if p else (outcome.cause or outcome.status.value)
        self.last_check = f"{verdict} at {datetime.now().strftime('%H:%M:%S')}"
        self._result(outcome_text(outcome, "Portal link check"))
        self.notify(f"Customer {self.internal_id}: portal link {verdict}",
                    severity="information" if outcome.status is Status.OK else "warning")
        self.compare()

    def action_clear_id(self) -> None:
        if not self.stripe_id:
            self._result(Text("Clear Stripe id: nothing to clear, the field is empty (a sync matches by email, R3).",
                              style="yellow"))
            return
        field = self._engine().config.netsuite.stripe_id_field
        self.custsync_app.confirm_write(
            f"Clear the Stripe customer id of customer {self.internal_id}?",
            f"STRIPE CUSTOMER ID (PAYPACK) ({field}) holds {self.stripe_id}. Clearing it unlinks the customer: "
            "the next sync looks Stripe customers up by email (R3) and links the one it finds, or creates one. "
            "The Stripe customer itself is not changed.",
            self._start_clear, always=True)

    def _start_clear(self) -> None:
        self._result("clearing the Stripe customer id in NetSuite...")
        self.clear_id(self.stripe_id)

    @work(exclusive=True, group="detail-write", exit_on_error=False, description="clear Stripe customer id")
    async def clear_id(self, previous: str | None) -> None:
        engine = self._engine()
        field = engine.config.netsuite.stripe_id_field
        previous = await engine.unlink(self.internal_id)
        t = Text()
        t.append("Clear Stripe id: ", style="bold")
        t.append("OK\n", style="bold green")
        t.append(f"  change netsuite customer {self.internal_id} {field}: {previous!r} -> None\n")
        t.append("Next: s syncs; the rules match by email (R3).", style="dim")
        self._result(t)
        app = self.custsync_app
        app.record_result(self.internal_id, "id cleared")
        app.changed_customer(self.internal_id)
        self.notify(f"Customer {self.internal_id}: Stripe customer id cleared (was {previous}).")
        self.action_refresh()

    # --- support: this customer's situation as a scenario file ---------------------------

    def action_capture(self) -> None:
        self.capture_flow()

    @work(exclusive=True, group="detail-capture", exit_on_error=False, description="capturing the customer")
    async def capture_flow(self) -> None:
        answer = await self.app.push_screen_wait(PathPrompt(
            f"Capture customer {self.internal_id} as a scenario",
            "Reads NetSuite and Stripe (never writes) and saves this customer, its neighbours and what custsync "
            "decides now, for `custsync scenario run`. An existing file is not overwritten.",
            value=f"customer-{self.internal_id}.yaml", anonymize=True))
        if answer is None:
            return
        path, anonymize = answer
        app = self.custsync_app
        config = app.engine.config if app.engine is not None else app.config
        self._result("capturing (reads only)...")
        try:
            result, _ = await capture_to_file(config, [self.internal_id], path, keep_real=not anonymize)
        except CaptureError as exc:
            self._result(Text(f"Capture: nothing written. {exc}", style="yellow"))
            self.notify(f"Capture: {exc}", severity="warning")
            return
        t = Text()
        t.append("Capture: ", style="bold")
        t.append(f"wrote {path}", style="bold green")
        t.append(" (anonymized)\n" if anonymize else " (REAL DATA)\n", style="green" if anonymize else "bold red")
        for line in result.decisions():
            t.append(f"  decided now: {line}\n")
        for note in result.notes:
            t.append(f"  note: {note}\n", style="dim")
        t.append(f"  cost: {request_counts_text(result.requests)}\n", style="dim")
        t.append(f"Replay it: custsync scenario run {path}", style="dim")
        self._result(t)
        self.notify(f"Customer {self.internal_id} captured to {path}.")
        if not anonymize:
            self.notify(KEEP_REAL_WARNING, severity="warning", timeout=15)

    # --- the portal URL: copied or opened, never shown ----------------------------------

    def action_copy_portal(self) -> None:
        if not self.portal_url:
            self.notify("No portal link stored: p writes one.", severity="warning")
            return
        self.app.copy_to_clipboard(self.portal_url)
        self.notify(f"Portal URL copied: {mask_url(self.portal_url)}")

    def action_open_portal(self) -> None:
        if not self.portal_url:
            self.notify("No portal link stored: p writes one.", severity="warning")
            return
        if not browser_available():
            self.notify("No browser can be opened from here (no graphical session, and BROWSER names none): y "
                        "copies the link instead.", severity="warning", timeout=10)
            return
        self.app.open_url(self.portal_url)
        self.notify(f"Opening {mask_url(self.portal_url)} in the browser")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        error, what = event.worker.error, event.worker.description
        if event.worker.group == "detail-plan":
            self.query_one("#decision", Static).update(error_text("Dry run", error))
        elif event.worker.group == "detail-compare":
            self.query_one("#links", Static).update(error_text("Reading the records", error))
        else:
            self._result(error_text(what[:1].upper() + what[1:], error))
        self.notify(f"{what} failed: {getattr(error, 'message', error)}", severity="error")
        self.custsync_app.worker_failed()
