"""The journal records each run's target, resumes a run only against it, and finds the base of
`--changed-since last` among the finished runs of the same target."""

import sqlite3
import time

import pytest

from sync_core.run.journal import Journal, JournalError
from sync_core.run.target import RunTarget, netsuite_account_id

SEARCH = "customsearch_paypack_mass_customer_sync"
HERE = RunTarget("1234567_SB1", "acct_123", "test")


def test_a_run_records_its_target_and_changed_since(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    run_id = journal.start_run(SEARCH, HERE, changed_since=1_700_000_000.0)
    info = journal.run(run_id)
    assert info.target == HERE and info.changed_since == 1_700_000_000.0
    assert journal.check_target(run_id, HERE).id == run_id
    assert HERE.describe() == "NetSuite 1234567_SB1, Stripe acct_123 (test mode)"


@pytest.mark.parametrize("other", [RunTarget("7654321", "acct_123", "test"), RunTarget("1234567_SB1", "acct_999", "test"),
                                   RunTarget("1234567_SB1", "acct_123", "live")])
def test_resuming_against_another_target_is_refused_naming_both(tmp_path, other):
    journal = Journal(tmp_path / "j.sqlite")
    run_id = journal.start_run(SEARCH, HERE)
    with pytest.raises(JournalError) as err:
        journal.check_target(run_id, other)
    text = str(err.value)
    assert HERE.describe() in text and other.describe() in text and "start a new run" in text
    assert len(journal.runs()) == 1


def test_an_old_journal_gains_the_columns_and_its_runs_have_an_unknown_target(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE runs (id TEXT PRIMARY KEY, started REAL NOT NULL, finished REAL, search_id TEXT NOT NULL,
            dry_run INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running');
        CREATE TABLE steps (run_id TEXT NOT NULL REFERENCES runs(id), internal_id TEXT NOT NULL, state TEXT NOT NULL,
            rule TEXT, action TEXT, stripe_customer_id TEXT, error TEXT, remedy TEXT, updated REAL NOT NULL,
            PRIMARY KEY (run_id, internal_id));""")
    db.execute("INSERT INTO runs (id, started, search_id, status) VALUES ('run-old', 1.0, ?, 'finished')", (SEARCH,))
    db.commit()
    db.close()
    journal = Journal(path)
    assert journal.run("run-old").target is None
    with pytest.raises(JournalError, match=r"without its target.*Start a new run"):
        journal.check_target("run-old", HERE)
    assert journal.last_finished(HERE) is None  # an unknown target is no base for --changed-since last
    assert journal.run(journal.start_run(SEARCH, HERE)).target == HERE


def test_last_finished_ignores_stopped_running_partial_and_other_targets(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    assert journal.last_finished(HERE) is None

    def run(target, status, **kw):
        run_id = journal.start_run(SEARCH, target, **kw)
        if status != "running":
            journal.finish_run(run_id, status)
        time.sleep(0.01)  # distinct start times
        return run_id

    run(HERE, "finished")
    wanted = run(HERE, "finished-with-failures")
    run(HERE, "stopped")
    run(HERE, "running")
    run(HERE, "finished", explicit_ids=True)
    run(RunTarget("1234567_SB1", "acct_123", "live"), "finished")
    run(RunTarget("1234567_SB1", "acct_other", "test"), "finished")
    run(RunTarget("999", "acct_123", "test"), "finished")
    last = journal.last_finished(HERE)
    assert last is not None and last.id == wanted


def test_one_spelling_per_netsuite_account():
    assert netsuite_account_id("1234567-sb1") == netsuite_account_id("1234567_SB1 ") == "1234567_SB1"
