"""The CLI as a script or a person meets it."""

import json
import subprocess
import sys

from tests.support.cli import custsync


def run(*args, env=None):
    """The entry point as a process: `python -m tui.cli` (what the console script calls)."""
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=env)


def test_rules_prints_r1_to_r10():
    r = custsync("rules")
    assert r.returncode == 0
    for i in range(1, 11):
        assert f"R{i} " in r.stdout


def test_rules_json():
    r = custsync("rules", "--json")
    data = json.loads(r.stdout)
    assert [d["id"] for d in data] == [f"R{i}" for i in range(1, 11)]
    assert data[6]["remedy"].startswith("In the Stripe Dashboard")


def test_help_lists_commands_and_exit_codes():
    r = run("--help")
    assert r.returncode == 0
    assert "rules" in r.stdout and "Exit codes" in r.stdout


def test_unknown_command_is_a_usage_error():
    r = run("frobnicate")
    assert r.returncode == 2 and "invalid choice" in r.stderr
