"""The run journal's SQLite file: every table in it, what opens it, and what brings an older file up to date.

One file holds a mass sync's runs and their customers' steps (`runs`, `steps`), who runs a run
(`run_owners`), the lock of each target (`run_locks`: one run at a time), the signing key the stored portal
links were last brought up to date with (`link_signing`), the operator's link decisions (`decisions`) and the
last listing of each Stripe account (`stripe_listings`, `stripe_listed_customers`) and what custsync last sent
or confirmed for each linked customer's mapped fields (`synced_values`, R10). Every table is created if missing
and a column added after
the first journals were written is added to an older file when it is opened, so a journal written by any
earlier custsync opens as it is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, started REAL NOT NULL, finished REAL, search_id TEXT NOT NULL,
    dry_run INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running');
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(id), internal_id TEXT NOT NULL, state TEXT NOT NULL,
    rule TEXT, action TEXT, stripe_customer_id TEXT, error TEXT, remedy TEXT, updated REAL NOT NULL,
    PRIMARY KEY (run_id, internal_id));
CREATE INDEX IF NOT EXISTS steps_by_customer ON steps (internal_id, state);
CREATE INDEX IF NOT EXISTS steps_unsettled ON steps (internal_id)
    WHERE state IN ('pending', 'create-attempted', 'failed', 'needs-decision');
CREATE TABLE IF NOT EXISTS run_locks (
    target TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, started REAL NOT NULL,
    beat REAL NOT NULL);
CREATE TABLE IF NOT EXISTS link_signing (
    netsuite_account TEXT PRIMARY KEY, signing_key_id TEXT NOT NULL, run_id TEXT, recorded REAL NOT NULL);
CREATE TABLE IF NOT EXISTS run_owners (
    run_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, target TEXT, claimed REAL NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    at REAL NOT NULL, internal_id TEXT NOT NULL, kind TEXT NOT NULL, stripe_customer_id TEXT,
    previous TEXT, other_netsuite_customers TEXT);
CREATE INDEX IF NOT EXISTS decisions_by_customer ON decisions (internal_id, at);
CREATE TABLE IF NOT EXISTS stripe_listings (
    stripe_account TEXT NOT NULL, stripe_mode TEXT NOT NULL, anchor TEXT, since INTEGER NOT NULL,
    listed_at REAL NOT NULL, kept TEXT, PRIMARY KEY (stripe_account, stripe_mode));
CREATE TABLE IF NOT EXISTS stripe_listed_customers (
    stripe_account TEXT NOT NULL, stripe_mode TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (stripe_account, stripe_mode, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS synced_values (
    netsuite_account TEXT NOT NULL, internal_id TEXT NOT NULL, stripe_customer_id TEXT NOT NULL,
    stripe TEXT NOT NULL, netsuite TEXT, at REAL NOT NULL,
    PRIMARY KEY (netsuite_account, internal_id)) WITHOUT ROWID;
"""
FINISHED = ("ok", "skipped", "needs-decision", "left")  # a customer's step that needs nothing more of this run
COMPLETED = ("finished", "finished-with-failures")  # a run that went through every customer it took

# Columns added after the first journals were written: added to an older file when it is opened.
RUN_COLUMNS = {"netsuite_account": "TEXT", "stripe_account": "TEXT", "stripe_mode": "TEXT",
               "changed_since": "REAL", "explicit_ids": "INTEGER NOT NULL DEFAULT 0"}
LISTING_COLUMNS = {"kept": "TEXT"}  # the fields a stored listing kept of each customer (stored_listing.KEPT)


class JournalError(Exception):
    pass


def open_file(path: str, *, must_exist: bool = False) -> sqlite3.Connection:
    """The journal's connection (autocommit; `sqlite_transaction.transaction` groups writes), with every
    table in place; `must_exist` (to resume a run) never creates a file."""
    if must_exist and not Path(path).is_file():
        raise JournalError(f"no run journal at {path}, so no run to resume. Name the journal the run "
                           "wrote with --journal (or [sync] journal_path), or start a new run without --resume.")
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        for table, columns in (("runs", RUN_COLUMNS), ("stripe_listings", LISTING_COLUMNS)):
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"run journal {path}: {exc}. Name another file with [sync] journal_path.") from None
    return db
