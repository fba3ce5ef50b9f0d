"""Token-based auth: OAuth 1.0a HMAC-SHA256 with realm, checked on every service path."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import warnings

import httpx
import pytest
import requests
from authlib.common.urls import quote

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Authlib warns about its httpx module at import time
    from authlib.integrations.httpx_client import OAuth1Client
from authlib.oauth1.rfc5849.client_auth import ClientAuth
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1
from requests_oauthlib import OAuth1

from tests.support.ns_helpers import RECORD, RESTLET, SEARCH_DEPLOY, SUITEQL, customer, error_detail, make_client

EXPECTED_WWW_AUTH = 'OAuth realm="1234567_SB1", error="token_rejected", error_description="Invalid login attempt."'


def assert_invalid_login(resp: httpx.Response) -> None:
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == EXPECTED_WWW_AUTH
    assert error_detail(resp)["o:errorCode"] == "INVALID_LOGIN"


@pytest.fixture
def acme(seed):
    seed([customer(101)])


@pytest.mark.parametrize("overrides", [
    {"realm": "1234567-sb1"},
    {"realm": "7654321"},
    {"client_key": "unknown-consumer"},
    {"resource_owner_key": "unknown-token"},
    {"client_secret": "wrong-secret"},
    {"resource_owner_secret": "wrong-token-secret"},
    {"signature_method": SIGNATURE_HMAC_SHA1},
    {"timestamp": str(int(time.time()) - 3600)},
    {"timestamp": str(int(time.time()) + 3600)},
], ids=["hostname-realm", "other-realm", "consumer", "token", "consumer-secret", "token-secret", "sha1",
        "old-timestamp", "future-timestamp"])
def test_bad_credentials_are_401_invalid_login(server, acme, overrides):
    with make_client(server, **overrides) as client:
        assert_invalid_login(client.get(f"{RECORD}/customer/101"))


def test_missing_authorization_header(control, acme):
    assert_invalid_login(control.get(f"{RECORD}/customer/101"))
    assert_invalid_login(control.post("/services/rest/query/v1/suiteql", headers={"Prefer": "transient"},
                                      json={"q": "SELECT id FROM customer"}))


def test_restlet_bad_auth_is_invalid_login_attempt(server, control):
    with make_client(server, client_secret="wrong") as client:
        resp = client.post(RESTLET, params=SEARCH_DEPLOY, json={"action": "columns", "searchId": "x"})
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": "INVALID_LOGIN_ATTEMPT", "message": "Invalid login attempt."}}
    assert resp.headers["WWW-Authenticate"] == EXPECTED_WWW_AUTH
    assert control.post(RESTLET, params=SEARCH_DEPLOY, json={}).status_code == 401


def test_tampered_query_string_breaks_the_signature(server, acme):
    """The query is part of the signature: a parameter changed after signing is refused."""
    class Tamper(httpx.Auth):
        def __init__(self, inner):
            self.inner = inner

        def auth_flow(self, request):
            signed = next(self.inner.auth_flow(request))
            signed.url = signed.url.copy_with(params={"q": 'email IS "other@x.test"'})
            yield signed

    with make_client(server) as client:
        good = client.get(f"{RECORD}/customer", params={"q": 'email IS "ap101@example.test"'})
        assert good.status_code == 200 and good.json()["totalResults"] == 1
        client.auth = Tamper(client.auth)
        assert_invalid_login(client.get(f"{RECORD}/customer", params={"q": 'email IS "ap101@example.test"'}))


def test_reused_nonce_is_refused(server, acme):
    with make_client(server, nonce="fixed-nonce-1234567890", timestamp=str(int(time.time()))) as client:
        assert client.get(f"{RECORD}/customer/101").status_code == 200
        assert_invalid_login(client.get(f"{RECORD}/customer/101"))


def test_failed_attempt_does_not_burn_the_nonce(server, acme):
    ts = str(int(time.time()))
    with make_client(server, nonce="nonce-after-failure-000", timestamp=ts, client_secret="wrong") as bad:
        assert bad.get(f"{RECORD}/customer/101").status_code == 401
    with make_client(server, nonce="nonce-after-failure-000", timestamp=ts) as good:
        assert good.get(f"{RECORD}/customer/101").status_code == 200


def test_requests_oauthlib_signs_acceptably(server, acme):
    c = server.credentials
    auth = OAuth1(c["consumer_key"], c["consumer_secret"], c["token_id"], c["token_secret"],
                  signature_method="HMAC-SHA256", realm=server.account)
    resp = requests.get(f"{server.url}{RECORD}/customer", params={"q": 'email START_WITH "ap1"', "limit": 5},
                        auth=auth, timeout=10)
    assert resp.status_code == 200 and resp.json()["items"][0]["id"] == "101"
    resp = requests.patch(f"{server.url}{RECORD}/customer/101", json={"phone": "+1 555 0199"}, auth=auth, timeout=10)
    assert resp.status_code == 204


def _authlib_hmac_sha256(client, request) -> str:
    # Authlib ships HMAC-SHA1 only; NetSuite integrations register SHA-256 like this.
    key = f"{quote(client.client_secret or '', safe='~')}&{quote(client.token_secret or '', safe='~')}"
    base = generate_signature_base_string(request)
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()


ClientAuth.register_signature_method("HMAC-SHA256", _authlib_hmac_sha256)


def authlib_client(server, **kw) -> OAuth1Client:
    c = server.credentials
    return OAuth1Client(c["consumer_key"], c["consumer_secret"], token=c["token_id"],
                        token_secret=c["token_secret"], signature_method="HMAC-SHA256", realm=server.account,
                        base_url=server.url, **kw)


def test_authlib_signs_acceptably(server, acme):
    # Without force_include_body Authlib sends no JSON body at all, so this one is a GET.
    with authlib_client(server) as client:
        resp = client.get(f"{RECORD}/customer", params={"q": 'email IS "ap101@example.test"', "limit": 10})
    assert resp.status_code == 200 and resp.json()["items"][0]["id"] == "101"


def test_authlib_suiteql_with_body(server, acme):
    with authlib_client(server, force_include_body=True) as client:
        resp = client.post(SUITEQL, params={"limit": 10}, headers={"Prefer": "transient"},
                           json={"q": "SELECT id FROM customer"})
    assert resp.status_code == 200 and resp.json()["items"][0]["id"] == "101"


def test_authlib_body_hash_is_verified(server, acme):
    with authlib_client(server, force_include_body=True) as client:
        body = {"action": "columns", "searchId": "customsearch_paypack_customer_sync"}
        resp = client.post(RESTLET, params=SEARCH_DEPLOY, json=body)
        assert "oauth_body_hash" in resp.request.headers["Authorization"]
        assert resp.status_code == 200 and resp.json()["searchId"] == body["searchId"]
        assert client.patch(f"{RECORD}/customer/101", json={"email": "x@y.test"}).status_code == 204

        # Same headers, other body: the body hash no longer matches.
        signed = client.build_request("PATCH", f"{RECORD}/customer/101", json={"email": "a@b.test"})
        signed = client.auth.auth_flow(signed).__next__()
        headers = {k: v for k, v in signed.headers.items() if k.lower() != "content-length"}
        forged = httpx.Request("PATCH", signed.url, headers=headers, content=b'{"email":"evil@x.test"}')
    with httpx.Client() as raw:
        resp = raw.send(forged)
    assert_invalid_login(resp)
