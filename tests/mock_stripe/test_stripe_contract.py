"""The Stripe mock's contract: each behaviour as Stripe documents it, against the mock as a server,
through the official stripe package (or raw HTTP where the header or body itself is the point).
Each test names the page it follows."""

import threading
import time

import httpx
import pytest
import stripe

from mock_stripe import serve_in_thread
from tests.support.stripe_helpers import DEMO_KEY, make_client

LIVE_KEY = "sk_live_custsync_demo_live_0000"


def _raw(server, method, path, key=DEMO_KEY, **kw):
    headers = {"Authorization": f"Bearer {key}", **kw.pop("headers", {})}
    return httpx.request(method, server.url + path, headers=headers, **kw)


def _ids(client, query):
    return [c.id for c in client.v1.customers.search({"query": query}).data]


@pytest.fixture
def both_modes(put_state):
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY, LIVE_KEY]}]})


# -- search: https://docs.stripe.com/search ---------------------------------------------------

def test_search_is_not_read_after_write_by_default(client, ctl):
    """#data-freshness: "Don't use search for read-after-write flows ... the data won't be immediately
    available to search." The mock's default lag is at least one second (mock clock)."""
    assert ctl.get("/_mock/faults").json()["search_lag_seconds"] >= 1
    c = client.v1.customers.create({"email": "fresh@x.test", "name": "Fresh One"})
    assert _ids(client, "email:'fresh@x.test'") == []
    assert [x.id for x in client.v1.customers.list({"email": "fresh@x.test"}).data] == [c.id]  # list is immediate
    ctl.post("/_mock/clock", json={"advance_seconds": 1.5})
    assert _ids(client, "email:'fresh@x.test'") == [c.id]


def test_search_shows_the_old_version_until_an_update_is_indexed(client, ctl):
    c = client.v1.customers.create({"email": "old@x.test"})
    ctl.post("/_mock/clock", json={"advance_seconds": 2})
    client.v1.customers.update(c.id, {"email": "new@x.test"})
    assert _ids(client, "email:'old@x.test'") == [c.id] and _ids(client, "email:'new@x.test'") == []
    client.v1.customers.delete(c.id)
    ctl.post("/_mock/clock", json={"advance_seconds": 2})
    assert _ids(client, "email:'old@x.test'") == [] and _ids(client, "email:'new@x.test'") == []


def test_search_lag_is_set_through_the_control_api(client, ctl):
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0}).raise_for_status()
    c = client.v1.customers.create({"email": "now@x.test"})
    assert _ids(client, "email:'now@x.test'") == [c.id]


def test_search_matches_word_sequences_and_combines_clauses(client, ctl):
    """#search-query-language: clauses separated by a space are ANDed; AND/OR are case-insensitive;
    `field:'a b'` matches values holding the words a b in that order."""
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0})
    ann = client.v1.customers.create({"email": "ann.lee@x.test", "name": "Dr Ann Lee Jr", "metadata": {"tier": "gold"}})
    rev = client.v1.customers.create({"email": "lee.ann@y.test", "name": "Lee Ann"})
    assert _ids(client, "name:'Ann Lee'") == [ann.id]
    assert _ids(client, "name:'ann lee'") == [ann.id]  # words compare case-insensitively (unconfirmed, see module)
    assert set(_ids(client, "name:'Ann'")) == {ann.id, rev.id}
    assert _ids(client, "name:'Ann' metadata['tier']:'gold'") == [ann.id]  # space = AND
    assert set(_ids(client, "name:'Jr' or name:'Lee Ann'")) == {ann.id, rev.id}
    assert _ids(client, "name:'Ann' and -metadata['tier']:'gold'") == [rev.id]
    assert _ids(client, "name:'An'") == []  # whole words, not prefixes


