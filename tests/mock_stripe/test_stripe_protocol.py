import base64
import threading

import httpx
import pytest
import stripe

from tests.support.stripe_helpers import DEMO_KEY, make_client

IDEM_MSG = ("Keys for idempotent requests can only be used with the same parameters they were first used with. "
            "Try using a key other than 'k-1' if you meant to execute a different request.")
RATE_MSG = "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."


def _count(client, email):
    return len(client.v1.customers.list({"email": email}).data)


# -- auth -----------------------------------------------------------------------------------

def test_unknown_key_is_401_and_masked(server, ctl):
    bad = make_client(server, "sk_test_thisisnotarealkeyabcd")
    with pytest.raises(stripe.AuthenticationError) as ei:
        bad.v1.customers.list()
    assert ei.value.http_status == 401
    # Stripe's masking: one star per hidden character, the last 4 shown (stripe/stripe-node#361).
    assert ei.value.user_message == "Invalid API Key provided: sk_test_" + "*" * 17 + "abcd"
    assert "thisisnotarealkey" not in str(ctl.get("/_mock/requests").json())


def test_no_key_is_401(server):
    r = httpx.get(server.url + "/v1/customers")
    assert r.status_code == 401 and r.headers["Request-Id"].startswith("req_")
    assert r.json()["error"]["message"].startswith("You did not provide an API key.")


