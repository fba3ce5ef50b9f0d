"""The client's mass-sync RESTlet calls (customers pages, writeBack batches) against exact answers
(pytest-httpserver serves them); the contract is deploy/netsuite/restlet_contract.json."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from werkzeug.wrappers import Response

from sync_core.errors import NetSuiteError
from sync_core.netsuite.auth import TokenAuth
from sync_core.netsuite.client import WRITE_BACK_BATCH, NetSuiteClient
from sync_core.retry import RetryPolicy

RESTLET = "/app/site/hosting/restlet.nl"
FAST = RetryPolicy(max_retries=1, base_seconds=0.001, max_seconds=0.002)
SID = "custentity_paypack_stripe_customer_id"


@pytest.fixture
def ns(httpserver):
    auth = TokenAuth("1234567_SB1", "ck", "cs", "tid", "ts")
    return NetSuiteClient(rest_url=httpserver.url_for(""), restlet_url=httpserver.url_for(""), auth=auth, policy=FAST)


def sent(httpserver) -> list[dict]:
    return [json.loads(req.get_data()) for req, _ in httpserver.log]


def json_response(body, status=200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def page_body(request_body: dict, page_count: int) -> dict:
    assert request_body["action"] == "customers"
    if "idRanges" in request_body:  # nothing moved while the pages were read: nothing lies between them
        return {"idRanges": request_body["idRanges"], "page": 0, "pageCount": 0, "totalResults": 0,
                "hasMore": False, "results": []}
    page = request_body["page"]
    return {"searchId": request_body["searchId"], "page": page, "pageCount": page_count,
            "totalResults": page_count * 2, "hasMore": page + 1 < page_count,
            "results": [{"id": str(100 + 2 * page + i), "lastModifiedDate": "2026-11-27T05:00:00Z", "values": {}}
                        for i in range(2)]}


def pages_handler(page_count: int):
    return lambda request: json_response(page_body(json.loads(request.get_data()), page_count))


async def test_customer_pages_come_in_page_order_each_asked_once(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(pages_handler(7))
    since = datetime(2026, 11, 27, 6, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    pages = [p async for p in ns.customer_rows("customsearch_mass", "customsearch_map", [SID, "email"],
                                               modified_after=since, page_size=5)]
    assert [p["page"] for p in pages] == [*range(7), 0]
    assert [r["id"] for p in pages for r in p["results"]] == [str(i) for i in range(100, 114)]
    requests = sent(httpserver)
    assert sorted(r["page"] for r in requests[:-1]) == list(range(7))
    # Last, one call for what lies between the pages read, and after the last: here, nothing.
    assert requests[-1]["idRanges"] == [[101 + 2 * k, 102 + 2 * k] for k in range(6)] + [[113, None]]
    assert {k: v for k, v in requests[-1].items() if k != "idRanges"} == {**requests[0], "page": 0}
    assert requests[0] == {"action": "customers", "searchId": "customsearch_mass", "columnsFrom": "customsearch_map",
                           "fields": [SID, "email"], "pageSize": 5, "modifiedAfter": "2026-11-27T05:00:00Z", "page": 0}


async def test_later_pages_are_read_concurrently_within_the_clients_limit():
    in_flight, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02 if json.loads(request.content)["page"] % 2 else 0.05)  # odd pages answer first
        in_flight -= 1
        return httpx.Response(200, json=page_body(json.loads(request.content), 12))

    ns = NetSuiteClient(rest_url="http://ns.test", restlet_url="http://ns.test", auth=TokenAuth("A", "b", "c", "d", "e"),
                        concurrency=3, transport=httpx.MockTransport(handler))
    pages = [p["page"] async for p in ns.customer_rows("customsearch_mass", "customsearch_map", [])]
    assert pages == [*range(12), 0] and peak == 3


async def test_a_script_that_ignores_id_ranges_is_named_before_its_rows_are_used(ns, httpserver):
    def old_script(request):
        body = json.loads(request.get_data())
        return json_response(page_body({k: v for k, v in body.items() if k != "idRanges"}, 3))
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(old_script)
    ids = []
    with pytest.raises(NetSuiteError) as e:
        async for p in ns.customer_rows("customsearch_mass", "customsearch_map", []):
            ids += [r["id"] for r in p["results"]]
    assert ids == [str(i) for i in range(100, 106)]  # the three pages, and nothing of the whole search again
    assert "idRanges" in e.value.message and "custsync_search_restlet.js" in e.value.remedy


async def test_what_lies_between_the_pages_is_read_to_its_end_even_as_it_shrinks(ns, httpserver):
    def handler(request):
        body = json.loads(request.get_data())
        if "idRanges" not in body:
            return json_response(page_body(body, 2))
        if body["page"] == 1:  # the search shrank between the two pages of this read too
            return json_response({"error": {"code": "INVALID_PAGE_RANGE", "message": "page 1 is out of range"}}, 400)
        return json_response({"idRanges": body["idRanges"], "page": 0, "pageCount": 2, "totalResults": 6,
                              "hasMore": True, "results": [{"id": "200", "values": {}}]})
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(handler)
    ids = [r["id"] async for p in ns.customer_rows("customsearch_mass", "customsearch_map", []) for r in p["results"]]
    assert ids == ["100", "101", "102", "103", "200"]


async def test_an_empty_search_is_one_page(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_json(
        {"page": 0, "pageCount": 0, "totalResults": 0, "hasMore": False, "results": []})
    pages = [p async for p in ns.customer_rows("customsearch_mass", "customsearch_map", [])]
    assert len(pages) == 1 and pages[0]["results"] == [] and "modifiedAfter" not in sent(httpserver)[0]


async def test_a_naive_changed_since_is_refused(ns):
    with pytest.raises(ValueError, match="timezone"):
        async for _ in ns.customer_rows("customsearch_mass", "customsearch_map", [],
                                        modified_after=datetime(2026, 11, 27)):
            pass


async def test_an_old_restlet_without_customers_names_the_script(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_json(
        {"error": {"code": "INVALID_ACTION", "message": "Unknown action \"customers\"; use \"columns\" or \"results\"."}},
        status=400)
    with pytest.raises(NetSuiteError) as e:
        async for _ in ns.customer_rows("customsearch_mass", "customsearch_map", []):
            pass
    assert e.value.code == "INVALID_ACTION" and "custsync_search_restlet.js" in e.value.remedy


async def test_owed_customers_are_read_by_id_a_pair_around_each_a_thousand_a_call(ns, httpserver):
    """customer_rows_of: what earlier runs left owed, read whether NetSuite changed it or not. idRanges keeps a
    customer strictly between the two ids of a pair, so (id - 1, id + 1) keeps that id alone."""
    def handler(request):
        body = json.loads(request.get_data())
        kept = [after + 1 for after, _ in body["idRanges"] if after + 1 != 1502]  # 1502 left the search
        return json_response({"idRanges": body["idRanges"], "page": 0, "pageCount": 1, "totalResults": len(kept),
                              "hasMore": False, "results": [{"id": str(i), "values": {}} for i in kept]})

    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(handler)
    ids = [str(i) for i in range(1001, 2501)]  # 1,500 owed: two calls
    pages = [p async for p in ns.customer_rows_of("customsearch_mass", "customsearch_map", [SID], ids)]
    requests = sent(httpserver)
    assert [len(r["idRanges"]) for r in requests] == [1000, 500] and requests[0]["idRanges"][0] == [1000, 1002]
    assert all("modifiedAfter" not in r and r["fields"] == [SID] for r in requests)
    assert sorted(int(r["id"]) for p in pages for r in p["results"]) == [i for i in range(1001, 2501) if i != 1502]


async def test_a_script_that_ignores_id_ranges_is_refused_before_owed_rows_are_used(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_json(
        {"page": 0, "pageCount": 1, "totalResults": 1, "hasMore": False, "results": [{"id": "7", "values": {}}]})
    with pytest.raises(NetSuiteError) as e:
        async for _ in ns.customer_rows_of("customsearch_mass", "customsearch_map", [], ["101"]):
            pass
    assert "idRanges" in e.value.message and "custsync_search_restlet.js" in e.value.remedy


async def test_the_signing_key_is_asked_and_an_older_script_says_nothing(ns, httpserver):
    httpserver.expect_oneshot_request(RESTLET, method="POST", json={"action": "signingKey"}).respond_with_json(
        {"signingKeyId": "0123456789abcdef"})
    assert await ns.signing_key_id() == "0123456789abcdef"
    httpserver.expect_oneshot_request(RESTLET, method="POST").respond_with_json(
        {"error": {"code": "INVALID_ACTION", "message": "Unknown action \"signingKey\"; use \"columns\"."}},
        status=400)
    assert await ns.signing_key_id() is None


def write_back_handler(*, fail: dict[str, dict] | None = None, budget: list[int] | None = None):
    """Answers writeBack like the script: `fail` ids get that error; `budget` is each call's writes."""
    calls = iter(budget or [])

    def handler(request):
        body = json.loads(request.get_data())
        assert body["action"] == "writeBack"
        ids = [u["id"] for u in body["updates"]]
        reach = next(calls, len(ids))
        results = [{"id": i, "ok": False, "error": fail[i]} if i in (fail or {}) else {"id": i, "ok": True}
                   for i in ids[:reach]]
        return json_response({"results": results, "unprocessed": ids[reach:], "remainingUsage": 20})
    return handler


