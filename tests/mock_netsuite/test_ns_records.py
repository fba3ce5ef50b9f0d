"""Record service: GET / PATCH / POST / list with q, in NetSuite's shapes."""
from __future__ import annotations

import pytest

from tests.support.ns_helpers import RECORD, customer, error_detail

ACME = customer(101, companyName="Acme", email="ap@acme.test", phone="+1 555 0100", comments=None,
                addressBook=[{"label": "Main", "defaultBilling": True, "defaultShipping": True,
                              "addressBookAddress": {"addr1": "1 Main St", "city": "Springfield", "state": "IL",
                                                     "zip": "62701", "country": "US"}}],
                custentity_paypack_stripe_customer_id="cus_A")


def test_get_customer_singular_shape(ns, seed, server):
    seed([ACME])
    resp = ns.get(f"{RECORD}/customer/101")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/vnd.oracle.resource+json; type=singular"
    body = resp.json()
    assert body["links"] == [{"rel": "self", "href": f"{server.url}{RECORD}/customer/101"}]
    assert body["id"] == "101"
    assert body["entityId"] == "CUST101" and body["companyName"] == "Acme" and body["isInactive"] is False
    assert body["subsidiary"]["id"] == "1" and body["subsidiary"]["refName"] == "Parent Company"
    assert body["subsidiary"]["links"][0]["rel"] == "self"
    assert body["custentity_paypack_stripe_customer_id"] == "cus_A"
    assert body["addressBook"] == {"links": [{"rel": "self", "href": f"{server.url}{RECORD}/customer/101/addressBook"}]}
    # null fields are left out, as NetSuite does
    assert "comments" not in body and "firstName" not in body and "custentity_paypack_portal_url" not in body


def test_expand_sub_resources_inlines_address_book(ns, seed):
    seed([ACME])
    book = ns.get(f"{RECORD}/customer/101", params={"expandSubResources": "true"}).json()["addressBook"]
    assert len(book["items"]) == 1
    line = book["items"][0]
    assert line["defaultBilling"] is True and line["label"] == "Main"
    assert line["addressBookAddress"]["addr1"] == "1 Main St"
    assert line["addressBookAddress"]["country"] == {"id": "US", "refName": "United States"}
    # the sub-resource links resolve
    addr = ns.get(line["addressBookAddress"]["links"][0]["href"])
    assert addr.status_code == 200 and addr.json()["zip"] == "62701"


def test_fields_parameter_limits_fields_by_their_exact_names(ns, seed):
    seed([ACME])
    body = ns.get(f"{RECORD}/customer/101", params={"fields": "email,companyName"}).json()
    assert set(body) == {"links", "id", "email", "companyName"}
    folded = ns.get(f"{RECORD}/customer/101", params={"fields": "EMAIL,companyname"})
    assert folded.status_code == 400 and error_detail(folded)["o:errorCode"] == "INVALID_PARAMETER"
    bad = ns.get(f"{RECORD}/customer/101", params={"fields": "nosuchfield"})
    assert bad.status_code == 400 and error_detail(bad)["o:errorCode"] == "INVALID_PARAMETER"


@pytest.mark.parametrize("cid", ["999", "abc"])
def test_missing_record_is_404_nonexistent_id(ns, cid):
    resp = ns.get(f"{RECORD}/customer/{cid}")
    assert resp.status_code == 404
    detail = error_detail(resp)
    assert detail["o:errorCode"] == "NONEXISTENT_ID"
    assert resp.json()["title"] == "Not Found"
    assert ns.patch(f"{RECORD}/customer/{cid}", json={"email": "x@y.test"}).status_code == 404


def test_patch_updates_clears_and_keeps(ns, seed, server):
    seed([ACME])
    resp = ns.patch(f"{RECORD}/customer/101", json={"email": "new@acme.test", "phone": None,
                                                     "custentity_paypack_portal_url": "https://portal.test/x"})
    assert resp.status_code == 204 and resp.content == b""
    assert resp.headers["Location"] == f"{server.url}{RECORD}/customer/101"
    body = ns.get(f"{RECORD}/customer/101").json()
    assert body["email"] == "new@acme.test"
    assert "phone" not in body
    assert body["companyName"] == "Acme"
    assert body["custentity_paypack_portal_url"] == "https://portal.test/x"


def test_patch_takes_names_as_netsuite_spells_them_only(ns, seed):
    seed([ACME])
    folded = ns.patch(f"{RECORD}/customer/101", json={"companyname": "Acme Ltd", "isinactive": True})
    assert folded.status_code == 400 and error_detail(folded)["o:errorPath"] == "companyname"
    assert ns.patch(f"{RECORD}/customer/101", json={"companyName": "Acme Ltd", "isInactive": True}).status_code == 204
    body = ns.get(f"{RECORD}/customer/101").json()
    assert body["companyName"] == "Acme Ltd" and body["isInactive"] is True


def test_patch_unknown_field_is_invalid_content_with_path(ns, seed):
    seed([ACME])
    resp = ns.patch(f"{RECORD}/customer/101", json={"email": "a@b.test", "custentity_nope": "x"})
    assert resp.status_code == 400
    detail = error_detail(resp)
    assert detail["o:errorCode"] == "INVALID_CONTENT"
    assert detail["o:errorPath"] == "custentity_nope"
    # nothing was applied
    assert ns.get(f"{RECORD}/customer/101").json()["email"] == "ap@acme.test"


