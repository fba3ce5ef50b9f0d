"""One transaction on an SQLite connection opened in autocommit mode (`isolation_level=None`), where the
connection's own context manager commits but never begins."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """Everything inside is written at once or not at all. IMMEDIATE: the write lock is taken at the start,
    so a second writer waits there instead of failing at its first write."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
