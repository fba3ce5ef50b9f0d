"""The RESTlet's `customers` action: the mass sync's customers in pages, valued as the record read gives them.

Sources: search.Result.getValue ("boolean if the column is a box field",
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_46988464355.html) and getText
("used on select ... fields", section_460663391112.html); REST datetimes in UTC ISO 8601
(section_157305090645.html); deploy/netsuite/restlet_contract.json for the shape.
"""
from __future__ import annotations

import pytest

from tests.support.ns_helpers import RECORD, RESTLET, SEARCH_DEPLOY, customer

MASS, MAPPING = "customsearch_paypack_mass_customer_sync", "customsearch_paypack_customer_sync"
SID, PORTAL = "custentity_paypack_stripe_customer_id", "custentity_paypack_portal_url"
BILLING = [{"defaultBilling": False, "addressBookAddress": {"addr1": "Ship St", "country": "CA"}},
           {"defaultBilling": True, "addressBookAddress": {"addr1": "1 Main St", "city": "Springfield",
                                                            "state": "IL", "zip": "62701", "country": "US"}}]


def customers(ns, **body):
    payload = {"action": "customers", "searchId": MASS, "columnsFrom": MAPPING, **body}
    return ns.post(RESTLET, params=SEARCH_DEPLOY, json=payload)


def test_values_are_what_the_record_read_gives(ns, seed, control):
    doc = seed([customer(101, phone=None, addressBook=BILLING, comments="  ", **{SID: "cus_A"}),
                customer(102, isPerson=True, firstName="Ada", lastName="Lovelace", companyName=None)])
    doc["saved_searches"][0]["columns"] = ["companyname", "firstname", "lastname", "email", "phone", "comments",
                                           "billaddress1", "billcity", "billstate", "billzipcode", "billcountry",
                                           "subsidiary", "isperson"]
    assert control.put("/_mock/state", json=doc).status_code == 204
    body = customers(ns, fields=[SID, PORTAL, "email", "lastmodifieddate"]).json()
    first = body["results"][0]["values"]
    record = ns.get(f"{RECORD}/customer/101", params={"expandSubResources": "true"}).json()
    address = next(i["addressBookAddress"] for i in record["addressBook"]["items"] if i["defaultBilling"])
    assert first == {
        "companyname": record["companyName"], "firstname": None, "lastname": None, "email": record["email"],
        "phone": None, "comments": "  ",
        "billaddress1": address["addr1"], "billcity": address["city"], "billstate": address["state"],
        "billzipcode": address["zip"], "billcountry": address["country"]["id"],
        "subsidiary": record["subsidiary"]["refName"], "isperson": False,
        SID: "cus_A", PORTAL: None, "lastmodifieddate": record["lastModifiedDate"]}
    # The country as its ISO code (the record's country id), what Stripe's address.country holds:
    # https://docs.stripe.com/api/customers/object#customer_object-address-country
    assert first["billcountry"] == "US" and first["subsidiary"] == "Parent Company"
    assert body["results"][0]["lastModifiedDate"] == record["lastModifiedDate"]
    second = body["results"][1]["values"]
    assert (second["firstname"], second["lastname"], second["isperson"], second["billaddress1"]) == \
        ("Ada", "Lovelace", True, None)
    assert [c["name"] for c in body["columns"]] == doc["saved_searches"][0]["columns"]


def test_the_searchs_criteria_choose_and_ids_order_the_pages(ns, seed):
    seed([customer(i, isInactive=(i % 3 == 0)) for i in range(130, 100, -1)])
    expected = [str(i) for i in range(101, 131) if i % 3]
    body = customers(ns, pageSize=5).json()
    assert (body["totalResults"], body["pageCount"], body["hasMore"]) == (20, 4, True)
    seen = []
    for page in range(body["pageCount"]):
        seen += [r["id"] for r in customers(ns, page=page, pageSize=5).json()["results"]]
    assert seen == expected


