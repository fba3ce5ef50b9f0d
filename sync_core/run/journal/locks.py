"""One mass sync at a time per target (table `run_locks`): the run that writes to a NetSuite account and a Stripe
account and mode holds that target's lock, naming its host, its process and its start.

A second run against the same target is refused (`RunLocked`, naming the holder). A lock whose holder is gone is
taken over, and the new holder says whose it took: on this host a holder is gone when its process has ended; on
another host (a journal on a shared disk) when it has not beaten for HOLDER_GONE_AFTER_S. A holder beats every
BEAT_EVERY_S while it runs, so a process that ended without releasing (killed, the machine restarted) frees the
target by itself, and a process id the system has given to another program since counts as gone too.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass

from sync_core.run.journal.schema import JournalError
from sync_core.run.target import RunTarget
from sync_core.sqlite_transaction import transaction

BEAT_EVERY_S = 30.0
HOLDER_GONE_AFTER_S = 300.0  # ten beats missed


@dataclass(frozen=True)
class LockHolder:
    run_id: str
    pid: int
    host: str
    started: float
    beat: float

    def describe(self) -> str:
        return (f"run {self.run_id} (host {self.host}, process {self.pid}, started "
                f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(self.started))})")

    def alive(self, *, now: float | None = None) -> bool:
        """Its process still runs: on this host, the process exists and has beaten lately; elsewhere, it has
        beaten lately."""
        fresh = (now or time.time()) - self.beat <= HOLDER_GONE_AFTER_S
        if self.host == socket.gethostname():
            return fresh and process_exists(self.pid)
        return fresh

    def as_dict(self) -> dict[str, object]:
        return {"run_id": self.run_id, "pid": self.pid, "host": self.host, "started": self.started, "beat": self.beat}


class RunLocked(JournalError):
    """Another live run holds the target's lock."""

    def __init__(self, holder: LockHolder, target: RunTarget) -> None:
        super().__init__(
            f"another mass sync is running against {target.describe()}: {holder.describe()}. One run at a time per "
            "target: wait for it to end (custsync status shows it), or, if that process is gone, run again: a lock "
            f"whose holder has ended is taken over (on another host, once it has not beaten for "
            f"{HOLDER_GONE_AFTER_S / 60:.0f} minutes).")
        self.holder = holder


def target_key(target: RunTarget) -> str:
    return f"{target.netsuite_account}|{target.stripe_account}|{target.stripe_mode}"


class RunLocks:
    """The targets' locks in the journal's file (its connection)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def acquire(self, target: RunTarget, run_id: str) -> LockHolder | None:
        """Hold the target's lock for `run_id` (this process); RunLocked while another live run holds it.
        Returns the gone holder whose lock was taken over, or None."""
        key, now = target_key(target), time.time()
        with transaction(self._db):
            held = self._holder(key)
            if held is not None and self._mine(held, run_id):
                held = None
            if held is not None and held.alive(now=now) and self._run_going(held.run_id):
                raise RunLocked(held, target)
            self._db.execute("INSERT OR REPLACE INTO run_locks VALUES (?, ?, ?, ?, ?, ?)",
                             (key, run_id, os.getpid(), socket.gethostname(), now, now))
        return held

    def beat(self, target: RunTarget, run_id: str) -> None:
        self._db.execute("UPDATE run_locks SET beat = ? WHERE target = ? AND run_id = ? AND pid = ?",
                         (time.time(), target_key(target), run_id, os.getpid()))

    def release(self, target: RunTarget, run_id: str) -> None:
        self._db.execute("DELETE FROM run_locks WHERE target = ? AND run_id = ? AND pid = ?",
                         (target_key(target), run_id, os.getpid()))

    def holder(self, target: RunTarget) -> LockHolder | None:
        """Who holds the target's lock (alive or not), or None."""
        return self._holder(target_key(target))

    def holder_of_run(self, run_id: str) -> LockHolder | None:
        row = self._db.execute("SELECT run_id, pid, host, started, beat FROM run_locks WHERE run_id = ?",
                               (run_id,)).fetchone()
        return LockHolder(*row) if row else None

    def _holder(self, key: str) -> LockHolder | None:
        row = self._db.execute("SELECT run_id, pid, host, started, beat FROM run_locks WHERE target = ?",
                               (key,)).fetchone()
        return LockHolder(*row) if row else None

    def _run_going(self, run_id: str) -> bool:
        """The holder's run has not ended (a run that ended and left its lock behind holds nothing)."""
        row = self._db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row is not None and row[0] == "running"

    @staticmethod
    def _mine(holder: LockHolder, run_id: str) -> bool:
        return holder.run_id == run_id and holder.pid == os.getpid() and holder.host == socket.gethostname()


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: it exists
    return True
