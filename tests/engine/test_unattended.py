"""A schedule left running (`custsync mass-sync --changed-since last` from cron), end to end against both mocks:
nothing falls through (a write-back a workflow refused, a killed run), links survive a secret rotation, runs
never overlap, and `custsync status --json` reports each case with an exit code a monitor alerts on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sync_core.config import DEFAULT_PORTAL_URL_FIELD as URL_FIELD
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.run.journal import Journal
from testbed import demo
from tests.support.engine_world import assert_exactly_once
from tui.cli import main

AN_HOUR_AGO = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))


def customers(n: int, *, first: int = 101, inactive: bool = False) -> list[dict]:
    """n customers, each with its own email, last modified an hour ago (before any run of the test)."""
    return [{"id": str(i), "companyName": f"Company {i}", "email": f"ap{i}@co{i}.test", "isInactive": inactive,
             "dateCreated": AN_HOUR_AGO, "lastModifiedDate": AN_HOUR_AGO} for i in range(first, first + n)]


class Schedule:
    """The CLI as cron runs it: a config file naming the mocks, the secrets in the environment, one journal."""

    def __init__(self, world, tmp_path: Path, *, workers: int = 16, write_back_batch: int = 200,
                 status_fields: bool = False) -> None:
        ns, st = world.mocks.netsuite.info, world.mocks.stripe.info
        self.world, self.journal = world, tmp_path / "journal.sqlite"
        self.config = tmp_path / "custsync.toml"
        self.config.write_text(
            f'[netsuite]\ntarget = "mock"\nrest_url = "{ns["url"]}"\nrestlet_url = "{ns["url"]}"\n'
            f'account = "{ns["account"]}"\nconcurrency = 5\nwrite_back_batch = {write_back_batch}\n'
            f'status_fields = {str(status_fields).lower()}\n[stripe]\ntarget = "mock"\nbase_url = "{st["url"]}"\n'
            'requests_per_second = 500\noperation_requests_per_second = 500\n'
            f'[sync]\njournal_path = "{self.journal}"\nworkers = {workers}\n'
            'backoff_base_seconds = 0.01\nbackoff_max_seconds = 0.05\n')
        self.env = {"CUSTSYNC_NETSUITE_CONSUMER_KEY": ns["consumer_key"],
                    "CUSTSYNC_NETSUITE_CONSUMER_SECRET": ns["consumer_secret"], "CUSTSYNC_NETSUITE_TOKEN_ID": ns["token_id"],
                    "CUSTSYNC_NETSUITE_TOKEN_SECRET": ns["token_secret"], "CUSTSYNC_STRIPE_API_KEY": st["api_key"]}

    def run(self, *args: str, capsys) -> tuple[int, dict]:
        """`custsync --config FILE ARGS --json` in this process: its exit code and its JSON."""
        capsys.readouterr()
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            code = main(["--config", str(self.config), *args, "--json"])
        except SystemExit as refused:  # argparse refuses an option before anything runs
            code = refused.code
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        out = capsys.readouterr()
        return code, (json.loads(out.out) if out.out.strip() else {"stderr": out.err})

    def process(self, *args: str) -> subprocess.Popen:
        """`custsync --config FILE ARGS` as a process of its own (cron's next tick, another host's run)."""
        return subprocess.Popen([sys.executable, "-m", "tui.cli", "--config", str(self.config), *args],
                                env={**os.environ, **self.env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL)

    def steps(self) -> dict[str, int]:
        """Journaled steps by state (nothing before the run has made its tables)."""
        if not self.journal.exists():
            return {}
        try:
            with sqlite3.connect(self.journal) as db:
                return dict(db.execute("SELECT state, COUNT(*) FROM steps GROUP BY state").fetchall())
        except sqlite3.OperationalError:
            return {}

    def lock_holder(self) -> tuple | None:
        if not self.journal.exists():
            return None
        try:
            with sqlite3.connect(self.journal) as db:
                return db.execute("SELECT run_id, pid FROM run_locks").fetchone()
        except sqlite3.OperationalError:
            return None


def wait_for(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_write_back_a_workflow_refused_is_linked_by_the_next_scheduled_run_with_one_stripe_customer(
        world, tmp_path, capsys):
    world.mocks.load(demo.netsuite_state(customers(5)), demo.stripe_state([]))
    world.mocks.netsuite.control.faults(writeback_failures={"103": "RCRD_LOCKED_BY_WF"})
    schedule = Schedule(world, tmp_path)

    code, first = schedule.run("mass-sync", capsys=capsys)
    assert code == 1 and first["counts"] == {"ok": 4, "failed": 1}
    [failed] = [c for c in first["customers"] if c["status"] == "failed"]
    assert failed["internal_id"] == "103" and "locked by a user defined workflow" in failed["error"]["message"]
    made_for_103 = [c for c in world.stripe_customers().values()
                    if c["metadata"].get("netsuite_internal_id") == "103"]
    assert len(made_for_103) == 1 and not world.ns_customers()["103"].get(ID_FIELD)  # made in Stripe, not linked

    code, status = schedule.run("status", capsys=capsys)
    assert code == 1 and [(o["internal_id"], o["cause"]) for o in status["owed"]] == [("103", "failed")]
    assert "workflow" in status["owed"][0]["error"] and "next run" in status["owed"][0]["remedy"]
    assert status["runs"][0]["failed"] == 1 and status["lock"] is None

    world.mocks.netsuite.control.faults(writeback_failures={})  # the workflow moved on
    code, planned = schedule.run("mass-sync", "--changed-since", "last", "--dry-run", capsys=capsys)
    assert code == 0 and planned["plan"]["taken"]["sources"] == {"failed": 1, "changed": 4}  # the plan is the run
    code, second = schedule.run("mass-sync", "--changed-since", "last", capsys=capsys)
    assert code == 0, second
    # 103 is not modified in NetSuite: the journal's debt brings it; the four write-backs of the first run did
    # modify theirs.
    assert second["plan"]["taken"]["sources"] == {"failed": 1, "changed": 4}
    assert world.ns_customers()["103"][ID_FIELD] == made_for_103[0]["id"]  # linked, no second Stripe customer
    assert len(world.stripe_customers()) == 5
    assert_exactly_once(world)

    code, status = schedule.run("status", capsys=capsys)
    assert code == 0 and status["owed"] == [] and status["alerts"] == []


def test_a_run_killed_midway_is_finished_by_the_next_changed_since_run(world, tmp_path, capsys):
    schedule = Schedule(world, tmp_path, workers=2, write_back_batch=2)  # customers finish a few at a time
    # The base of --changed-since last: a finished run while the search chose none of them (inactive).
    world.mocks.load(demo.netsuite_state(customers(40, inactive=True)), demo.stripe_state([]))
    code, base = schedule.run("mass-sync", capsys=capsys)
    assert code == 0 and base["counts"] == {}
    # Then the search chooses them all, modified an hour ago: a changed-since run alone would never take them.
    world.mocks.load(demo.netsuite_state(customers(40)), demo.stripe_state([]))
    world.mocks.stripe.control.faults(latency_ms=150)
    killed = schedule.process("mass-sync")
    wait_for(lambda: schedule.steps().get("ok", 0) >= 6, "the run to finish a few customers")
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    world.mocks.stripe.control.faults(latency_ms=0)
    at_kill = schedule.steps()
    unfinished = at_kill.get("pending", 0) + at_kill.get("create-attempted", 0)
    assert unfinished > 0 and at_kill.get("ok", 0) + unfinished == 40, at_kill

    code, status = schedule.run("status", capsys=capsys)
    assert code == 1
    killed_run = status["runs"][0]
    assert killed_run["status"] == "interrupted" and killed_run["unfinished"] == unfinished
    assert {o["cause"] for o in status["owed"]} == {"unfinished"} and len(status["owed"]) == unfinished
    assert "was interrupted" in status["owed"][0]["error"] and "--changed-since last" in status["owed"][0]["remedy"]
    assert status["lock"]["alive"] is False and status["lock"]["run_id"] == killed_run["run_id"]

    code, finishing = schedule.run("mass-sync", "--changed-since", "last", capsys=capsys)
    assert code == 0, finishing
    assert killed_run["run_id"] in finishing["took_over_lock_of"]
    assert finishing["plan"]["taken"]["sources"] == {"unfinished": unfinished, "changed": 40 - unfinished}
    ns = world.ns_customers()
    assert all(ns[str(i)].get(ID_FIELD) for i in range(101, 141))
    assert len(world.stripe_customers()) == 40
    assert_exactly_once(world)

    code, status = schedule.run("status", capsys=capsys)
    assert code == 0 and status["owed"] == [] and status["lock"] is None


def test_two_runs_at_once_one_refuses_naming_the_other_and_a_gone_holder_s_lock_is_taken_over(
        world, tmp_path, capsys):
    world.mocks.load(demo.netsuite_state(customers(30)), demo.stripe_state([]))
    schedule = Schedule(world, tmp_path, workers=2)
    world.mocks.stripe.control.faults(latency_ms=100)
    first = schedule.process("mass-sync")
    run_id, pid = wait_for(schedule.lock_holder, "the first run to take the lock")
    assert pid == first.pid

    code, refused = schedule.run("mass-sync", "--changed-since", "1h", capsys=capsys)
    assert code == 2
    for named in (run_id, f"process {first.pid}", "host ", "started"):
        assert named in refused["stderr"], refused["stderr"]
    code, status = schedule.run("status", capsys=capsys)  # the running run is running, not interrupted
    assert status["lock"]["run_id"] == run_id and status["lock"]["alive"] is True
    assert status["runs"][0] == {**status["runs"][0], "run_id": run_id, "status": "running"}
    with Journal(schedule.journal) as journal:  # as the TUI's run picker reads it
        assert journal.status_of(journal.run(run_id)) == "running"
        assert len(journal.runs()) == 1  # the refused run journaled nothing

    first.send_signal(signal.SIGKILL)  # the holder dies without releasing its lock
    first.wait()
    world.mocks.stripe.control.faults(latency_ms=0)
    code, taken = schedule.run("mass-sync", capsys=capsys)
    assert code == 0 and run_id in taken["took_over_lock_of"]
    assert schedule.lock_holder() is None  # released when the run ended
    assert_exactly_once(world)


def age_every_record(world) -> None:
    state = world.mocks.netsuite.control.state()
    for c in state["customers"]:
        c["lastModifiedDate"] = AN_HOUR_AGO
    world.mocks.netsuite.control.load(state)


def portal_check(schedule, capsys) -> dict:
    _code, doctor = schedule.run("doctor", capsys=capsys)
    [check] = [c for c in doctor["checks"] if c["id"] == "portal-link"]
    return check


def test_after_the_secret_is_rotated_the_next_changed_since_run_rewrites_every_stored_link(world, tmp_path, capsys):
    """Rotating the API secret (here through the NetSuite mock's control API, as an administrator changes the
    secret) makes every stored link answer "not valid" while no customer changed. The doctor opens the links
    as stored and fails, naming the remedy; custsync status says the links are stale; the next scheduled run
    learns the new key from NetSuite's answer and rewrites every link; then the doctor passes."""
    world.mocks.load(demo.netsuite_state(customers(6)), demo.stripe_state([]))
    schedule = Schedule(world, tmp_path)
    assert schedule.run("mass-sync", capsys=capsys)[0] == 0
    age_every_record(world)  # an hour passes: the run's own write-backs are older than the next run's moment
    assert portal_check(schedule, capsys)["ok"]
    before = {iid: c[URL_FIELD] for iid, c in world.ns_customers().items()}

    world.mocks.netsuite.control.configure_portal_suitelet(signing_secret="rotated-signing-secret-" + "7" * 16)
    check = portal_check(schedule, capsys)
    assert not check["ok"] and "no longer in force" in check["detail"] and "custsync mass-sync" in check["remedy"]
    code, status = schedule.run("status", capsys=capsys)
    assert code == 1 and status["links"]["stale"] is True and "rotated" in status["links"]["detail"]

    code, rewrite = schedule.run("mass-sync", "--changed-since", "last", capsys=capsys)
    assert code == 0, rewrite
    assert rewrite["plan"]["taken"] == {"sources": {"stale links": 6}, "left_search": 0, "links_stale": True}
    assert rewrite["plan"]["stripe_creates"] == rewrite["plan"]["stripe_updates"] == 0
    after = {iid: c[URL_FIELD] for iid, c in world.ns_customers().items()}
    assert all(after[i] != before[i] for i in before)  # every stored link rewritten
    assert portal_check(schedule, capsys)["ok"]
    code, status = schedule.run("status", capsys=capsys)
    assert code == 0 and status["links"]["stale"] is False
    # The key is recorded: the next scheduled run takes nothing again.
    code, quiet = schedule.run("mass-sync", "--changed-since", "last", capsys=capsys)
    assert code == 0 and quiet["plan"]["taken"]["links_stale"] is False
    assert "stale links" not in quiet["plan"]["taken"]["sources"]


