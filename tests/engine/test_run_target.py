"""A run belongs to its target (NetSuite account, Stripe account and mode), and `--changed-since last`
takes only what changed since the last finished run against it: end to end against both mocks."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.engine import Engine
from sync_core.run.journal import Journal, JournalError
from sync_core.run.target import RunTarget, current_target
from testbed import demo
from tests.support.cli import custsync
from tests.support.engine_world import backdate_netsuite, config_file, mass_run, world_target

SEARCH = "customsearch_paypack_mass_customer_sync"
OTHER_ACCOUNT_KEY = "sk_test_custsync_other_account_0001"
LIVE_KEY = "sk_live_custsync_demo_live_key_0002"
CUSTOMERS = [{"id": str(i), "companyName": f"Company {i}", "email": f"ap{i}@co{i}.test"} for i in range(101, 106)]


def load(world):
    """Five customers; the Stripe mock holds a second account (another key) and the demo account's live key."""
    stripe = demo.stripe_state([])
    stripe["accounts"][0]["api_keys"] = [world.mocks.stripe.info["api_key"], LIVE_KEY]
    stripe["accounts"].append({"id": "acct_other", "api_keys": [OTHER_ACCOUNT_KEY]})
    world.mocks.load(demo.netsuite_state(CUSTOMERS), stripe)


def cli(config, env, *args):
    return custsync("--config", str(config), "mass-sync", *args, env=env)


async def test_a_run_records_its_target(world, tmp_path):
    load(world)
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        _, finished = await mass_run(engine, journal, portal=False)
    info = journal.run(finished.run_id)
    assert info.target == world_target(world) and info.status == "finished" and info.changed_since is None


@pytest.mark.parametrize("change", ["netsuite account", "stripe account", "stripe mode"])
async def test_resume_against_another_target_is_refused_naming_both_and_writes_nothing(world, tmp_path, change):
    load(world)
    journal = Journal(tmp_path / "j.sqlite")
    run_id = journal.start_run(SEARCH, world_target(world))  # a run killed before its first customer
    engine = world.engine()
    if change == "netsuite account":
        engine.config.netsuite.account = "7654321"
    elif change == "stripe account":
        engine = _engine_with_key(world, OTHER_ACCOUNT_KEY)
    else:
        engine = _engine_with_key(world, LIVE_KEY, confirm_live=True)
    async with engine:
        with pytest.raises(JournalError) as err:
            await mass_run(engine, journal, run_id=run_id, portal=False)
    text = str(err.value)
    assert world_target(world).describe() in text
    own = world.mocks.stripe_account  # each mock set answers as accounts of its own
    other = {"netsuite account": f"NetSuite 7654321, Stripe {own} (test mode)",
             "stripe account": "Stripe acct_other (test mode)", "stripe mode": f"Stripe {own} (live mode)"}[change]
    assert other in text and "start a new run" in text
    assert [r.id for r in journal.runs()] == [run_id] and journal.run(run_id).counts == {}
    assert world.stripe_customers() == {}


def _engine_with_key(world, key, *, confirm_live=False):
    config = world.config.model_copy(deep=True)
    config.stripe.api_key = SecretStr(key)
    return Engine.from_config(config, confirm_live=confirm_live)


def test_resume_with_another_stripe_account_s_key_is_exit_2_and_names_both(world, tmp_path):
    load(world)
    config, env = config_file(world, tmp_path)
    journal = Journal(tmp_path / "journal.sqlite")
    run_id = journal.start_run(SEARCH, world_target(world))
    journal.close()
    r = cli(config, {**env, "CUSTSYNC_STRIPE_API_KEY": OTHER_ACCOUNT_KEY}, "--resume", run_id)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"Stripe {world.mocks.stripe_account} (test mode)" in r.stderr and "Stripe acct_other (test mode)" in r.stderr
    assert OTHER_ACCOUNT_KEY not in r.stderr + r.stdout
    assert len(Journal(tmp_path / "journal.sqlite").runs()) == 1


def _edit_email_in_netsuite(world, internal_id: str, email: str) -> None:
    """As time passes and a person edits one customer: every customer last modified an hour ago, then one edited now."""
    backdate_netsuite(world, {internal_id: {"email": email}})


def test_changed_since_last_syncs_only_the_edited_customer_and_stripe_follows(world, tmp_path):
    load(world)
    config, env = config_file(world, tmp_path)
    first = cli(config, env, "--json")
    assert first.returncode == 0, first.stderr
    first_run = json.loads(first.stdout)["run_id"]
    linked = world.ns_customers()["103"][ID_FIELD]
    assert world.stripe_customers()[linked]["email"] == "ap103@co103.test"

    _edit_email_in_netsuite(world, "103", "billing@co103.test")
    second = cli(config, env, "--changed-since", "last", "--json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert [c["internal_id"] for c in report["customers"]] == ["103"]
    assert world.stripe_customers()[linked]["email"] == "billing@co103.test"
    journal = Journal(tmp_path / "journal.sqlite")
    assert journal.run(report["run_id"]).changed_since == pytest.approx(journal.run(first_run).started)
    assert journal.last_finished(world_target(world)).id == report["run_id"]  # the next schedule starts here


def test_changed_since_last_with_no_finished_run_against_this_target_is_exit_2(world, tmp_path):
    load(world)
    config, env = config_file(world, tmp_path)
    journal = Journal(tmp_path / "journal.sqlite")
    journal.finish_run(journal.start_run(SEARCH, world_target(world)), "stopped")  # stopped: no base
    journal.finish_run(journal.start_run(SEARCH, RunTarget("7654321", "acct_demo", "test")), "finished")
    journal.close()
    r = cli(config, env, "--changed-since", "last")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "no finished run against" in r.stderr and "without --changed-since once first" in r.stderr
    assert len(Journal(tmp_path / "journal.sqlite").runs()) == 2 and world.stripe_customers() == {}


def test_changed_since_a_time_ago_takes_only_recent_edits(world, tmp_path):
    load(world)
    _edit_email_in_netsuite(world, "104", "new@co104.test")
    config, env = config_file(world, tmp_path)
    r = cli(config, env, "--changed-since", "10m", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    assert [c["internal_id"] for c in json.loads(r.stdout)["customers"]] == ["104"]


async def test_a_restricted_key_s_target_is_its_account_named_in_stripe_s_refusal(world):
    restricted = "rk_test_custsync_restricted_key_0003"
    stripe = demo.stripe_state([])
    stripe["accounts"][0]["api_keys"] = [world.mocks.stripe.info["api_key"], restricted]
    world.mocks.load(demo.netsuite_state(CUSTOMERS), stripe)
    async with _engine_with_key(world, restricted) as engine:
        assert await current_target(engine.config, engine.netsuite, engine.stripe) == world_target(world)
