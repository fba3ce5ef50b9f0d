"""The CLI against both mocks: one exit code per outcome in sync and mass-sync; a terminal gets a bar and a
summary naming who needs a person, a pipe (or -v) a line per customer."""

import json
import re

import pytest

from testbed import demo
from tests.support.cli import custsync
from tests.support.engine_world import config_file


def cli(config, env, *args, terminal=False):
    env = {**env, "TTY_COMPATIBLE": "1" if terminal else "0", "COLUMNS": "200"}
    r = custsync("--config", str(config), *args, env=env)
    plain = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours and cursor moves of a terminal
    r.stdout, r.stderr = plain.sub("", r.stdout), plain.sub("", r.stderr)
    return r


@pytest.mark.parametrize("case, code", [
    ("skipped", 3),  # R4: no email, no id
    ("needs-decision", 3),  # R3: two Stripe customers share the email
    ("failed", 1),  # R2: the stored id names a deleted Stripe customer
    ("ok", 0),
])
def test_same_outcome_same_exit_code_in_sync_and_mass_sync(world, tmp_path, case, code):
    ns = {"skipped": {"id": "101", "companyName": "No Key"},
          "needs-decision": {"id": "101", "companyName": "Shared", "email": "ap@shared.test"},
          "failed": {"id": "101", "companyName": "Stale", "email": "ap@stale.test",
                     "custentity_paypack_stripe_customer_id": "cus_GONE"},
          "ok": {"id": "101", "companyName": "Fine", "email": "ap@fine.test"}}[case]
    stripe = {"needs-decision": [{"id": "cus_S1", "email": "ap@shared.test"}, {"id": "cus_S2", "email": "ap@shared.test"}],
              "failed": [{"id": "cus_GONE", "deleted": True}]}.get(case, [])
    config, env = config_file(world, tmp_path)
    for command in (["sync", "101", "--dry-run"], ["mass-sync", "--dry-run"]):
        world.load([ns], stripe)
        r = cli(config, env, *command, "--json")
        assert r.returncode == code, (command, r.stdout[-2000:], r.stderr[-2000:])


def test_mass_sync_on_a_terminal_shows_a_bar_and_a_summary_not_a_line_per_customer(world, tmp_path):
    world.mocks.load(*demo.generate(80, seed=5))
    config, env = config_file(world, tmp_path)
    r = cli(config, env, "mass-sync", terminal=True)
    assert r.returncode in (1, 3), r.stderr[-2000:]
    assert not re.search(r"^\s+10\d\d\s+R\d", r.stdout, re.M), "a line per customer on a terminal"
    assert "ETA" in r.stderr and "/s" in r.stderr  # the progress bar: rate and time remaining
    people = re.search(r"(\d+) customers? needs? a person", r.stdout)
    assert people, r.stdout
    assert "remedy:" in r.stdout
    run_id = re.search(r"Run (run-\S+):", r.stdout).group(1)
    if int(people.group(1)) > 10:
        assert f"more: custsync mass-sync --list {run_id}" in r.stdout
    listed = cli(config, env, "mass-sync", "--list", run_id, "--json")
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    assert len([c for c in report["customers"] if c["state"] in ("needs-decision", "skipped")]) == int(people.group(1))


def test_mass_sync_piped_or_verbose_prints_a_line_per_customer(world, tmp_path):
    world.mocks.load(*demo.generate(12, seed=5))
    config, env = config_file(world, tmp_path)
    piped = cli(config, env, "mass-sync", "--dry-run")
    verbose = cli(config, env, "mass-sync", "--dry-run", "-v", terminal=True)
    for r in (piped, verbose):
        assert len(re.findall(r"^\s+10\d\d\s+R\d", r.stdout + r.stderr, re.M)) == 12, r.stdout


def test_mass_sync_prints_its_plan_first_and_the_json_carries_it(world, tmp_path):
    world.mocks.load(*demo.generate(30, seed=7))
    config, env = config_file(world, tmp_path)
    planned = cli(config, env, "mass-sync", "--dry-run", "--json")
    plan = json.loads(planned.stdout)["plan"]
    rows = json.loads(planned.stdout)["customers"]
    assert plan["customers"] == len(rows) == 30
    by_action = {}
    for r in rows:
        by_action[(r["rule"], r["action"])] = by_action.get((r["rule"], r["action"]), 0) + 1
    assert {(e["rule"], e["action"]): e["customers"] for e in plan["by_rule_and_action"]} == by_action
    assert plan["stripe_creates"] == by_action.get(("R3", "create"), 0)
    run = cli(config, env, "mass-sync", terminal=True)
    assert run.stdout.index("Plan") < run.stdout.index("Run run-"), run.stdout[:600]
    assert f"{plan['stripe_creates']} Stripe creates" in run.stdout  # the run carries out what the dry run planned
    again = cli(config, env, "mass-sync", "--json")
    assert json.loads(again.stdout)["plan"]["unchanged"] == sum(
        n for (rule, action), n in by_action.items() if action not in ("skip", "ask", "error"))
