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


def reopen_decided(path: str | Path, run_id: str) -> list[str]:
    """Customers this run left for a person (needs-decision, or R2 stale link) who have a link decision
    journaled since: set back to pending, so that resuming the run (retry) syncs them."""
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        has_decisions = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decisions'").fetchone()
        if not has_decisions:
            return []
        rows = db.execute(
            "SELECT s.internal_id FROM steps s WHERE s.run_id = ? AND (s.state = 'needs-decision' OR "
            "(s.state = 'failed' AND s.rule = 'R2')) AND EXISTS (SELECT 1 FROM decisions d WHERE "
            "d.internal_id = s.internal_id AND d.at >= s.updated)", (run_id,)).fetchall()
        ids = [r[0] for r in rows]
        db.executemany("UPDATE steps SET state = 'pending', updated = ? WHERE run_id = ? AND internal_id = ?",
                       [(time.time(), run_id, i) for i in ids])
    finally:
        db.close()
    return ids


def mark_stopped(path: str | Path, run_id: str) -> None:
    """The operator stopped the run: resume continues it."""
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        db.execute("UPDATE runs SET finished = ?, status = 'stopped' WHERE id = ?", (time.time(), run_id))
    finally:
        db.close()
