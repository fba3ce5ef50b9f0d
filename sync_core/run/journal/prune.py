"""Keeping the journal's file bounded: runs older than the configured age go, with their steps and claims,
unless the next run still needs them.

Kept whatever their age: a run holding a customer's latest unsettled step (what is still owed, or waits for a
person), a run holding a Stripe create not yet written back (a later run recovers that customer from it), the
last completed run of each target (where `--changed-since last` begins), and a run whose lock is held. The
operator's link decisions older than the age go too, except those of customers still waiting or owed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sync_core.run.journal.owed import latest_unsettled
from sync_core.run.journal.schema import COMPLETED
from sync_core.sqlite_transaction import transaction


@dataclass(frozen=True)
class Pruned:
    runs: int
    steps: int
    decisions: int


def prune(db: sqlite3.Connection, before: float) -> Pruned:
    """Forget what started before `before` (unix seconds) and nothing later runs need."""
    unsettled = latest_unsettled(db)
    keep = {s.run_id for s in unsettled}
    keep.update(r[0] for r in db.execute("SELECT DISTINCT run_id FROM steps WHERE state = 'create-attempted'"))
    keep.update(r[0] for r in db.execute("SELECT run_id FROM run_locks"))
    marks = ",".join("?" * len(COMPLETED))
    keep.update(r[0] for r in db.execute(
        f"SELECT (SELECT id FROM runs i WHERE i.netsuite_account IS o.netsuite_account AND i.stripe_account IS "
        f"o.stripe_account AND i.stripe_mode IS o.stripe_mode AND i.status IN ({marks}) AND i.explicit_ids = 0 "
        f"ORDER BY i.started DESC LIMIT 1) FROM (SELECT DISTINCT netsuite_account, stripe_account, stripe_mode "
        f"FROM runs) o", COMPLETED) if r[0])
    customers = sorted({s.internal_id for s in unsettled})
    with transaction(db):
        db.execute("CREATE TEMP TABLE IF NOT EXISTS prune_keep (id TEXT PRIMARY KEY)")
        db.execute("DELETE FROM prune_keep")
        db.executemany("INSERT OR IGNORE INTO prune_keep VALUES (?)", [(k,) for k in keep])
        gone = "SELECT id FROM runs WHERE started < ? AND id NOT IN (SELECT id FROM prune_keep)"
        steps = db.execute(f"DELETE FROM steps WHERE run_id IN ({gone})", (before,)).rowcount
        db.execute(f"DELETE FROM run_owners WHERE run_id IN ({gone})", (before,))
        runs = db.execute(f"DELETE FROM runs WHERE id IN ({gone})", (before,)).rowcount
        db.execute("DELETE FROM prune_keep")
        db.executemany("INSERT OR IGNORE INTO prune_keep VALUES (?)", [(c,) for c in customers])
        decisions = db.execute("DELETE FROM decisions WHERE at < ? AND internal_id NOT IN (SELECT id FROM prune_keep)",
                               (before,)).rowcount
        db.execute("DELETE FROM prune_keep")
    return Pruned(runs, steps, decisions)
