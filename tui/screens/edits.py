"""R10, the choice the policy `ask` leaves to a person: the fields of one customer edited in Stripe outside
custsync since it last wrote them, NetSuite's value and Stripe's side by side (and the last synced one), and a
choice per field: push NetSuite's value now, or keep Stripe's (`Engine.resolve_edit`, as `custsync
resolve-edit`). Enter on a row carries it out; the screen closes with the number of choices made.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from sync_core.rules.stripe_edits import Choice, FieldEdit, Resolution, shown

from ..typed_app import CustSyncAppAccess
from ..widgets.keys import Keys
from ..widgets.plain import Plain


def choice_rows(edits: tuple[FieldEdit, ...]) -> list[tuple[str, tuple[Text, ...]]]:
    """Two rows per field waiting for a person: keep NetSuite's value (pushed), or keep Stripe's."""
    rows: list[tuple[str, tuple[Text, ...]]] = []
    for e in edits:
        if e.resolution is not Resolution.ASK:
            continue
        label = f"{e.kind.value}; last synced {shown(e.last)}"
        rows.append((f"{e.field}:{Choice.NETSUITE.value}",
                     (Text(e.field, style="bold"), Text("push NetSuite's", style="cyan"), Text(shown(e.netsuite)),
                      Text(shown(e.stripe), style="dim"), Text(label, style="dim"))))
        rows.append((f"{e.field}:{Choice.STRIPE.value}",
                     (Text(e.field, style="bold"), Text("keep Stripe's", style="magenta"), Text(shown(e.netsuite), style="dim"),
                      Text(shown(e.stripe)), Text(label, style="dim"))))
    return rows


class EditsScreen(CustSyncAppAccess, ModalScreen[int]):
    BINDINGS = [Binding("escape", "close", "Close", id="edits-close", tooltip="Close: what was chosen stays chosen")]

    def __init__(self, internal_id: str, edits: tuple[FieldEdit, ...]) -> None:
        super().__init__()
        self.internal_id, self.edits = internal_id, edits
        self.done: dict[str, Choice] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="edits-box"):
            yield Plain(Text(f"Customer {self.internal_id}: fields edited in Stripe outside custsync (R10)",
                             style="bold"), id="edits-title")
            yield Plain("Enter on a row: push NetSuite's value to Stripe now, or keep Stripe's (NetSuite keeps its "
                        "own until it changes). Recorded in the journal; the next sync does not ask again.",
                        classes="status")
            table: DataTable[Text] = DataTable(id="edit-choices", cursor_type="row", zebra_stripes=True)
            table.add_columns("field", "choice", "NetSuite", "Stripe", "")
            for key, cells in choice_rows(self.edits):
                table.add_row(*cells, key=key)
            yield table
            yield Plain("", id="edits-status", classes="status")
        yield Keys()

    @on(DataTable.RowSelected, "#edit-choices")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        field, choice = str(event.row_key.value).split(":")
        if field in self.done:
            self.query_one("#edits-status", Plain).update(f"{field}: already chosen ({self.done[field].value}).")
            return
        self.query_one("#edits-status", Plain).update(f"{field}: {choice}...")
        self.resolve(field, Choice(choice))

    @work(exclusive=True, group="edits-write", exit_on_error=False, description="choosing for a field")
    async def resolve(self, field: str, choice: Choice) -> None:
        with self.custsync_app.live_writes():
            done = await self.custsync_app.ready_engine.resolve_edit(self.internal_id, field, choice.value)
        self.done[field] = choice
        self.query_one("#edits-status", Plain).update(Text(done.describe(), style="green"))
        if len(self.done) == len({e.field for e in self.edits if e.resolution is Resolution.ASK}):
            self.dismiss(len(self.done))

    def action_close(self) -> None:
        self.dismiss(len(self.done))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.query_one("#edits-status", Plain).update(
                Text(f"{getattr(error, 'message', error)} {getattr(error, 'remedy', '') or ''}", style="red"))
