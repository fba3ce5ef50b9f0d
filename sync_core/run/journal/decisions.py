"""The operator's link decisions (`custsync link`, `unlink`, `l` in the TUI), as the run journal's file keeps
them (table `decisions`): a retry of a run covers the customers decided since it ran."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class DecisionRecord:
    at: float
    internal_id: str
    kind: str  # "link" or "unlink"
    stripe_customer_id: str | None
    previous: str | None
    others: tuple[str, ...]


class DecisionLog:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def record(self, internal_id: str, kind: str, stripe_id: str | None, previous: str | None,
               others: tuple[str, ...] = ()) -> None:
        self._db.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                         (time.time(), internal_id, kind, stripe_id, previous, ",".join(others)))

    def history(self, internal_id: str) -> list[DecisionRecord]:
        rows = self._db.execute("SELECT at, internal_id, kind, stripe_customer_id, previous, "
                                "other_netsuite_customers FROM decisions WHERE internal_id = ? ORDER BY at",
                                (internal_id,))
        return [DecisionRecord(at, iid, kind, sid, prev, tuple(o for o in (others or "").split(",") if o))
                for at, iid, kind, sid, prev, others in rows]
