"""The customers earlier runs against a target still owe a sync, read from the journal's steps.

A customer's latest step against the target says where it stands. Unsettled (`pending` or `create-attempted`:
its run was interrupted, stopped or is still going; `failed`) it is owed. Left for a person (`needs-decision`,
or failed R2) it waits, and is owed again once a person has decided (a link decision journaled since).
Finished (`ok`, `skipped`, `needs-decision` with nothing decided, `left`) it owes nothing: only a run that
finishes a customer takes it out of the debt. The partial index `steps_unsettled` keeps this read small: it
holds only unsettled steps.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sync_core.run.target import RunTarget

UNSETTLED = ("pending", "create-attempted", "failed", "needs-decision")
# Why a customer is owed (the plan's sources, `custsync status`): a run failed it, a run did not finish it
# (interrupted, stopped, still going), a person decided what a run asked.
FAILED, UNFINISHED, DECIDED = "failed", "unfinished", "decided"
WAITING = "waiting"  # needs a person: not owed until someone decides


@dataclass(frozen=True)
class OwedStep:
    """A customer's latest unsettled step against a target."""

    internal_id: str
    state: str
    rule: str | None
    error: str | None
    remedy: str | None
    run_id: str
    updated: float
    decided: bool  # a link decision was journaled since (needs-decision, R2)

    @property
    def source(self) -> str:
        if self.decided:
            return DECIDED
        if self.state == "failed":
            return FAILED
        if self.state == "needs-decision":
            return WAITING
        return UNFINISHED


def latest_unsettled(db: sqlite3.Connection, target: RunTarget | None = None) -> list[OwedStep]:
    """Each customer whose latest step (against `target`, or against each target when None) is unsettled."""
    # Spelled out, not bound: SQLite uses the partial index only for the very terms it was made with.
    states = ", ".join(f"'{state}'" for state in UNSETTLED)
    where, args = "", []
    if target is not None:
        where = "AND r.netsuite_account = ? AND r.stripe_account = ? AND r.stripe_mode = ?"
        args = [target.netsuite_account, target.stripe_account, target.stripe_mode]
    rows = db.execute(
        f"SELECT s.internal_id, s.state, s.rule, s.error, s.remedy, s.run_id, s.updated, EXISTS ("
        f"  SELECT 1 FROM decisions d WHERE d.internal_id = s.internal_id AND d.at >= s.updated"
        f"  AND (s.state = 'needs-decision' OR (s.state = 'failed' AND s.rule = 'R2')))"
        f" FROM steps s INDEXED BY steps_unsettled JOIN runs r ON r.id = s.run_id"
        f" WHERE s.state IN ({states}) {where} AND NOT EXISTS ("
        f"  SELECT 1 FROM steps n JOIN runs nr ON nr.id = n.run_id WHERE n.internal_id = s.internal_id"
        f"  AND n.updated > s.updated AND n.state <> 'superseded' AND nr.netsuite_account IS r.netsuite_account"
        f"  AND nr.stripe_account IS r.stripe_account AND nr.stripe_mode IS r.stripe_mode)"
        f" ORDER BY CAST(s.internal_id AS INTEGER), s.internal_id", args).fetchall()
    return [OwedStep(iid, state, rule, error, remedy, run_id, updated, decided=bool(decided))
            for iid, state, rule, error, remedy, run_id, updated, decided in rows]
