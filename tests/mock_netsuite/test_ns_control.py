"""/_mock control API and the launch protocol (docs/mock-control-api.md)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.ns_helpers import RECORD, SUITEQL, customer

ROOT = Path(__file__).resolve().parents[2]


def test_health(control):
    assert control.get("/_mock/health").json() == {"ok": True, "service": "netsuite", "account": "1234567_SB1"}


def test_an_account_given_at_launch_survives_a_reset_and_a_document_without_one():
    """`--account`: each started mock set answers as its own account (a run journaled against one set is then
    never resumed against another). NetSuite's account id is the OAuth realm every request is signed for."""
    from mock_netsuite.app import create_app

    client = create_app(account="7654321_SB1").test_client()
    assert client.get("/_mock/health").json["account"] == "7654321_SB1"
    assert client.put("/_mock/state", json={"customers": []}).status_code < 300
    assert client.get("/_mock/state").json["account"] == "7654321_SB1"
    client.post("/_mock/reset")
    assert client.get("/_mock/state").json["account"] == "7654321_SB1"
    with pytest.raises(ValueError):
        create_app(account="not an account")


def test_default_state(control):
    doc = control.get("/_mock/state").json()
    assert doc["account"] == "1234567_SB1" and doc["customers"] == []
    assert [f["id"] for f in doc["custom_fields"]] == ["custentity_paypack_stripe_customer_id",
                                                       "custentity_paypack_portal_url"]
    searches = {s["id"]: s for s in doc["saved_searches"]}
    assert set(searches) == {"customsearch_paypack_customer_sync", "customsearch_paypack_mass_customer_sync"}
    assert [c["name"] for c in searches["customsearch_paypack_mass_customer_sync"]["columns"]] == \
        ["email", "companyname", "phone"]
    assert searches["customsearch_paypack_mass_customer_sync"]["criteria"] == [["isinactive", "is", "F"]]
    assert {(d["deploymentId"], d["status"]) for d in doc["deployments"]} == {
        ("customdeploy_custsync_search", "RELEASED"), ("customdeploy_custsync_portal", "RELEASED")}


def test_state_round_trips_and_defaults_missing_keys(control, ns):
    doc = control.get("/_mock/state").json()
    doc["customers"] = [{"id": 7, "companyname": "Lowercase Keys Inc"}, customer(101, firstName="Ann")]
    assert control.put("/_mock/state", json=doc).status_code == 204
    got = control.get("/_mock/state").json()
    c7 = got["customers"][0]
    assert c7["id"] == "7" and c7["companyName"] == "Lowercase Keys Inc" and c7["isInactive"] is False
    assert c7["email"] is None and c7["addressBook"] == [] and c7["custentity_paypack_stripe_customer_id"] is None
    assert control.put("/_mock/state", json=got).status_code == 204
    assert control.get("/_mock/state").json() == got
    assert ns.get(f"{RECORD}/customer/7").json()["companyName"] == "Lowercase Keys Inc"


def test_reset_restores_default(control, seed):
    seed([customer(101)])
    assert control.post("/_mock/reset").status_code == 204
    assert control.get("/_mock/state").json()["customers"] == []


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d["customers"].append({"id": "101", "favouriteColour": "red"}), "customers[0].favouriteColour"),
    (lambda d: d["customers"].append({"id": "abc"}), "customers[0].id"),
    (lambda d: d["customers"].extend([{"id": "1"}, {"id": "1"}]), "customers[1].id"),
    (lambda d: d["customers"].append({"id": "1", "isInactive": "no"}), "customers[0].isInactive"),
    (lambda d: d["deployments"][0].update(status="LIVE"), "deployments[0].status"),
    (lambda d: d["saved_searches"][0]["columns"].append({"name": "nosuch"}), "saved_searches[0].columns[3].name"),
    (lambda d: d["saved_searches"][0].update(criteria=[["email", "sounds_like", "x"]]), "saved_searches[0].criteria"),
    (lambda d: d["custom_fields"].append({"id": "notcustom", "type": "text"}), "custom_fields[2].id"),
    (lambda d: d.update(account="1234567-sb1"), "account"),
])
def test_bad_state_is_400_naming_the_field(control, mutate, field):
    doc = control.get("/_mock/state").json()
    mutate(doc)
    resp = control.put("/_mock/state", json=doc)
    assert resp.status_code == 400
    assert resp.json()["field"] == field and field in resp.json()["error"]
    assert control.get("/_mock/state").json()["customers"] == []  # nothing applied


