"""One customer: the decision the rules would take now, Sync to Stripe, Generate portal link."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from sync_core.outcome import Status

from ..widgets.outcome import decision_text, outcome_text, short_result
from ..widgets.targets import TargetsBar


class DetailScreen(Screen[None]):
    BINDINGS = [
        Binding("s", "sync", "Sync to Stripe", id="detail-sync", tooltip="Run the sync for this customer now (writes)"),
        Binding("p", "portal", "Portal link", id="detail-portal", tooltip="Generate a billing-portal link (R6-R8)"),
        Binding("r", "plan", "Re-plan", id="detail-plan", tooltip="Ask the rules again what they would do (dry run)"),
        Binding("escape", "app.pop_screen", "Back", id="detail-back", tooltip="Back to the customers"),
    ]

    def __init__(self, internal_id: str) -> None:
        super().__init__()
        self.internal_id = internal_id

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Static(f"Customer {self.internal_id}", id="customer-title", classes="title")
        with VerticalScroll():
            yield Static("Decision the rules would take now:", classes="section")
            yield Static("asking the rules (dry run)...", id="decision", classes="panel")
            yield Static("Result:", classes="section")
            yield Static("Nothing run yet: s syncs to Stripe, p generates a portal link.", id="outcome",
                         classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.action_plan()

    def _engine(self):
        return self.app.engine  # type: ignore[attr-defined]

    def action_plan(self) -> None:
        self.plan()

    @work(exclusive=True, group="detail-plan", exit_on_error=False, description="dry run")
    async def plan(self) -> None:
        outcome = await self._engine().sync_one(self.internal_id, dry_run=True)
        self.query_one("#decision", Static).update(decision_text(outcome))

    def action_sync(self) -> None:
        self.query_one("#outcome", Static).update("syncing to Stripe...")
        self.sync()

    @work(exclusive=True, group="detail-write", exit_on_error=False, description="sync to Stripe")
    async def sync(self) -> None:
        outcome = await self._engine().sync_one(self.internal_id)
        self.query_one("#outcome", Static).update(outcome_text(outcome, "Sync to Stripe"))
        self.app.record_result(self.internal_id, short_result(outcome))  # type: ignore[attr-defined]
        severity = "information" if outcome.status is Status.OK else (
            "error" if outcome.status is Status.FAILED else "warning")
        self.notify(f"Customer {self.internal_id}: {short_result(outcome)}"
                    + (f" -> {outcome.stripe_customer_id}" if outcome.stripe_customer_id else ""), severity=severity)
        self.plan()

    def action_portal(self) -> None:
        self.query_one("#outcome", Static).update("generating a portal link...")
        self.portal()

    @work(exclusive=True, group="detail-write", exit_on_error=False, description="portal link")
    async def portal(self) -> None:
        outcome = await self._engine().portal_link(self.internal_id)
        self.query_one("#outcome", Static).update(outcome_text(outcome, "Portal link"))
        message = outcome.portal.message if outcome.portal else (outcome.cause or outcome.status.value)
        self.notify(f"Customer {self.internal_id}: {message}",
                    severity="information" if outcome.status is Status.OK else "warning")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            target = "#decision" if event.worker.group == "detail-plan" else "#outcome"
            self.query_one(target, Static).update(f"error: {event.worker.error}")
            self.notify(f"{event.worker.description} failed: {event.worker.error}", severity="error")
