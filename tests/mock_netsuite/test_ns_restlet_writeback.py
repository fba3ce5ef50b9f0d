"""The RESTlet's `writeBack` action (R5): submitFields per record, per-record errors, governance.

Governance: record.submitFields costs 5 units on a non-transaction record such as a customer
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_4267283788.html); a RESTlet
call has 5,000 units (SuiteScript 2.x API Governance, section_157072844224.html).
deploy/netsuite/restlet_contract.json ("governance") states the script's batch size and reserve.
"""
from __future__ import annotations

import pytest

from tests.support.ns_helpers import RESTLET, SEARCH_DEPLOY, customer

SID, PORTAL = "custentity_paypack_stripe_customer_id", "custentity_paypack_portal_url"
OLD = {"dateCreated": "2026-01-01T00:00:00Z", "lastModifiedDate": "2026-01-01T00:00:00Z"}


def write_back(ns, updates):
    return ns.post(RESTLET, params=SEARCH_DEPLOY, json={"action": "writeBack", "updates": updates})


def stored(control) -> dict:
    return {c["id"]: c for c in control.get("/_mock/state").json()["customers"]}


def test_writes_each_record_and_moves_its_last_modified_date(ns, seed, control):
    seed([customer(101, **OLD), customer(102, **OLD), customer(103, **OLD)])
    resp = write_back(ns, [{"id": "101", "values": {SID: "cus_1", PORTAL: "https://portal.test/101"}},
                           {"id": "103", "values": {SID: "cus_3"}}])
    assert resp.status_code == 200
    assert resp.json() == {"results": [{"id": "101", "ok": True}, {"id": "103", "ok": True}],
                           "unprocessed": [], "remainingUsage": 5000 - 2 * 5}
    now = stored(control)
    assert (now["101"][SID], now["101"][PORTAL], now["103"][SID], now["102"][SID]) == \
        ("cus_1", "https://portal.test/101", "cus_3", None)
    assert now["101"]["lastModifiedDate"] > OLD["lastModifiedDate"] == now["102"]["lastModifiedDate"]


def test_a_field_outside_the_script_parameter_fails_that_record_only(ns, seed, control):
    seed([customer(101), customer(102)])
    body = write_back(ns, [{"id": "101", "values": {SID: "cus_1", "email": "x@example.test"}},
                           {"id": "102", "values": {SID: "cus_2"}}]).json()
    assert body["results"][0]["ok"] is False and body["results"][0]["error"]["code"] == "FIELD_NOT_ALLOWED"
    assert "email" in body["results"][0]["error"]["message"] and body["results"][1] == {"id": "102", "ok": True}
    now = stored(control)
    assert now["101"][SID] is None and now["101"]["email"] == "ap101@example.test"  # nothing of it written
    assert now["102"][SID] == "cus_2"


def test_the_script_parameter_names_the_writable_fields(ns, seed, control):
    seed([customer(101)], restlet_parameters={"custscript_custsync_writeback_fields": SID})
    body = write_back(ns, [{"id": "101", "values": {PORTAL: "https://portal.test/101"}}]).json()
    assert body["results"][0]["error"]["code"] == "FIELD_NOT_ALLOWED"
    assert control.get("/_mock/state").json()["restlet_parameters"] == {"custscript_custsync_writeback_fields": SID}


def test_record_errors_are_reported_per_id_and_the_batch_goes_on(ns, seed, control):
    seed([customer(101), customer(102), customer(104)])
    control.put("/_mock/faults", json={"writeback_failures": {"102": "RCRD_HAS_BEEN_CHANGED"}})
    body = write_back(ns, [{"id": "101", "values": {SID: "x" * 301}},
                           {"id": "102", "values": {SID: "cus_2"}},
                           {"id": "103", "values": {SID: "cus_3"}},
                           {"id": "104", "values": {SID: "cus_4"}}]).json()
    codes = {r["id"]: (r["error"]["code"] if not r["ok"] else None) for r in body["results"]}
    assert codes == {"101": "INVALID_FLD_VALUE", "102": "RCRD_HAS_BEEN_CHANGED", "103": "RCRD_DSNT_EXIST", "104": None}
    now = stored(control)
    assert (now["101"][SID], now["102"][SID], now["104"][SID]) == (None, None, "cus_4")


def test_the_script_stops_before_its_usage_runs_out(ns, seed, control):
    seed([customer(i) for i in range(101, 111)])
    control.put("/_mock/faults", json={"restlet_usage_limit": 40})
    updates = [{"id": str(i), "values": {SID: f"cus_{i}"}} for i in range(101, 111)]
    body = write_back(ns, updates).json()
    # 40 units: four writes of 5 leave 20, the reserve; the rest are not reached.
    assert [r["id"] for r in body["results"]] == ["101", "102", "103", "104"]
    assert body["unprocessed"] == [str(i) for i in range(105, 111)] and body["remainingUsage"] == 20
    assert [c[SID] is not None for c in stored(control).values()] == [True] * 4 + [False] * 6
    control.put("/_mock/faults", json={"restlet_usage_limit": None})
    again = write_back(ns, [u for u in updates if u["id"] in body["unprocessed"]]).json()
    assert all(r["ok"] for r in again["results"]) and again["unprocessed"] == []


@pytest.mark.parametrize("updates, code", [
    (None, "SSS_MISSING_REQD_ARGUMENT"),
    ([], "INVALID_REQUEST"),
    ([{"id": str(i), "values": {SID: "c"}} for i in range(1, 502)], "INVALID_REQUEST"),
    ([{"id": "101", "values": {SID: "a"}}, {"id": "101", "values": {SID: "b"}}], "INVALID_REQUEST"),
    ([{"id": "101", "values": {}}], "INVALID_REQUEST"),
    ([{"id": 101, "values": {SID: "a"}}], "INVALID_CUSTOMER_ID"),
    ([{"id": "10x", "values": {SID: "a"}}], "INVALID_CUSTOMER_ID"),
])
def test_a_malformed_call_writes_nothing(ns, seed, control, updates, code):
    seed([customer(101)])
    resp = write_back(ns, updates)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == code
    assert stored(control)["101"][SID] is None
