"""What custsync last sent or confirmed for each linked customer's mapped fields (R10, `rules.stripe_edits`),
as the run journal's file keeps it (table `synced_values`): a row per NetSuite customer, with the Stripe
customer it was synced to (a record for another Stripe customer is no baseline) and two compact JSON texts,
Stripe's values and, only where a kept edit leaves them apart, NetSuite's. About 150 bytes a customer."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sync_core.rules.stripe_edits import LastSynced
from sync_core.sqlite_transaction import transaction


@dataclass(frozen=True, slots=True)
class SyncedRow:
    """One customer's record as stored: compared as text, parsed only when a sync needs its values."""

    stripe_customer_id: str
    stripe: str
    netsuite: str | None

    def values(self) -> LastSynced:
        return LastSynced.from_texts(self.stripe, self.netsuite)

    def same(self, texts: tuple[str, str | None], stripe_customer_id: str) -> bool:
        """Holds this record (`LastSynced.texts`) for this Stripe customer already."""
        return stripe_customer_id == self.stripe_customer_id and texts == (self.stripe, self.netsuite)


class SyncedValues:
    """The last synced values of one journal file's customers, by NetSuite account (`last_synced.records_scope`:
    a mock's also by its address) and internal id."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def load(self, netsuite_account: str, internal_ids: Iterable[str] | None = None) -> dict[str, SyncedRow]:
        """The records of these customers (every customer of the account when None), by internal id."""
        query = ("SELECT internal_id, stripe_customer_id, stripe, netsuite FROM synced_values "
                 "WHERE netsuite_account = ?")
        if internal_ids is None:
            rows = self._db.execute(query, (netsuite_account,)).fetchall()
        else:
            ids, rows = list(internal_ids), []
            for start in range(0, len(ids), 500):  # within SQLite's bound-parameter limit
                chunk = ids[start:start + 500]
                rows += self._db.execute(f"{query} AND internal_id IN ({','.join('?' * len(chunk))})",
                                         (netsuite_account, *chunk)).fetchall()
        return {iid: SyncedRow(sid, stripe, netsuite) for iid, sid, stripe, netsuite in rows}

    def get(self, netsuite_account: str, internal_id: str, stripe_customer_id: str) -> LastSynced | None:
        """The record of this customer, if it was synced to this Stripe customer."""
        row = self.load(netsuite_account, [internal_id]).get(internal_id)
        return row.values() if row is not None and row.stripe_customer_id == stripe_customer_id else None

    def put_many(self, netsuite_account: str, records: Iterable[tuple[str, str, tuple[str, str | None]]]) -> None:
        """(internal id, Stripe customer id, the record's texts: `LastSynced.texts`), in one transaction."""
        with transaction(self._db):
            self.write(netsuite_account, records)

    def write(self, netsuite_account: str, records: Iterable[tuple[str, str, tuple[str, str | None]]]) -> None:
        """As `put_many`, within the caller's transaction (a run journals a customer's step and record at once)."""
        now = time.time()
        rows = [(netsuite_account, iid, sid, *texts, now) for iid, sid, texts in records]
        if rows:
            self._db.executemany(
                "INSERT INTO synced_values (netsuite_account, internal_id, stripe_customer_id, stripe, netsuite, at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (netsuite_account, internal_id) DO UPDATE SET "
                "stripe_customer_id = excluded.stripe_customer_id, stripe = excluded.stripe, "
                "netsuite = excluded.netsuite, at = excluded.at", rows)