STATUS, SYNCED_AT, ERROR = ("custentity_custsync_sync_status", "custentity_custsync_last_sync",
                            "custentity_custsync_last_error")


def with_status_fields(state: dict) -> dict:
    """The account with custsync's three status fields (deploy/netsuite/Objects), which the RESTlet may write."""
    state["custom_fields"] += [{"id": f, "label": f, "type": "text"} for f in (STATUS, SYNCED_AT, ERROR)]
    state["restlet_parameters"] = {"custscript_custsync_writeback_fields": ",".join(
        [ID_FIELD, URL_FIELD, STATUS, SYNCED_AT, ERROR])}
    return state


def test_status_fields_show_each_customer_s_state_in_netsuite_and_an_unchanged_run_writes_none(
        world, tmp_path, capsys):
    ns = customers(6)
    ns[0][ID_FIELD] = "cus_GONE"  # 101: its Stripe customer was deleted (R2): failed
    ns[1]["email"] = "shared@co.test"  # 102: two Stripe customers have its email (R3 ask): needs a person
    stripe = [{"id": "cus_GONE", "email": "ap101@co101.test", "deleted": True},
              {"id": "cus_S1", "email": "shared@co.test", "created": 1_700_000_000},
              {"id": "cus_S2", "email": "shared@co.test", "created": 1_700_000_100}]
    world.mocks.load(with_status_fields(demo.netsuite_state(ns)), demo.stripe_state(stripe))
    schedule = Schedule(world, tmp_path, status_fields=True)
    [check] = [c for c in schedule.run("doctor", capsys=capsys)[1]["checks"] if c["id"] == "status-fields"]
    assert check["ok"] and "the RESTlet may write them" in check["detail"]

    code, first = schedule.run("mass-sync", capsys=capsys)
    assert code == 1 and first["counts"] == {"ok": 4, "failed": 1, "needs-decision": 1}
    assert first["plan"]["netsuite_status_writes"] == 2  # 101 and 102 write their status alone
    records = world.ns_customers()
    assert (records["101"][STATUS], records["102"][STATUS]) == ("failed", "needs a person")
    assert records["101"][ERROR].startswith("R2 ") and "cus_GONE" in records["101"][ERROR]
    assert records["102"][ERROR].startswith("R3 ")
    for iid in ("103", "104", "105", "106"):
        assert records[iid][STATUS] == "synced" and not records[iid].get(ERROR) and records[iid][ID_FIELD]
    for record in records.values():
        assert record[SYNCED_AT].endswith("Z") and len(record[SYNCED_AT]) == 20

    code, status = schedule.run("status", capsys=capsys)
    assert code == 1 and [o["internal_id"] for o in status["owed"]] == ["101"]
    assert [w["internal_id"] for w in status["waiting"]] == ["102"] and status["runs"][0]["waiting"] == 1

    age_every_record(world)
    code, second = schedule.run("mass-sync", capsys=capsys)
    assert second["counts"] == first["counts"]
    plan = second["plan"]
    assert plan["netsuite_write_backs"] == plan["netsuite_status_writes"] == 0
    assert world.ns_customers() == {iid: {**r, "lastModifiedDate": AN_HOUR_AGO} for iid, r in records.items()}


