"""The run journal owns its whole SQLite file: a file an earlier custsync wrote (its runs, steps, run claims,
link decisions and stored listings, each written by a module of its own then) opens as it is and reads the
same; a run whose process died shows as interrupted, in the TUI's picker and in `mass-sync --list` alike."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from sync_core.run.journal import STALE_SECONDS, Journal, JournalError
from tui.commands import _list_run

SEARCH = "customsearch_paypack_mass_customer_sync"

# The file as custsync wrote it before the journal package owned it: journal.py's tables (with the target
# columns), run_status.py's run_owners, decisions.py's decisions and stored_listing.py's listing tables.
EARLIER_FILE = """
CREATE TABLE runs (id TEXT PRIMARY KEY, started REAL NOT NULL, finished REAL, search_id TEXT NOT NULL,
    dry_run INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running', netsuite_account TEXT,
    stripe_account TEXT, stripe_mode TEXT, changed_since REAL, explicit_ids INTEGER NOT NULL DEFAULT 0);
CREATE TABLE steps (run_id TEXT NOT NULL REFERENCES runs(id), internal_id TEXT NOT NULL, state TEXT NOT NULL,
    rule TEXT, action TEXT, stripe_customer_id TEXT, error TEXT, remedy TEXT, updated REAL NOT NULL,
    PRIMARY KEY (run_id, internal_id));
CREATE INDEX steps_by_customer ON steps (internal_id, state);
CREATE TABLE run_owners (run_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, target TEXT,
    claimed REAL NOT NULL);
CREATE TABLE decisions (at REAL NOT NULL, internal_id TEXT NOT NULL, kind TEXT NOT NULL, stripe_customer_id TEXT,
    previous TEXT, other_netsuite_customers TEXT);
CREATE INDEX decisions_by_customer ON decisions (internal_id, at);
CREATE TABLE stripe_listings (stripe_account TEXT NOT NULL, stripe_mode TEXT NOT NULL, anchor TEXT,
    since INTEGER NOT NULL, listed_at REAL NOT NULL, PRIMARY KEY (stripe_account, stripe_mode));
CREATE TABLE stripe_listed_customers (stripe_account TEXT NOT NULL, stripe_mode TEXT NOT NULL, id TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (stripe_account, stripe_mode, id)) WITHOUT ROWID;
"""


def a_gone_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def earlier_file(tmp_path):
    path = tmp_path / "custsync-journal.sqlite"
    now = time.time()
    db = sqlite3.connect(path)
    db.executescript(EARLIER_FILE)
    db.execute("INSERT INTO runs (id, started, search_id, status, netsuite_account, stripe_account, stripe_mode) "
               "VALUES ('run-killed', ?, ?, 'running', '1234567', 'acct_1', 'test')", (now - 60, SEARCH))
    db.executemany("INSERT INTO steps VALUES ('run-killed', ?, ?, ?, ?, ?, ?, ?, ?)", [
        ("101", "ok", "R1", "update", "cus_1", None, None, now - 50),
        ("102", "needs-decision", "R3", "ask", None, "two Stripe customers share the email", "link one", now - 50),
        ("103", "pending", None, None, None, None, None, now - 60)])
    db.execute("INSERT INTO run_owners VALUES ('run-killed', ?, ?, 'NetSuite 1234567; Stripe acct_1', ?)",
               (a_gone_pid(), socket.gethostname(), now - 60))
    db.execute("INSERT INTO decisions VALUES (?, '102', 'link', 'cus_2', NULL, '')", (now - 10,))
    db.execute("INSERT INTO stripe_listings VALUES ('acct_1', 'test', 'evt_1', 100, ?)", (now - 30,))
    db.execute("INSERT INTO stripe_listed_customers VALUES ('acct_1', 'test', 'cus_1', ?)",
               (json.dumps({"id": "cus_1", "email": "a@shop.test"}),))
    db.commit()
    db.close()
    return path


def test_a_file_an_earlier_custsync_wrote_reads_the_same(earlier_file):
    with Journal(earlier_file) as journal:
        [run] = journal.runs()
        assert (run.id, run.status, run.counts) == ("run-killed", "running", {"ok": 1, "needs-decision": 1, "pending": 1})
        assert journal.status_of(run) == "interrupted"  # its process is gone
        assert journal.claimed_target(run.id) == "NetSuite 1234567; Stripe acct_1"
        assert [(s.internal_id, s.state) for s in journal.steps(run.id)] == [
            ("101", "ok"), ("102", "needs-decision"), ("103", "pending")]
        [decision] = journal.decisions.history("102")
        assert (decision.kind, decision.stripe_customer_id, decision.others) == ("link", "cus_2", ())
        # Its stored listing kept fewer fields than today's (no business_name, individual_name): listed again,
        # and the listing that replaces it, in the same table, is used.
        assert journal.listings.load("acct_1", "test", max_age_s=3600) is None
        journal.listings.replace("acct_1", "test", [{"id": "cus_1", "email": "a@shop.test"}], anchor="evt_2",
                                 since=100, listed_at=time.time())
        listing = journal.listings.load("acct_1", "test", max_age_s=3600)
        assert listing is not None and listing.anchor == "evt_2"
        assert listing.customers == {"cus_1": {"id": "cus_1", "email": "a@shop.test"}}
        # A retry covers the customer decided since the run.
        assert journal.reopen_decided(run.id) == ["102"]
        assert journal.state(run.id, "102") == "pending"
        assert journal.finished_ids(run.id) == {"101"}


def test_mass_sync_list_shows_a_killed_run_as_interrupted(earlier_file, capsys):
    assert _list_run(earlier_file, "run-killed", as_json=True) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "interrupted"
    assert [c["internal_id"] for c in shown["customers"]] == ["102"]


def test_a_run_nobody_claims_is_interrupted_once_its_journal_is_quiet(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        run = journal.run(journal.start_run(SEARCH))
        assert journal.status_of(run, now=run.started + STALE_SECONDS / 2) == "running"
        assert journal.status_of(run, now=run.started + STALE_SECONDS + 1) == "interrupted"
        journal.claim(run.id, "here")  # this process runs it
        assert journal.status_of(run, now=run.started + STALE_SECONDS + 1) == "running"
        journal.finish_run(run.id, "stopped")
        assert journal.status_of(journal.run(run.id)) == "stopped"


def test_a_file_that_is_no_journal_is_refused_with_the_remedy(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, but notes " * 100)
    with pytest.raises(JournalError, match="Name another file with \\[sync\\] journal_path"):
        Journal(path)
    missing = tmp_path / "none.sqlite"
    with pytest.raises(JournalError, match="no run to resume"):
        Journal(missing, must_exist=True)
    assert not missing.exists()