async def test_updates_go_in_batches_of_the_restlets_size(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(write_back_handler())
    updates = [(str(i), {SID: f"cus_{i}"}) for i in range(1, 1202)]
    outcome = await ns.write_back(updates)
    assert outcome == {str(i): None for i in range(1, 1202)}
    assert sorted(len(r["updates"]) for r in sent(httpserver)) == [201, WRITE_BACK_BATCH, WRITE_BACK_BATCH]
    assert WRITE_BACK_BATCH == 500
    first = next(r for r in sent(httpserver) if r["updates"][0]["id"] == "1")
    assert first["updates"][0] == {"id": "1", "values": {SID: "cus_1"}}


async def test_unprocessed_ids_are_sent_again(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(write_back_handler(budget=[3, 0, 4]))
    outcome = await ns.write_back([(str(i), {SID: f"cus_{i}"}) for i in range(101, 111)])
    assert outcome == {str(i): None for i in range(101, 111)}
    assert [[u["id"] for u in r["updates"]] for r in sent(httpserver)] == [
        [str(i) for i in range(101, 111)], [str(i) for i in range(104, 111)], [str(i) for i in range(104, 111)],
        [str(i) for i in range(108, 111)]]


async def test_a_restlet_that_never_gets_further_gives_up_per_id(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(write_back_handler(budget=[1, 0, 0, 0]))
    outcome = await ns.write_back([("101", {SID: "a"}), ("102", {SID: "b"})])
    assert outcome["101"] is None
    error = outcome["102"]
    assert error.code == "SSS_USAGE_LIMIT_EXCEEDED" and "customer 102" in error.message and error.remedy
    assert len(httpserver.log) == 4


async def test_record_errors_name_the_customer_the_code_and_a_remedy(ns, httpserver):
    fail = {"102": {"code": "FIELD_NOT_ALLOWED", "message": "email is not in the script parameter "
                    "custscript_custsync_writeback_fields; nothing of this record was written."},
            "103": {"code": "RCRD_HAS_BEEN_CHANGED", "message": "Record has been changed"},
            "104": {"code": "SOME_NEW_CODE", "message": "something else"}}
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(write_back_handler(fail=fail))
    outcome = await ns.write_back([(str(i), {SID: "x"}) for i in range(101, 105)])
    assert outcome["101"] is None
    not_allowed, changed, other = outcome["102"], outcome["103"], outcome["104"]
    assert not_allowed.code == "FIELD_NOT_ALLOWED" and "customer 102" in not_allowed.message
    assert "custscript_custsync_writeback_fields" in not_allowed.remedy and not not_allowed.retryable
    assert changed.code == "RCRD_HAS_BEEN_CHANGED" and changed.retryable and "customer 103" in str(changed)
    assert other.code == "SOME_NEW_CODE" and "something else" in other.message and other.remedy


async def test_a_refused_call_writes_nothing_and_says_so_per_id(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_json(
        {"error": {"code": "INVALID_ACTION", "message": "Unknown action \"writeBack\"; use \"columns\" or \"results\"."}},
        status=400)
    outcome = await ns.write_back([("101", {SID: "a"}), ("102", {SID: "b"})])
    assert set(outcome) == {"101", "102"}
    assert all(e.code == "INVALID_ACTION" and "nothing was written" in e.message for e in outcome.values())


async def test_a_server_error_leaves_the_outcome_unknown(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_data("oops", status=503)
    outcome = await ns.write_back([("101", {SID: "a"})])
    assert "may or may not be written" in outcome["101"].message and outcome["101"].retryable
    assert len(httpserver.log) == 2  # the client's own retry came first


async def test_an_id_the_restlet_leaves_out_is_an_error(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_json({"results": [{"id": "101", "ok": True}], "unprocessed": []})
    outcome = await ns.write_back([("101", {SID: "a"}), ("102", {SID: "b"})])
    assert outcome["101"] is None and "did not report" in outcome["102"].message