def test_status_fields_the_account_lacks_are_left_off_and_the_sync_goes_on(world, tmp_path, capsys):
    world.mocks.load(demo.netsuite_state(customers(3)), demo.stripe_state([]))
    schedule = Schedule(world, tmp_path, status_fields=True)
    [check] = [c for c in schedule.run("doctor", capsys=capsys)[1]["checks"] if c["id"] == "status-fields"]
    assert not check["ok"] and STATUS in check["detail"] and "deploy/netsuite/Objects" in check["remedy"]
    world.mocks.load(with_status_fields(demo.netsuite_state(customers(3))), demo.stripe_state([]))
    state = world.mocks.netsuite.control.state()
    state["restlet_parameters"] = {"custscript_custsync_writeback_fields": f"{ID_FIELD},{URL_FIELD}"}
    world.mocks.netsuite.control.load(state)  # the fields exist, but the RESTlet may not write them
    [check] = [c for c in schedule.run("doctor", capsys=capsys)[1]["checks"] if c["id"] == "status-fields"]
    assert not check["ok"] and "custscript_custsync_writeback_fields" in check["remedy"]
    world.mocks.load(demo.netsuite_state(customers(3)), demo.stripe_state([]))  # an account without them
    code, run = schedule.run("mass-sync", capsys=capsys)
    assert code == 0 and run["counts"] == {"ok": 3}
    assert "status fields are off" in run["plan"]["status_fields_off"]
    assert all(r[ID_FIELD] and STATUS not in r for r in world.ns_customers().values())


