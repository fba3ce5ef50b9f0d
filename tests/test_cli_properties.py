"""Whatever a person or a script types, the CLI ends with an exit code of tui/exit_codes.py (0, 1, 2 or 3) and a
sentence, never a traceback (hypothesis over the argument space: every command, its options, and values that have
crashed an option before: huge relative times, year 1, a folder where a file goes, malformed ids).

The services are unreachable (127.0.0.1, port 9), so a command that gets past its options fails at once; `mocks`
(which serves until Ctrl-C) and the TUI are left out, and `scenario run` is always given the unreachable URLs
(without them it starts mocks of its own).
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sync_core.config import SECRET_ENV
from tests.support.properties import examples
from tui.cli import main

NOWHERE = "http://127.0.0.1:9"
TRICKY = ["", " ", "0", "-1", "1", "101", "abc", "../customer/1", "1002?x=1", "9" * 40, "cus_", "cus_A1",
          "cus_x'; DROP", "last", "LAST", "1000000000d", "800000d", "99999999999w", "0001-01-01T00:00:00Z",
          "9999-12-31T23:59:59Z", "2026-01-01T00:00:00", "30m", "-5m", "run-x", "nope.csv", "ids.csv", "folder",
          "folder/x.yaml", "missing/x.yaml", "x.yaml", "%s", "{}", "[b]x[/b]", "é", "--json"]
# Values a command takes as they are (so that half the argvs get past the options), or not.
GOOD = ["101", "102", "cus_A1", "ids.csv", "j.sqlite", "2h", "last", "x.yaml", "address-changes-shape", NOWHERE]
values = st.one_of(st.sampled_from(GOOD), st.sampled_from(TRICKY),
                   st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12))

FLAGS = {
    "rules": ["--json"],
    "sync": ["--dry-run", "--no-portal", "--json", "--yes-live"],
    "mass-sync": ["--dry-run", "--retry-failed", "--yes", "-v", "--no-portal", "--json", "--yes-live"],
    "portal-link": ["--all", "--check", "--json"],
    "doctor": ["--json"],
    "import-stripe-ids": ["--apply", "--allow-shared", "-v", "--json"],
    "link": ["--yes", "--json"],
    "candidates": ["--json"],
    "scenario list": ["--json"],
    "scenario new": ["--anonymize", "--force", "--keep-portal-links"],
    "scenario run": ["--all", "--json", "-v"],
}
OPTIONS = {
    "mass-sync": ["--resume", "--list", "--journal", "--changed-since"],
    "import-stripe-ids": ["--id-column", "--stripe-column"],
    "scenario new": ["--from-mocks", "--netsuite-url", "--stripe-url"],
}
POSITIONALS = {"sync": 1, "portal-link": 1, "import-stripe-ids": 1, "link": 2, "candidates": 1, "scenario run": 1}


@st.composite
def argvs(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(FLAGS)))
    rest = draw(st.lists(values, max_size=POSITIONALS.get(command, 0) + 1))
    rest += draw(st.lists(st.sampled_from(FLAGS[command]), max_size=3))
    for option in draw(st.lists(st.sampled_from(OPTIONS.get(command, ["--json"])), max_size=3)):
        rest += [option, draw(values)]
    if command == "scenario run":
        rest += ["--netsuite-url", NOWHERE, "--stripe-url", NOWHERE]
    return command.split() + draw(st.permutations(rest))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder with a config that reaches nothing, a good CSV and a folder named like a file."""
    root = tmp_path_factory.mktemp("cli")
    (root / "folder").mkdir()
    (root / "ids.csv").write_text("internal_id,stripe_customer_id\n101,cus_A1\n", encoding="utf-8")
    (root / "custsync.toml").write_text(
        f'[netsuite]\ntarget = "mock"\nrest_url = "{NOWHERE}"\nrestlet_url = "{NOWHERE}"\naccount = "123"\n'
        f'timeout_seconds = 2\n[stripe]\ntarget = "mock"\nbase_url = "{NOWHERE}"\ntimeout_seconds = 2\n'
        f'[sync]\nmax_retries = 0\njournal_path = "{root / "journal.sqlite"}"\n', encoding="utf-8")
    return root


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=argvs())
@example(argv=["mass-sync", "--changed-since", "1000000000d"])
@example(argv=["mass-sync", "--changed-since", "0001-01-01T00:00:00Z", "--dry-run"])
@example(argv=["scenario", "new", "--from-mocks", "folder", "--force", "--netsuite-url", NOWHERE,
               "--stripe-url", NOWHERE])
@example(argv=["candidates", "abc"])
@example(argv=["link", "101", "twin_new", "--yes"])
def test_every_argv_ends_in_an_exit_code_never_a_traceback(workdir, monkeypatch, argv):
    monkeypatch.chdir(workdir)
    for var in SECRET_ENV.values():
        monkeypatch.setenv(var, "sk_test_fake" if "STRIPE" in var else "fake")
    for var in [v for v in os.environ if v.startswith("CUSTSYNC_") and v not in SECRET_ENV.values()]:
        monkeypatch.delenv(var)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--config", str(workdir / "custsync.toml"), *argv])
        except SystemExit as exc:  # argparse's refusal (2) or --help (0)
            code = exc.code
    assert code in (0, 1, 2, 3), (argv, code, err.getvalue()[-2000:])
    assert "Traceback" not in out.getvalue() + err.getvalue(), (argv, err.getvalue()[-2000:])
