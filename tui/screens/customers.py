"""NetSuite customers: id, name, email, Stripe id, this session's last sync result. Enter opens one."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from ..widgets.targets import TargetsBar

COLUMNS = ("id", "name", "email", "Stripe customer id", "search", "last sync")


class CustomersScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="customers-filter", tooltip="Filter by id, name, email or Stripe id"),
        Binding("ctrl+r", "reload", "Reload", id="customers-reload", tooltip="Read the customers from NetSuite again"),
        Binding("escape", "focus_table", "Table", id="customers-table", show=False, tooltip="Back to the table"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.in_search: set[str] = set()

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Input(placeholder="filter: id, name, email, Stripe id  (/)", id="filter")
        yield Static("waiting for the engine...", id="customers-status", classes="status")
        table: DataTable[str] = DataTable(id="customers", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready)

    def _engine_ready(self, ready: bool) -> None:
        if ready:
            self.load()

    def on_screen_resume(self) -> None:
        if self.rows:
            self._fill()  # refresh "last sync" after a detail screen or a mass sync

    def action_reload(self) -> None:
        if self.app.engine_ready:  # type: ignore[attr-defined]
            self.load()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#customers", DataTable).focus()

    @work(exclusive=True, group="customers", exit_on_error=False, description="reading NetSuite customers")
    async def load(self) -> None:
        self.query_one("#customers-status", Static).update("reading customers from NetSuite...")
        engine = self.app.engine  # type: ignore[attr-defined]
        ns = engine.config.netsuite
        ids: set[str] = set()
        async for page in engine.netsuite.search_pages(ns.mass_customer_sync_search):
            ids.update(page)
        rows = await engine.netsuite.suiteql_all(
            f"SELECT id, companyname, email, {ns.stripe_id_field} FROM customer ORDER BY id")
        self.in_search = ids
        self.rows = rows
        self._fill()
        self.query_one("#customers", DataTable).focus()

    def _values(self, row: dict[str, Any]) -> tuple[str, ...]:
        ns = self.app.config.netsuite  # type: ignore[attr-defined]
        iid = str(row.get("id"))
        return (iid, str(row.get("companyname") or ""), str(row.get("email") or ""),
                str(row.get(ns.stripe_id_field) or ""), "yes" if iid in self.in_search else "",
                self.app.last_results.get(iid, ""))  # type: ignore[attr-defined]

    def _fill(self) -> None:
        needle = self.query_one("#filter", Input).value.strip().lower()
        table = self.query_one("#customers", DataTable)
        cursor = table.cursor_row
        table.clear()
        shown = 0
        for row in self.rows:
            values = self._values(row)
            if needle and not any(needle in v.lower() for v in values[:4]):
                continue
            table.add_row(*values, key=values[0])
            shown += 1
        if shown:
            table.move_cursor(row=min(cursor, shown - 1))
        self.query_one("#customers-status", Static).update(
            f"{shown} of {len(self.rows)} customers; {len(self.in_search)} chosen by the mass sync search. "
            "Enter opens a customer.")

    @on(Input.Changed, "#filter")
    def _filter(self) -> None:
        if self.rows:
            self._fill()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.action_focus_table()

    @on(DataTable.RowSelected, "#customers")
    def _open(self, event: DataTable.RowSelected) -> None:
        from .detail import DetailScreen

        if event.row_key.value is not None:
            self.app.push_screen(DetailScreen(str(event.row_key.value)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one("#customers-status", Static).update(f"could not read customers: {event.worker.error}")
            self.notify(f"Reading customers failed: {event.worker.error}", severity="error")