def test_status_refuses_without_a_journal_and_alerts_when_the_schedule_stopped(world, tmp_path, capsys):
    world.mocks.load(demo.netsuite_state(customers(2)), demo.stripe_state([]))
    schedule = Schedule(world, tmp_path)
    code, refused = schedule.run("status", capsys=capsys)
    assert code == 2 and "no run journal" in refused["stderr"] and not schedule.journal.exists()
    code, refused = schedule.run("status", "--max-age", "soon", capsys=capsys)
    assert code == 2 and "not a duration" in refused["stderr"]

    assert schedule.run("mass-sync", capsys=capsys)[0] == 0
    assert schedule.run("status", "--max-age", "30m", capsys=capsys)[0] == 0
    with sqlite3.connect(schedule.journal) as db:  # two hours pass without a run: cron stopped
        db.execute("UPDATE runs SET started = started - 7200, finished = finished - 7200")
    code, status = schedule.run("status", "--max-age", "30m", capsys=capsys)
    assert code == 1 and any("30 minutes" in a and "schedule" in a for a in status["alerts"])
    assert status["last_completed"]["age_s"] >= 7200

    capsys.readouterr()
    os.environ.update(schedule.env)
    try:
        assert main(["--config", str(schedule.config), "status", "--max-age", "30m"]) == 1
    finally:
        for key in schedule.env:
            os.environ.pop(key)
    shown = capsys.readouterr().out
    assert "Target: NetSuite" in shown and "Lock: free" in shown and "ALERT: no run" in shown