def test_modified_after_is_strictly_later(ns, seed):
    seed([customer(101, dateCreated="2026-01-01T00:00:00Z", lastModifiedDate="2026-11-27T05:00:00Z"),
          customer(102, dateCreated="2026-01-01T00:00:00Z", lastModifiedDate="2026-11-27T05:00:01Z"),
          customer(103, dateCreated="2026-01-01T00:00:00Z", lastModifiedDate="2026-11-27T04:59:59Z")])
    ids = lambda **kw: [r["id"] for r in customers(ns, **kw).json()["results"]]  # noqa: E731
    assert ids(modifiedAfter="2026-11-27T05:00:00Z") == ["102"]
    assert ids(modifiedAfter="2026-11-27T04:59:59Z") == ["101", "102"]
    assert ids(modifiedAfter="2026-11-27T06:00:00+01:00") == ["102"]  # the same instant in another zone
    assert ids(modifiedAfter=None) == ["101", "102", "103"]
    empty = customers(ns, modifiedAfter="2026-11-28T00:00:00Z").json()
    assert (empty["results"], empty["totalResults"], empty["pageCount"]) == ([], 0, 0)


def test_a_write_makes_a_customer_changed(ns, seed):
    seed([customer(101, dateCreated="2026-01-01T00:00:00Z", lastModifiedDate="2026-01-01T00:00:00Z"),
          customer(102, dateCreated="2026-01-01T00:00:00Z", lastModifiedDate="2026-01-01T00:00:00Z")])
    assert ns.patch(f"{RECORD}/customer/102", json={"email": "new@example.test"}).status_code == 204
    body = customers(ns, modifiedAfter="2026-06-01T00:00:00Z").json()
    assert [(r["id"], r["values"]["email"]) for r in body["results"]] == [("102", "new@example.test")]


def test_id_ranges_keep_what_lies_strictly_between(ns, seed):
    # The script adds internalidnumber greaterthan / lessthan filters, OR'd, to the search's criteria
    # (search.Operator GREATERTHAN / LESSTHAN on a numeric field; deploy/netsuite/restlet_contract.json).
    seed([customer(i, isInactive=(i == 104), dateCreated="2026-01-01T00:00:00Z", lastModifiedDate="2026-11-27T05:00:00Z")
          for i in range(101, 111)])
    ids = lambda **kw: [r["id"] for r in customers(ns, **kw).json()["results"]]  # noqa: E731
    assert ids(idRanges=[[101, 105]]) == ["102", "103"]  # the criteria still apply: 104 is inactive
    assert ids(idRanges=[[101, 103], [107, None]]) == ["102", "108", "109", "110"]
    assert ids(idRanges=[[101, 103]], modifiedAfter="2026-11-27T05:00:00Z") == []
    body = customers(ns, idRanges=[[100, None]], pageSize=5).json()
    assert (body["totalResults"], body["pageCount"]) == (9, 2)


@pytest.mark.parametrize("body, code", [
    ({"columnsFrom": None}, "SSS_MISSING_REQD_ARGUMENT"),
    ({"searchId": ""}, "SSS_MISSING_REQD_ARGUMENT"),
    ({"columnsFrom": "customsearch_nope"}, "INVALID_SEARCH"),
    ({"searchId": "customsearch_nope"}, "INVALID_SEARCH"),
    ({"fields": ["email", "custentity_nope"]}, "INVALID_FIELD"),
    ({"fields": "email"}, "INVALID_REQUEST"),
    ({"modifiedAfter": "2026-11-27"}, "INVALID_DATE"),
    ({"modifiedAfter": "2026-11-27T05:00:00"}, "INVALID_DATE"),  # no time zone: which instant?
    ({"modifiedAfter": 1764219600}, "INVALID_DATE"),
    ({"modifiedAfter": "20261127T050000Z"}, "INVALID_DATE"),  # basic format: the script refuses it too
    ({"idRanges": []}, "INVALID_REQUEST"),
    ({"idRanges": [[5, 3]]}, "INVALID_REQUEST"),
    ({"idRanges": [["101", "105"]]}, "INVALID_REQUEST"),  # ids as numbers, as internalidnumber compares them
    ({"idRanges": [[101]]}, "INVALID_REQUEST"),
    ({"idRanges": [[1, None]] * 1001}, "INVALID_REQUEST"),
    ({"pageSize": 4}, "INVALID_PAGE_SIZE"),
    ({"pageSize": 1001}, "INVALID_PAGE_SIZE"),
    ({"page": 1}, "INVALID_PAGE_RANGE"),
    ({"page": -1}, "INVALID_PAGE_RANGE"),
])
def test_errors(ns, seed, body, code):
    seed([customer(101)])
    resp = customers(ns, **body)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == code, resp.text
    if code == "INVALID_FIELD":
        assert "custentity_nope" in resp.json()["error"]["message"]
