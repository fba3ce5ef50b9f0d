"""`custsync mocks`: serve a scenario's state until stopped; its export lines point any custsync at it."""

import json
import os
import signal
import subprocess
import sys
import time


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
        sync = subprocess.run([sys.executable, "-m", "tui.cli", "sync", "101", "--json"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert sync.returncode == 0, sync.stderr
        out = json.loads(sync.stdout)
        assert (out["rule"], out["stripe_customer_id"]) == ("R1", "cus_A")  # the scenario's state, not demo data
        # The two mocks are wired together: the link the sync wrote opens a Stripe mock session.
        check = subprocess.run([sys.executable, "-m", "tui.cli", "portal-link", "101", "--check", "--json"], env=env,
                               capture_output=True, text=True, timeout=60)
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
