"""SQLite state, partitioned by account and mode (test/live).

One connection shared by waitress threads behind an RLock: simple and safe,
and fast enough for a mock. Objects are JSON documents; filters use
json_extract so there is one table for every kind.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, pos INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (key TEXT PRIMARY KEY, account TEXT NOT NULL, pos INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, mode TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
    created INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL,
    UNIQUE (account, mode, kind, id));
CREATE INDEX IF NOT EXISTS objects_created ON objects (account, mode, kind, created, seq);
CREATE INDEX IF NOT EXISTS objects_email ON objects (account, mode, kind, json_extract(data, '$.email'), created, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    account TEXT NOT NULL, mode TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, body TEXT NOT NULL, request_id TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (account, mode, key));
CREATE TABLE IF NOT EXISTS portal_sessions (
    token TEXT PRIMARY KEY, account TEXT NOT NULL, mode TEXT NOT NULL,
    expires_at REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, mode TEXT NOT NULL, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    created INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_order ON events (account, mode, seq);
CREATE INDEX IF NOT EXISTS events_type ON events (account, mode, type, seq);
"""


@dataclass
class Row:
    seq: int
    id: str
    created: int
    deleted: bool
    text: str  # the stored JSON document

    @cached_property
    def data(self) -> dict:
        """The document, parsed on first use (a list page rendered as stored never parses it)."""
        return json.loads(self.text)


