import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import stripe

from tests.support.stripe_helpers import DEMO_KEY, make_client

ROOT = Path(__file__).resolve().parents[2]


def test_health(ctl):
    assert ctl.get("/_mock/health").json() == {"ok": True, "service": "stripe", "account": "acct_demo"}


def test_an_account_given_at_launch_survives_a_reset_and_is_the_control_default():
    """`--account`: each started mock set's Stripe account has its own id (GET /v1/account answers it)."""
    from mock_stripe.app import create_app

    client = create_app(account="acct_0123abcd").test_client()
    client.post("/_mock/reset")
    assert client.get("/_mock/health").json["account"] == "acct_0123abcd"
    assert [a["id"] for a in client.get("/_mock/state").json["accounts"]] == ["acct_0123abcd"]
    assert client.post("/_mock/portal", json={"state": "inactive"}).json["account"] == "acct_0123abcd"
    with pytest.raises(ValueError):
        create_app(account="acct-with-dash")


def test_default_state(ctl):
    doc = ctl.get("/_mock/state").json()
    [acct] = doc["accounts"]
    assert acct["id"] == "acct_demo" and acct["api_keys"] == [DEMO_KEY]
    assert acct["test"]["customers"] == [] and acct["test"]["portal_configuration"] == "active"


def test_state_round_trip(ctl, client):
    ctl.put("/_mock/state", json={"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY], "test": {
        "customers": [{"id": "cus_A", "email": "a@x.test", "metadata": {"netsuite_internal_id": 101}},
                      {"id": "cus_D", "deleted": True}],
        "portal_configuration": "inactive",
        "payment_methods": [{"id": "pm_1", "customer": "cus_A"}]}}]}).raise_for_status()
    a = client.v1.customers.retrieve("cus_A")
    assert a.email == "a@x.test" and a.metadata["netsuite_internal_id"] == "101" and a.object == "customer"
    assert a.created > 0 and a.address is None and a.livemode is False
    assert client.v1.customers.retrieve("cus_D").deleted is True
    client.v1.customers.create({"email": "b@x.test"})
    dumped = ctl.get("/_mock/state").json()
    assert dumped["accounts"][0]["test"]["portal_configuration"] == "inactive"
    assert [c["id"] for c in dumped["accounts"][0]["test"]["customers"]][:2] == ["cus_A", "cus_D"]
    assert ctl.put("/_mock/state", json=dumped).status_code == 204
    assert ctl.get("/_mock/state").json() == dumped


@pytest.mark.parametrize("doc,field", [
    ({}, "accounts"),
    ({"accounts": [{"id": "nope"}]}, "accounts[0].id"),
    ({"accounts": [{"id": "acct_a", "api_keys": ["pk_test_x"]}]}, "accounts[0].api_keys[0]"),
    ({"accounts": [{"id": "acct_a", "test": {"customers": [{"email": 5}]}}]}, "accounts[0].test.customers[0].email"),
    ({"accounts": [{"id": "acct_a", "test": {"customers": [{"emial": "a@x.test"}]}}]},
     "accounts[0].test.customers[0].emial"),
    ({"accounts": [{"id": "acct_a", "live": {"portal_configuration": "on"}}]}, "accounts[0].live.portal_configuration"),
    ({"accounts": [{"id": "acct_a", "test": {"payment_methods": [{"customer": "cus_zz"}]}}]},
     "accounts[0].test.payment_methods[0].customer"),
])
def test_bad_state_names_the_field(ctl, doc, field):
    r = ctl.put("/_mock/state", json=doc)
    assert r.status_code == 400 and r.json()["field"] == field and field in r.json()["error"]
    assert ctl.get("/_mock/state").json()["accounts"][0]["id"] == "acct_demo"  # unchanged


def test_reset(ctl, client):
    client.v1.customers.create({"email": "r@x.test"})
    ctl.post("/_mock/portal", json={"account": "acct_demo", "mode": "test", "state": "none"})
    assert ctl.post("/_mock/reset").status_code == 204
    acct = ctl.get("/_mock/state").json()["accounts"][0]
    assert acct["test"]["customers"] == [] and acct["test"]["portal_configuration"] == "active"


