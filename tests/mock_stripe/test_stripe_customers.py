import pytest
import stripe

from tests.support.stripe_helpers import DEMO_KEY


def test_create_retrieve_update_delete(client):
    c = client.v1.customers.create({
        "email": "ada@x.test", "name": "Ada", "phone": "+4712345678", "description": "first",
        "address": {"line1": "Main 1", "city": "Oslo", "country": "NO"},
        "metadata": {"netsuite_internal_id": "101", "keep": "yes"},
    })
    assert c.id.startswith("cus_") and len(c.id) == 18
    assert c.object == "customer" and c.livemode is False and c.balance == 0
    assert c.address.city == "Oslo" and c.address.line2 is None
    got = client.v1.customers.retrieve(c.id)
    assert got.email == "ada@x.test" and got.metadata.to_dict() == {"netsuite_internal_id": "101", "keep": "yes"}

    upd = client.v1.customers.update(c.id, {"email": "new@x.test", "metadata": {"keep": "", "added": "1"},
                                            "phone": ""})
    assert upd.email == "new@x.test" and upd.phone is None
    assert upd.metadata.to_dict() == {"netsuite_internal_id": "101", "added": "1"}

    deleted = client.v1.customers.delete(c.id)
    assert deleted.to_dict() == {"id": c.id, "object": "customer", "deleted": True}
    again = client.v1.customers.retrieve(c.id)
    assert again.deleted is True and again.id == c.id
    assert client.v1.customers.list({"email": "new@x.test"}).data == []

    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.update(c.id, {"name": "x"})
    assert ei.value.http_status == 404 and ei.value.code == "resource_missing"


def test_retrieve_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.retrieve("cus_x")
    e = ei.value
    assert (e.http_status, e.code, e.param) == (404, "resource_missing", "id")
    assert e.user_message == "No such customer: 'cus_x'"
    assert e.request_id.startswith("req_")
    assert e.json_body["error"]["type"] == "invalid_request_error"


def test_list_by_email_is_exact_and_case_sensitive(client):
    a = client.v1.customers.create({"email": "Sam@x.test"})
    b = client.v1.customers.create({"email": "sam@x.test"})
    client.v1.customers.create({"email": "sam@x.test.other"})
    assert [c.id for c in client.v1.customers.list({"email": "sam@x.test"}).data] == [b.id]
    assert [c.id for c in client.v1.customers.list({"email": "Sam@x.test"}).data] == [a.id]
    assert client.v1.customers.list({"email": "SAM@X.TEST"}).data == []


def test_bad_email_rejected(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create({"email": "not-an-email"})
    assert (ei.value.http_status, ei.value.code, ei.value.param) == (400, "email_invalid", "email")


def test_list_newest_first_paging(client):
    ids = [client.v1.customers.create({"name": f"c{i}"}).id for i in range(7)]
    newest_first = list(reversed(ids))
    page1 = client.v1.customers.list({"limit": 3})
    assert [c.id for c in page1.data] == newest_first[:3] and page1.has_more is True
    assert page1.url == "/v1/customers"
    page2 = client.v1.customers.list({"limit": 3, "starting_after": page1.data[-1].id})
    assert [c.id for c in page2.data] == newest_first[3:6] and page2.has_more is True
    page3 = client.v1.customers.list({"limit": 3, "starting_after": page2.data[-1].id})
    assert [c.id for c in page3.data] == newest_first[6:] and page3.has_more is False
    back = client.v1.customers.list({"limit": 2, "ending_before": page2.data[0].id})
    assert [c.id for c in back.data] == newest_first[1:3] and back.has_more is True
    assert [c.id for c in page1.auto_paging_iter()] == newest_first
    assert len(client.v1.customers.list().data) == 7  # default limit 10


@pytest.mark.parametrize("limit", [0, 101])
def test_limit_out_of_range(client, limit):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.list({"limit": limit})
    assert ei.value.http_status == 400 and ei.value.param == "limit"


def test_bad_cursor(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.list({"starting_after": "cus_nope"})
    assert ei.value.param == "starting_after" and ei.value.code == "resource_missing"


def test_created_filters(client, put_state):
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY], "test": {"customers": [
        {"id": "cus_old", "created": 1000}, {"id": "cus_mid", "created": 2000},
        {"id": "cus_new", "created": 3000}, {"id": "cus_gone", "created": 2500, "deleted": True}]}}]})

    def ids(**created):
        return [c.id for c in client.v1.customers.list({"created": created}).data]

    assert ids(gt=1000) == ["cus_new", "cus_mid"]
    assert ids(gte=1000, lt=3000) == ["cus_mid", "cus_old"]
    assert ids(lte=2000) == ["cus_mid", "cus_old"]
    assert [c.id for c in client.v1.customers.list({"created": 2000}).data] == ["cus_mid"]


