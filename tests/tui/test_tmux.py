"""The real `custsync` in a real terminal (tmux, 120x40): open customer 1001, sync it, see the new Stripe id."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no real terminal to drive")

CUSTSYNC = Path(sys.executable).with_name("custsync")
# The console script imports this checkout's code (not whatever checkout the venv was installed from).
ROOT = Path(__file__).resolve().parents[2]


def tmux(session: str, *args: str) -> str:
    """tmux on a server of the session's own (-L): never another program's tmux server, nor one still
    shutting down after the previous test's session ended ("server exited unexpectedly")."""
    return subprocess.run(["tmux", "-L", session, *args], check=True, capture_output=True, text=True).stdout


def wait_for(session: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(session, "capture-pane", "-p", "-t", session)
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
    tmux(session, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        wait_for(session, "customers; ")  # the status line under the filter: the table is filled
        wait_for(session, "1001")
        tmux(session, "send-keys", "-t", session, "Enter")
        wait_for(session, "Decision the rules would take now")
        wait_for(session, "action: create")
        tmux(session, "send-keys", "-t", session, "s")
        wait_for(session, "Stripe customer id: cus_")
        screen = wait_for(session, "Sync to Stripe: OK")  # the result panel, drawn with the new id
        assert "rule R3 create" in screen
    finally:
        subprocess.run(["tmux", "-L", session, "kill-server"], capture_output=True)


def test_decision_from_ask_to_linked_in_tmux(tmp_path):
    """An operator at 80x24: customer 1016 shares its email with two Stripe customers (R3 ask); l lists
    them, Enter picks the first, the confirmation states the NetSuite write, y writes it, the rules now
    take the stored id (R1) and the list shows it."""
    session = f"custsync-test-{uuid.uuid4().hex[:8]}"
    command = f"cd {tmp_path} && env -u CUSTSYNC_CONFIG -u COLUMNS -u LINES PYTHONPATH={ROOT} {CUSTSYNC}"
    tmux(session, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "chosen by the mass sync search")  # reading is done
        tmux(session, "send-keys", "-t", session, "/")
        time.sleep(0.3)
        tmux(session, "send-keys", "-t", session, "-l", "1016")
        tmux(session, "send-keys", "-t", session, "Enter")  # the filter is applied, the table focused
        wait_for(session, "1 of 60 customers")
        tmux(session, "send-keys", "-t", session, "Enter")
        wait_for(session, "action: ask")
        tmux(session, "send-keys", "-t", session, "l")
        wait_for(session, "cus_demo1016dup1")
        wait_for(session, "oldest first")
        tmux(session, "send-keys", "-t", session, "Enter")
        screen = wait_for(session, "Yes, write the link")
        assert "Link NetSuite customer 1016 to cus_demo1016dup0?" in screen
        tmux(session, "send-keys", "-t", session, "y")
        wait_for(session, "R1  action: update")  # the rules now take the stored id
        tmux(session, "send-keys", "-t", session, "Escape")
        wait_for(session, "1 of 60 customers")
        tmux(session, "send-keys", "-t", session, "Enter")  # the list was reread: the customer opens linked
        wait_for(session, "Stripe customer id: cus_demo1016dup0")
    finally:
        subprocess.run(["tmux", "-L", session, "kill-server"], capture_output=True)
