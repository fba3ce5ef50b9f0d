"""The clients' handling of exact NetSuite and Stripe responses (pytest-httpserver serves them)."""

from __future__ import annotations

import json

import pytest

from sync_core.errors import NetSuiteError, StripeServiceError
from sync_core.netsuite.auth import TokenAuth
from sync_core.netsuite.client import NetSuiteClient
from sync_core.retry import RetryPolicy
from sync_core.stripe.gateway import PortalNotActivated, StripeGateway

NS_ERROR = "application/vnd.oracle.resource+json; type=error"
FAST = RetryPolicy(max_retries=2, base_seconds=0.001, max_seconds=0.002)


def ns_error(status, code, detail, path=None):
    item = {"detail": detail, "o:errorCode": code}
    if path:
        item["o:errorPath"] = path
    return json.dumps({"type": "https://www.rfc-editor.org/rfc/rfc9110.html", "title": "Error", "status": status,
                       "o:errorDetails": [item]})


@pytest.fixture
def ns(httpserver):
    auth = TokenAuth("1234567_SB1", "ck", "cs", "tid", "ts")
    client = NetSuiteClient(rest_url=httpserver.url_for(""), restlet_url=httpserver.url_for(""), auth=auth, policy=FAST)
    yield client


CUSTOMER = "/services/rest/record/v1/customer/101"


async def test_netsuite_request_is_signed_with_tba(ns, httpserver):
    httpserver.expect_request(CUSTOMER).respond_with_json({"id": "101"})
    await ns.get_customer("101")
    header = httpserver.log[0][0].headers["Authorization"]
    assert header.startswith('OAuth realm="1234567_SB1"') and 'oauth_signature_method="HMAC-SHA256"' in header
    await ns.aclose()


@pytest.mark.parametrize("status, code, words", [
    (404, "NONEXISTENT_ID", "internal id"),
    (401, "INVALID_LOGIN", "Login Audit Trail"),
    (400, "INVALID_CONTENT", "field ids"),
])
async def test_netsuite_error_bodies_become_errors_with_code_and_remedy(ns, httpserver, status, code, words):
    httpserver.expect_request(CUSTOMER).respond_with_data(ns_error(status, code, "The detail."), status=status,
                                                          content_type=NS_ERROR)
    with pytest.raises(NetSuiteError) as e:
        await ns.get_customer("101")
    assert e.value.code == code and e.value.status == status and "The detail." in e.value.message
    assert words in e.value.remedy
    assert len(httpserver.log) == 1  # not retried
    await ns.aclose()


async def test_netsuite_error_path_is_named(ns, httpserver):
    httpserver.expect_request(CUSTOMER, method="PATCH").respond_with_data(
        ns_error(400, "INVALID_CONTENT", "Invalid field.", "custentity_x"), status=400, content_type=NS_ERROR)
    with pytest.raises(NetSuiteError, match="custentity_x"):
        await ns.patch_customer("101", {"custentity_x": "1"})
    await ns.aclose()


async def test_netsuite_429_is_retried_then_succeeds(ns, httpserver):
    httpserver.expect_ordered_request(CUSTOMER).respond_with_data(
        ns_error(429, "CONCURRENCY_LIMIT_EXCEEDED", "Limit."), status=429, content_type=NS_ERROR)
    httpserver.expect_ordered_request(CUSTOMER).respond_with_json({"id": "101"})
    assert (await ns.get_customer("101"))["id"] == "101"
    await ns.aclose()


async def test_netsuite_5xx_retries_are_bounded(ns, httpserver):
    httpserver.expect_request(CUSTOMER).respond_with_data("oops", status=503)
    with pytest.raises(NetSuiteError) as e:
        await ns.get_customer("101")
    assert e.value.status == 503 and len(httpserver.log) == 3
    await ns.aclose()


@pytest.mark.parametrize("body, ctype, words", [
    ("<html><body>Login</body></html>", "text/html", "HTML page"),
    ('{"id": "101", "email": ', "application/json", "not valid JSON"),
    ("", "application/json", "empty body"),
])
async def test_netsuite_non_json_answers_are_named(ns, httpserver, body, ctype, words):
    httpserver.expect_request(CUSTOMER).respond_with_data(body, status=200, content_type=ctype)
    with pytest.raises(NetSuiteError) as e:
        await ns.get_customer("101")
    assert words in e.value.message and "rest_url" in e.value.remedy
    await ns.aclose()


async def test_netsuite_wrong_shape_is_an_error(ns, httpserver):
    httpserver.expect_request(CUSTOMER).respond_with_json(["not", "a", "record"])
    with pytest.raises(NetSuiteError, match="unexpected response shape"):
        await ns.get_customer("101")
    await ns.aclose()


async def test_netsuite_unexpected_redirect_is_not_followed(ns, httpserver):
    httpserver.expect_request(CUSTOMER).respond_with_data("", status=302, headers={"Location": "https://system.netsuite.com/login"})
    with pytest.raises(NetSuiteError) as e:
        await ns.get_customer("101")
    assert e.value.status == 302 and "system.netsuite.com" in e.value.message and "account" in e.value.remedy
    await ns.aclose()


async def test_restlet_error_shape_is_read(ns, httpserver):
    httpserver.expect_request("/app/site/hosting/restlet.nl").respond_with_json(
        {"error": {"code": "SSS_INVALID_SCRIPTLET_ID", "message": "That Suitelet is invalid, disabled, or no longer exists."}},
        status=400)
    with pytest.raises(NetSuiteError) as e:
        await ns.search_columns("customsearch_x")
    assert e.value.code == "SSS_INVALID_SCRIPTLET_ID" and "custsync_search_restlet.js" in e.value.remedy
    await ns.aclose()


