"""The real `custsync` in a real terminal (tmux, 120x40): open customer 1001, sync it, see the new Stripe id."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no real terminal to drive")

CUSTSYNC = Path(sys.executable).with_name("custsync")
ROOT = Path(__file__).resolve().parents[2]  # this checkout: its code runs (PYTHONPATH), whatever the venv installed

def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def wait_for(session: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear within {timeout}s; the screen was:\n{screen}")


def test_open_customer_and_sync_in_tmux(tmp_path):
    assert CUSTSYNC.exists(), f"{CUSTSYNC} missing: pip install -e . in the venv"
    session = f"custsync-test-{uuid.uuid4().hex[:8]}"
    # No config: the bundled mocks with demo data. COLUMNS/LINES (set under pytest) would override the
    # 120x40 terminal. Textual draws on stderr: it is not redirected.
    command = f"cd {tmp_path} && env -u CUSTSYNC_CONFIG -u COLUMNS -u LINES PYTHONPATH={ROOT} {CUSTSYNC}"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        wait_for(session, "customers; ")  # the status line under the filter: the table is filled
        wait_for(session, "1001")
        tmux("send-keys", "-t", session, "Enter")
        wait_for(session, "Decision the rules would take now")
        wait_for(session, "action: create")
        tmux("send-keys", "-t", session, "s")
        wait_for(session, "Stripe customer id: cus_")
        screen = wait_for(session, "Sync to Stripe: OK")  # the result panel, drawn with the new id
        assert "rule R3 create" in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


FOREGROUND = re.compile(r"\x1b\[(?:[0-9;]*;)?38;5;(\d+)m")
BACKGROUND = re.compile(r"\x1b\[(?:[0-9;]*;)?48;5;(\d+)m")


def filter_focused(session: str) -> bool:
    """Whether the customers filter has the focus, as a person sees it: its border lights up (drawn in the
    screen's background colour while another widget has the focus, in the accent colour once it has it)."""
    lines = tmux("capture-pane", "-e", "-p", "-t", session).splitlines()
    border = next((line for line in lines[:6] if "\u2594" in line), None)  # the filter's top border (▔)
    if border is None or not (bg := BACKGROUND.search(border)) or not (fg := FOREGROUND.search(border)):
        return False
    return fg.group(1) != bg.group(1)


def type_filter(session: str, text: str, *, timeout: float = 30.0) -> None:
    """Type `text` into the customers filter and see it there: `/` until the filter shows the focus (a key
    typed before the focus moved would reach the table), the field emptied, the text typed and read back."""
    deadline = time.monotonic() + timeout
    while not filter_focused(session):
        if time.monotonic() > deadline:
            raise AssertionError("the customers filter never took the focus after /")
        tmux("send-keys", "-t", session, "/")
        for _ in range(25):
            if filter_focused(session):
                break
            time.sleep(0.2)
    tmux("send-keys", "-t", session, "C-u")
    wait_for(session, "\u258a  filter: id", timeout=10)
    tmux("send-keys", "-t", session, "-l", text)
    wait_for(session, f"\u258a  {text} ", timeout=10)


def test_decision_from_ask_to_linked_in_tmux(tmp_path):
    """An operator at 80x24: customer 1016 shares its email with two Stripe customers (R3 ask); l lists
    them, Enter picks the first, the confirmation states the NetSuite write, y writes it, the rules now
    take the stored id (R1) and the list shows it. The filter finds 1017 too: its Stripe id is
    cus_demo1016dup1 (the same company's accounts payable record, already linked to the newer duplicate)."""
    session = f"custsync-test-{uuid.uuid4().hex[:8]}"
    command = f"cd {tmp_path} && env -u CUSTSYNC_CONFIG -u COLUMNS -u LINES PYTHONPATH={ROOT} {CUSTSYNC}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "40", command)
    try:
        wait_for(session, "chosen by the mass sync search")  # reading is done
        type_filter(session, "1016")
        tmux("send-keys", "-t", session, "Enter")  # the filter is applied, the table focused
        wait_for(session, "2 of 60 customers")
        tmux("send-keys", "-t", session, "Enter")
        wait_for(session, "action: ask")
        tmux("send-keys", "-t", session, "l")
        wait_for(session, "cus_demo1016dup1")
        wait_for(session, "oldest first")
        tmux("send-keys", "-t", session, "Enter")
        screen = wait_for(session, "Yes, write the link")
        assert "Link NetSuite customer 1016 to cus_demo1016dup0?" in screen
        tmux("send-keys", "-t", session, "y")
        wait_for(session, "R1  action: update")  # the rules now take the stored id
        tmux("send-keys", "-t", session, "Escape")
        wait_for(session, "2 of 60 customers")
        tmux("send-keys", "-t", session, "Enter")  # the list was reread: the customer opens linked
        wait_for(session, "Stripe customer id: cus_demo1016dup0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


# --- issue 24, "must not surprise", as an operator meets it at 80x24 ----------------------------------------


def running_mocks_env(config) -> str:
    """The environment `custsync mocks` prints: this test's mocks, someone's running mocks to the TUI."""
    from sync_core.config import SECRET_ENV

    env = {"CUSTSYNC_NETSUITE_TARGET": "mock", "CUSTSYNC_NETSUITE_ACCOUNT": config.netsuite.account,
           "CUSTSYNC_NETSUITE_REST_URL": config.netsuite.rest_url,
           "CUSTSYNC_NETSUITE_RESTLET_URL": config.netsuite.rest_url,
           "CUSTSYNC_STRIPE_TARGET": "mock", "CUSTSYNC_STRIPE_BASE_URL": config.stripe.base_url}
    for (section, key), var in SECRET_ENV.items():
        value = getattr(getattr(config, section), key)
        if value is not None:
            env[var] = value.get_secret_value()
    return " ".join(f"{k}={v}" for k, v in env.items())


def start(session: str, cwd: Path, env: str = "") -> None:
    # This checkout's code (PYTHONPATH), whatever the venv's install points at; COLUMNS/LINES (set under pytest)
    # would override the terminal's size. Textual draws on stderr: it is not redirected.
    command = (f"cd {cwd} && env -u CUSTSYNC_CONFIG -u COLUMNS -u LINES PYTHONPATH={ROOT} {env} {CUSTSYNC}")
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)


def stop(session: str) -> None:
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def press_until(session: str, key: str, text: str, *, tries: int = 3, timeout: float = 20.0) -> str:
    """Press `key` until `text` appears: a key sent while a screen is still switching in goes to the one before
    (F2 then s, typed at once), as it would for an operator."""
    for attempt in range(tries):
        tmux("send-keys", "-t", session, key)
        try:
            return wait_for(session, text, timeout=timeout)
        except AssertionError:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def start_run(session: str, until: str) -> str:
    """F2 once the customers are read, then s until `until` shows."""
    wait_for(session, "chosen by the mass sync search")
    tmux("send-keys", "-t", session, "F2")
    wait_for(session, "p plans (dry run)")
    return press_until(session, "s", until)


def test_loading_a_scenario_during_a_mass_sync_is_refused_in_tmux(tmp_path, config, mocks):
    mocks.netsuite.control.faults(latency_ms=400)  # a run that lasts while the operator goes to F5
    session = f"custsync-test-{uuid.uuid4().hex[:8]}"
    start(session, tmp_path, running_mocks_env(config))
    try:
        start_run(session, "x stops it")
        tmux("send-keys", "-t", session, "F5")
        wait_for(session, "The course:")
        tmux("send-keys", "-t", session, "l")
        screen = wait_for(session, "Not loaded: a mass sync is running")
        assert "Type the account name" not in screen  # not even asked
        assert len(mocks.netsuite.control.state()["customers"]) == 40  # the run's customers are still there
        mocks.netsuite.control.faults(latency_ms=0)
        tmux("send-keys", "-t", session, "F2")
        tmux("send-keys", "-t", session, "x")
        wait_for(session, "stopped: r resumes it")
    finally:
        mocks.netsuite.control.faults(latency_ms=0)
        stop(session)


def test_retry_of_a_finished_run_changes_nothing_in_tmux(tmp_path, config, mocks):
    session = f"custsync-test-{uuid.uuid4().hex[:8]}"
    start(session, tmp_path, running_mocks_env(config))
    try:
        start_run(session, "need you (below)")
        before = (mocks.netsuite.control.state(), mocks.stripe.control.state())
        tmux("send-keys", "-t", session, "f")
        screen = wait_for(session, "nothing to retry")
        assert "Nothing was written" in screen.replace("\n", " ")
        assert (mocks.netsuite.control.state(), mocks.stripe.control.state()) == before
    finally:
        stop(session)


def test_a_run_of_another_mock_set_is_not_resumed_in_tmux(tmp_path):
    """Two custsync sessions in one folder (one journal), each with the bundled mocks it starts: each set has
    accounts of its own, so the second refuses to resume the first's run, naming both targets."""
    first, second = (f"custsync-test-{uuid.uuid4().hex[:8]}" for _ in range(2))
    start(first, tmp_path)
    try:
        start_run(first, "need you (below)")
    finally:
        stop(first)
    start(second, tmp_path)
    try:
        wait_for(second, "chosen by the mass sync search")
        tmux("send-keys", "-t", second, "F2")
        wait_for(second, "p plans (dry run)")
        press_until(second, "v", "it is not resumed here")  # the picker says so of the highlighted run
        tmux("send-keys", "-t", second, "Enter")
        wait_for(second, "Journaled counts")
        tmux("send-keys", "-t", second, "r")
        screen = " ".join(wait_for(second, "not resumed here").split())
        assert "ran against NetSuite" in screen
    finally:
        stop(second)
