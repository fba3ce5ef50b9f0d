"""The decision the rules leave to a person (R3 "ask": several Stripe customers share the email; R2: the
stored id names no Stripe customer): the candidates with what a person chooses by, link one (Enter) or type
an id (validated against Stripe first), then a confirmation that states the NetSuite write.

Dismisses with the engine's LinkResult once written, None when cancelled.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input
from textual.worker import Worker, WorkerState

from sync_core.admin.decisions import Candidate, Candidates, LinkResult
from sync_core.errors import SyncError
from sync_core.plural import plural

from ..typed_app import CustSyncAppAccess
from ..widgets.confirm import ConfirmScreen
from ..widgets.keys import Keys
from ..widgets.plain import Plain


def candidate_row(c: Candidate, internal_id: str) -> tuple[Text, ...]:
    others = c.others(internal_id)
    linked = Text(", ".join(others), style="bold yellow") if others else Text("nobody", style="green")
    metadata = ", ".join(f"{k}={v}" for k, v in sorted(c.metadata.items()))
    return (Text(c.id), Text(c.name or ""), Text(c.email or ""), Text(c.created_text()), linked, Text(metadata))


def confirm_body(preview: LinkResult) -> str:
    c = preview.candidate
    body = (f"Stripe customer {c.id} exists: name {c.name or '-'}, email {c.email or '-'}, "
            f"created {c.created_text()}.\n\nWrites: {preview.write_sentence()}\n\nThe decision is journaled; "
            "the next sync uses this Stripe customer (R1) and pushes the mapped fields to it.")
    if preview.others:
        body = (f"WARNING: NetSuite customer {', '.join(preview.others)} already points at {c.id}; after this, "
                "two NetSuite customers share one Stripe customer.\n\n" + body)
    return body


class LinkScreen(CustSyncAppAccess, ModalScreen[LinkResult | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="link-cancel", tooltip="Close: nothing is written"),
        Binding("i", "focus_id", "Type an id", id="link-type-id", tooltip="Type a Stripe customer id instead"),
    ]

    def __init__(self, internal_id: str, reason: str = "") -> None:
        super().__init__()
        self.internal_id, self.reason = internal_id, reason
        self.found: Candidates | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="link-box"):
            yield Plain(Text(f"Choose the Stripe customer for NetSuite customer {self.internal_id}", style="bold"),
                        id="link-title")
            yield Plain(self.reason, id="link-why", classes="status")
            table: DataTable[Text] = DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
            table.add_columns("Stripe id", "name", "email", "created", "already linked from", "metadata")
            yield table
            yield Input(placeholder="or type a Stripe customer id (cus_...) and press Enter", id="link-id")
            yield Plain("reading the candidates from Stripe...", id="link-status", classes="status")
        yield Keys()

    def on_mount(self) -> None:
        self.load()

    def _engine(self):
        return self.custsync_app.ready_engine

    @work(exclusive=True, group="link-read", exit_on_error=False, description="reading the candidates")
    async def load(self) -> None:
        found = self.found = await self._engine().candidates(self.internal_id)
        table = self.query_one("#candidates", DataTable)
        table.clear()
        for c in found.candidates:
            table.add_row(*candidate_row(c, self.internal_id), key=c.id)
        t = Text(f"{found.name}  email {found.email or '(none)'}  stored id {found.stored_id or '(empty)'}")
        if found.stored_id and not found.stored_exists:
            t.append("  names no Stripe customer (R2)", style="red")
        if not self.reason:
            self.query_one("#link-why", Plain).update(t)
        status = (f"{plural(len(found.candidates), 'Stripe customer')} with this email, oldest first. Enter links the "
                  "highlighted one; i types an id; Esc cancels." if found.candidates else
                  "No Stripe customer has this email: type the Stripe customer id (i), or Esc.")
        self.query_one("#link-status", Plain).update(status)
        if found.candidates:
            table.focus()
        else:
            self.query_one("#link-id", Input).focus()

    def action_focus_id(self) -> None:
        self.query_one("#link-id", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected, "#candidates")
    def _picked(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.choose(str(event.row_key.value))

    @on(Input.Submitted, "#link-id")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.choose(event.value.strip())

    @work(exclusive=True, group="link-write", exit_on_error=False, description="linking")
    async def choose(self, stripe_id: str) -> None:
        status = self.query_one("#link-status", Plain)
        status.update(f"checking {stripe_id} in Stripe...")
        engine = self._engine()
        try:
            preview = await engine.check_link(self.internal_id, stripe_id)
        except SyncError as exc:
            t = Text(f"Not linked: {exc.message}", style="red")
            if exc.remedy:
                t.append(f"\nRemedy: {exc.remedy}", style="yellow")
            status.update(t)
            return
        if preview.already_linked:
            status.update(f"Customer {self.internal_id} already holds {preview.stripe_customer_id}: nothing to "
                          "write. Choose another, or Esc.")
            return
        status.update(f"{preview.stripe_customer_id} exists in Stripe; confirm the write.")
        yes = await self.app.push_screen_wait(ConfirmScreen(
            f"Link NetSuite customer {self.internal_id} to {preview.stripe_customer_id}?", confirm_body(preview),
            live=False, yes_label="Yes, write the link"))
        if not yes:
            status.update("Cancelled: nothing was written. Choose another, or Esc.")
            return
        status.update("writing STRIPE CUSTOMER ID (PAYPACK) in NetSuite...")
        result = await engine.link(self.internal_id, preview.stripe_customer_id)
        self.dismiss(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            t = Text(f"{event.worker.description} failed: {getattr(error, 'message', error)}", style="red")
            if getattr(error, "remedy", None):
                t.append(f"\nRemedy: {error.remedy}", style="yellow")  # type: ignore[union-attr]
            self.query_one("#link-status", Plain).update(t)
