"""The journal for a schedule left running: what earlier runs against a target still owe (and when a customer
leaves that debt), one run at a time per target (a lock naming its holder; a gone holder's lock is taken over),
and a file that stays bounded (old runs pruned, what the next run needs kept)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from sync_core.run.journal import Journal, RunLocked
from sync_core.run.journal.locks import HOLDER_GONE_AFTER_S
from sync_core.run.target import RunTarget

SEARCH = "customsearch_paypack_mass_customer_sync"
TARGET = RunTarget("1234567_SB1", "acct_demo", "test")
OTHER = RunTarget("1234567_SB1", "acct_demo", "live")


def step(internal_id, state, rule=None, error=None, remedy=None):
    return (internal_id, state, rule, None, None, error, remedy)


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "j.sqlite") as j:
        yield j


def owed(journal, target=TARGET):
    return {o.internal_id: o.source for o in journal.owed(target)}


def test_failed_unfinished_and_decided_customers_are_owed_until_a_run_finishes_them(journal):
    first = journal.start_run(SEARCH, TARGET)
    journal.add_pending(first, ["101", "102", "103", "104", "105"])
    journal.mark_many(first, [step("101", "ok"), step("102", "failed", "R5", "locked by a workflow", "wait"),
                              step("103", "needs-decision", "R3"), step("104", "skipped", "R4")])
    journal.finish_run(first, "finished-with-failures")  # 105 stayed pending: the run was cut short
    assert owed(journal) == {"102": "failed", "103": "waiting", "105": "unfinished"}
    assert owed(journal, OTHER) == {}  # another target's runs owe this one nothing

    time.sleep(0.01)
    journal.decisions.record("103", "link", "cus_3", None)
    assert owed(journal)["103"] == "decided"

    second = journal.start_run(SEARCH, TARGET)
    journal.add_pending(second, ["102", "103", "105"])
    assert owed(journal) == {"102": "unfinished", "103": "unfinished", "105": "unfinished"}  # taken again
    journal.mark_many(second, [step("102", "failed", "R5", "locked by a workflow", "wait"), step("103", "ok")])
    # Killed before 105: still owed. 102 failed again: still owed. Only 103 left the debt.
    assert owed(journal) == {"102": "failed", "105": "unfinished"}
    third = journal.start_run(SEARCH, TARGET)
    journal.mark_many(third, [step("102", "ok"), step("105", "ok")])
    assert owed(journal) == {}


def test_a_customer_the_search_no_longer_chooses_leaves_the_debt_and_its_create_stays_known(journal):
    first = journal.start_run(SEARCH, TARGET)
    journal.add_pending(first, ["101"])
    journal.mark(first, "101", "create-attempted")
    assert owed(journal) == {"101": "unfinished"}
    second = journal.start_run(SEARCH, TARGET)
    journal.mark_left(second, ["101"])
    assert owed(journal) == {}
    assert [s.state for s in journal.steps(second)] == ["left"]
    assert set(journal.create_attempts()) == {"101"}  # if it comes back, its Stripe customer is recovered


def a_gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_process():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield child.pid
    child.kill()
    child.wait()


def hold(journal, run_id, pid, host=None, beat_ago=0.0):
    now = time.time()
    journal._db.execute("INSERT OR REPLACE INTO run_locks VALUES (?, ?, ?, ?, ?, ?)",
                        ("1234567_SB1|acct_demo|test", run_id, pid, host or socket.gethostname(), now - 60,
                         now - beat_ago))


def test_a_second_run_is_refused_naming_the_live_holder(journal, live_process):
    holder = journal.start_run(SEARCH, TARGET)
    hold(journal, holder, live_process)
    with pytest.raises(RunLocked) as refused:
        journal.locks.acquire(TARGET, "run-second")
    text = str(refused.value)
    assert holder in text and str(live_process) in text and socket.gethostname() in text and "started" in text
    assert journal.locks.holder(TARGET).run_id == holder  # nothing changed
    assert journal.status_of(journal.run(holder)) == "running"  # a run another process holds runs
    assert journal.locks.acquire(OTHER, "run-other") is None  # another target is free


def test_a_lock_whose_holder_is_gone_is_taken_over_and_says_whose(journal):
    killed = journal.start_run(SEARCH, TARGET)
    hold(journal, killed, a_gone_pid())
    assert journal.status_of(journal.run(killed)) == "interrupted"
    gone = journal.locks.acquire(TARGET, "run-next")
    assert gone is not None and gone.run_id == killed
    assert journal.locks.holder(TARGET).run_id == "run-next"
    journal.locks.release(TARGET, "run-next")
    assert journal.locks.holder(TARGET) is None


@pytest.mark.parametrize("beat_ago, refused", [(10.0, True), (HOLDER_GONE_AFTER_S + 1, False)])
def test_a_holder_on_another_host_is_gone_once_it_stops_beating(journal, beat_ago, refused):
    running = journal.start_run(SEARCH, TARGET)
    hold(journal, running, 4242, host="scheduler-2.example", beat_ago=beat_ago)
    if refused:
        with pytest.raises(RunLocked, match=r"scheduler-2\.example"):
            journal.locks.acquire(TARGET, "run-here")
    else:
        assert journal.locks.acquire(TARGET, "run-here").host == "scheduler-2.example"


def test_a_lock_left_by_a_run_that_ended_holds_nothing(journal, live_process):
    ended = journal.start_run(SEARCH, TARGET)
    journal.finish_run(ended, "finished")
    hold(journal, ended, live_process)
    assert journal.locks.acquire(TARGET, "run-next").run_id == ended


def test_prune_forgets_old_runs_but_keeps_what_the_next_run_needs(journal):
    old = time.time() - 40 * 86400
    ids = {}
    for name, states, status in [
            ("done", [step("201", "ok")], "finished"),                        # superseded by "base": forgotten
            ("owes", [step("202", "failed", "R5", "locked", "wait")], "finished-with-failures"),
            ("created", [("203", "create-attempted", None, None, None, None, None)], "stopped"),
            ("base", [step("201", "ok")], "finished")]:                        # the last completed run: kept
        run = ids[name] = journal.start_run(SEARCH, TARGET)
        journal.mark_many(run, states)
        journal.finish_run(run, status)
    journal._db.execute("UPDATE runs SET started = ?", (old,))
    journal._db.execute("UPDATE runs SET started = started + 1 WHERE id = ?", (ids["base"],))
    journal._db.execute("INSERT INTO decisions VALUES (?, '201', 'link', 'cus_1', NULL, '')", (old,))
    journal._db.execute("INSERT INTO decisions VALUES (?, '202', 'link', 'cus_2', NULL, '')", (old,))
    recent = journal.start_run(SEARCH, TARGET)

    pruned = journal.prune(30)
    kept = {r.id for r in journal.runs()}
    assert kept == {ids["owes"], ids["created"], ids["base"], recent}
    assert (pruned.runs, pruned.steps, pruned.decisions) == (1, 1, 1)
    assert owed(journal) == {"202": "failed", "203": "unfinished"}
    assert journal.last_finished(TARGET).id == ids["base"]
    assert [d.internal_id for d in journal.decisions.history("202")] == ["202"]
    assert journal.prune(0).runs == 0  # 0 keeps everything
