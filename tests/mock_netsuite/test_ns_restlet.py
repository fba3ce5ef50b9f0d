"""The saved-search RESTlet: columns, paged results by criteria, and its errors."""
from __future__ import annotations

import pytest

from tests.support.ns_helpers import RESTLET, SEARCH_DEPLOY, customer

MASS = "customsearch_paypack_mass_customer_sync"


def call(ns, body, params=SEARCH_DEPLOY):
    return ns.post(RESTLET, params=params, json=body)


def test_columns_are_headers_only(ns, seed):
    seed([customer(101)])
    resp = call(ns, {"action": "columns", "searchId": "customsearch_paypack_customer_sync"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body == {"searchId": "customsearch_paypack_customer_sync", "recordType": "customer",
                    "columns": [{"name": "email", "label": "Email", "join": None, "summary": None},
                                {"name": "companyname", "label": "Company Name", "join": None, "summary": None},
                                {"name": "phone", "label": "Phone", "join": None, "summary": None}]}


def test_results_page_through_matching_customers(ns, seed):
    seed([customer(i, isInactive=(i % 4 == 0)) for i in range(101, 124)])
    expected = [str(i) for i in range(101, 124) if i % 4]
    seen, page = [], 0
    while True:
        body = call(ns, {"action": "results", "searchId": MASS, "page": page, "pageSize": 5}).json()
        assert body["totalResults"] == len(expected) and body["pageCount"] == 4 and body["page"] == page
        seen += [r["id"] for r in body["results"]]
        if not body["hasMore"]:
            break
        page += 1
    assert seen == expected
    first = call(ns, {"action": "results", "searchId": MASS, "pageSize": 5}).json()["results"][0]
    assert first == {"id": "101", "values": {"email": "ap101@example.test", "companyname": "Company 101", "phone": None}}


@pytest.mark.parametrize("criteria, expected", [
    ([["email", "isnotempty", ""]], ["101", "103"]),
    ([["email", "isempty", ""]], ["102"]),
    ([["companyname", "contains", "ACME"]], ["101", "102"]),
    ([["companyname", "startswith", "acme w"]], ["102"]),
    ([["email", "is", "AP101@example.test"]], ["101"]),
    ([["email", "isnot", "ap101@example.test"]], ["102", "103"]),
    ([["internalid", "anyof", "101", "103"]], ["101", "103"]),
    ([["internalid", "noneof", ["101", "103"]]], ["102"]),
    ([["subsidiary", "anyof", "2"]], ["103"]),
    ([["internalid", "equalto", "102"]], ["102"]),
    ([["billcity", "is", "Springfield"]], ["101"]),
    ([["custentity_paypack_stripe_customer_id", "isempty", ""]], ["102", "103"]),
    ([["isinactive", "is", "T"], "OR", [["email", "isnotempty", ""], "AND", ["subsidiary", "anyof", "2"]]],
     ["102", "103"]),
    (["NOT", ["internalid", "anyof", "101"]], ["102", "103"]),
])
def test_criteria_choose_customers(ns, seed, control, criteria, expected):
    doc = seed([customer(101, companyName="Acme", custentity_paypack_stripe_customer_id="cus_A",
                         addressBook=[{"defaultBilling": True, "addressBookAddress": {"city": "Springfield"}}]),
                customer(102, companyName="Acme West", email=None, isInactive=True),
                customer(103, companyName="Globex", subsidiary="2")])
    doc["saved_searches"][1]["criteria"] = criteria
    assert control.put("/_mock/state", json=doc).status_code == 204
    body = call(ns, {"action": "results", "searchId": MASS}).json()
    assert [r["id"] for r in body["results"]] == expected


def test_bill_columns_and_custom_fields_as_values(ns, seed, control):
    doc = seed([customer(101, addressBook=[
        {"defaultBilling": False, "addressBookAddress": {"addr1": "Ship St"}},
        {"defaultBilling": True, "addressBookAddress": {"addr1": "1 Main St", "city": "Springfield",
                                                         "state": "IL", "zip": "62701", "country": "US"}}])])
    doc["saved_searches"][0]["columns"] = ["billaddress1", "billcity", "billzipcode", "billcountry",
                                           "custentity_paypack_stripe_customer_id", "isinactive"]
    assert control.put("/_mock/state", json=doc).status_code == 204
    body = call(ns, {"action": "results", "searchId": "customsearch_paypack_customer_sync"}).json()
    assert body["results"][0]["values"] == {"billaddress1": "1 Main St", "billcity": "Springfield",
                                            "billzipcode": "62701", "billcountry": "US",
                                            "custentity_paypack_stripe_customer_id": None, "isinactive": False}


def test_empty_search_has_one_empty_page(ns):
    body = call(ns, {"action": "results", "searchId": MASS}).json()
    assert body["results"] == [] and body["totalResults"] == 0 and body["pageCount"] == 0 and body["hasMore"] is False


@pytest.mark.parametrize("body, code", [
    ({"action": "columns", "searchId": "customsearch_nope"}, "INVALID_SEARCH"),
    ({"action": "columns"}, "SSS_MISSING_REQD_ARGUMENT"),
    ({"action": "nope", "searchId": MASS}, "INVALID_ACTION"),
    ({"searchId": MASS}, "INVALID_ACTION"),
    ({"action": "results", "searchId": MASS, "pageSize": 1001}, "INVALID_PAGE_SIZE"),
    ({"action": "results", "searchId": MASS, "pageSize": 4}, "INVALID_PAGE_SIZE"),
    ({"action": "results", "searchId": MASS, "page": -1}, "INVALID_PAGE_RANGE"),
    ({"action": "results", "searchId": MASS, "page": 1}, "INVALID_PAGE_RANGE"),
])
def test_script_errors(ns, body, code):
    resp = call(ns, body)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == code and resp.json()["error"]["message"]


def test_malformed_json_body(ns):
    resp = ns.post(RESTLET, params=SEARCH_DEPLOY, content=b"{oops", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "INVALID_REQUEST"


@pytest.mark.parametrize("params", [
    {"script": "customscript_custsync_search", "deploy": "customdeploy_other"},
    {"script": "customscript_other", "deploy": "customdeploy_custsync_search"},
    {"script": "customscript_custsync_portal", "deploy": "customdeploy_custsync_portal"},
    {},
])
def test_unknown_deployment_is_refused(ns, params):
    resp = call(ns, {"action": "columns", "searchId": MASS}, params=params)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "SSS_INVALID_SCRIPTLET_ID"


@pytest.mark.parametrize("status", ["TESTING", "NOTSCHEDULED"])
def test_unreleased_deployment_is_refused(ns, control, status):
    doc = control.get("/_mock/state").json()
    doc["deployments"][0]["status"] = status
    control.put("/_mock/state", json=doc)
    resp = call(ns, {"action": "columns", "searchId": MASS})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "SSS_INVALID_SCRIPTLET_ID"


def test_get_has_no_entry_point(ns):
    resp = ns.get(RESTLET, params=SEARCH_DEPLOY)
    assert resp.status_code == 405 and resp.json()["error"]["code"] == "SSS_INVALID_HTTP_METHOD"