def test_basic_auth_accepted(server):
    basic = base64.b64encode(f"{DEMO_KEY}:".encode()).decode()
    r = httpx.get(server.url + "/v1/customers", headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200 and r.json()["object"] == "list"


# -- raw protocol details the SDK hides --------------------------------------------------------

def _raw(server, method, path, **kw):
    headers = {"Authorization": f"Bearer {DEMO_KEY}", **kw.pop("headers", {})}
    return httpx.request(method, server.url + path, headers=headers, **kw)


def test_request_id_and_version_on_every_response(server, ctl):
    ok = _raw(server, "GET", "/v1/customers", headers={"Stripe-Version": stripe.api_version})
    assert ok.headers["Request-Id"].startswith("req_") and ok.headers["Stripe-Version"] == stripe.api_version
    missing = _raw(server, "GET", "/v1/customers/cus_x")
    assert missing.status_code == 404 and missing.headers["Request-Id"].startswith("req_")
    assert ok.headers["Request-Id"] != missing.headers["Request-Id"]
    unknown_route = _raw(server, "GET", "/v1/nothing")
    assert unknown_route.status_code == 404 and "Unrecognized request URL" in unknown_route.json()["error"]["message"]
    assert unknown_route.headers["Request-Id"]
    assert ctl.get("/_mock/health").headers["Request-Id"].startswith("req_")


def test_unknown_parameter(server):
    r = _raw(server, "POST", "/v1/customers", data={"email": "a@x.test", "foo": "1"})
    err = r.json()["error"]
    assert r.status_code == 400
    assert err == {"type": "invalid_request_error", "code": "parameter_unknown",
                   "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown",
                   "message": "Received unknown parameter: foo", "param": "foo",
                   "request_log_url": err["request_log_url"]}
    assert err["request_log_url"].startswith("https://dashboard.stripe.com/test/logs/" + r.headers["Request-Id"])
    nested = _raw(server, "POST", "/v1/customers", data={"address[planet]": "Mars"}).json()["error"]
    assert nested["param"] == "address[planet]"
    listed = _raw(server, "GET", "/v1/customers?bogus=1").json()["error"]
    assert listed["message"] == "Received unknown parameter: bogus"


@pytest.mark.parametrize("body,param", [
    ("metadata=x&metadata[a]=b", "metadata"),
    ("metadata[a]=b&metadata=x", "metadata"),
    ("address[line1=x", "address[line1"),
    ("email[]=a@x.test", "email"),
])
def test_bracket_encoding_errors(server, body, param):
    r = _raw(server, "POST", "/v1/customers", content=body,
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_bracket_decoding(server):
    body = ("metadata[a]=1&metadata[0]=zero&address[line1]=L1&preferred_locales[]=en&preferred_locales[]=nb"
            "&expand[0]=default_source")
    r = _raw(server, "POST", "/v1/customers", content=body,
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    c = r.json()
    assert r.status_code == 200, r.text
    assert c["metadata"] == {"a": "1", "0": "zero"} and c["address"]["line1"] == "L1"
    assert c["preferred_locales"] == ["en", "nb"]


# -- idempotency ---------------------------------------------------------------------------------

def test_idempotent_replay(client, server):
    opts = {"idempotency_key": "k-1"}
    first = client.v1.customers.create({"email": "idem@x.test"}, options=opts)
    second = client.v1.customers.create({"email": "idem@x.test"}, options=opts)
    assert first.id == second.id and _count(client, "idem@x.test") == 1
    r = _raw(server, "POST", "/v1/customers", data={"email": "idem@x.test"}, headers={"Idempotency-Key": "k-1"})
    assert r.headers["Idempotent-Replayed"] == "true" and r.json()["id"] == first.id
    with pytest.raises(stripe.IdempotencyError) as ei:
        client.v1.customers.create({"email": "other@x.test"}, options=opts)
    assert ei.value.http_status == 400 and ei.value.user_message == IDEM_MSG
    assert ei.value.json_body["error"]["type"] == "idempotency_error"


def test_idempotency_key_expires_after_24h(client, ctl):
    opts = {"idempotency_key": "k-exp"}
    a = client.v1.customers.create({"email": "exp@x.test"}, options=opts)
    ctl.post("/_mock/clock", json={"advance_seconds": 23 * 3600})
    assert client.v1.customers.create({"email": "exp@x.test"}, options=opts).id == a.id
    ctl.post("/_mock/clock", json={"advance_seconds": 3600})
    b = client.v1.customers.create({"email": "exp@x.test"}, options=opts)
    assert b.id != a.id and _count(client, "exp@x.test") == 2


def test_idempotency_key_too_long(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create({}, options={"idempotency_key": "x" * 256})
    assert ei.value.http_status == 400


def test_idempotency_concurrent_same_key_executes_once(server, ctl):
    """https://docs.stripe.com/api/errors: 409 "The request conflicts with another request (perhaps
    due to using the same idempotent key)": a request arriving while the first runs is refused."""
    ctl.put("/_mock/faults", json={"latency_ms": 200})
    ids, errors = [], []

    def create():
        try:
            c = make_client(server)
            ids.append(c.v1.customers.create({"email": "race@x.test"}, options={"idempotency_key": "race"}).id)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids) + len(errors) == 4 and errors
    assert all(e.http_status == 409 and "another in-progress request" in e.user_message for e in errors)
    ctl.put("/_mock/faults", json={"latency_ms": 0})
    replay = make_client(server).v1.customers.create({"email": "race@x.test"}, options={"idempotency_key": "race"})
    assert replay.id == ids[0]
    assert _count(make_client(server), "race@x.test") == 1


def test_idempotency_is_per_account_and_mode(server, client, put_state):
    live_key = "sk_live_demo_zzzz0000"
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY, live_key]}]})
    live = make_client(server, live_key)
    a = client.v1.customers.create({"email": "m@x.test"}, options={"idempotency_key": "shared"})
    b = live.v1.customers.create({"email": "m@x.test"}, options={"idempotency_key": "shared"})
    assert a.id != b.id and b.livemode is True


# -- rate limits and faults ------------------------------------------------------------------------

def test_requests_per_second_429(client, ctl):
    ctl.put("/_mock/faults", json={"requests_per_second": 2})
    client.v1.customers.list()
    client.v1.customers.list()
    with pytest.raises(stripe.RateLimitError) as ei:
        client.v1.customers.list()
    e = ei.value
    assert e.http_status == 429 and e.user_message == RATE_MSG
    # stripe-python 16 does not copy `code` onto RateLimitError; it is in the body.
    assert e.json_body["error"]["code"] == "rate_limit"
    assert e.json_body["error"]["type"] == "invalid_request_error"
    assert ctl.get("/_mock/stats").json()["faults"]["429"] == 1


