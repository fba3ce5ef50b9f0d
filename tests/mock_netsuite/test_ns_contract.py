"""The NetSuite mock's contract for what issue 15 added: each behaviour as Oracle documents it, against
the mock as a server, through OAuth 1.0a-signed httpx requests. Each test names the page it follows."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from tests.support.ns_helpers import RECORD, RESTLET, SUITEQL, customer, error_detail, make_client

ISO = "%Y-%m-%dT%H:%M:%SZ"


def _get(ns, ref: str):
    return ns.get(f"{RECORD}/customer/{ref}")


def _ids(ns, q: str) -> list[str]:
    resp = ns.get(f"{RECORD}/customer", params={"q": q})
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def _suiteql(ns, q: str) -> list[dict]:
    resp = ns.post(SUITEQL, json={"q": q}, headers={"Prefer": "transient"})
    assert resp.status_code == 200, resp.text
    return [{k: v for k, v in item.items() if k != "links"} for item in resp.json()["items"]]


# -- dates: Using Datetime Fields, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157305090645.html

def test_every_write_keeps_the_record_dates_in_utc_iso_8601(ns, control):
    created = ns.post(f"{RECORD}/customer", json={"companyName": "Dated Ltd"})
    cid = created.headers["Location"].rsplit("/", 1)[1]
    first = _get(ns, cid).json()
    made = datetime.strptime(first["dateCreated"], ISO)
    assert abs((made.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()) < 60
    assert first["lastModifiedDate"] == first["dateCreated"]
    # Dates are kept to the second: the record made an hour earlier (state document), not a second's wait.
    doc = control.get("/_mock/state").json()
    an_hour_earlier = (made - timedelta(hours=1)).strftime(ISO)
    for c in doc["customers"]:
        if c["id"] == cid:
            c["dateCreated"] = c["lastModifiedDate"] = an_hour_earlier
    assert control.put("/_mock/state", json=doc).status_code == 204
    first = _get(ns, cid).json()
    assert ns.patch(f"{RECORD}/customer/{cid}", json={"email": "d@x.test"}).status_code == 204
    second = _get(ns, cid).json()
    assert second["dateCreated"] == first["dateCreated"] and second["lastModifiedDate"] > first["lastModifiedDate"]
    refused = ns.patch(f"{RECORD}/customer/{cid}", json={"dateCreated": "2001-01-01T00:00:00Z"})
    assert refused.status_code == 400 and error_detail(refused)["o:errorPath"] == "dateCreated"


def test_q_filters_dates_with_netsuites_date_operators(ns, seed):
    """Record Collection Filtering (section_1545222128.html): Date/Time fields take AFTER, BEFORE, ON,
    ON_OR_AFTER, ON_OR_BEFORE and the _NOT forms; values as the user writes dates (Oracle's example:
    createddate AFTER "2/14/23", section_0224115754.html)."""
    seed([customer(101, dateCreated="2024-01-30T10:00:00Z", lastModifiedDate="2024-03-01T08:00:00Z"),
          customer(102, dateCreated="2024-01-31T23:59:00Z", lastModifiedDate="2024-01-31T23:59:00Z"),
          customer(103, dateCreated="2024-02-01T00:00:00Z", lastModifiedDate="2024-02-02T00:00:00Z")])
    assert _ids(ns, 'dateCreated ON "1/31/2024"') == ["102"]
    assert _ids(ns, 'dateCreated AFTER "1/31/24"') == ["103"]
    assert _ids(ns, 'dateCreated ON_OR_AFTER "1/31/2024"') == ["102", "103"]
    assert _ids(ns, 'dateCreated BEFORE "1/31/2024"') == ["101"]
    assert _ids(ns, 'dateCreated ON_OR_BEFORE "1/31/2024"') == ["101", "102"]
    assert _ids(ns, 'dateCreated ON_NOT "1/31/2024"') == ["101", "103"]
    assert _ids(ns, 'lastModifiedDate AFTER "2/1/2024" AND dateCreated BEFORE "2/1/2024"') == ["101"]
    for bad in ('dateCreated WITHIN "1/1/2024"', 'dateCreated IS "1/1/2024"', 'dateCreated ON "yesterday"'):
        resp = ns.get(f"{RECORD}/customer", params={"q": bad})
        assert resp.status_code == 400 and error_detail(resp)["o:errorQueryParam"] == "q"


def test_suiteql_has_the_date_columns(ns, seed):
    seed([customer(101, dateCreated="2024-01-30T10:00:00Z", lastModifiedDate="2024-03-01T08:00:00Z"),
          customer(102, dateCreated="2024-02-05T10:00:00Z", lastModifiedDate="2024-02-05T10:00:00Z")])
    rows = _suiteql(ns, "SELECT id, datecreated, lastmodifieddate FROM customer "
                        "WHERE lastmodifieddate > TO_DATE('2024-02-10', 'YYYY-MM-DD') ORDER BY id")
    assert rows == [{"id": "101", "datecreated": "1/30/2024", "lastmodifieddate": "3/1/2024"}]
    rows = _suiteql(ns, "SELECT id, TO_CHAR(datecreated, 'YYYY-MM-DD') AS made FROM customer "
                        "WHERE datecreated >= '2/1/2024'")
    assert rows == [{"id": "102", "made": "2024-02-05"}]


# -- external ids: Using the Upsert Operation, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156335203191.html

def test_external_ids_address_records_and_put_upserts(ns):
    made = ns.put(f"{RECORD}/customer/eid:CID002", json={"companyName": "Upserted Inc"})
    assert made.status_code == 204 and "content-type" not in made.headers
    cid = made.headers["Location"].rsplit("/", 1)[1]
    body = _get(ns, "eid:CID002").json()
    assert body["id"] == cid and body["externalId"] == "CID002" and body["companyName"] == "Upserted Inc"
    again = ns.put(f"{RECORD}/customer/eid:CID002", json={"email": "u@x.test"})
    assert again.status_code == 204 and again.headers["Location"].endswith(f"/customer/{cid}")
    assert _get(ns, cid).json()["email"] == "u@x.test"
    assert ns.patch(f"{RECORD}/customer/eid:CID002", json={"phone": "555"}).status_code == 204
    assert _get(ns, cid).json()["phone"] == "555"
    assert _ids(ns, 'externalId IS "CID002"') == [cid]
    assert _suiteql(ns, "SELECT id FROM customer WHERE externalid = 'CID002'") == [{"id": cid}]
    missing = _get(ns, "eid:NOPE")
    assert missing.status_code == 404 and error_detail(missing)["o:errorCode"] == "NONEXISTENT_ID"
    with_id = ns.put(f"{RECORD}/customer/eid:CID003", json={"id": cid, "companyName": "X"})
    assert with_id.status_code == 400  # "this operation prohibits the passing of internal ID values"
    by_internal_id = ns.put(f"{RECORD}/customer/{cid}", json={"companyName": "X"})
    assert by_internal_id.status_code == 400  # upsert only "when you use an external ID in the request URL"
    dup = ns.post(f"{RECORD}/customer", json={"companyName": "Twin", "externalId": "CID002"})
    assert dup.status_code == 400 and error_detail(dup)["o:errorPath"] == "externalId"
    assert ns.delete(f"{RECORD}/customer/eid:CID002").status_code == 204
    assert _get(ns, cid).status_code == 404


# -- RESTlets: a deployment's URL shows numbers (script=133&deploy=1) or script ids ------------------

def test_restlets_answer_by_script_and_deployment_number(ns, control):
    deps = control.get("/_mock/state").json()["deployments"]
    search = next(d for d in deps if d["scriptId"] == "customscript_custsync_search")
    body = {"action": "columns", "searchId": "customsearch_paypack_customer_sync"}
    for params in ({"script": str(search["scriptNumber"]), "deploy": str(search["deployNumber"])},
                   {"script": "customscript_custsync_search", "deploy": str(search["deployNumber"])}):
        resp = ns.post(RESTLET, params=params, json=body)
        assert resp.status_code == 200, resp.text
        assert resp.json()["searchId"] == "customsearch_paypack_customer_sync"
    wrong = ns.post(RESTLET, params={"script": str(search["scriptNumber"]), "deploy": "99"}, json=body)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "SSS_INVALID_SCRIPTLET_ID"


# -- smaller gaps -----------------------------------------------------------------------------------

def test_property_name_validation_header(ns, seed):
    """X-NetSuite-PropertyNameValidation: Error, Warning or Ignore (Oracle's REST API Browser lists the
    header on every write). Absent, the mock refuses unknown names (the stricter reading)."""
    seed([customer(101)])
    url = f"{RECORD}/customer/101"
    refused = ns.patch(url, json={"email": "n@x.test", "custentity_nope": "x"})
    assert refused.status_code == 400 and error_detail(refused)["o:errorPath"] == "custentity_nope"
    refused = ns.patch(url, json={"custentity_nope": "x"}, headers={"X-NetSuite-PropertyNameValidation": "Error"})
    assert refused.status_code == 400
    warned = ns.patch(url, json={"email": "w@x.test", "custentity_nope": "x"},
                      headers={"X-NetSuite-PropertyNameValidation": "Warning"})
    assert warned.status_code == 204 and "custentity_nope" in warned.headers["X-NetSuite-Warning"]
    ignored = ns.patch(url, json={"email": "i@x.test", "Email": "x"},
                       headers={"X-NetSuite-PropertyNameValidation": "Ignore"})
    assert ignored.status_code == 204 and "X-NetSuite-Warning" not in ignored.headers
    assert _get(ns, "101").json()["email"] == "i@x.test"
    bad = ns.patch(url, json={}, headers={"X-NetSuite-PropertyNameValidation": "Loose"})
    assert bad.status_code == 400 and error_detail(bad)["o:errorHeader"] == "X-NetSuite-PropertyNameValidation"


def test_field_names_are_exact(ns, seed):
    """Record fields are named as the REST API Browser spells them: camelCase body fields, lowercase
    custom field ids; another spelling is an unknown field."""
    seed([customer(101)])
    for name in ("COMPANYNAME", "companyname", "CustEntity_PayPack_Stripe_Customer_Id"):
        resp = ns.patch(f"{RECORD}/customer/101", json={name: "x"})
        assert resp.status_code == 400 and error_detail(resp)["o:errorPath"] == name
    assert ns.patch(f"{RECORD}/customer/101", json={"custentity_paypack_stripe_customer_id": "cus_1"}).status_code == 204


def test_a_204_carries_no_content_type(ns, seed):
    seed([customer(101)])
    for resp in (ns.patch(f"{RECORD}/customer/101", json={"phone": "1"}),
                 ns.post(f"{RECORD}/customer", json={"companyName": "New"}),
                 ns.delete(f"{RECORD}/customer/101")):
        assert resp.status_code == 204 and "content-type" not in resp.headers and resp.content == b""


def test_bad_credentials_are_refused_before_the_concurrency_limit(server, ns, control, seed):
    """A request with bad credentials gets 401, never a concurrency 429, and takes no slot."""
    seed([customer(101)])
    control.put("/_mock/faults", json={"latency_ms": 800, "concurrency_limit": 1})
    taken = control.get("/_mock/stats").json()["requests"]
    slow = threading.Thread(target=lambda: _get(ns, "101"))
    slow.start()
    deadline = time.monotonic() + 30
    while control.get("/_mock/stats").json()["requests"] == taken:  # until the slow request holds the one slot
        assert time.monotonic() < deadline, "the slow request never reached the mock"
        time.sleep(0.01)
    with make_client(server, client_secret="wrong") as bad:
        resp = bad.get(f"{RECORD}/customer/101")
    slow.join()
    control.put("/_mock/faults", json={"latency_ms": 0})
    assert resp.status_code == 401 and error_detail(resp)["o:errorCode"] == "INVALID_LOGIN"


def test_state_documents_round_trip_dates_and_numbers(control, seed):
    made = (datetime.now(UTC) - timedelta(days=3)).strftime(ISO)
    seed([customer(101, externalId="E-1", dateCreated=made, lastModifiedDate=made)])
    doc = control.get("/_mock/state").json()
    assert doc["customers"][0]["dateCreated"] == made and doc["customers"][0]["externalId"] == "E-1"
    doc["customers"][0]["lastModifiedDate"] = "2000-01-01T00:00:00Z"
    bad = control.put("/_mock/state", json=doc)
    assert bad.status_code == 400 and "lastModifiedDate" in bad.text
