"""`custsync mocks`: serve a scenario's state until stopped; its export lines point any custsync at it."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.support.cli import custsync


def test_mocks_serve_a_scenario_that_custsync_can_sync_against():
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "mocks", "--scenario", "email-change"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.startswith("export CUSTSYNC_"):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                env[key] = value
            if "CUSTSYNC_STRIPE_API_KEY" in env or not line:
                break
        assert "CUSTSYNC_NETSUITE_REST_URL" in env and "CUSTSYNC_STRIPE_BASE_URL" in env
        # OAuth 2.0 M2M by default, with a key pair made at start (owner-only); the TBA lines beside it.
        assert env["CUSTSYNC_NETSUITE_AUTH"] == "m2m" and env["CUSTSYNC_NETSUITE_CLIENT_ID"]
        assert os.stat(env["CUSTSYNC_NETSUITE_PRIVATE_KEY_FILE"]).st_mode & 0o777 == 0o600
        assert env["CUSTSYNC_NETSUITE_CONSUMER_KEY"] and env["CUSTSYNC_NETSUITE_TOKEN_SECRET"]
        sync = custsync("sync", "101", "--json", env=env)
        assert sync.returncode == 0, sync.stderr
        out = json.loads(sync.stdout)
        assert (out["rule"], out["stripe_customer_id"]) == ("R1", "cus_A")  # the scenario's state, not demo data
        tba = custsync("sync", "101", "--json", "--dry-run", env={**env, "CUSTSYNC_NETSUITE_AUTH": "tba"})
        assert tba.returncode == 0, tba.stderr  # the same mocks, signed in with TBA
        # The two mocks are wired together: the link the sync wrote opens a Stripe mock session.
        check = custsync("portal-link", "101", "--check", "--json", env=env)
        assert check.returncode == 0, check.stdout + check.stderr
        assert json.loads(check.stdout)[0]["portal"]["outcome"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0


def test_mocks_realistic_serves_stripe_with_its_rate_limits():
    """`custsync mocks --realistic`: Stripe's limits, https://docs.stripe.com/rate-limits (25/s test, 100/s live)."""
    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "mocks", "--realistic"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, base, said = time.monotonic() + 30, None, ""
        while time.monotonic() < deadline and base is None:
            line = proc.stdout.readline()
            if not line:
                break
            said += line
            if line.startswith("export CUSTSYNC_STRIPE_BASE_URL="):
                base = line.strip().partition("=")[2]
        assert base, said
        assert "Stripe's rate limits (25/s test mode, 100/s live, 25/s per operation)" in said
        faults = httpx.get(base + "/_mock/faults").json()
        assert faults["requests_per_second"] == {"test": 25, "live": 100}
        assert faults["operation_requests_per_second"] == {"test": 25, "live": 25}
        assert faults["search_lag_seconds"] >= 1
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0