def test_faults_get_put_merge(ctl):
    base = ctl.get("/_mock/faults").json()
    assert base == {"latency_ms": 0, "error_rate": 0.0, "post_error_rate": 0.0, "rate_429": 0.0, "drop_rate": 0.0,
                    "seed": None, "requests_per_second": None, "operation_requests_per_second": None,
                    "search_lag_seconds": 1.0, "search_requests_per_second": 20}
    merged = ctl.put("/_mock/faults", json={"latency_ms": 5, "seed": 3}).json()
    assert merged["latency_ms"] == 5 and merged["seed"] == 3 and merged["error_rate"] == 0.0
    bad = ctl.put("/_mock/faults", json={"error_rate": 2})
    assert bad.status_code == 400 and bad.json()["field"] == "error_rate"
    assert ctl.put("/_mock/faults", json={"nope": 1}).json()["field"] == "nope"


def test_faults_never_touch_control(ctl):
    ctl.put("/_mock/faults", json={"error_rate": 1.0, "drop_rate": 1.0})
    assert ctl.get("/_mock/health").status_code == 200


def test_stats_and_request_log(ctl, client):
    ctl.put("/_mock/faults", json={"latency_ms": 1})
    client.v1.customers.create({"email": "log@x.test"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_missing")
    stats = ctl.get("/_mock/stats").json()
    assert stats["requests"] == 2 and stats["faults"] == {"5xx": 0, "429": 0, "dropped": 0, "latency": 2}
    assert stats["rate_limited"] == {"account": 0, "operation": 0, "search": 0}
    log = ctl.get("/_mock/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/v1/customers", 200), ("GET", "/v1/customers/cus_missing", 404)]
    assert set(log[0]) == {"ts", "method", "path", "status", "latency_ms"}
    assert DEMO_KEY not in json.dumps(log)
    assert ctl.delete("/_mock/requests").status_code == 204 and ctl.get("/_mock/requests").json() == []


def test_portal_control(ctl):
    r = ctl.post("/_mock/portal", json={"account": "acct_demo", "mode": "live", "state": "inactive"})
    assert r.json() == {"account": "acct_demo", "mode": "live", "state": "inactive"}
    assert ctl.get("/_mock/state").json()["accounts"][0]["live"]["portal_configuration"] == "inactive"
    assert ctl.post("/_mock/portal", json={"account": "acct_x", "mode": "test", "state": "none"}).status_code == 400
    assert ctl.post("/_mock/portal", json={"account": "acct_demo", "state": "maybe"}).json()["field"] == "state"


def test_clock(ctl, client):
    before = ctl.get("/_mock/clock").json()
    after = ctl.post("/_mock/clock", json={"advance_seconds": 3600}).json()
    assert after["offset_seconds"] == 3600 and after["now"] - before["now"] >= 3600
    assert client.v1.customers.create({}).created >= after["now"]
    assert ctl.post("/_mock/clock", json={"advance_seconds": "x"}).status_code == 400


def test_cli_launch_json_and_db(tmp_path):
    db = tmp_path / "stripe.sqlite"
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"accounts": [{"id": "acct_demo", "api_keys": ["sk_test_cli_key_1234"],
                                               "test": {"customers": [{"id": "cus_CLI", "email": "c@x.test"}]}}]}))

    def launch(*extra):
        return subprocess.Popen([sys.executable, "-m", "mock_stripe", "--port", "0", "--db", str(db), "--json",
                                 *extra], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})

    proc = launch("--state", str(state))
    try:
        facts = json.loads(proc.stdout.readline())
        assert facts["service"] == "stripe" and facts["api_key"] == "sk_test_cli_key_1234"
        assert facts["url"].startswith("http://127.0.0.1:")
        assert httpx.get(facts["url"] + "/_mock/health").json()["ok"] is True
        cli = make_client(type("S", (), {"url": facts["url"]}), facts["api_key"])
        assert cli.v1.customers.retrieve("cus_CLI").email == "c@x.test"
        cli.v1.customers.create({"email": "persist@x.test"})
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    # Same --db without --state: the saved situation comes back.
    proc = launch()
    try:
        facts = json.loads(proc.stdout.readline())
        cli = make_client(type("S", (), {"url": facts["url"]}), facts["api_key"])
        assert len(cli.v1.customers.list({"email": "persist@x.test"}).data) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
