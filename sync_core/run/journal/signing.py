"""Which signing key the portal links stored on an account's customers were last brought up to date with
(table `link_signing`, one row per NetSuite account).

The RESTlet names the key it signs with (`signingKeyId`: a digest of the secret, never the secret). A run that
went through every customer of the search with their current links records it; when NetSuite names another
key (the secret was rotated), the links stored before are stale and the next run, scheduled or not, takes
every customer again to rewrite them.
"""

from __future__ import annotations

import sqlite3
import time


class LinkSigning:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def current(self, netsuite_account: str) -> str | None:
        """The key the stored links were last written with (None: no run has recorded one)."""
        row = self._db.execute("SELECT signing_key_id FROM link_signing WHERE netsuite_account = ?",
                               (netsuite_account,)).fetchone()
        return row[0] if row else None

    def record(self, netsuite_account: str, key_id: str, run_id: str | None) -> None:
        self._db.execute("INSERT OR REPLACE INTO link_signing VALUES (?, ?, ?, ?)",
                         (netsuite_account, key_id, run_id, time.time()))