def test_injected_faults(client, ctl, server):
    ctl.put("/_mock/faults", json={"rate_429": 1.0})
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.list()
    ctl.put("/_mock/faults", json={"rate_429": 0.0, "error_rate": 1.0})
    with pytest.raises(stripe.APIError) as ei:
        client.v1.customers.create({"email": "f@x.test"})
    assert ei.value.http_status == 500 and ei.value.json_body["error"]["type"] == "api_error"
    ctl.put("/_mock/faults", json={"error_rate": 0.0, "drop_rate": 1.0})
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.create({"email": "f@x.test"}, options={"idempotency_key": "drop-1"})
    ctl.put("/_mock/faults", json={"drop_rate": 0.0})
    # The dropped create did run: a retry with the same key replays it, no second customer.
    again = client.v1.customers.create({"email": "f@x.test"}, options={"idempotency_key": "drop-1"})
    assert _count(client, "f@x.test") == 1 and again.email == "f@x.test"
    stats = ctl.get("/_mock/stats").json()
    assert stats["faults"]["429"] == 1 and stats["faults"]["5xx"] == 1 and stats["faults"]["dropped"] == 1
    assert stats["requests"] >= 5


async def test_drop_seen_by_async_httpx_client(aclient, ctl):
    ctl.put("/_mock/faults", json={"drop_rate": 1.0})
    with pytest.raises(stripe.APIConnectionError):
        await aclient.v1.customers.list_async()


def test_post_error_is_saved_and_replayed(client, ctl):
    ctl.put("/_mock/faults", json={"post_error_rate": 1.0})
    with pytest.raises(stripe.APIError) as first:
        client.v1.customers.create({"email": "pe@x.test"}, options={"idempotency_key": "pe"})
    ctl.put("/_mock/faults", json={"post_error_rate": 0.0})
    with pytest.raises(stripe.APIError) as replay:
        client.v1.customers.create({"email": "pe@x.test"}, options={"idempotency_key": "pe"})
    assert replay.value.http_status == 500 and replay.value.headers["Idempotent-Replayed"] == "true"
    assert replay.value.json_body == first.value.json_body
    assert _count(client, "pe@x.test") == 1  # the write happened before the 500


def test_seeded_faults_repeat(server, ctl, client):
    def pattern():
        ctl.put("/_mock/faults", json={"error_rate": 0.5, "seed": 7})
        out = []
        for _ in range(12):
            try:
                client.v1.customers.list()
                out.append(True)
            except stripe.APIError:
                out.append(False)
        return out

    first = pattern()
    assert first == pattern() and not all(first) and any(first)


# -- isolation --------------------------------------------------------------------------------------

def test_account_and_mode_isolation(server, put_state):
    other_key, live_key = "sk_test_other_account_9999", "sk_live_demo_live_8888"
    put_state({"accounts": [
        {"id": "acct_demo", "api_keys": [DEMO_KEY, live_key], "test": {"customers": [{"id": "cus_A", "email": "a@x.test"}]}},
        {"id": "acct_other", "api_keys": [other_key]}]})
    demo, other, live = make_client(server), make_client(server, other_key), make_client(server, live_key)
    assert demo.v1.customers.retrieve("cus_A").email == "a@x.test"
    for c in (other, live):
        with pytest.raises(stripe.InvalidRequestError) as ei:
            c.v1.customers.retrieve("cus_A")
        assert ei.value.http_status == 404
        assert c.v1.customers.list({"email": "a@x.test"}).data == []
    made = other.v1.customers.create({"email": "a@x.test"})
    assert [x.id for x in demo.v1.customers.list({"email": "a@x.test"}).data] == ["cus_A"]
    assert [x.id for x in other.v1.customers.list({"email": "a@x.test"}).data] == [made.id]
    assert live.v1.customers.create({}).livemode is True
