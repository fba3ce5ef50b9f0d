"""`custsync scenario ...` as scripts use it: exit codes and JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

from testbed.scenario_load import scenario_files
from tests.support.cli import Ran, custsync


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
    return {**env, **extra}


def run(*args: str, **env: str) -> Ran:
    return custsync(*args, env=_env(**env), cwd=Path(__file__).resolve().parents[2])


def test_run_all_json_passes():
    result = run("scenario", "run", "--all", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    doc = json.loads(result.stdout)
    assert doc["ok"] and doc["failed"] == 0 and doc["passed"] == len(scenario_files())
    first = doc["scenarios"][0]
    assert {"name", "steps", "then", "failures"} <= set(first) and first["steps"][0]["checks"]


def test_failing_scenario_exits_1(tmp_path):
    bad = tmp_path / "fails.yaml"
    bad.write_text("title: t\nlesson: l\ngiven: {netsuite: {customers: [{id: 5}]}}\n"
                   "steps:\n  - sync: 5\n    expect: {rule: R1}\n", encoding="utf-8")
    result = run("scenario", "run", str(bad))
    assert result.returncode == 1
    assert "expected 'R1', actual 'R4'" in result.stdout


def test_bad_file_exits_2_naming_file_and_line(tmp_path):
    (tmp_path / "broken.yaml").write_text("title: t\nlesson: l\nstepz: []\n", encoding="utf-8")
    result = run("scenario", "run", "--all", CUSTSYNC_SCENARIOS_DIR=str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path / 'broken.yaml'}:3: stepz: unknown key" in result.stderr
    listed = run("scenario", "list", "--json", CUSTSYNC_SCENARIOS_DIR=str(tmp_path))
    assert listed.returncode == 2 and json.loads(listed.stdout)["errors"]


def test_list_json():
    result = run("scenario", "list", "--json")
    assert result.returncode == 0
    names = {s["name"] for s in json.loads(result.stdout)["scenarios"]}
    assert {"missing-email", "stale-link", "mass-sync"} <= names


def test_run_realistic_starts_rate_limited_mocks_and_refuses_running_ones():
    result = run("scenario", "run", "--realistic", "email-case-one-mailbox", "case-variants-in-one-run", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert json.loads(result.stdout)["passed"] == 2
    refused = run("scenario", "run", "--realistic", "email-change", "--netsuite-url", "http://127.0.0.1:9",
                  "--stripe-url", "http://127.0.0.1:9")
    assert refused.returncode == 2 and "keep the profile they were started with" in refused.stderr


def test_scenarios_and_the_demo_run_with_tba_too():
    """M2M is the default (test_run_all_json_passes runs every scenario with it); CUSTSYNC_NETSUITE_AUTH=tba
    selects token-based auth for the scenarios and the demo, as it does for a configuration."""
    names = ["email-change", "mass-sync", "deployment-not-released", "portal-link-outlives-sessions"]
    result = run("scenario", "run", *names, "--json", CUSTSYNC_NETSUITE_AUTH="tba")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert json.loads(result.stdout)["passed"] == len(names)
    demo = run("doctor", "--json", CUSTSYNC_NETSUITE_AUTH="tba")
    sign_in = next(c for c in json.loads(demo.stdout)["checks"] if c["id"] == "netsuite-auth")
    assert demo.returncode == 0 and sign_in["warning"] and "token-based" in sign_in["detail"]
    demo = run("mass-sync", "--dry-run", "--json", CUSTSYNC_NETSUITE_AUTH="tba")
    assert demo.returncode in (0, 3) and json.loads(demo.stdout)["counts"]["planned"] > 40, demo.stderr


def test_scenario_mocks_take_only_the_auth_from_the_environment(monkeypatch):
    import argparse

    from sync_core.config import NetSuiteAuth
    from tui.scenario_commands import _bundled_config

    monkeypatch.setenv("CUSTSYNC_NETSUITE_AUTH", "tba")
    monkeypatch.setenv("CUSTSYNC_SYNC_DUPLICATE_EMAIL_POLICY", "oldest")  # a scenario's settings are its own
    config = _bundled_config(argparse.Namespace(config=None))
    assert config.netsuite.auth_method is NetSuiteAuth.TBA and config.sync.duplicate_email_policy.value == "ask"
    monkeypatch.delenv("CUSTSYNC_NETSUITE_AUTH")
    assert _bundled_config(argparse.Namespace(config=None)) is None  # the defaults: M2M


def test_new_refuses_a_missing_folder_and_a_folder_target_before_reading_the_mocks(tmp_path):
    """Both crashed with a traceback after reading the mocks; now exit 2 naming the path, nothing written."""
    urls = ["--netsuite-url", "http://127.0.0.1:9", "--stripe-url", "http://127.0.0.1:9"]  # never reached
    missing = run("scenario", "new", "--from-mocks", str(tmp_path / "no-such-folder" / "x.yaml"), *urls)
    (tmp_path / "folder.yaml").mkdir()
    folder = run("scenario", "new", "--from-mocks", str(tmp_path / "folder.yaml"), "--force", *urls)
    for r, words in ((missing, "does not exist"), (folder, "is a folder")):
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert words in r.stderr and "Traceback" not in r.stderr + r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.yaml"]


def _running_mocks_env(pair) -> dict[str, str]:
    """What `custsync mocks` prints to export: the running mocks' URLs, account and fake credentials."""
    from testbed.bundled import mock_environment

    return mock_environment(pair.config)


def test_run_against_mocks_it_did_not_start_refuses_naming_whose_data_unless_replace(mock_pair):
    """Issue 24: `custsync scenario run` with the environment `custsync mocks` printed does not replace that
    data without a word. A script (no terminal) is refused, exit 2, naming the accounts and how much they hold."""
    mock_pair.load_demo(mock_pair.config, customers=12)
    before = mock_pair.netsuite.state()["customers"]
    env = _running_mocks_env(mock_pair)
    refused = run("scenario", "run", "rematch", **env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = " ".join(refused.stderr.split())
    assert f"NetSuite account {mock_pair.config.netsuite.account} with 12 customers" in said
    assert f"Stripe account {mock_pair.stripe_account()}" in said
    assert "were not started by this command" in said and "Give --replace" in said
    assert mock_pair.netsuite.state()["customers"] == before  # nothing replaced

    replaced = run("scenario", "run", "rematch", "--replace", **env)
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert [c["id"] for c in mock_pair.netsuite.state()["customers"]] == ["301"]
