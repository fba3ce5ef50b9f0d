"""Issue 24: resuming or retrying a run takes the run's own customers and never more. A retry redoes its
failed customers, those decided since it ran and those it did not reach; customers the saved search chose
since (or another data set altogether) are a new run's, seen in its plan first. Against both mocks."""

from __future__ import annotations

import pytest

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.run.journal import Journal, JournalError
from sync_core.run.resume_scope import retry_scope
from sync_core.run.target import RunTarget
from tests.support.cli import custsync
from tests.support.engine_world import config_file as _config_file
from tests.support.engine_world import mass_run as run
from tests.support.engine_world import planned_run

SEARCH = "customsearch_paypack_mass_customer_sync"


def customers(first: int, last: int) -> list[dict]:
    return [{"id": str(i), "companyName": f"Company {i}", "email": f"ap{i}@co{i}.test"} for i in range(first, last + 1)]


def cli(config, env, *args):
    return custsync("--config", str(config), "mass-sync", *args, env=env)


async def test_retry_redoes_the_failed_customer_and_takes_none_the_search_chose_since(world, tmp_path):
    stale = {"id": "105", "companyName": "Company 105", "email": "ap105@co105.test", ID_FIELD: "cus_gone"}
    world.load([*customers(101, 104), stale])  # R2: the stored id names no Stripe customer
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _, first = await run(engine, journal, portal=False)
    assert first.counts == {"ok": 4, "failed": 1}
    # The remedy for 105, and 50 customers the search chooses now that the run never took.
    state = world.mocks.netsuite.control.state()
    next(c for c in state["customers"] if c["id"] == "105")[ID_FIELD] = None
    state["customers"] += [{"id": c["id"], "companyName": c["companyName"], "email": c["email"]}
                           for c in customers(201, 250)]
    world.mocks.netsuite.control.load(state)
    assert retry_scope(journal, first.run_id).failed == ["105"]

    async with world.engine() as engine:
        outcomes, retried = await run(engine, journal, run_id=first.run_id, retry_failed=True, portal=False)
    assert [o.internal_id for o in outcomes] == ["105"] and retried.counts == {"ok": 1}
    ns = world.ns_customers()
    assert not any(ns[str(i)].get(ID_FIELD) for i in range(201, 251))  # none of them was written
    assert len(world.stripe_customers()) == 5
    assert journal.run(first.run_id).counts == {"ok": 5}


async def test_resuming_a_finished_run_changes_nothing(world, tmp_path):
    world.load(customers(101, 105))
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _, first = await run(engine, journal, portal=False)
    state = world.mocks.netsuite.control.state()
    state["customers"] += [{"id": c["id"], "companyName": c["companyName"], "email": c["email"]}
                           for c in customers(201, 210)]
    world.mocks.netsuite.control.load(state)
    for retry_failed in (False, True):
        async with world.engine() as engine:
            outcomes, _ = await run(engine, journal, run_id=first.run_id, retry_failed=retry_failed, portal=False)
        assert outcomes == []
    assert len(world.stripe_customers()) == 5 and journal.run(first.run_id).counts == {"ok": 5}


async def test_retrying_a_run_that_journaled_no_customers_is_refused(world, tmp_path):
    world.load(customers(101, 103))
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _, first = await run(engine, journal, portal=False)  # the target recorded, as a real run's is
        run_id = journal.start_run(SEARCH, journal.run(first.run_id).target)  # killed while reading the search
        with pytest.raises(JournalError, match="journaled no customers"):
            await run(engine, journal, run_id=run_id, retry_failed=True, portal=False)
    assert journal.run(run_id).counts == {}


def test_cli_retry_of_a_finished_run_says_nothing_to_retry_and_writes_nothing(world, tmp_path):
    world.load(customers(101, 103))
    config, env = _config_file(world, tmp_path)
    first = cli(config, env, "--json")
    assert first.returncode == 0, first.stderr
    run_id = __import__("json").loads(first.stdout)["run_id"]
    state = world.mocks.netsuite.control.state()
    state["customers"] += customers(201, 205)
    world.mocks.netsuite.control.load(state)
    world.mocks.netsuite.control.clear_requests()
    r = cli(config, env, "--resume", run_id, "--retry-failed")
    assert r.returncode == 0, r.stderr
    assert f"Run {run_id}: nothing to retry" in r.stdout and "Nothing was written" in r.stdout
    assert world.mocks.netsuite.control.requests() == []  # not even read
    assert len(world.stripe_customers()) == 3


async def test_the_plan_of_a_retry_takes_the_decided_customer_and_leaves_the_journal_as_it_is(world, tmp_path):
    shared = "ap@shared.test"
    world.load([{"id": "101", "companyName": "Company 101", "email": shared}, *customers(102, 103)],
               [{"id": "cus_A", "email": shared, "created": 1_700_000_000},
                {"id": "cus_B", "email": shared, "created": 1_700_100_000}])
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _, first = await run(engine, journal, portal=False)
        assert first.counts == {"ok": 2, "needs-decision": 1}
        await engine.link("101", "cus_B", journal_path=str(tmp_path / "j.sqlite"))
        plan, outcomes = await planned_run(engine, journal, run_id=first.run_id, retry_failed=True, dry_run=True,
                                           portal=False)
    assert list(outcomes) == ["101"] and outcomes["101"].rule == "R1"  # the decision is taken: the stored id
    assert plan.summary()["customers"] == 1
    assert journal.run(first.run_id).counts == {"ok": 2, "needs-decision": 1}  # a plan: nothing reopened
    assert retry_scope(journal, first.run_id).decided == ["101"]


async def test_the_plan_of_resuming_a_run_of_another_target_is_refused(world, tmp_path):
    world.load(customers(101, 103))
    journal = Journal(tmp_path / "j.sqlite")
    run_id = journal.start_run(SEARCH, RunTarget("7654321_SB1", "acct_0other00", "test"))
    journal.add_pending(run_id, ["101", "102", "103"])
    async with world.engine() as engine:
        with pytest.raises(JournalError, match="ran against NetSuite 7654321_SB1"):
            await run(engine, journal, run_id=run_id, dry_run=True, portal=False)
    assert journal.run(run_id).counts == {"pending": 3}