def test_search_has_its_own_rate_limit(client, ctl):
    """#rate-limits: "up to 20 read operations per second ... for all search endpoints"."""
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0})
    limited = 0
    for _ in range(30):
        try:
            client.v1.customers.search({"query": "email:'a@x.test'"})
        except stripe.RateLimitError:
            limited += 1
    assert 5 <= limited <= 15
    client.v1.customers.list()  # the basic limit is not spent by the refused searches


# -- rate limits: https://docs.stripe.com/rate-limits ----------------------------------------------
# "The basic rate limiter restricts the number of API requests per second as follows: Live mode: 100
# operations; Sandbox: 25 operations. Calls to individual resources have stricter limits, and also count
# against global limits. API endpoints have a default limit of 25 requests per second." Each named
# operation is an endpoint of its own: `GET /v1/customers/{id}` for different ids counts against one.

RATE_LIMIT_BODY = {"code": "rate_limit", "type": "invalid_request_error",
                   "message": "Request rate limit exceeded. Learn more about rate limits here "
                              "https://stripe.com/docs/rate-limits.",
                   "doc_url": "https://stripe.com/docs/error-codes/rate-limit"}


@pytest.fixture(scope="module")
def realistic():
    srv = serve_in_thread(profile="realistic", api_keys=[DEMO_KEY, LIVE_KEY])
    yield srv
    srv.stop()


def _burst(srv, key, paths):
    """Send `paths` (GETs) as fast as one connection goes; the statuses, and the 429 bodies' errors."""
    statuses, errors = [], []
    with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {key}"}) as c:
        start = time.monotonic()
        for path in paths:
            r = c.get(path)
            statuses.append(r.status_code)
            if r.status_code == 429:
                errors.append(r.json()["error"])
        assert time.monotonic() - start < 1.0, "too slow to test a per-second limit"
    return statuses, errors


def _limited(srv):
    with httpx.Client(base_url=srv.url) as c:
        c.post("/_mock/reset").raise_for_status()
        return c.get("/_mock/stats").json()["rate_limited"]


def test_live_mode_allows_each_operation_25_per_second_with_stripes_429(realistic):
    _limited(realistic)
    statuses, errors = _burst(realistic, LIVE_KEY, [f"/v1/customers/cus_{i}" for i in range(35)])
    assert statuses[:25] == [404] * 25 and statuses.count(429) >= 5  # every id counts against one operation
    assert errors and all({k: e.get(k) for k in RATE_LIMIT_BODY} == RATE_LIMIT_BODY for e in errors)
    with httpx.Client(base_url=realistic.url) as c:
        assert c.get("/_mock/stats").json()["rate_limited"]["operation"] == statuses.count(429)


def test_live_mode_runs_operations_side_by_side_within_the_global_100(realistic):
    _limited(realistic)
    paths = ["/v1/customers", "/v1/customers/cus_x", "/v1/events", "/v1/billing_portal/configurations"] * 20
    statuses, _ = _burst(realistic, LIVE_KEY, paths)
    assert 429 not in statuses  # 80 in a second: four operations of 20 each, under 25 each and 100 in all


def test_test_mode_shares_25_per_second_among_all_operations(realistic):
    _limited(realistic)
    statuses, errors = _burst(realistic, DEMO_KEY, ["/v1/customers", "/v1/customers/cus_x", "/v1/events"] * 12)
    assert statuses[:25].count(429) == 0 and statuses.count(429) >= 5
    assert errors and all({k: e.get(k) for k in RATE_LIMIT_BODY} == RATE_LIMIT_BODY for e in errors)
    with httpx.Client(base_url=realistic.url) as c:
        limited = c.get("/_mock/stats").json()["rate_limited"]
    assert limited == {"account": statuses.count(429), "operation": 0, "search": 0}


def test_fast_profile_is_the_default(ctl):
    assert ctl.get("/_mock/faults").json()["requests_per_second"] is None


# -- parameters: https://docs.stripe.com/api/customers/create -----------------------------------

