"""The run journal (SQLite), the one owner of its file: every customer's step in a mass sync, so a killed
run resumes; who runs a run and whether it was interrupted; the operator's link decisions; the stored
listings of Stripe accounts; what custsync last sent or confirmed for each linked customer (R10). `schema`
holds every table of the file; nothing else writes it.

A customer is `pending`, then `create-attempted` (a Stripe create was sent and
not yet written back: a resume must look for that customer before creating),
then finished: `ok`, `skipped`, `needs-decision` or `failed`. Resuming a run
redoes only what is not finished (and, with retry_failed, what failed).

Each run records its target (NetSuite account, Stripe account and mode, `run.target.RunTarget`): a run is
resumed only against its own target, and `--changed-since last` takes the last finished run of the same
target. Runs journaled before targets were recorded have an unknown target and are never resumed (a new
run does their work: it recovers any create they left unrecorded, `create_attempts`).

A run is `running` until it ends `finished`, `finished-with-failures` or `stopped`. One whose process died
stays `running` in the file; `status_of` tells it apart as `interrupted`: a run that writes holds its target's
lock (`locks`, naming its process and host; the CLI's and the TUI's alike), the TUI also claims the runs it
starts (`claim`), and a run nobody holds or claims counts as interrupted once its journal has been quiet for
STALE_SECONDS.

What earlier runs against a target left undone (failed, interrupted, stopped, decided by a person since) is
`owed(target)`: the next run takes it. A customer the saved search no longer chooses is journaled `left` by
the run that looked for it, and owes nothing more. `prune` keeps the file bounded (`prune.py`).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sync_core.run.journal.decisions import DecisionLog, DecisionRecord
from sync_core.run.journal.listings import ListingStore
from sync_core.run.journal.locks import LockHolder, RunLocked, RunLocks, process_exists
from sync_core.run.journal.owed import OwedStep, latest_unsettled
from sync_core.run.journal.prune import Pruned, prune
from sync_core.run.journal.schema import COMPLETED, FINISHED, JournalError, open_file
from sync_core.run.journal.signing import LinkSigning
from sync_core.run.journal.synced import SyncedRow, SyncedValues
from sync_core.run.target import RunTarget
from sync_core.sqlite_transaction import transaction

__all__ = [
    "COMPLETED",
    "FINISHED",
    "STALE_SECONDS",
    "DecisionLog",
    "DecisionRecord",
    "Journal",
    "JournalError",
    "LinkSigning",
    "ListingStore",
    "LockHolder",
    "OwedStep",
    "Pruned",
    "RunInfo",
    "RunLocked",
    "RunLocks",
    "Step",
    "SyncedRow",
    "SyncedValues",
    "opened",
]

STALE_SECONDS = 120.0  # a "running" run with no claim and no journal activity for this long was interrupted


@dataclass(frozen=True)
class RunInfo:
    id: str
    started: float
    finished: float | None
    search_id: str
    status: str  # as journaled: a run whose process died is still "running" here (`Journal.status_of`)
    counts: dict[str, int]
    target: RunTarget | None = None  # None: journaled before custsync recorded targets
    changed_since: float | None = None  # the run took only customers modified since then (unix seconds)


@dataclass(frozen=True)
class Step:
    internal_id: str
    state: str
    rule: str | None
    action: str | None
    stripe_customer_id: str | None
    error: str | None
    remedy: str | None


def new_run_id() -> str:
    return time.strftime("run-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


class Journal:
    def __init__(self, path: str | Path, *, must_exist: bool = False) -> None:
        """Open (or create) the journal; `must_exist` (to resume a run) never creates a file."""
        self.path = str(path)
        self._db = open_file(self.path, must_exist=must_exist)
        self._listings: ListingStore | None = None
        self._decisions: DecisionLog | None = None
        self.locks = RunLocks(self._db)  # one run at a time per target
        self.link_signing = LinkSigning(self._db)  # the key the stored portal links were written with
        self._synced: SyncedValues | None = None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def listings(self) -> ListingStore:
        """The stored listings of Stripe accounts kept in this journal's file (stripe.stored_listing)."""
        if self._listings is None:
            self._listings = ListingStore(self._db)
        return self._listings

    @property
    def decisions(self) -> DecisionLog:
        """The operator's link decisions."""
        if self._decisions is None:
            self._decisions = DecisionLog(self._db)
        return self._decisions

    @property
    def synced(self) -> SyncedValues:
        """What custsync last sent or confirmed for each linked customer's mapped fields (R10)."""
        if self._synced is None:
            self._synced = SyncedValues(self._db)
        return self._synced

    # --- runs ------------------------------------------------------------------------------------

    def start_run(self, search_id: str, target: RunTarget | None = None, *, changed_since: float | None = None,
                  explicit_ids: bool = False, run_id: str | None = None) -> str:
        """A new run. `target` is what it writes to; `changed_since` (unix seconds) when it takes only the
        customers modified since then; `explicit_ids` when it takes named customers, not the whole search (such a
        run is never the base of `--changed-since last`); `run_id` (from `new_run_id`) when its target's lock was
        taken for it first."""
        run_id = run_id or new_run_id()
        account, stripe_account, mode = (target.netsuite_account, target.stripe_account, target.stripe_mode) \
            if target else (None, None, None)
        self._db.execute("INSERT INTO runs (id, started, search_id, netsuite_account, stripe_account, stripe_mode, "
                         "changed_since, explicit_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (run_id, time.time(), search_id, account, stripe_account, mode, changed_since, int(explicit_ids)))
        return run_id

    def run(self, run_id: str) -> RunInfo:
        row = self._db.execute("SELECT id, started, finished, search_id, status, netsuite_account, stripe_account, "
                               "stripe_mode, changed_since FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            known = ", ".join(r.id for r in self.runs(limit=5)) or "none"
            raise JournalError(f"no run {run_id!r} in the journal {self.path} (latest: {known}).")
        counts = dict(self._db.execute("SELECT state, COUNT(*) FROM steps WHERE run_id = ? GROUP BY state", (run_id,)).fetchall())
        target = RunTarget(*row[5:8]) if all(row[5:8]) else None
        run_id, started, finished, search_id, status = row[:5]
        return RunInfo(run_id, started, finished, search_id, status, counts, target, changed_since=row[8])

    def runs(self, limit: int = 20, *, target: RunTarget | None = None) -> list[RunInfo]:
        """The latest runs, newest first (only those against `target` when given)."""
        if target is None:
            rows = self._db.execute("SELECT id FROM runs ORDER BY started DESC LIMIT ?", (limit,))
        else:
            rows = self._db.execute(
                "SELECT id FROM runs WHERE netsuite_account = ? AND stripe_account = ? AND stripe_mode = ? ORDER BY "
                "started DESC LIMIT ?", (target.netsuite_account, target.stripe_account, target.stripe_mode, limit))
        return [self.run(r[0]) for r in rows.fetchall()]

    def check_target(self, run_id: str, target: RunTarget) -> RunInfo:
        """The run, if it may be resumed against `target`; else JournalError naming both targets and the remedy."""
        info = self.run(run_id)
        if info.target is None:
            raise JournalError(
                f"run {run_id} was journaled without its target (by a custsync that did not record it), so "
                f"resuming it against {target.describe()} could skip customers it never synced there. Start a new "
                "run instead (custsync mass-sync without --resume): it redoes nothing already in sync and recovers "
                "any Stripe create the old run left unrecorded.")
        if info.target != target:
            raise JournalError(
                f"run {run_id} ran against {info.target.describe()}, not against this configuration's "
                f"{target.describe()}. Resume it with the configuration (and Stripe key) of its own target, or "
                "start a new run against this one (custsync mass-sync without --resume).")
        return info

    def last_finished(self, target: RunTarget) -> RunInfo | None:
        """The last run against `target` that went through every customer it took (finished, with or without
        failures; not stopped, not still running or interrupted, not of named customers only)."""
        marks = ",".join("?" * len(COMPLETED))
        row = self._db.execute(
            f"SELECT id FROM runs WHERE netsuite_account = ? AND stripe_account = ? AND stripe_mode = ? AND status IN "
            f"({marks}) AND explicit_ids = 0 ORDER BY started DESC LIMIT 1",
            (target.netsuite_account, target.stripe_account, target.stripe_mode, *COMPLETED)).fetchone()
        return self.run(row[0]) if row else None

    def finish_run(self, run_id: str, status: str) -> None:
        """The run ended: `finished`, `finished-with-failures`, or `stopped` by the operator (resume continues it)."""
        self._db.execute("UPDATE runs SET finished = ?, status = ? WHERE id = ?", (time.time(), status, run_id))

    # --- who runs a run, and whether it was interrupted ----------------------------------------------

    def claim(self, run_id: str, target: str) -> None:
        """This process runs `run_id` (against `target`, as a header names it)."""
        self._db.execute("INSERT OR REPLACE INTO run_owners VALUES (?, ?, ?, ?, ?)",
                         (run_id, os.getpid(), socket.gethostname(), target, time.time()))

    def claimed_target(self, run_id: str) -> str | None:
        """The target the run's claim names (None: nobody claimed it)."""
        row = self._db.execute("SELECT target FROM run_owners WHERE run_id = ?", (run_id,)).fetchone()
        return row[0] if row else None

    def status_of(self, run: RunInfo, *, now: float | None = None) -> str:
        """The run's status, with "running" told apart from "interrupted" (its process is gone)."""
        if run.status != "running":
            return run.status
        holder = self.locks.holder_of_run(run.id)
        if holder is not None:
            return "running" if holder.alive(now=now) else "interrupted"
        owner = self._db.execute("SELECT pid, host FROM run_owners WHERE run_id = ?", (run.id,)).fetchone()
        last = self._db.execute("SELECT MAX(updated) FROM steps WHERE run_id = ?", (run.id,)).fetchone()[0]
        if owner is not None and owner[1] == socket.gethostname():
            return "running" if process_exists(int(owner[0])) else "interrupted"
        quiet_since = max(last or 0.0, run.started)
        return "interrupted" if (now or time.time()) - quiet_since > STALE_SECONDS else "running"

    # --- the customers' steps --------------------------------------------------------------------------

    def add_pending(self, run_id: str, internal_ids: Iterable[str]) -> None:
        """The run's customers, pending, in one transaction: in autocommit each row would be a commit of its own
        (10,000 customers: over a second, the event loop held while Stripe's listing waits)."""
        now = time.time()
        with transaction(self._db):
            self._db.executemany(
                "INSERT OR IGNORE INTO steps (run_id, internal_id, state, updated) VALUES (?, ?, 'pending', ?)",
                [(run_id, i, now) for i in internal_ids])

    def state(self, run_id: str, internal_id: str) -> str | None:
        row = self._db.execute("SELECT state FROM steps WHERE run_id = ? AND internal_id = ?", (run_id, internal_id)).fetchone()
        return row[0] if row else None

    def create_attempts(self) -> dict[str, float]:
        """Every customer with a Stripe create some run sent and may not have written back, and when the earliest
        such attempt was journaled (this machine's clock): the customer an attempt made is created after it."""
        return {r[0]: r[1] for r in self._db.execute(
            "SELECT internal_id, MIN(updated) FROM steps WHERE state = 'create-attempted' GROUP BY internal_id")}

    def mark(self, run_id: str, internal_id: str, state: str, *, rule: str | None = None, action: str | None = None,
             stripe_customer_id: str | None = None, error: str | None = None, remedy: str | None = None) -> None:
        self.mark_many(run_id, [(internal_id, state, rule, action, stripe_customer_id, error, remedy)])

    def mark_many(self, run_id: str, steps: list[tuple[str, str, str | None, str | None, str | None, str | None,
                                                        str | None]],
                  synced: tuple[str, list[tuple[str, str, tuple[str, str | None]]]] | None = None) -> None:
        """Several customers' steps, as (internal id, state, rule, action, Stripe id, error, remedy), in one
        transaction; with `synced` (scope, records), their R10 records too (`SyncedValues.write`)."""
        now = time.time()
        settled = [(s[0], run_id) for s in steps if s[1] in (*FINISHED, "failed")]
        with transaction(self._db):
            if synced is not None:
                self.synced.write(*synced)
            self._db.executemany(
                "INSERT INTO steps (run_id, internal_id, state, rule, action, stripe_customer_id, error, remedy, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, internal_id) DO UPDATE SET state = excluded.state,"
                " rule = excluded.rule, action = excluded.action, stripe_customer_id = excluded.stripe_customer_id,"
                " error = excluded.error, remedy = excluded.remedy, updated = excluded.updated",
                [(run_id, *s, now) for s in steps])
            # A finished step settles every earlier create-attempt for this customer.
            self._db.executemany("UPDATE steps SET state = 'superseded' WHERE internal_id = ? AND run_id <> ? "
                                 "AND state = 'create-attempted'", settled)

    def finished_ids(self, run_id: str, *, include_failed: bool = False) -> set[str]:
        states = FINISHED + (("failed",) if include_failed else ())
        marks = ",".join("?" * len(states))
        return {r[0] for r in self._db.execute(
            f"SELECT internal_id FROM steps WHERE run_id = ? AND state IN ({marks})", (run_id, *states))}

    def failures(self, run_id: str) -> list[dict[str, str | None]]:
        rows = self._db.execute("SELECT internal_id, rule, error, remedy FROM steps WHERE run_id = ? AND state = 'failed'"
                                " ORDER BY CAST(internal_id AS INTEGER)", (run_id,))
        return [dict(zip(("internal_id", "rule", "error", "remedy"), r)) for r in rows]

    def steps(self, run_id: str) -> list[Step]:
        """Every customer of the run, by internal id."""
        rows = self._db.execute("SELECT internal_id, state, rule, action, stripe_customer_id, error, remedy FROM steps "
                                "WHERE run_id = ? ORDER BY CAST(internal_id AS INTEGER), internal_id", (run_id,))
        return [Step(*r) for r in rows]

    def steps_in(self, run_id: str, states: Iterable[str]) -> list[dict[str, str | None]]:
        """The run's customers in these states, by internal id, with their rule, cause and remedy."""
        states = tuple(states)
        marks = ",".join("?" * len(states))
        rows = self._db.execute(f"SELECT internal_id, state, rule, error, remedy FROM steps WHERE run_id = ? AND "
                                f"state IN ({marks}) ORDER BY CAST(internal_id AS INTEGER)", (run_id, *states))
        return [dict(zip(("internal_id", "state", "rule", "error", "remedy"), r)) for r in rows]

    def decided_since(self, run_id: str) -> list[str]:
        """Customers this run left for a person (needs-decision, or R2 stale link) who have a link decision
        journaled since, by internal id."""
        rows = self._db.execute(
            "SELECT s.internal_id FROM steps s WHERE s.run_id = ? AND (s.state = 'needs-decision' OR "
            "(s.state = 'failed' AND s.rule = 'R2')) AND EXISTS (SELECT 1 FROM decisions d WHERE "
            "d.internal_id = s.internal_id AND d.at >= s.updated) ORDER BY CAST(s.internal_id AS INTEGER)",
            (run_id,)).fetchall()
        return [r[0] for r in rows]

    def journaled_ids(self, run_id: str) -> set[str]:
        """Every customer the run took (journaled pending before any was synced)."""
        return {r[0] for r in self._db.execute("SELECT internal_id FROM steps WHERE run_id = ?", (run_id,))}

    def reopen_decided(self, run_id: str) -> list[str]:
        """Customers this run left for a person who have a link decision journaled since (`decided_since`): set
        back to pending, so that resuming the run (retry) syncs them."""
        ids = self.decided_since(run_id)
        with transaction(self._db):
            self._db.executemany("UPDATE steps SET state = 'pending', updated = ? WHERE run_id = ? AND internal_id = ?",
                                 [(time.time(), run_id, i) for i in ids])
        return ids


    # --- what earlier runs left undone, and keeping the file bounded ------------------------------------

    def owed(self, target: RunTarget) -> list[OwedStep]:
        """Each customer whose latest step against `target` is unsettled: owed a sync (failed, unfinished,
        decided since) or waiting for a person (`OwedStep.source`), by internal id."""
        return latest_unsettled(self._db, target)

    def mark_left(self, run_id: str, internal_ids: Iterable[str]) -> None:
        """Customers owed by earlier runs that the saved search no longer chooses (or that were deleted): this
        run looked for them and settles their debt. A create an earlier run left unrecorded stays known."""
        now = time.time()
        self._db.executemany(
            "INSERT OR REPLACE INTO steps (run_id, internal_id, state, error, remedy, updated) VALUES (?, ?, 'left', "
            "?, ?, ?)", [(run_id, i, "no longer chosen by the Mass Customer Sync saved search (or deleted): not "
                          "synced", "Nothing to do, unless it should be synced: then change the customer (or the "
                          "search's criteria) so that the search chooses it.", now) for i in internal_ids])

    def prune(self, keep_days: float, *, now: float | None = None) -> Pruned:
        """Forget runs (their steps and claims) and decisions older than `keep_days` that no later run needs
        (`prune.py` says what is kept); 0 keeps everything."""
        if keep_days <= 0:
            return Pruned(0, 0, 0)
        return prune(self._db, (now or time.time()) - keep_days * 86400)


@contextmanager
def opened(path: str | Path, *, read_only: bool = False) -> Iterator[Journal | None]:
    """The journal at `path`, closed after; `read_only` (a dry run): only a file that exists, else None, so
    nothing is made (it still reads what custsync last sent, R10, to plan as the run would)."""
    journal = None if read_only and not Path(path).is_file() else Journal(path, must_exist=read_only)
    try:
        yield journal
    finally:
        if journal is not None:
            journal.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def customer_history(path: str | Path, internal_ids: Iterable[str]) -> list[dict[str, object]]:
    """What the journal file holds about these customers, oldest first: each mass-sync step (with its run's
    status: a `create-attempted` step of a run that is still `running` is an interrupted create) and each of the
    operator's link decisions. Read without writing anything: no file, no table, nothing created ([] when the
    file does not exist)."""
    ids = sorted(set(internal_ids), key=lambda i: (len(i), i))
    file = Path(path)
    if not ids or not file.is_file():
        return []
    # immutable: no -wal/-shm files made beside it; a file a process is writing (its -wal exists) is read
    # through the WAL instead, so a running sync's steps are seen.
    mode = "mode=ro" if Path(f"{file}-wal").exists() else "immutable=1"
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error as exc:
        raise JournalError(f"run journal {file}: {exc}") from None
    marks = ",".join("?" * len(ids))
    out: list[dict[str, object]] = []
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if {"steps", "runs"} <= tables:
            rows = db.execute(
                "SELECT s.updated, s.internal_id, s.run_id, r.status, s.state, s.rule, s.action, "
                f"s.stripe_customer_id, s.error, s.remedy FROM steps s JOIN runs r ON r.id = s.run_id "
                f"WHERE s.internal_id IN ({marks})", ids)
            keys = ("at", "customer", "run", "run_status", "state", "rule", "action", "stripe_customer_id",
                    "error", "remedy")
            out += [{"kind": "step", **dict(zip(keys, row))} for row in rows]
        if "decisions" in tables:
            rows = db.execute("SELECT at, internal_id, kind, stripe_customer_id, previous FROM decisions "
                              f"WHERE internal_id IN ({marks})", ids)
            out += [{"kind": "decision", "at": at, "customer": iid, "decision": kind, "stripe_customer_id": sid,
                     "previous": previous} for at, iid, kind, sid, previous in rows]
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"run journal {file}: {exc}") from None
    finally:
        db.close()
    return sorted(out, key=lambda r: (float(r["at"] or 0), str(r["customer"])))  # type: ignore[arg-type]
