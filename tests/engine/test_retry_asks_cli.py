"""Issue 24: `custsync mass-sync --resume RUN --retry-failed` keeps the TUI's retry contract. A retry redoes the
run's failed and decided customers without asking; one that would take more (the customers a stopped run never
reached) prints its plan and asks on a terminal, `--yes` goes on, and without a terminal it is refused (exit 2)
with nothing written in Stripe, NetSuite or the journal. Against both mocks, the CLI called in-process (and once
as a real process on a pseudo-terminal, the only way a terminal is there)."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.run.journal import Journal
from sync_core.run.resume_scope import retry_scope
from tests.support.cli import custsync
from tests.support.engine_world import config_file, mass_run

STALE = {"id": "105", "companyName": "Company 105", "email": "ap105@co105.test", ID_FIELD: "cus_gone"}  # R2


def customers(first: int, last: int) -> list[dict]:
    return [{"id": str(i), "companyName": f"Company {i}", "email": f"ap{i}@co{i}.test"} for i in range(first, last + 1)]


def cli(config, env, *args):
    return custsync("--config", str(config), "mass-sync", *args, env=env)


def linked(world) -> int:
    return sum(1 for c in world.ns_customers().values() if c.get(ID_FIELD) and c[ID_FIELD] != "cus_gone")


def mend_the_stale_link(world) -> None:
    state = world.mocks.netsuite.control.state()
    next(c for c in state["customers"] if c["id"] == "105")[ID_FIELD] = None  # the R2 remedy: clear the id
    world.mocks.netsuite.control.load(state)


async def stopped_run(world, tmp_path) -> str:
    """A run stopped by its operator before it wrote anything: every customer whose plan writes is left pending
    (105, whose plan writes nothing, failed: R2). The journal is the one the CLI's config names."""
    journal = Journal(tmp_path / "journal.sqlite")
    stop = asyncio.Event()
    stop.set()
    async with world.engine() as engine:
        _, finished = await mass_run(engine, journal, portal=False, stop=stop)
    info = journal.run(finished.run_id)
    journal.close()
    assert info.status == "stopped" and info.counts == {"failed": 1, "pending": 9}, info
    return finished.run_id


def counts_of(tmp_path, run_id: str) -> dict[str, int]:
    with Journal(tmp_path / "journal.sqlite") as journal:
        return journal.run(run_id).counts


def test_a_retry_of_only_the_failed_customers_goes_on_without_asking(world, tmp_path):
    world.load([*customers(101, 104), STALE])
    config, env = config_file(world, tmp_path)
    first = cli(config, env, "--json", "--no-portal")
    assert first.returncode == 1, first.stderr  # 105 failed (R2)
    run_id = json.loads(first.stdout)["run_id"]
    mend_the_stale_link(world)
    r = cli(config, env, "--resume", run_id, "--retry-failed", "--no-portal")  # no terminal, no --yes
    assert r.returncode == 0, r.stderr
    assert f"Run {run_id} retries: 1 failed (105). No other customer is taken." in r.stderr
    assert "--yes" not in r.stderr and "Retry plan" not in r.stdout
    assert counts_of(tmp_path, run_id) == {"ok": 5}
    assert linked(world) == 5 and len(world.stripe_customers()) == 5


async def test_a_retry_that_takes_more_is_refused_without_a_terminal_and_writes_nothing(world, tmp_path):
    world.load([*customers(101, 104), STALE, *customers(106, 110)])
    run_id = await stopped_run(world, tmp_path)
    config, env = config_file(world, tmp_path)
    journal_before = counts_of(tmp_path, run_id)
    stripe_before, linked_before = len(world.stripe_customers()), linked(world)
    with Journal(tmp_path / "journal.sqlite") as journal:
        not_reached = retry_scope(journal, run_id).unfinished

    r = cli(config, env, "--resume", run_id, "--retry-failed", "--no-portal")
    assert r.returncode == 2, r.stderr
    assert f"takes {len(not_reached)} customers beyond the run's failed and decided ones" in r.stderr
    assert "Give --yes" in r.stderr and "Nothing was written" in r.stderr
    assert "Retry plan" in r.stdout and f"1 failed (105); {len(not_reached)} not reached before it stopped" in r.stdout
    assert f"{len(not_reached)} Stripe creates" in r.stdout  # 105 fails again (R2): no create

    j = cli(config, env, "--resume", run_id, "--retry-failed", "--no-portal", "--json")
    assert j.returncode == 2 and "--yes" in j.stderr
    doc = json.loads(j.stdout)
    assert doc["written"] is False and doc["retry"]["not_reached"] == not_reached
    assert doc["plan"]["stripe_creates"] == len(not_reached) and doc["plan"]["customers"] == len(not_reached) + 1

    assert len(world.stripe_customers()) == stripe_before and linked(world) == linked_before  # neither service
    assert counts_of(tmp_path, run_id) == journal_before  # nor the journal


async def test_with_yes_the_retry_takes_them_all(world, tmp_path):
    world.load([*customers(101, 104), STALE, *customers(106, 110)])
    run_id = await stopped_run(world, tmp_path)
    config, env = config_file(world, tmp_path)
    r = cli(config, env, "--resume", run_id, "--retry-failed", "--no-portal", "--yes", "--json")
    assert r.returncode == 1, r.stderr  # 105's stale link: failed, as planned
    doc = json.loads(r.stdout)
    assert doc["retry"]["not_reached"] and doc["plan"]["stripe_creates"] == 9
    assert counts_of(tmp_path, run_id) == {"ok": 9, "failed": 1}
    assert linked(world) == 9 and len(world.stripe_customers()) == 9


def test_yes_goes_only_with_a_retry(world, tmp_path):
    config, env = config_file(world, tmp_path)
    r = cli(config, env, "--yes")
    assert r.returncode == 2 and "--resume RUN --retry-failed" in r.stderr


async def test_on_a_terminal_the_retry_asks_and_no_writes_nothing_yes_goes_on(world, tmp_path):
    world.load([*customers(101, 104), STALE, *customers(106, 110)])
    run_id = await stopped_run(world, tmp_path)
    config, env = config_file(world, tmp_path)
    before = counts_of(tmp_path, run_id)

    def on_a_terminal(answer: str) -> subprocess.CompletedProcess:
        leader, follower = pty.openpty()
        try:
            os.write(leader, answer.encode() + b"\n")  # typed ahead: the terminal keeps it until read
            return subprocess.run([sys.executable, "-m", "tui.cli", "--config", str(config), "mass-sync", "--resume",
                                   run_id, "--retry-failed", "--no-portal"], stdin=follower, capture_output=True,
                                  text=True, env=env, timeout=120)
        finally:
            os.close(follower)
            os.close(leader)

    no = await asyncio.to_thread(on_a_terminal, "n")
    assert no.returncode == 2, no.stderr
    assert "Retry plan" in no.stdout and f"Retry run {run_id}" in no.stdout and "nothing was written" in no.stderr
    assert counts_of(tmp_path, run_id) == before and len(world.stripe_customers()) == 0

    yes = await asyncio.to_thread(on_a_terminal, "y")
    assert yes.returncode == 1, yes.stderr  # 105 fails (R2), the others are created and linked
    assert counts_of(tmp_path, run_id) == {"ok": 9, "failed": 1} and len(world.stripe_customers()) == 9