def test_search(client, ctl):
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0})  # this test is about matching, not freshness
    a = client.v1.customers.create({"email": "ann@x.test", "name": "Ann Lee", "phone": "+111",
                                    "metadata": {"netsuite_internal_id": "7"}})
    b = client.v1.customers.create({"email": "bob@x.test", "name": "Bob Stone", "metadata": {"tier": "gold"}})

    def ids(query, **kw):
        return {c.id for c in client.v1.customers.search({"query": query, **kw}).data}

    assert ids("email:'ann@x.test'") == {a.id}
    assert ids('name:"bob stone"') == {b.id}
    assert ids("name~'ston'") == {b.id}
    assert ids("phone:'+111'") == {a.id}
    assert ids("metadata['netsuite_internal_id']:'7'") == {a.id}
    assert ids("email:'ann@x.test' OR metadata['tier']:'gold'") == {a.id, b.id}
    assert ids("email:'ann@x.test' AND name:'Bob Stone'") == set()
    assert ids(f"created>={a.created} AND -email:'ann@x.test'") == {b.id}
    res = client.v1.customers.search({"query": "email~'x.test'", "limit": 1, "expand": ["total_count"]})
    assert res.object == "search_result" and res.has_more and res.next_page and res.total_count == 2
    nxt = client.v1.customers.search({"query": "email~'x.test'", "limit": 1, "page": res.next_page})
    assert {res.data[0].id, nxt.data[0].id} == {a.id, b.id} and nxt.has_more is False
    assert nxt.next_page is None


@pytest.mark.parametrize("query,fragment", [
    ("foo:'x'", "unsupported search field"),
    ("email:ann", "must be quoted"),
    ("email:'a' AND name:'b' OR name:'c'", "AND and OR"),
    ("email:'a',name:'b'", "expected a space, AND or OR"),
    ("name~'ab'", "at least 3"),
])
def test_search_bad_query(client, query, fragment):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.search({"query": query})
    assert ei.value.http_status == 400 and ei.value.param == "query"
    assert fragment in ei.value.user_message


def test_search_lag_hides_new_customers(client, ctl):
    ctl.put("/_mock/faults", json={"search_lag_seconds": 60})
    c = client.v1.customers.create({"email": "lag@x.test"})
    assert client.v1.customers.search({"query": "email:'lag@x.test'"}).data == []
    assert client.v1.customers.list({"email": "lag@x.test"}).data[0].id == c.id
    ctl.post("/_mock/clock", json={"advance_seconds": 61})
    assert client.v1.customers.search({"query": "email:'lag@x.test'"}).data[0].id == c.id


async def test_async_customer_calls(aclient, ctl):
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0})
    c = await aclient.v1.customers.create_async({"email": "async@x.test", "metadata": {"k": "v"}})
    got = await aclient.v1.customers.retrieve_async(c.id)
    assert got.email == "async@x.test"
    upd = await aclient.v1.customers.update_async(c.id, {"name": "Async"})
    assert upd.name == "Async"
    listed = await aclient.v1.customers.list_async({"email": "async@x.test"})
    assert [x.id for x in listed.data] == [c.id]
    found = await aclient.v1.customers.search_async({"query": "metadata['k']:'v'"})
    assert [x.id for x in found.data] == [c.id]
    await aclient.v1.customers.delete_async(c.id)
    assert (await aclient.v1.customers.retrieve_async(c.id)).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as ei:
        await aclient.v1.customers.retrieve_async("cus_missing")
    assert ei.value.http_status == 404


def test_cursor_paging_within_created_range_and_shared_seconds(client, ctl, put_state):
    # https://docs.stripe.com/api/pagination: newest first; starting_after / ending_before take an object id
    # and page from it; has_more says whether more lie beyond. https://docs.stripe.com/api/customers/list:
    # created[gte]/created[lt] filter on the creation time. Customers sharing a second keep one order.
    custs = [{"id": f"cus_s{i:02d}", "created": 1000 + i // 4} for i in range(20)]  # 4 a second
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY], "test": {"customers": custs}}]})
    newest_first = [c["id"] for c in reversed(custs)]
    in_range = [c for c in newest_first if 1001 <= 1000 + int(c[5:]) // 4 < 1004]

    def page(**params):
        return client.v1.customers.list({"limit": 3, "created": {"gte": 1001, "lt": 1004}, **params})

    seen, cursor = [], None
    while True:
        p = page(**({"starting_after": cursor} if cursor else {}))
        seen += [c.id for c in p.data]
        if not p.has_more:
            break
        cursor = p.data[-1].id
    assert seen == in_range
    back = page(ending_before=in_range[5])
    assert [c.id for c in back.data] == in_range[2:5] and back.has_more is True

    # The body is one JSON value whatever the rendering: the same customers as a retrieve answers.
    body = ctl.get("/v1/customers", params={"limit": 2}, headers={"Authorization": f"Bearer {DEMO_KEY}"}).json()
    assert body["object"] == "list" and body["url"] == "/v1/customers" and body["has_more"] is True
    assert body["data"] == [client.v1.customers.retrieve(i).to_dict() for i in newest_first[:2]]


def test_search_by_a_metadata_key_named_after_a_netsuite_field(client, ctl):
    # https://docs.stripe.com/search#search-query-language: `metadata["key"]:"value"` matches records whose
    # metadata includes key with that value; values quote with ' or " and escape quotes with a backslash.
    # This is the query custsync sends for a [sync] lookup_field other than the email.
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0})
    a = client.v1.customers.create({"email": "a@x.test", "metadata": {"custentity_account_no": "AC-1001"}})
    b = client.v1.customers.create({"email": "b@x.test", "metadata": {"custentity_account_no": "O'Brien-7"}})
    client.v1.customers.create({"email": "c@x.test", "metadata": {"netsuite_custentity_account_no": "AC-1001"}})

    def ids(query):
        return {c.id for c in client.v1.customers.search({"query": query}).data}

    assert ids("metadata['custentity_account_no']:'AC-1001'") == {a.id}
    assert ids('metadata["custentity_account_no"]:"AC-1001"') == {a.id}
    assert ids("metadata['custentity_account_no']:'O\\'Brien-7'") == {b.id}
    assert ids("metadata['custentity_account_no']:'AC-2002'") == set()
