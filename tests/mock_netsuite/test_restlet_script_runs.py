"""deploy/netsuite/FileCabinet/SuiteScripts/custsync/custsync_search_restlet.js itself, run by node under stand-ins for the
N/ modules (restlet_script_harness.js), answers the contract's customers and writeBack examples as the mock does.
The stand-ins follow the SuiteScript docs: submitFields costs 5 units (section_4267283788.html),
Result.getValue gives a boolean for a checkbox and a number for a select, getText a select's text
(section_46988464355.html, section_460663391112.html)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mock_netsuite.portal_suitelet import signature
from tests.support.ns_helpers import DEPLOY_DIR, RESTLET, SEARCH_DEPLOY, customer

HERE = Path(__file__).resolve().parent
CONTRACT = json.loads((DEPLOY_DIR / "restlet_contract.json").read_text())
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


PORTAL_PARAMETERS = {"custscript_custsync_portal_script": "customscript_custsync_portal",
                     "custscript_custsync_portal_deploy": "customdeploy_custsync_portal"}
LINK_SECRET = "node-harness-signing-secret-0123456789"


def test_portal_links_are_signed_as_the_mock_signs_them():
    out = run({"action": "portalLinks", "customerIds": ["101", "102"]},
              parameters={**PARAMETERS, **PORTAL_PARAMETERS}, secrets={"custsecret_custsync_portal_link": LINK_SECRET})
    assert out["status"] == 200, out
    assert (out["body"]["scriptId"], out["body"]["deploymentId"]) == ("customscript_custsync_portal",
                                                                      "customdeploy_custsync_portal")
    query = parse_qs(urlsplit(out["body"]["links"][0]["url"]).query)
    assert query["cid"] == ["101"] and query["sig"] == [signature(LINK_SECRET, "101")]


@pytest.mark.parametrize("unset", sorted(PORTAL_PARAMETERS))
def test_portal_links_without_the_portal_parameters_name_them(unset):
    """Unset, url.resolveScript would get no script id: the script says which parameters to set instead."""
    parameters = {**PARAMETERS, **PORTAL_PARAMETERS, unset: None}
    out = run({"action": "portalLinks", "customerIds": ["101"]}, parameters=parameters,
              secrets={"custsecret_custsync_portal_link": LINK_SECRET})
    assert out["status"] == 400
    error = out["body"]["error"]
    assert error["code"] == "PORTAL_NOT_CONFIGURED"
    assert all(name in error["message"] for name in PORTAL_PARAMETERS) and "deploy/netsuite" in error["message"]


def test_script_and_mock_name_the_same_signing_key_and_a_rotation_changes_it(ns, control):
    """signingKeyId, in every customers answer and from the signingKey action, is a digest of the API secret
    custsecret_custsync_portal_link: the script and the mock give the same for the same secret, and another
    once the secret is rotated (the mock's control API changes it as an administrator changes the secret)."""
    secret = control.get("/_mock/portal-suitelet").json()["signing_secret"]
    request = {"action": "customers", "searchId": MASS, "columnsFrom": MAPPING}
    script = run(request, rows=[], secrets={"custsecret_custsync_portal_link": secret})["body"]["signingKeyId"]
    mock = ns.post(RESTLET, params=SEARCH_DEPLOY, json=request).json()["signingKeyId"]
    alone = ns.post(RESTLET, params=SEARCH_DEPLOY, json={"action": "signingKey"}).json()
    assert script == mock == alone["signingKeyId"] and len(mock) == 16 and secret not in json.dumps(alone)
    assert control.patch("/_mock/portal-suitelet", json={"signing_secret": "rotated-secret-" + "9" * 20}).status_code == 200
    rotated = ns.post(RESTLET, params=SEARCH_DEPLOY, json={"action": "signingKey"}).json()["signingKeyId"]
    assert rotated != mock
    assert run({"action": "signingKey"})["body"] == {"signingKeyId": None}  # no secret: the script says so
