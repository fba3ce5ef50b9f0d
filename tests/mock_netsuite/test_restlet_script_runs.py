"""deploy/netsuite/custsync_search_restlet.js itself, run by node under stand-ins for the N/ modules
(restlet_script_harness.js), answers the contract's customers and writeBack examples as the mock does.
The stand-ins follow the SuiteScript docs: submitFields costs 5 units (section_4267283788.html),
Result.getValue gives a boolean for a checkbox and a number for a select, getText a select's text
(section_46988464355.html, section_460663391112.html)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.support.ns_helpers import RESTLET, SEARCH_DEPLOY, customer

HERE = Path(__file__).resolve().parent
CONTRACT = json.loads((HERE.parents[1] / "deploy" / "netsuite" / "restlet_contract.json").read_text())
SID, PORTAL = "custentity_paypack_stripe_customer_id", "custentity_paypack_portal_url"
MASS, MAPPING = "customsearch_paypack_mass_customer_sync", "customsearch_paypack_customer_sync"
PARAMETERS = {"custscript_custsync_writeback_fields": f"{SID},{PORTAL}"}
COLUMNS = [{"name": n, "label": None, "join": None, "summary": None} for n in ("email", "companyname", "phone")]
SEARCHES = {MASS: {"columns": COLUMNS, "filters": [["isinactive", "is", "F"]]}, MAPPING: {"columns": COLUMNS}}
KNOWN = ["email", "companyname", "phone", "isinactive", "subsidiary", "billstate", "billcountry", SID, PORTAL]

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node runs the SuiteScript")


def run(body, **scenario) -> dict:
    scenario.setdefault("searches", SEARCHES)
    scenario.setdefault("knownFields", KNOWN)
    scenario.setdefault("parameters", PARAMETERS)
    done = subprocess.run(["node", str(HERE / "restlet_script_harness.js")], input=json.dumps(
        {"scenario": scenario, "body": body}), capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def example(name: str) -> dict:
    return next(e for e in CONTRACT["examples"] if e["name"].startswith(name))


def test_write_back_example_as_the_contract_states():
    ex = example("write back: written")
    out = run(ex["request"], failures={
        "999": {"code": "RCRD_DSNT_EXIST", "message": "That record does not exist."},
        "104": {"code": "INVALID_FLD_VALUE", "message": ex["response"]["body"]["results"][3]["error"]["message"]}})
    assert out["status"] == 200 and out["body"] == ex["response"]["body"]
    assert [w["id"] for w in out["written"]] == ["101"]


def test_script_and_mock_stop_at_the_same_reserve(ns, seed, control):
    seed([customer(i) for i in range(101, 111)])
    control.put("/_mock/faults", json={"restlet_usage_limit": 40})
    body = {"action": "writeBack", "updates": [{"id": str(i), "values": {SID: f"cus_{i}"}} for i in range(101, 111)]}
    script = run(body, usage=40)["body"]
    mock = ns.post(RESTLET, params=SEARCH_DEPLOY, json=body).json()
    assert script == mock and len(script["unprocessed"]) == 6


@pytest.mark.parametrize("example_name", [e["name"] for e in CONTRACT["examples"]
                                          if e["response"]["status"] == 400 and isinstance(e["request"], dict)
                                          and e["request"].get("action") in ("customers", "writeBack")])
def test_errors_as_the_contract_states(example_name):
    ex = example(example_name)
    assert run(ex["request"])["body"] == ex["response"]["body"]


def test_customer_values_read_as_the_mock_gives_them(ns, seed):
    seed([customer(101, companyName="Acme", phone=None, subsidiary="1", **{SID: "cus_A"},
                   addressBook=[{"defaultBilling": True, "addressBookAddress": {"state": "IL", "country": "US"}}])])
    fields = [SID, PORTAL, "isinactive", "subsidiary", "billstate", "billcountry"]
    row = {"id": "101", "lastModified": "2026-11-27T05:00:00Z", "values": {
        "email": {"value": "ap101@example.test"}, "companyname": {"value": "Acme"}, "phone": {"value": ""},
        SID: {"value": "cus_A"}, PORTAL: {"value": ""}, "isinactive": {"value": False},
        "subsidiary": {"value": 1, "text": "Parent Company"}, "billstate": {"value": "IL", "text": "Illinois"},
        "billcountry": {"value": "US", "text": "United States"}}}
    request = {"action": "customers", "searchId": MASS, "columnsFrom": MAPPING, "fields": fields,
               "modifiedAfter": "2026-11-27T06:00:00+01:00"}
    out = run(request, rows=[row])
    mock = ns.post(RESTLET, params=SEARCH_DEPLOY, json={**request, "modifiedAfter": "2000-01-01T00:00:00Z"}).json()
    assert out["body"]["results"][0]["values"] == mock["results"][0]["values"]
    assert out["body"]["results"][0]["lastModifiedDate"] == "2026-11-27T05:00:00Z"
    assert {k for k in out["body"] if k != "results"} == {k for k in mock if k != "results"}
    since = out["filters"][-1]
    assert since[0].startswith("formulanumeric:") and "'2026-11-27 05:00:00'" in since[0] and since[1:] == ["equalto", 1]


def test_id_ranges_become_internalidnumber_filters_after_the_criteria():
    request = {"action": "customers", "searchId": MASS, "columnsFrom": MAPPING, "idRanges": [[101, 105], [106, None]]}
    out = run(request, rows=[])
    assert out["status"] == 200 and out["filters"] == [
        [["isinactive", "is", "F"]], "AND",
        [[["internalidnumber", "greaterthan", 101], "AND", ["internalidnumber", "lessthan", 105]],
         "OR", ["internalidnumber", "greaterthan", 106]]]
    refused = run({**request, "idRanges": [[105, 101]]})
    assert refused["body"]["error"]["code"] == "INVALID_REQUEST"
