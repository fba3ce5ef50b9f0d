"""`custsync scenario ...` as scripts use it: exit codes and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testbed.scenario_load import scenario_files

CLI = [sys.executable, "-m", "tui.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
    return {**env, **extra}


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=_env(**env), timeout=120,
                          cwd=Path(__file__).resolve().parents[2])


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


def _running_mocks_env(pair) -> dict[str, str]:
    """What `custsync mocks` prints to export: the running mocks' URLs, account and fake credentials."""
    from sync_core.config import SECRET_ENV

    cfg = pair.config
    env = {"CUSTSYNC_NETSUITE_TARGET": "mock", "CUSTSYNC_NETSUITE_ACCOUNT": cfg.netsuite.account,
           "CUSTSYNC_NETSUITE_REST_URL": cfg.netsuite.rest_url, "CUSTSYNC_NETSUITE_RESTLET_URL": cfg.netsuite.rest_url,
           "CUSTSYNC_STRIPE_TARGET": "mock", "CUSTSYNC_STRIPE_BASE_URL": cfg.stripe.base_url}
    for (section, key), var in SECRET_ENV.items():
        value = getattr(getattr(cfg, section), key)
        if value is not None:
            env[var] = value.get_secret_value()
    return env


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