def test_custom_fields_are_configuration(control, ns):
    doc = control.get("/_mock/state").json()
    doc["custom_fields"].append({"id": "custentity_acme_flag", "label": "Flag", "type": "checkbox"})
    doc["customers"] = [customer(101, custentity_acme_flag=True)]
    assert control.put("/_mock/state", json=doc).status_code == 204
    assert ns.get(f"{RECORD}/customer/101").json()["custentity_acme_flag"] is True
    rows = ns.post(SUITEQL, headers={"Prefer": "transient"},
                   json={"q": "SELECT custentity_acme_flag FROM customer"}).json()["items"]
    assert rows == [{"links": [], "custentity_acme_flag": "T"}]


def test_faults_get_and_merge(control):
    assert control.get("/_mock/faults").json() == {"latency_ms": 0, "error_rate": 0.0, "rate_429": 0.0,
                                                   "drop_rate": 0.0, "seed": None, "concurrency_limit": 5,
                                                   "restlet_usage_limit": None, "writeback_failures": {}}
    merged = control.put("/_mock/faults", json={"error_rate": 0.25, "seed": 3}).json()
    assert merged["error_rate"] == 0.25 and merged["seed"] == 3 and merged["concurrency_limit"] == 5
    assert control.get("/_mock/faults").json() == merged
    for bad in ({"error_rate": 2}, {"nope": 1}, {"concurrency_limit": 0}, {"restlet_usage_limit": 5001},
                {"writeback_failures": {"x": "RCRD_HAS_BEEN_CHANGED"}}, {"writeback_failures": {"101": "bad code"}}):
        resp = control.put("/_mock/faults", json=bad)
        assert resp.status_code == 400 and resp.json()["field"] == next(iter(bad))


def test_request_log_has_no_secrets_or_query(control, ns, seed, server):
    seed([customer(101)])
    ns.get(f"{RECORD}/customer", params={"q": 'email IS "ap101@example.test"', "limit": 5})
    ns.get(f"{RECORD}/customer/999")
    log = control.get("/_mock/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", f"{RECORD}/customer", 200), ("GET", f"{RECORD}/customer/999", 404)]
    assert all(set(e) == {"ts", "method", "path", "status", "latency_ms"} for e in log)
    text = json.dumps(log)
    for secret in [*list(server.credentials.values()), "oauth_", "ap101"]:
        assert secret not in text
    assert control.delete("/_mock/requests").status_code == 204
    assert control.get("/_mock/requests").json() == []


def test_control_paths_are_not_reachable_through_service_paths(ns):
    assert ns.get("/services/rest/record/v1/_mock/state").status_code in (400, 404)


def test_launch_protocol_prints_one_json_line(tmp_path):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"account": "7654321", "customers": [{"id": "5", "companyName": "Seeded"}]}))
    proc = subprocess.Popen([sys.executable, "-m", "mock_netsuite", "--port", "0", "--db", str(tmp_path / "ns.db"),
                             "--state", str(state), "--json", "--concurrency-limit", "7"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert set(info) == {"service", "url", "account", "consumer_key", "consumer_secret", "token_id",
                             "token_secret"}
        assert info["service"] == "netsuite" and info["account"] == "7654321"
        assert info["url"].startswith("http://127.0.0.1:")
        with httpx.Client(base_url=info["url"]) as client:
            assert client.get("/_mock/health").json()["ok"] is True
            assert client.get("/_mock/faults").json()["concurrency_limit"] == 7
            assert client.get("/_mock/state").json()["customers"][0]["companyName"] == "Seeded"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert (tmp_path / "ns.db").exists()