def test_patch_wrong_type_is_invalid_content(ns, seed):
    seed([ACME])
    resp = ns.patch(f"{RECORD}/customer/101", json={"isInactive": "yes"})
    assert resp.status_code == 400
    assert error_detail(resp)["o:errorPath"] == "isInactive"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]"])
def test_patch_malformed_body_is_invalid_content(ns, seed, raw):
    seed([ACME])
    resp = ns.patch(f"{RECORD}/customer/101", content=raw, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert error_detail(resp)["o:errorCode"] == "INVALID_CONTENT"


def test_post_creates_customer(ns, seed, server):
    seed([ACME])
    resp = ns.post(f"{RECORD}/customer", json={"companyName": "Globex", "email": "ap@globex.test",
                                               "subsidiary": {"id": "1"}})
    assert resp.status_code == 204 and resp.content == b""
    location = resp.headers["Location"]
    assert location == f"{server.url}{RECORD}/customer/102"
    body = ns.get(location).json()
    assert body["companyName"] == "Globex" and body["entityId"] == "CUST102"


def test_post_without_company_name_is_refused(ns):
    resp = ns.post(f"{RECORD}/customer", json={"email": "x@y.test"})
    assert resp.status_code == 400
    assert "Company Name" in error_detail(resp)["detail"]


def test_list_items_are_only_links_and_ids(ns, seed, server):
    seed([customer(i) for i in (101, 102, 103)])
    resp = ns.get(f"{RECORD}/customer")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 3 and body["totalResults"] == 3 and body["hasMore"] is False and body["offset"] == 0
    assert body["items"][0] == {"links": [{"rel": "self", "href": f"{server.url}{RECORD}/customer/101"}], "id": "101"}
    assert all(set(item) == {"links", "id"} for item in body["items"])
    assert {link["rel"] for link in body["links"]} == {"self", "last"}


def test_list_pages_follow_next_links(ns, seed):
    seed([customer(i) for i in range(101, 108)])
    seen, url, params, pages = [], f"{RECORD}/customer", {"limit": 3}, 0
    while url:
        body = ns.get(url, params=params).json()
        pages += 1
        seen += [item["id"] for item in body["items"]]
        assert body["totalResults"] == 7
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        assert bool(nxt) == body["hasMore"]
        if body["offset"] > 0:
            assert any(link["rel"] == "prev" for link in body["links"])
        url, params = (nxt[0], None) if nxt else (None, None)
    assert pages == 3
    assert seen == [str(i) for i in range(101, 108)]


@pytest.mark.parametrize("q, expected", [
    ('email IS "ap102@example.test"', ["102"]),
    ('email IS "AP102@EXAMPLE.TEST"', ["102"]),
    ('email IS_NOT "ap102@example.test"', ["101", "103"]),
    ('companyName CONTAIN "pany 10"', ["101", "102", "103"]),
    ('companyName CONTAIN_NOT "3"', ["101", "102"]),
    ('email START_WITH "ap103"', ["103"]),
    ('email START_WITH_NOT "ap103"', ["101", "102"]),
    ('email END_WITH "2@example.test"', ["102"]),
    ('email END_WITH_NOT "2@example.test"', ["101", "103"]),
    ("phone EMPTY", ["101", "102"]),
    ("phone EMPTY_NOT", ["103"]),
    ("isInactive IS true", ["102"]),
    ("id EQUAL 103", ["103"]),
    ("id ANY_OF [101, 103]", ["101", "103"]),
    ('(email IS "ap101@example.test" OR email IS "ap103@example.test") AND isInactive IS false', ["101", "103"]),
    ('email IS "ap101@example.test" OR email IS "ap102@example.test" AND isInactive IS false', ["101"]),
    ('custentity_paypack_stripe_customer_id IS "cus_B"', ["102"]),
])
def test_list_q_filters(ns, seed, q, expected):
    seed([customer(101), customer(102, isInactive=True, custentity_paypack_stripe_customer_id="cus_B"),
          customer(103, phone="+1 555")])
    resp = ns.get(f"{RECORD}/customer", params={"q": q})
    assert resp.status_code == 200, resp.text
    assert [item["id"] for item in resp.json()["items"]] == expected


@pytest.mark.parametrize("q, words", [
    ('nosuch IS "x"', "nosuch"),
    ('email BOGUS "x"', "BOGUS"),
    ('email IS "unterminated', "Unterminated"),
    ('(email IS "x"', "parenthesis"),
    ("isInactive IS maybe", "maybe"),
    ('email IS "a" AND', "end of query"),
])
def test_list_bad_q_is_invalid_parameter(ns, q, words):
    resp = ns.get(f"{RECORD}/customer", params={"q": q})
    assert resp.status_code == 400
    detail = error_detail(resp)
    assert detail["o:errorCode"] == "INVALID_PARAMETER" and detail["o:errorQueryParam"] == "q"
    assert words in detail["detail"]


@pytest.mark.parametrize("params", [{"limit": 1001}, {"limit": 0}, {"limit": "x"}, {"limit": 10, "offset": 5}])
def test_list_bad_paging_is_400(ns, params):
    resp = ns.get(f"{RECORD}/customer", params=params)
    assert resp.status_code == 400
    assert error_detail(resp)["o:errorCode"] == "INVALID_PARAMETER"


def test_other_record_types_are_refused_in_netsuite_shape(ns):
    resp = ns.get(f"{RECORD}/vendor/1")
    assert resp.status_code == 400 and "vendor" in error_detail(resp)["detail"]
