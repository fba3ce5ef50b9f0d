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
