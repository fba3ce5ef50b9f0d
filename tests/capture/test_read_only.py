"""The read-only clients scenario capture uses: a write is refused with a clear error and never sent."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from sync_core.engine import Engine
from sync_core.outcome import Status
from sync_core.read_only import WriteRefused, refusal

from .conftest import comparable, load_source

NS = "https://1234567.suitetalk.api.netsuite.com"
RESTLET = "https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1&deploy=1"
SUITEQL = f"{NS}/services/rest/query/v1/suiteql?limit=5"


def _request(method: str, url: str, body: object = None, **headers: str) -> httpx.Request:
    content = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
    return httpx.Request(method, url, headers=headers, content=content)


READS = [
    _request("GET", f"{NS}/services/rest/record/v1/customer/101?expandSubResources=true"),
    _request("POST", SUITEQL, {"q": "SELECT id FROM customer"}, Prefer="transient"),
    _request("POST", SUITEQL, {"q": "  with t AS (SELECT 1 AS n FROM dual) SELECT n FROM t"}, Prefer="transient"),
    _request("POST", RESTLET, {"action": "columns", "searchId": "customsearch_x"}),
    _request("POST", RESTLET, {"action": "results", "searchId": "customsearch_x", "page": 0}),
    _request("POST", RESTLET, {"action": "customers", "searchId": "customsearch_x"}),
    _request("GET", "https://api.stripe.com/v1/customers?email=a%40b.test"),
    _request("GET", "https://api.stripe.com/v1/customers/search?query=email%3A%27a%27"),
    _request("GET", "https://api.stripe.com/v1/billing_portal/configurations?is_default=true"),
]
WRITES = [
    (_request("PATCH", f"{NS}/services/rest/record/v1/customer/101", {"email": "x@y.test"}), "PATCH changes data"),
    (_request("DELETE", f"{NS}/services/rest/record/v1/customer/101"), "DELETE changes data"),
    (_request("POST", f"{NS}/services/rest/record/v1/customer", {"companyName": "X"}), "POST creates or changes"),
    (_request("POST", SUITEQL, {"q": "SELECT id FROM customer"}), "without `Prefer: transient`"),
    (_request("POST", SUITEQL, {"q": "DELETE FROM customer"}, Prefer="transient"), "not a SELECT"),
    (_request("POST", RESTLET, {"action": "writeBack", "updates": []}), "'writeBack' action"),
    (_request("POST", RESTLET, {"action": "portalLinks", "customerIds": ["101"]}), "'portalLinks' action"),
    (_request("POST", RESTLET, b"not json"), "None"),
    (_request("GET", "https://1234567.extforms.netsuite.com/app/site/hosting/scriptlet.nl?cid=101&sig=ab"),
     "billing-portal session"),
    (_request("POST", "https://api.stripe.com/v1/customers"), "POST creates or changes"),
    (_request("POST", "https://api.stripe.com/v1/billing_portal/sessions"), "POST creates or changes"),
    (_request("DELETE", "https://api.stripe.com/v1/customers/cus_1"), "DELETE changes data"),
]


@pytest.mark.parametrize("request_", READS, ids=lambda r: f"{r.method} {r.url.path}")
def test_reads_pass(request_):
    assert refusal(request_) is None


@pytest.mark.parametrize("request_,why", WRITES, ids=lambda r: getattr(r, "method", None) and f"{r.method} {r.url.path}")
def test_writes_are_named_and_refused(request_, why):
    assert why in (refusal(request_) or "")


def test_a_write_is_refused_before_it_reaches_either_service(source, tmp_path):
    """Through the engine's own clients against running servers: each write raises WriteRefused naming what was
    refused, no retry is made, and neither server sees the request (its log and its state are unchanged)."""
    config = load_source(source, tmp_path)
    before = comparable(source)
    source.netsuite.clear_requests()
    source.stripe.clear_requests()

    async def writes() -> tuple[list[WriteRefused], Engine, object]:
        refused = []
        async with Engine.from_config(config, read_only=True) as engine:
            for write in (lambda: engine.netsuite.patch_customer("101", {"email": "new@x.test"}),
                          lambda: engine.netsuite.write_back([("101", {config.netsuite.stripe_id_field: "cus_x"})]),
                          lambda: engine.netsuite.portal_links(["101"]),
                          lambda: engine.stripe.create({"email": "a@b.test"}, idempotency_key="k1"),
                          lambda: engine.stripe.update("cus_hf_lower", {"name": "X"}),
                          lambda: engine.stripe.portal_session_url("cus_hf_lower", "https://example.com")):
                with pytest.raises(WriteRefused) as caught:
                    await write()
                refused.append(caught.value)
            outcome = await engine.sync_one("301")  # a real sync: it decides, then its first write is refused
            return refused, engine, outcome

    refused, engine, outcome = asyncio.run(writes())
    assert "refused PATCH" in refused[0].message and "read-only" in refused[0].message
    assert "'writeBack' action" in refused[1].message
    assert "refused POST" in refused[3].message and "/v1/customers" in refused[3].message
    assert all(r.remedy for r in refused)
    assert outcome.status is Status.FAILED and isinstance(outcome.error, WriteRefused), outcome
    assert outcome.rule == "R3"  # it read and decided; only the write was stopped
    assert engine.netsuite.retries == engine.stripe.retries == 0
    assert comparable(source) == before
    ns_log, stripe_log = source.netsuite.requests(), source.stripe.requests()
    assert {(r["method"], r["path"]) for r in ns_log} <= {
        ("GET", "/services/rest/record/v1/customer/301"), ("POST", "/services/rest/query/v1/suiteql"),
        ("POST", "/app/site/hosting/restlet.nl"),
        ("POST", "/services/rest/auth/oauth2/v1/token")}, ns_log  # the M2M sign-in: a token, no change
    assert stripe_log and {r["method"] for r in stripe_log} == {"GET"}, stripe_log


def test_the_oauth_sign_in_passes_and_nothing_else_at_its_host():
    token_url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    sign_in = httpx.Request("POST", token_url, content=b"grant_type=client_credentials")
    assert refusal(sign_in, token_url) is None
    assert refusal(sign_in) is not None  # a client that signs in another way has no token endpoint to allow
    record = httpx.Request("POST", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer")
    assert refusal(record, token_url) is not None