def test_unknown_parameter_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create({"email": "a@x.test", "business_nam": "x"})
    assert ei.value.user_message == "Received unknown parameter: business_nam"


def test_documented_parameters_are_stored_and_returned(client):
    c = client.v1.customers.create({
        "email": "p@x.test", "preferred_locales": ["fr", "en"], "tax_exempt": "exempt",
        "shipping": {"name": "Dock 4", "address": {"line1": "1 Quay", "country": "FR"}},
        "invoice_settings": {"footer": "Thanks", "custom_fields": [{"name": "PO", "value": "42"}]},
        "next_invoice_sequence": 7})
    got = client.v1.customers.retrieve(c.id)
    assert got.preferred_locales == ["fr", "en"] and got.tax_exempt == "exempt"
    assert got.shipping.name == "Dock 4" and got.shipping.address.line1 == "1 Quay"
    assert got.invoice_settings.footer == "Thanks"
    assert got.invoice_settings.custom_fields[0].to_dict() == {"name": "PO", "value": "42"}
    assert got.next_invoice_sequence == 7


@pytest.mark.parametrize("params,message", [
    ({"payment_method": "pm_nothing"}, "No such PaymentMethod: 'pm_nothing'"),
    ({"invoice_settings": {"default_payment_method": "pm_nothing"}}, "No such PaymentMethod: 'pm_nothing'"),
    ({"test_clock": "clock_nothing"}, "No such test_clock: 'clock_nothing'"),
    ({"source": "tok_nothing"}, "No such source: 'tok_nothing'"),
])
def test_parameters_naming_missing_objects_are_refused(client, params, message):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params)
    assert ei.value.user_message == message and ei.value.code == "resource_missing"
    assert client.v1.customers.list().data == []  # nothing half-written


def test_email_is_at_most_512_characters(client):
    """#create_customer-email: "Maximum length of 512"."""
    ok = "a" * 500 + "@x.test"
    assert client.v1.customers.create({"email": ok}).email == ok
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create({"email": "a" * 506 + "@x.test"})
    assert ei.value.param == "email" and "512" in ei.value.user_message


@pytest.mark.parametrize("metadata,message", [
    ({f"k{i}": "v" for i in range(51)}, "up to 50 keys"),
    ({"k" * 41: "v"}, "up to 40 characters"),
    ({"k": "v" * 501}, "up to 500 characters"),
])
def test_metadata_limits(client, metadata, message):
    """https://docs.stripe.com/metadata: up to 50 keys, names up to 40 characters, values up to 500."""
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create({"metadata": metadata})
    assert message in ei.value.user_message


def test_expand_is_validated_and_expands(client, put_state):
    """https://docs.stripe.com/expand: only expandable properties; lists expand under data."""
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY],
                             "test": {"payment_methods": [{"id": "pm_card"}]}}]})
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create({"email": "e@x.test", "expand": ["email"]})
    assert ei.value.user_message == "This property cannot be expanded (email)."
    c = client.v1.customers.create({"invoice_settings": {"default_payment_method": "pm_card"},
                                    "expand": ["invoice_settings.default_payment_method"]})
    assert c.invoice_settings.default_payment_method.id == "pm_card"
    assert client.v1.customers.retrieve(c.id).invoice_settings.default_payment_method == "pm_card"
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.list({"expand": ["invoice_settings.default_payment_method"]})
    assert "You may want to try expanding 'data.invoice_settings.default_payment_method' instead" in \
        ei.value.user_message
    listed = client.v1.customers.list({"expand": ["data.invoice_settings.default_payment_method"]})
    assert listed.data[0].invoice_settings.default_payment_method.id == "pm_card"


# -- modes and keys: https://docs.stripe.com/keys ------------------------------------------------

