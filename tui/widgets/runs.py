"""Pick a journaled mass-sync run (to show it, resume it, or retry its failures): each with its target
(NetSuite account, Stripe account and mode, and where they answered), and whether that is this custsync's."""

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

from sync_core.plural import plural
from sync_core.run.journal import Journal, JournalError, RunInfo
from sync_core.run.target import RunTarget

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


def target_text(run: RunInfo) -> str:
    t = run.target
    return f"NetSuite {t.netsuite_account} · Stripe {t.stripe_account} {t.stripe_mode}" if t else "not recorded"


class RunPickerScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="runs-cancel", tooltip="Close: nothing is run")]

    def __init__(self, journal_path: Path, purpose: str, here: RunTarget | None = None) -> None:
        super().__init__()
        self.journal_path, self.purpose, self.here = journal_path, purpose, here
        self.runs: dict[str, RunInfo] = {}
        self.claimed: dict[str, str | None] = {}  # where each run ran, as its claim names it

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-box"):
            yield Plain(Text(f"{self.purpose}: pick a journaled run (Enter), Esc cancels", style="bold"),
                         id="runs-title")
            table: DataTable[str] = DataTable(id="runs", cursor_type="row")
            table.add_columns("run", "status", "started", "customers by state", "target")
            yield table
            yield Plain("", id="runs-target", classes="status")
            yield Plain("", id="runs-status", classes="status")

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        try:
            runs = recent_runs(self.journal_path)
        except JournalError as exc:
            self.query_one("#runs-status", Static).update(str(exc))
            return
        for run, status, claimed in runs:
            self.runs[run.id] = run
            self.claimed[run.id] = claimed
            started = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started))
            style = {"interrupted": "bold red", "running": "bold cyan", "stopped": "yellow"}.get(status, "")
            other = self.here is not None and run.target != self.here
            table.add_row(Text(run.id, style="dim" if other else ""), Text(status, style=style), Text(started),
                          Text(counts_text(run.counts)),
                          Text(target_text(run) + (" (another target)" if other else ""),
                               style="dim" if other else ""), key=run.id)
        self.query_one("#runs-status", Static).update(
            f"{plural(len(runs), 'run')} in {self.journal_path}" if runs
            else f"No journaled runs in {self.journal_path} yet.")
        table.focus()

    @on(DataTable.RowHighlighted, "#runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        run = self.runs.get(str(event.row_key.value))
        if run is None:
            return
        t = Text()
        t.append("Target: ", style="bold")
        t.append(run.target.describe() if run.target else "not recorded (journaled by an older custsync)")
        where = self.claimed.get(run.id)
        if where:
            t.append(f"\nWhere it ran: {where}", style="dim")
        if self.here is not None:
            if run.target == self.here:
                t.append("\nThis custsync's target: it can be resumed here.", style="green")
            else:
                t.append(f"\nNot this custsync's target ({self.here.describe()}): it is not resumed here.",
                         style="bold yellow")
        self.query_one("#runs-target", Static).update(t)

    @on(DataTable.RowSelected, "#runs")
    def _picked(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
