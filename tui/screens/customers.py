"""NetSuite customers: id, name, email, Stripe id, this session's last sync result. Enter opens one."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from ..typed_app import CustSyncAppAccess
from ..widgets.keys import Keys
from ..widgets.plain import Plain
from ..widgets.targets import TargetsBar

COLUMNS = ("id", "name", "email", "Stripe customer id", "search", "last sync")
COLUMN_KEYS = {"search": "search"}
NARROW = 120  # below this many columns, names and emails are cut (…) so that the Stripe id shows
NARROW_WIDTHS = {"name": 18, "email": 24}
CHUNK = 250
CHUNK_PAUSE = 0.01
FILTER_DEBOUNCE = 0.2


def matches(values: tuple[str, ...], needle: str) -> bool:
    return not needle or any(needle in v.lower() for v in values[:4])  # id, name, email, Stripe id


def add_rows(table: DataTable, rows: list[tuple[str, ...]]) -> None:
    for values in rows:  # keyed by the internal id; text is text; a cut value ends in …
        table.add_row(*(Text(v, no_wrap=True, overflow="ellipsis") for v in values), key=values[0])


def add_columns(table: DataTable, narrow: bool) -> None:
    for label in COLUMNS:
        table.add_column(label, key=COLUMN_KEYS.get(label, label), width=NARROW_WIDTHS.get(label) if narrow else None)


class CustomersScreen(CustSyncAppAccess, Screen[None]):
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="customers-filter", tooltip="Filter by id, name, email or Stripe id"),
        Binding("ctrl+r", "reload", "Reload", id="customers-reload", tooltip="Read the customers from NetSuite again"),
        Binding("escape", "focus_table", "Table", id="customers-table", show=False, tooltip="Back to the table"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.in_search: set[str] = set()
        self._stale = False  # a scenario replaced the mocks' customers: read them again when shown
        self._debounce: Timer | None = None
        self._loading = False
        self._applied = ""  # the filter the table shows
        self._narrow = False  # the table's columns are cut to fit (below NARROW columns)

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Input(placeholder="filter: id, name, email, Stripe id  (/)", id="filter")
        yield Plain("waiting for the engine...", id="customers-status", classes="status")
        table: DataTable[str] = DataTable(id="customers", cursor_type="row", zebra_stripes=True)
        add_columns(table, narrow=False)
        yield table
        yield Keys()

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        if narrow != self._narrow:
            self._narrow = narrow
            table = self.query_one("#customers", DataTable)
            table.clear(columns=True)
            add_columns(table, narrow)
            if self.rows and not self._loading:  # nothing read yet: the status keeps saying so
                self._fill()

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready)
        self.watch(self.app, "data_version", self._data_changed, init=False)

    def _data_changed(self, _version: int) -> None:
        self._stale = True

    def _engine_ready(self, ready: bool) -> None:
        if ready:
            self.load()

    def on_screen_resume(self) -> None:
        if self._stale and self.custsync_app.engine_ready:
            self._stale = False
            self.load()
        elif self.rows and not self._loading:
            self._fill()  # refresh "last sync" after a detail screen or a mass sync

    def action_reload(self) -> None:
        if self.custsync_app.engine_ready:
            self.load()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#customers", DataTable).focus()

    @work(exclusive=True, group="customers", exit_on_error=False, description="reading NetSuite customers")
    async def load(self) -> None:
        """Rows go on screen page by page as NetSuite returns them; the "search" column follows.

        10,000 customers: the first page shows in ~0.2 s instead of the whole list after ~3.5 s (reading
        the two concurrently was slower than one after the other: the server is the bottleneck).
        """
        status = self.query_one("#customers-status", Static)
        status.update("reading customers from NetSuite...")
        engine = self.custsync_app.ready_engine
        ns = engine.config.netsuite
        table = self.query_one("#customers", DataTable)
        self.workers.cancel_group(self, "customers-fill")
        self._loading = True
        self.rows, self.in_search = [], set()
        pages: asyncio.Queue[list[dict[str, Any]] | BaseException | None] = asyncio.Queue()

        async def read() -> None:  # keeps reading while the table takes the pages already read
            try:
                async for page in engine.customer_pages():
                    await pages.put(page)
                await pages.put(None)
            except Exception as exc:
                await pages.put(exc)

        reader = asyncio.create_task(read())
        try:
            table.clear()
            while (page := await pages.get()) is not None:
                if isinstance(page, BaseException):
                    raise page
                self.rows.extend(page)
                await self._append([self._values(row) for row in page])
                if table.row_count and not self._needle():
                    table.focus()  # unless the operator is typing a filter
                status.update(f"{len(self.rows)} customers read; reading more from NetSuite...")
        finally:
            reader.cancel()
            self._loading = False
        status.update(f"{len(self.rows)} customers read; checking the mass sync saved search...")
        async for ids in engine.netsuite.search_pages(ns.mass_customer_sync_search):
            self.in_search.update(ids)
        for iid in self.in_search:
            if iid in table.rows:
                table.update_cell(iid, "search", Text("yes"))
        if self._needle() != self._applied:
            self._fill()  # the filter changed while reading
        else:
            self._status(table.row_count)
        if not self._needle():
            table.focus()

    async def _append(self, values: list[tuple[str, ...]]) -> None:
        table = self.query_one("#customers", DataTable)
        needle = self._applied = self._needle()
        matching = [v for v in values if matches(v, needle)]
        for start in range(0, len(matching), CHUNK):
            add_rows(table, matching[start:start + CHUNK])
            await asyncio.sleep(CHUNK_PAUSE)  # a paint and the operator's keys get in between chunks

    def _needle(self) -> str:
        return self.query_one("#filter", Input).value.strip().lower()

    def _status(self, shown: int) -> None:
        self.query_one("#customers-status", Static).update(
            f"{shown} of {len(self.rows)} customers; {len(self.in_search)} chosen by the mass sync search. "
            "Enter opens a customer.")

    def _values(self, row: dict[str, Any]) -> tuple[str, ...]:
        iid = row["id"]
        return (iid, row["name"], row["email"], row["stripe_customer_id"], "yes" if iid in self.in_search else "",
                self.custsync_app.last_results.get(iid, ""))

    def _fill(self) -> None:
        """The first CHUNK matching rows at once; the rest in chunks from a worker, so that the table is
        usable at once with 10,000 customers (DataTable measures every new row on the next idle, ~0.15 ms
        a row: 10,000 at once froze the screen for 1-2 s)."""
        if self._loading:
            return  # load() applies the filter as it goes
        self.workers.cancel_group(self, "customers-fill")
        needle = self._applied = self._needle()
        table = self.query_one("#customers", DataTable)
        cursor = table.cursor_row
        matching = [v for v in (self._values(row) for row in self.rows) if matches(v, needle)]
        table.clear()
        add_rows(table, matching[:CHUNK])
        if len(matching) > CHUNK:
            self.fill_rest(matching[CHUNK:], cursor)
        elif matching:
            table.move_cursor(row=min(cursor, len(matching) - 1))
        self._status(len(matching))

    @work(exclusive=True, group="customers-fill", exit_on_error=False, description="filling the table")
    async def fill_rest(self, rest: list[tuple[str, ...]], cursor: int) -> None:
        table = self.query_one("#customers", DataTable)
        for start in range(0, len(rest), CHUNK):
            await asyncio.sleep(CHUNK_PAUSE)  # a paint and the operator's keys get in between chunks
            add_rows(table, rest[start:start + CHUNK])
        if cursor < table.row_count:
            table.move_cursor(row=cursor)

    @on(Input.Changed, "#filter")
    def _filter(self) -> None:
        if len(self.rows) <= CHUNK:
            self._fill()
        elif self.rows:  # a big account: refill once typing pauses, not on every key
            if self._debounce is not None:
                self._debounce.stop()
            self._debounce = self.set_timer(FILTER_DEBOUNCE, self._fill)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
            self._fill()
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
            self.custsync_app.worker_failed()
