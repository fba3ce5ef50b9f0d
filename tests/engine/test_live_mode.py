"""A live Stripe key writes nothing without the explicit confirmation, through the real CLI."""

import json

import pytest

from testbed import demo
from tests.support.cli import custsync

LIVE_KEY = "sk_live_custsync_FAKE_live_key_9876"


@pytest.fixture
def live_mocks(mocks):
    """The session's mocks; each test loads a Stripe account whose only key is the live key."""
    mocks.fresh()
    return mocks


def run_cli(mocks, tmp_path, *args):
    ns = mocks.netsuite.info
    config = tmp_path / "live.toml"
    config.write_text(f'[netsuite]\ntarget = "mock"\nrest_url = "{ns["url"]}"\naccount = "{ns["account"]}"\n'
                      f'[stripe]\ntarget = "mock"\nbase_url = "{mocks.stripe.url}"\n'
                      f'[sync]\njournal_path = "{tmp_path / "j.sqlite"}"\n')
    env = {"PATH": "/usr/bin:/bin", "CUSTSYNC_STRIPE_API_KEY": LIVE_KEY,
           **{f"CUSTSYNC_NETSUITE_{k.upper()}": ns[k] for k in ("consumer_key", "consumer_secret", "token_id", "token_secret")}}
    return custsync("--config", str(config), *args, env=env)


def live_customers(mocks):
    account = mocks.stripe.control.state()["accounts"][0]
    return account.get("live", {}).get("customers", [])


@pytest.mark.parametrize("command", [["sync", "1001"], ["mass-sync"], ["portal-link", "1007"]])
def test_live_key_without_confirmation_writes_nothing(live_mocks, tmp_path, command):
    ns_state, _ = demo.generate(10, seed=5)
    live_mocks.load(ns_state, {"accounts": [{"id": "acct_demo", "api_keys": [LIVE_KEY],
                                             "live": {"customers": [{"id": "cus_demo1007", "email": "x@y.test"}]}}]})
    before = (live_mocks.netsuite.control.state(), live_customers(live_mocks))
    r = run_cli(live_mocks, tmp_path, *command)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "live key" in r.stdout + r.stderr and "--yes-live" in r.stdout + r.stderr
    assert (live_mocks.netsuite.control.state(), live_customers(live_mocks)) == before
    assert LIVE_KEY not in r.stdout + r.stderr


def test_live_key_with_confirmation_writes(live_mocks, tmp_path):
    live_mocks.load(demo.generate(3, seed=5)[0], {"accounts": [{"id": "acct_demo", "api_keys": [LIVE_KEY]}]})
    r = run_cli(live_mocks, tmp_path, "sync", "1001", "--yes-live", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["stripe_customer_id"] in {c["id"] for c in live_customers(live_mocks)}