def test_test_and_live_data_are_separate_with_stripes_mix_up_message(server, client, both_modes):
    live = make_client(server, LIVE_KEY)
    t = client.v1.customers.create({"email": "t@x.test"})
    lv = live.v1.customers.create({"email": "l@x.test"})
    assert t.livemode is False and lv.livemode is True
    with pytest.raises(stripe.InvalidRequestError) as ei:
        live.v1.customers.retrieve(t.id)
    assert ei.value.http_status == 404 and ei.value.user_message == (
        f"No such customer: '{t.id}'; a similar object exists in test mode, but a live mode key was used "
        "to make this request.")
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.update(lv.id, {"name": "x"})
    assert ei.value.user_message == (
        f"No such customer: '{lv.id}'; a similar object exists in live mode, but a test mode key was used "
        "to make this request.")
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.retrieve("cus_nowhere")
    assert ei.value.user_message == "No such customer: 'cus_nowhere'"
    assert [c.id for c in live.v1.customers.list().data] == [lv.id]


def test_publishable_keys_are_refused(server):
    r = _raw(server, "GET", "/v1/customers", key="pk_test_abcdefghijklmnop1234")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == (
        "This API call cannot be made with a publishable API key. Please use a secret API key. "
        "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.")


def test_invalid_keys_are_masked_as_stripe_masks_them(server):
    r = _raw(server, "GET", "/v1/customers", key="sk_live_verysecretvalue9876")
    assert r.json()["error"]["message"] == "Invalid API Key provided: sk_live_" + "*" * 15 + "9876"
    assert "verysecret" not in r.text


# -- idempotency: https://docs.stripe.com/api/idempotent_requests --------------------------------

def test_idempotency_key_is_echoed_and_bound_to_its_endpoint(server, client):
    c = client.v1.customers.create({"email": "i@x.test"})
    first = _raw(server, "POST", "/v1/customers", data={"email": "k@x.test"}, headers={"Idempotency-Key": "k-9"})
    assert first.status_code == 200 and first.headers["Idempotency-Key"] == "k-9"
    other = _raw(server, "POST", f"/v1/customers/{c.id}", data={"email": "k@x.test"},
                 headers={"Idempotency-Key": "k-9"})
    err = other.json()["error"]
    assert other.status_code == 400 and err["type"] == "idempotency_error"
    assert err["message"] == (
        "Keys for idempotent requests can only be used for the same endpoint they were first used for "
        f"('POST /v1/customers' vs 'POST /v1/customers/{c.id}'). Try using a key other than 'k-9' if you "
        "meant to execute a different request.")


def test_concurrent_requests_with_one_key_get_409(server, ctl):
    """https://docs.stripe.com/api/errors: 409 "The request conflicts with another request (perhaps due
    to using the same idempotent key)"."""
    ctl.put("/_mock/faults", json={"latency_ms": 300})
    statuses = []

    def post():
        statuses.append(_raw(server, "POST", "/v1/customers", data={"email": "c@x.test"},
                             headers={"Idempotency-Key": "same"}).status_code)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409]


def test_error_bodies_carry_request_log_url(server, both_modes):
    r = _raw(server, "GET", "/v1/customers/cus_none", key=LIVE_KEY)
    assert r.json()["error"]["request_log_url"].startswith(
        "https://dashboard.stripe.com/logs/" + r.headers["Request-Id"])


# -- API version: https://docs.stripe.com/api/versioning ------------------------------------------

def test_only_the_pinned_api_version_is_answered(server):
    ok = _raw(server, "GET", "/v1/customers", headers={"Stripe-Version": stripe.api_version})
    assert ok.status_code == 200 and ok.headers["Stripe-Version"] == stripe.api_version
    for version in ("2099-01-01", "not-a-version"):
        r = _raw(server, "GET", "/v1/customers", headers={"Stripe-Version": version})
        assert r.status_code == 400 and r.headers["Stripe-Version"] == stripe.api_version
        assert r.json()["error"]["message"].startswith(f"Invalid Stripe API version: {version}")