async def test_netsuite_connection_refused_is_a_clear_error():
    client = NetSuiteClient(rest_url="http://127.0.0.1:9", restlet_url="http://127.0.0.1:9",
                            auth=TokenAuth("R", "a", "b", "c", "d"), policy=FAST)
    with pytest.raises(NetSuiteError) as e:
        await client.get_customer("1")
    assert "connection to 127.0.0.1 failed" in e.value.message
    await client.aclose()


# --- Stripe -------------------------------------------------------------------


def gateway(httpserver, key="sk_test_FAKEKEY1234", **kw):
    return StripeGateway(api_key=key, base_url=httpserver.url_for(""), policy=FAST, **kw)


def stripe_error(status, type_, message, code=None):
    err = {"type": type_, "message": message}
    if code:
        err["code"] = code
    return json.dumps({"error": err}), status


async def test_stripe_missing_customer_is_none(httpserver):
    body, status = stripe_error(404, "invalid_request_error", "No such customer: 'cus_x'", "resource_missing")
    httpserver.expect_request("/v1/customers/cus_x").respond_with_data(body, status=status, content_type="application/json")
    assert await gateway(httpserver).retrieve("cus_x") is None


async def test_stripe_unknown_error_type_is_reported_with_its_type(httpserver):
    body, _ = stripe_error(400, "brand_new_error", "Something new.")
    httpserver.expect_request("/v1/customers").respond_with_data(body, status=400, content_type="application/json")
    with pytest.raises(StripeServiceError) as e:
        await gateway(httpserver).list_by_email("a@b.test")
    assert "Something new." in e.value.message and "brand_new_error" in e.value.message


async def test_stripe_bad_key_names_the_variable_not_the_key(httpserver):
    body, _ = stripe_error(401, "invalid_request_error", "Invalid API Key provided: sk_test_****1234")
    httpserver.expect_request("/v1/customers").respond_with_data(body, status=401, content_type="application/json")
    with pytest.raises(StripeServiceError) as e:
        await gateway(httpserver).check_key()
    assert e.value.status == 401 and "CUSTSYNC_STRIPE_API_KEY" in e.value.remedy
    assert "FAKEKEY" not in str(e.value)


async def test_stripe_portal_refusal_is_recognised(httpserver):
    msg = ("No configuration provided and your test mode default configuration has not been created. Provide a "
           "configuration or create your default by saving your customer portal settings in test mode at "
           "https://dashboard.stripe.com/test/settings/billing/portal.")
    body, _ = stripe_error(400, "invalid_request_error", msg)
    httpserver.expect_request("/v1/billing_portal/sessions").respond_with_data(body, status=400, content_type="application/json")
    with pytest.raises(PortalNotActivated):
        await gateway(httpserver).portal_session_url("cus_A", "https://example.com")


async def test_live_key_without_confirmation_writes_nothing(httpserver):
    live = gateway(httpserver, key="sk_live_FAKEKEY1234")
    with pytest.raises(Exception) as e:
        await live.create({"email": "a@b.test"}, idempotency_key="k")
    assert "live" in str(e.value) and "--yes-live" in e.value.remedy
    assert httpserver.log == []


async def test_stripe_500_is_retried_with_the_same_idempotency_key(httpserver):
    body, _ = stripe_error(500, "api_error", "boom")
    httpserver.expect_ordered_request("/v1/customers", method="POST").respond_with_data(body, status=500,
                                                                                        content_type="application/json")
    httpserver.expect_ordered_request("/v1/customers", method="POST").respond_with_json({"id": "cus_1", "object": "customer"})
    customer, replayed = await gateway(httpserver).create({"email": "a@b.test"}, idempotency_key="custsync-k")
    assert customer["id"] == "cus_1" and not replayed
    keys = [req.headers["Idempotency-Key"] for req, _ in httpserver.log]
    assert keys == ["custsync-k", "custsync-k"]


async def test_stripe_should_retry_false_is_final(httpserver):
    """The server steers retries (stripe-python's `_should_retry` reads Stripe-Should-Retry first): a 500 saved
    under the idempotency key with `Stripe-Should-Retry: false` would only be replayed, so it is not retried."""
    body, _ = stripe_error(500, "api_error", "An unknown error occurred")
    httpserver.expect_request("/v1/customers", method="POST").respond_with_data(
        body, status=500, content_type="application/json", headers={"Stripe-Should-Retry": "false"})
    stripe = gateway(httpserver)
    with pytest.raises(StripeServiceError) as e:
        await stripe.create({"email": "a@b.test"}, idempotency_key="custsync-k")
    assert e.value.status == 500 and not e.value.retryable
    assert len(httpserver.log) == 1 and stripe.retries == 0


async def test_stripe_should_retry_true_retries_what_would_not_be(httpserver):
    """`Stripe-Should-Retry: true` (Stripe sends it on e.g. a lock timeout) makes a 400 worth a retry."""
    body, _ = stripe_error(400, "invalid_request_error", "This object cannot be accessed right now", "lock_timeout")
    httpserver.expect_ordered_request("/v1/customers/cus_1", method="POST").respond_with_data(
        body, status=400, content_type="application/json", headers={"Stripe-Should-Retry": "true"})
    httpserver.expect_ordered_request("/v1/customers/cus_1", method="POST").respond_with_json(
        {"id": "cus_1", "object": "customer", "name": "New"})
    stripe = gateway(httpserver)
    assert (await stripe.update("cus_1", {"name": "New"}))["name"] == "New"
    assert len(httpserver.log) == 2 and stripe.retries == 1
