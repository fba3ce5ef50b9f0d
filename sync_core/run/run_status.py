"""What the run journal says about a run, as an operator needs it: who is running it, whether a "running"
run is really running or was killed from outside (interrupted), its customers' steps, and which
needs-decision customers were decided since (so a retry covers them).

Kept beside `journal.py` in the same SQLite file (table `run_owners`), without changing the journal's
schema: a run started by the TUI or the CLI may claim itself; a run nobody claims counts as interrupted once
its journal has been quiet for STALE_SECONDS.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sync_core.run.journal import RunInfo

STALE_SECONDS = 120.0  # a "running" run with no claim and no journal activity for this long was interrupted

OWNERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS run_owners (
    run_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, target TEXT, claimed REAL NOT NULL);
"""


@dataclass(frozen=True)
class Step:
    internal_id: str
    state: str
    rule: str | None
    action: str | None
    stripe_customer_id: str | None
    error: str | None
    remedy: str | None


def _connect(path: str | Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.executescript(OWNERS_SCHEMA)
    return db


def claim(path: str | Path, run_id: str, target: str) -> None:
    """This process runs `run_id` (against `target`, as the header names it)."""
    db = _connect(path)
    try:
        db.execute("INSERT OR REPLACE INTO run_owners VALUES (?, ?, ?, ?, ?)",
                   (run_id, os.getpid(), socket.gethostname(), target, time.time()))
    finally:
        db.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def target_of(path: str | Path, run_id: str) -> str | None:
    db = _connect(path)
    try:
        row = db.execute("SELECT target FROM run_owners WHERE run_id = ?", (run_id,)).fetchone()
    finally:
        db.close()
    return row[0] if row else None


def effective_status(path: str | Path, run: RunInfo, *, now: float | None = None) -> str:
    """The run's status, with "running" told apart from "interrupted" (its process is gone)."""
    if run.status != "running":
        return run.status
    db = _connect(path)
    try:
        owner = db.execute("SELECT pid, host FROM run_owners WHERE run_id = ?", (run.id,)).fetchone()
        last = db.execute("SELECT MAX(updated) FROM steps WHERE run_id = ?", (run.id,)).fetchone()[0]
    finally:
        db.close()
    if owner is not None and owner[1] == socket.gethostname():
        return "running" if _alive(int(owner[0])) else "interrupted"
    quiet_since = max(last or 0.0, run.started)
    return "interrupted" if (now or time.time()) - quiet_since > STALE_SECONDS else "running"


def steps(path: str | Path, run_id: str) -> list[Step]:
    db = sqlite3.connect(str(path), check_same_thread=False)
    try:
        rows = db.execute("SELECT internal_id, state, rule, action, stripe_customer_id, error, remedy FROM steps "
                          "WHERE run_id = ? ORDER BY CAST(internal_id AS INTEGER), internal_id", (run_id,)).fetchall()
    finally:
        db.close()
    return [Step(*r) for r in rows]


def _decided_since(db: sqlite3.Connection, run_id: str) -> list[str]:
    """Customers this run left for a person (needs-decision, or R2 stale link) with a link decision since."""
    has_decisions = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decisions'").fetchone()
    if not has_decisions:
        return []
    rows = db.execute(
        "SELECT s.internal_id FROM steps s WHERE s.run_id = ? AND (s.state = 'needs-decision' OR "
        "(s.state = 'failed' AND s.rule = 'R2')) AND EXISTS (SELECT 1 FROM decisions d WHERE "
        "d.internal_id = s.internal_id AND d.at >= s.updated) ORDER BY CAST(s.internal_id AS INTEGER)",
        (run_id,)).fetchall()
    return [r[0] for r in rows]


def reopen_decided(path: str | Path, run_id: str) -> list[str]:
    """Customers this run left for a person who have a link decision journaled since: set back to pending,
    so that resuming the run (retry) syncs them."""
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        ids = _decided_since(db, run_id)
        db.executemany("UPDATE steps SET state = 'pending', updated = ? WHERE run_id = ? AND internal_id = ?",
                       [(time.time(), run_id, i) for i in ids])
    finally:
        db.close()
    return ids


def journaled_ids(path: str | Path, run_id: str) -> set[str]:
    """Every customer the run took (journaled pending before any was synced)."""
    db = sqlite3.connect(str(path), check_same_thread=False)
    try:
        return {r[0] for r in db.execute("SELECT internal_id FROM steps WHERE run_id = ?", (run_id,))}
    finally:
        db.close()


@dataclass(frozen=True)
class RetryScope:
    """What retrying a run redoes, by why: nothing the run did not take."""

    failed: list[str]  # failed, not counting R2 stale links decided since (those are in `decided`)
    decided: list[str]  # left for a person, with a link decision since the run
    unfinished: list[str]  # never reached (a stopped or interrupted run): pending or create-attempted
    journaled: int  # every customer the run took

    @property
    def total(self) -> int:
        return len(self.failed) + len(self.decided) + len(self.unfinished)

    def describe(self) -> str:
        """"3 failed (1004, 1009, 1013); 1 decided since the run (1016)": what a retry redoes, by why."""
        parts = []
        for ids, what in ((self.failed, "failed"), (self.decided, "decided since the run"),
                          (self.unfinished, "not reached before it stopped")):
            if ids:
                shown = ", ".join(ids[:5]) + (f", and {len(ids) - 5} more" if len(ids) > 5 else "")
                parts.append(f"{len(ids)} {what} ({shown})")
        return "; ".join(parts) or "nothing"


def retry_scope(path: str | Path, run_id: str) -> RetryScope:
    """What `--resume RUN --retry-failed` (f in the TUI) would redo, read without changing the journal."""
    db = sqlite3.connect(str(path), check_same_thread=False)
    try:
        decided = _decided_since(db, run_id)
        by_state: dict[str, list[str]] = {}
        for internal_id, state in db.execute("SELECT internal_id, state FROM steps WHERE run_id = ? "
                                             "ORDER BY CAST(internal_id AS INTEGER)", (run_id,)):
            by_state.setdefault(state, []).append(internal_id)
    finally:
        db.close()
    chosen = set(decided)
    return RetryScope([i for i in by_state.get("failed", []) if i not in chosen], decided,
                      by_state.get("pending", []) + by_state.get("create-attempted", []),
                      sum(len(v) for v in by_state.values()))


def mark_stopped(path: str | Path, run_id: str) -> None:
    """The operator stopped the run: resume continues it."""
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        db.execute("UPDATE runs SET finished = ?, status = 'stopped' WHERE id = ?", (time.time(), run_id))
    finally:
        db.close()
