"""Pick a journaled mass-sync run (to resume it, or to retry its failures)."""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from sync_core.run.journal import Journal, JournalError, RunInfo

from .plain import Plain


def recent_runs(path: Path, limit: int = 20) -> list[tuple[RunInfo, str, str | None]]:
    """The journal's latest runs, each with its effective status (interrupted told apart from running) and
    the target its claim names; none (and no file created) when there is no journal yet."""
    if not Path(path).exists():
        return []
    with Journal(path) as journal:
        return [(run, journal.status_of(run), journal.claimed_target(run.id)) for run in journal.runs(limit=limit)]


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-"


class RunPickerScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="runs-cancel", tooltip="Close: nothing is run")]

    def __init__(self, journal_path: Path, purpose: str) -> None:
        super().__init__()
        self.journal_path, self.purpose = journal_path, purpose

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-box"):
            yield Plain(Text(f"{self.purpose}: pick a journaled run (Enter), Esc cancels", style="bold"),
                         id="runs-title")
            table: DataTable[str] = DataTable(id="runs", cursor_type="row")
            table.add_columns("run", "target", "started", "status", "customers by state")
            yield table
            yield Plain("", id="runs-status", classes="status")

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        try:
            runs = recent_runs(self.journal_path)
        except JournalError as exc:
            self.query_one("#runs-status", Static).update(str(exc))
            return
        for run, status, claimed in runs:
            started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
            style = {"interrupted": "bold red", "running": "bold cyan", "stopped": "yellow"}.get(status, "")
            target = claimed or run.search_id
            table.add_row(Text(run.id), Text(target), Text(started), Text(status, style=style),
                          Text(counts_text(run.counts)), key=run.id)
        self.query_one("#runs-status", Static).update(
            f"{len(runs)} run(s) in {self.journal_path}" if runs else f"No journaled runs in {self.journal_path} yet.")
        table.focus()

    @on(DataTable.RowSelected, "#runs")
    def _picked(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
