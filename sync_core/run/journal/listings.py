"""The stored listings of Stripe accounts (`stripe.stored_listing`), as the run journal's file keeps them:
one per Stripe account and mode, each customer's body as JSON, and the listing's anchor event."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from sync_core.sqlite_transaction import transaction
from sync_core.stripe.stored_listing import LISTING_FIELDS, Changes, StoredListing


class ListingStore:
    """Stored listings, one per Stripe account and mode, in the run journal's SQLite file (its connection)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def load(self, account: str, mode: str, *, max_age_s: float) -> StoredListing | None:
        """The stored listing of this account and mode, if it has an anchor, is younger than `max_age_s` and kept
        today's fields (one kept by an earlier custsync, with fewer, is listed again)."""
        row = self._db.execute("SELECT anchor, since, listed_at, kept FROM stripe_listings WHERE stripe_account = ? "
                               "AND stripe_mode = ?", (account, mode)).fetchone()
        if row is None or row[0] is None or time.time() - row[2] > max_age_s or row[3] != LISTING_FIELDS:
            return None
        customers = {cid: json.loads(body) for cid, body in self._db.execute(
            "SELECT id, body FROM stripe_listed_customers WHERE stripe_account = ? AND stripe_mode = ?",
            (account, mode))}
        return StoredListing(customers, row[0], row[1], row[2])

    def replace(self, account: str, mode: str, customers: Iterable[dict[str, Any]], *, anchor: str | None,
                since: int, listed_at: float) -> None:
        """A new full listing; without an anchor it is not used until `set_anchor` gives it one."""
        with transaction(self._db):
            self._forget(account, mode)
            self._db.executemany("INSERT INTO stripe_listed_customers (stripe_account, stripe_mode, id, body) "
                                 "VALUES (?, ?, ?, ?)",
                                 ((account, mode, c["id"], json.dumps(c, separators=(",", ":"))) for c in customers))
            self._db.execute("INSERT INTO stripe_listings (stripe_account, stripe_mode, anchor, since, listed_at, kept) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (account, mode, anchor, since, listed_at, LISTING_FIELDS))

    def update(self, account: str, mode: str, changes: Changes, keep: Any, *, since: int) -> None:
        """The events a run read, applied to the stored listing; the newest of them is its new anchor."""
        with transaction(self._db):
            self._db.executemany("DELETE FROM stripe_listed_customers WHERE stripe_account = ? AND stripe_mode = ? "
                                 "AND id = ?", [(account, mode, cid) for cid, c in changes.latest.items() if c is None])
            self._db.executemany(
                "INSERT INTO stripe_listed_customers (stripe_account, stripe_mode, id, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (stripe_account, stripe_mode, id) DO UPDATE SET body = excluded.body",
                [(account, mode, cid, json.dumps(keep(c), separators=(",", ":")))
                 for cid, c in changes.latest.items() if c is not None])
            if changes.newest is not None:
                self._db.execute("UPDATE stripe_listings SET anchor = ?, since = ? WHERE stripe_account = ? AND "
                                 "stripe_mode = ?", (changes.newest["id"], since, account, mode))

    def needs_anchor(self, account: str, mode: str) -> bool:
        row = self._db.execute("SELECT anchor FROM stripe_listings WHERE stripe_account = ? AND stripe_mode = ?",
                               (account, mode)).fetchone()
        return row is not None and row[0] is None

    def set_anchor(self, account: str, mode: str, anchor: str | None) -> None:
        """Anchor a listing read while the account had no event; with none yet, the listing is dropped."""
        with transaction(self._db):
            if anchor is None:
                self._forget(account, mode)
            else:
                self._db.execute("UPDATE stripe_listings SET anchor = ? WHERE stripe_account = ? AND stripe_mode = ? "
                                 "AND anchor IS NULL", (anchor, account, mode))

    def _forget(self, account: str, mode: str) -> None:
        self._db.execute("DELETE FROM stripe_listed_customers WHERE stripe_account = ? AND stripe_mode = ?",
                         (account, mode))
        self._db.execute("DELETE FROM stripe_listings WHERE stripe_account = ? AND stripe_mode = ?", (account, mode))