class Store:
    def __init__(self, path: str | None = None):
        self.lock = threading.RLock()
        self._depth = 0
        self.conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.search_versions: dict = {}

    @contextmanager
    def tx(self):
        """A transaction; nested use joins the outer one."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.conn.execute("COMMIT")

    def is_empty(self) -> bool:
        with self.lock:
            return self.conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 0

    def clear(self) -> None:
        with self.tx() as c:
            for table in ("accounts", "api_keys", "objects", "idempotency", "portal_sessions", "meta", "events"):
                c.execute(f"DELETE FROM {table}")
        self.search_versions = {}  # see search_index: what search sees lags behind writes

    # -- the mock clock: real time plus an offset moved by /_mock/clock --------------
    def clock_offset(self) -> float:
        with self.lock:
            row = self.conn.execute("SELECT v FROM meta WHERE k='clock_offset'").fetchone()
            return float(row[0]) if row else 0.0

    def advance_clock(self, seconds: float) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO meta (k, v) VALUES ('clock_offset', ?) ON CONFLICT(k) DO UPDATE SET v=?",
                      (str(self.clock_offset() + seconds),) * 2)

    def now_float(self) -> float:
        return time.time() + self.clock_offset()

    def now(self) -> int:
        return int(self.now_float())

    # -- accounts and keys ---------------------------------------------------------------
    def add_account(self, account: str, keys: list[str]) -> None:
        with self.tx() as c:
            pos = c.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
            c.execute("INSERT INTO accounts (id, pos) VALUES (?, ?)", (account, pos))
            for i, key in enumerate(keys):
                c.execute("INSERT INTO api_keys (key, account, pos) VALUES (?, ?, ?)", (key, account, i))

    def accounts(self) -> list[tuple[str, list[str]]]:
        with self.lock:
            ids = [r[0] for r in self.conn.execute("SELECT id FROM accounts ORDER BY pos")]
            return [(a, [r[0] for r in self.conn.execute(
                "SELECT key FROM api_keys WHERE account=? ORDER BY pos", (a,))]) for a in ids]

    def account_for_key(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT account FROM api_keys WHERE key=?", (key,)).fetchone()
            return row[0] if row else None

    # -- objects -----------------------------------------------------------------------
    def insert(self, account: str, mode: str, kind: str, obj: dict, deleted: bool = False) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO objects (account, mode, kind, id, created, deleted, data) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (account, mode, kind, obj["id"], int(obj["created"]), int(deleted), json.dumps(obj)))

    def exists(self, account: str, mode: str, kind: str, obj_id: str) -> bool:
        with self.lock:
            return self.conn.execute("SELECT 1 FROM objects WHERE account=? AND mode=? AND kind=? AND id=?",
                                     (account, mode, kind, obj_id)).fetchone() is not None

    def put(self, account: str, mode: str, kind: str, obj: dict, deleted: bool = False) -> None:
        with self.tx() as c:
            c.execute("UPDATE objects SET data=?, deleted=? WHERE account=? AND mode=? AND kind=? AND id=?",
                      (json.dumps(obj), int(deleted), account, mode, kind, obj["id"]))

    def delete(self, account: str, mode: str, kind: str, obj_id: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM objects WHERE account=? AND mode=? AND kind=? AND id=?",
                      (account, mode, kind, obj_id))

    def get(self, account: str, mode: str, kind: str, obj_id: str) -> Row | None:
        with self.lock:
            r = self.conn.execute("SELECT seq, id, created, deleted, data FROM objects "
                                  "WHERE account=? AND mode=? AND kind=? AND id=?",
                                  (account, mode, kind, obj_id)).fetchone()
        return _row(r) if r else None

    def all(self, account: str, mode: str, kind: str, include_deleted: bool = False) -> list[Row]:
        """Newest first; equal `created` -> later insert first."""
        sql = "SELECT seq, id, created, deleted, data FROM objects WHERE account=? AND mode=? AND kind=?"
        if not include_deleted:
            sql += " AND deleted=0"
        with self.lock:
            rows = self.conn.execute(sql + " ORDER BY created DESC, seq DESC", (account, mode, kind)).fetchall()
        return [_row(r) for r in rows]

    def page(self, account: str, mode: str, kind: str, filters: list[tuple[str, tuple]], limit: int,
             starting_after: Row | None = None, ending_before: Row | None = None) -> tuple[list[Row], bool]:
        """One page of a newest-first list, and whether more lie beyond it (in paging direction)."""
        # Row values keep the cursor a range of the (account, mode, kind, created, seq) index: a page
        # deep in a large account costs what the first one does (an OR of two conditions scanned the
        # index from the newest row on).
        return self._page("objects", "deleted", ["account=?", "mode=?", "kind=?", "deleted=0"], [account, mode, kind],
                          filters, ("created", "seq"), limit,
                          after=(starting_after.created, starting_after.seq) if starting_after else None,
                          before=(ending_before.created, ending_before.seq) if ending_before else None)

    def _page(self, table: str, deleted: str, where: list[str], args: list, filters: list[tuple[str, tuple]],
              key: tuple[str, ...], limit: int, after: tuple | None, before: tuple | None) -> tuple[list[Row], bool]:
        """A page ordered by the `key` columns, newest first; `after`/`before`: a cursor's values of them."""
        where, args = list(where), list(args)
        for sql, filter_args in filters:
            where.append(sql)
            args.extend(filter_args)
        order = "DESC"
        cols = f"({', '.join(key)})"
        if after is not None:
            where.append(f"{cols} < ({', '.join('?' * len(after))})")
            args += after
        elif before is not None:
            where.append(f"{cols} > ({', '.join('?' * len(before))})")
            args += before
            order = "ASC"
        sql = (f"SELECT seq, id, created, {deleted}, data FROM {table} WHERE {' AND '.join(where)} "
               f"ORDER BY {', '.join(f'{c} {order}' for c in key)} LIMIT ?")
        with self.lock:
            rows = [_row(r) for r in self.conn.execute(sql, [*args, limit + 1]).fetchall()]
        has_more = len(rows) > limit
        rows = rows[:limit]
        if order == "ASC":
            rows.reverse()
        return rows, has_more

    # -- events: in order of happening (seq), whatever the clock says ---------------------
    def event_insert(self, account: str, mode: str, event: dict) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO events (account, mode, id, type, created, data) VALUES (?, ?, ?, ?, ?, ?)",
                      (account, mode, event["id"], event["type"], event["created"], json.dumps(event)))

    def event_get(self, account: str, mode: str, event_id: str) -> Row | None:
        with self.lock:
            r = self.conn.execute("SELECT seq, id, created, 0, data FROM events WHERE id=? AND account=? AND mode=?",
                                  (event_id, account, mode)).fetchone()
        return _row(r) if r else None

    def event_page(self, account: str, mode: str, filters: list[tuple[str, tuple]], limit: int,
                   after_seq: int | None = None, before_seq: int | None = None) -> tuple[list[Row], bool]:
        """One page of events newest first; `after_seq` pages toward older events, `before_seq` toward newer."""
        return self._page("events", "0", ["account=?", "mode=?"], [account, mode], filters, ("seq",), limit,
                          after=None if after_seq is None else (after_seq,),
                          before=None if before_seq is None else (before_seq,))

    # -- idempotency records -------------------------------------------------------------
    def idempotency_get(self, account: str, mode: str, key: str):
        with self.lock:
            return self.conn.execute("SELECT fingerprint, status, body, request_id, created FROM idempotency "
                                     "WHERE account=? AND mode=? AND key=?", (account, mode, key)).fetchone()

    def idempotency_put(self, account: str, mode: str, key: str, fingerprint: str, status: int,
                        body: str, request_id: str) -> None:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (account, mode, key, fingerprint, status, body, request_id, self.now_float()))

    # -- billing portal sessions (looked up by URL token, across accounts) ---------------
    def session_put(self, token: str, account: str, mode: str, obj: dict, expires_at: float) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO portal_sessions VALUES (?, ?, ?, ?, ?)",
                      (token, account, mode, expires_at, json.dumps(obj)))

    def session_get(self, token: str):
        with self.lock:
            r = self.conn.execute("SELECT account, mode, expires_at, data FROM portal_sessions WHERE token=?",
                                  (token,)).fetchone()
        return (r[0], r[1], r[2], json.loads(r[3])) if r else None


def _row(r) -> Row:
    return Row(seq=r[0], id=r[1], created=r[2], deleted=bool(r[3]), text=r[4])
