"""The NetSuite client's OAuth 2.0 client credentials (M2M) handling of exact token endpoint answers
(pytest-httpserver serves them): the JWT it signs, one token for many requests, renewal, refusals in words."""

from __future__ import annotations

import asyncio
import json
import time
from email.utils import formatdate

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from werkzeug import Response

from sync_core.errors import CredentialsRefused, NetSuiteError
from sync_core.netsuite.auth import M2MAuth, TokenAuth
from sync_core.netsuite.client import NetSuiteClient
from sync_core.netsuite.m2m_keys import SigningKey, new_key_pair, read_certificate
from sync_core.retry import RetryPolicy

FAST = RetryPolicy(max_retries=2, base_seconds=0.001, max_seconds=0.002)
TOKEN = "/services/rest/auth/oauth2/v1/token"
SUITEQL = "/services/rest/query/v1/suiteql"
RESTLET = "/app/site/hosting/restlet.nl"
ACCESS = "at-" + "x" * 60
PAGE = {"links": [], "count": 0, "hasMore": False, "items": [], "offset": 0, "totalResults": 0}


class Clock:
    """Our clock, moved by hand; it starts at the real time, which the server's Date header tells."""

    def __init__(self, now: float | None = None) -> None:
        self.now = float(int(time.time())) if now is None else now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def pair():
    return new_key_pair()


def signing_key(pair) -> SigningKey:
    return SigningKey(serialization.load_pem_private_key(pair.private_pem, None), pair.algorithm)


def make(httpserver, pair, *, account="1234567", clock=None, certificate=None, scopes=("restlets", "rest_webservices")):
    auth = M2MAuth(token_url=httpserver.url_for(TOKEN), account=account, client_id="c" * 64,
                   certificate_id="cert-1", key=signing_key(pair), scopes=list(scopes), certificate=certificate,
                   clock=clock or Clock())
    client = NetSuiteClient(rest_url=httpserver.url_for(""), restlet_url=httpserver.url_for(""), auth=auth,
                            policy=FAST, concurrency=5)
    return client, auth


def token_answer(expires_in="3600", token=ACCESS):
    return {"access_token": token, "expires_in": expires_in, "token_type": "bearer"}


def token_requests(httpserver):
    return [req for req, _ in httpserver.log if req.path == TOKEN]


def api_requests(httpserver):
    return [req for req, _ in httpserver.log if req.path != TOKEN]


async def test_the_token_request_is_the_one_oracle_describes(httpserver, pair):
    """Oracle, "POST Request to the Token Endpoint" and "The Request Token Structure": form-encoded, grant_type
    client_credentials, the JWT-bearer assertion type; header typ JWT, alg by the key (ES256 for P-256), kid
    the certificate id; iss the client id, scope comma-separated, aud the token endpoint, exp after iat."""
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(token_answer())
    httpserver.expect_request(SUITEQL).respond_with_json(PAGE)
    clock = Clock()
    client, _auth = make(httpserver, pair, clock=clock)
    await client.suiteql_page("SELECT id FROM customer")
    [req] = token_requests(httpserver)
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = req.form.to_dict(flat=False)
    assert set(form) == {"grant_type", "client_assertion_type", "client_assertion"}
    assert form["grant_type"] == ["client_credentials"]
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assertion = form["client_assertion"][0]
    assert jwt.get_unverified_header(assertion) == {"typ": "JWT", "alg": "ES256", "kid": "cert-1"}
    public = signing_key(pair).key.public_key()
    claims = jwt.decode(assertion, public, algorithms=["ES256"], audience=httpserver.url_for(TOKEN),
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["iss"] == "c" * 64 and claims["scope"] == "restlets,rest_webservices"
    assert claims["iat"] == clock.now and 0 < claims["exp"] - claims["iat"] < 3600
    assert "Authorization" not in req.headers  # the JWT is the credential, in the body
    [call] = api_requests(httpserver)
    assert call.headers["Authorization"] == f"Bearer {ACCESS}"
    await client.aclose()


def test_an_rsa_key_signs_ps256_never_rs256():
    rsa = new_key_pair(algorithm="PS256")
    key = SigningKey(serialization.load_pem_private_key(rsa.private_pem, None), "PS256")
    auth = M2MAuth(token_url="https://1234567.suitetalk.api.netsuite.com" + TOKEN, account="1234567", client_id="c",
                   certificate_id="k", key=key, scopes=["restlets", "rest_webservices"])
    assert jwt.get_unverified_header(auth.assertion())["alg"] == "PS256"


async def test_fifty_concurrent_requests_share_one_token_request(httpserver, pair):
    def slow_token(request):
        time.sleep(0.05)  # the token answer arrives while the other requests wait for it
        return Response(json.dumps(token_answer()), content_type="application/json")

    httpserver.expect_request(TOKEN).respond_with_handler(slow_token)
    httpserver.expect_request(SUITEQL).respond_with_json(PAGE)
    client, auth = make(httpserver, pair)
    await asyncio.gather(*(client.suiteql_page("SELECT id FROM customer") for _ in range(50)))
    assert len(token_requests(httpserver)) == 1 and auth.token_requests == 1
    assert len(api_requests(httpserver)) == 50
    assert {r.headers["Authorization"] for r in api_requests(httpserver)} == {f"Bearer {ACCESS}"}
    await client.aclose()


async def test_the_token_is_kept_until_a_minute_before_it_expires(httpserver, pair):
    answers = iter([token_answer(token="first"), token_answer(token="second")])
    httpserver.expect_request(TOKEN).respond_with_handler(
        lambda r: Response(json.dumps(next(answers)), content_type="application/json"))
    httpserver.expect_request(SUITEQL).respond_with_json(PAGE)
    clock = Clock()
    client, auth = make(httpserver, pair, clock=clock)
    await client.suiteql_page("SELECT id FROM customer")
    clock.now += 3600 - 61
    await client.suiteql_page("SELECT id FROM customer")
    assert auth.token_requests == 1
    clock.now += 2  # 59 s before NetSuite's expiry: ask again before a call can meet an expired token
    await client.suiteql_page("SELECT id FROM customer")
    assert auth.token_requests == 2
    assert [r.headers["Authorization"] for r in api_requests(httpserver)] == ["Bearer first"] * 2 + ["Bearer second"]
    await client.aclose()


async def test_a_401_asks_for_a_new_token_once_and_sends_the_call_again(httpserver, pair):
    """A token NetSuite stopped honouring before we expected (its clock ahead of ours, a reset): renewed, the call
    goes through, nobody sees the 401."""
    answers = iter([token_answer(token="old"), token_answer(token="new")])
    httpserver.expect_request(TOKEN).respond_with_handler(
        lambda r: Response(json.dumps(next(answers)), content_type="application/json"))

    def suiteql(request):
        if request.headers["Authorization"] == "Bearer old":
            refusal = {"o:errorDetails": [{"o:errorCode": "INVALID_LOGIN", "detail": "Invalid login attempt."}]}
            return Response(json.dumps(refusal),
                            status=401, content_type="application/vnd.oracle.resource+json; type=error")
        return Response(json.dumps(PAGE), content_type="application/json")

    httpserver.expect_request(SUITEQL).respond_with_handler(suiteql)
    client, auth = make(httpserver, pair)
    page = await client.suiteql_page("SELECT id FROM customer")
    assert page["items"] == [] and auth.token_requests == 2 and client.retries == 0
    assert [r.headers["Authorization"] for r in api_requests(httpserver)] == ["Bearer old", "Bearer new"]
    await client.aclose()


@pytest.mark.parametrize("path,scope", [(SUITEQL, "REST WEB SERVICES"), (RESTLET, "RESTLETS")])
async def test_a_fresh_token_refused_again_names_the_scope_and_the_role(httpserver, pair, path, scope):
    httpserver.expect_request(TOKEN).respond_with_json(token_answer())
    body = ({"error": {"code": "INVALID_LOGIN_ATTEMPT", "message": "Invalid login attempt."}} if path == RESTLET else
            {"o:errorDetails": [{"o:errorCode": "INVALID_LOGIN", "detail": "Invalid login attempt."}]})
    httpserver.expect_request(path).respond_with_json(body, status=401)
    client, auth = make(httpserver, pair)
    with pytest.raises(NetSuiteError) as e:
        if path == RESTLET:
            await client.search_columns("customsearch_x")
        else:
            await client.suiteql_page("SELECT id FROM customer")
    assert e.value.status == 401 and f"needs the {scope} scope" in e.value.remedy
    assert "Log in using OAuth 2.0 Access Tokens" in e.value.remedy and "CONSUMER_KEY" not in e.value.remedy
    assert len(api_requests(httpserver)) == 2 and auth.token_requests == 2  # once more, not forever
    assert ACCESS not in str(e.value)
    await client.aclose()


async def test_a_token_endpoint_5xx_is_retried(httpserver, pair):
    answers = iter([Response("busy", status=503), Response(json.dumps(token_answer()), content_type="application/json")])
    httpserver.expect_request(TOKEN).respond_with_handler(lambda r: next(answers))
    httpserver.expect_request(SUITEQL).respond_with_json(PAGE)
    client, auth = make(httpserver, pair)
    await client.suiteql_page("SELECT id FROM customer")
    assert auth.token_requests == 2 and client.retries == 1
    await client.aclose()


def refusal(httpserver, error, status=400, *, date=None):
    headers = {"Date": date} if date else {}
    httpserver.expect_request(TOKEN).respond_with_json({"error": error}, status=status, headers=headers)


async def sign_in_error(client) -> CredentialsRefused:
    with pytest.raises(CredentialsRefused) as e:
        await client.sign_in()
    await client.aclose()
    return e.value


async def test_invalid_grant_on_a_sandbox_says_a_refresh_clears_the_mapping(httpserver, pair):
    """Oracle, "OAuth 2.0 Client Credentials Setup": 'Each time a sandbox account is refreshed, the setup gets
    cleared.'"""
    refusal(httpserver, "invalid_grant")
    client, _ = make(httpserver, pair, account="1234567_SB1")
    error = await sign_in_error(client)
    assert error.code == "invalid_grant" and "cert-1" in error.message
    assert error.remedy.startswith("1234567_SB1 is a sandbox: a refresh clears its M2M mappings")
    assert "OAuth 2.0 Client Credentials (M2M) Setup" in error.remedy and "Login Audit Trail" in error.remedy
    assert len(api_requests(httpserver)) == 0  # nothing else was sent


async def test_invalid_grant_in_production_names_revoked_expired_or_unmapped(httpserver, pair):
    refusal(httpserver, "invalid_grant")
    client, _ = make(httpserver, pair)
    error = await sign_in_error(client)
    assert "revoked" in error.message and "expired" in error.message and "sandbox" not in error.remedy[:40]


async def test_invalid_grant_with_an_expired_certificate_says_so(httpserver, pair, tmp_path):
    cert_file = tmp_path / "cert.pem"
    cert_file.write_bytes(pair.certificate_pem)
    cert = read_certificate(cert_file)
    clock = Clock(cert.not_after.timestamp() + 86400)  # a day after it expired, by both clocks
    refusal(httpserver, "invalid_grant", date=formatdate(clock.now, usegmt=True))
    client, _ = make(httpserver, pair, clock=clock, certificate=cert)
    error = await sign_in_error(client)
    assert f"expired on {cert.not_after:%Y-%m-%d}" in error.message


@pytest.mark.parametrize("offset,words", [(+400, "6 min 40 s behind NetSuite's"), (-3600, "1 h 0 min ahead of NetSuite's")])
async def test_a_clock_off_by_more_than_five_minutes_is_named(httpserver, pair, offset, words):
    clock = Clock()
    refusal(httpserver, "invalid_grant", date=formatdate(clock.now + offset, usegmt=True))
    client, _ = make(httpserver, pair, clock=clock)
    error = await sign_in_error(client)
    assert error.code == "CLOCK_SKEW" and words in error.message and "NTP" in error.remedy


async def test_a_clock_two_minutes_off_is_not_blamed(httpserver, pair):
    clock = Clock()
    refusal(httpserver, "invalid_grant", date=formatdate(clock.now + 120, usegmt=True))
    client, _ = make(httpserver, pair, clock=clock)
    assert (await sign_in_error(client)).code == "invalid_grant"


@pytest.mark.parametrize("error,status,words", [
    ("invalid_client", 401, "State is Enabled"),
    ("unauthorized_client", 400, "Client Credentials (Machine to Machine) Grant"),
    ("invalid_scope", 400, "RESTLETS and REST WEB SERVICES"),
])
async def test_other_refusals_in_words(httpserver, pair, error, status, words):
    refusal(httpserver, error, status)
    client, _ = make(httpserver, pair)
    refused = await sign_in_error(client)
    assert refused.code == error and words in refused.remedy


async def test_a_200_without_a_bearer_token_is_an_error(httpserver, pair):
    httpserver.expect_request(TOKEN).respond_with_json({"token_type": "bearer"})
    client, _ = make(httpserver, pair)
    with pytest.raises(NetSuiteError) as e:
        await client.sign_in()
    assert "without a bearer token" in e.value.message
    await client.aclose()


async def test_tba_signs_in_without_a_request(httpserver):
    client = NetSuiteClient(rest_url=httpserver.url_for(""), restlet_url=httpserver.url_for(""),
                            auth=TokenAuth("1234567", "ck", "cs", "ti", "ts"), policy=FAST)
    await client.sign_in()
    assert httpserver.log == []
    await client.aclose()


def test_reprs_show_no_key_or_secret(pair):
    auth = M2MAuth(token_url="https://x" + TOKEN, account="1234567", client_id="cid", certificate_id="k",
                   key=signing_key(pair), scopes=["restlets", "rest_webservices"])
    text = repr(auth) + repr(TokenAuth("1234567", "ck-secretish", "cs-secret", "ti", "ts-secret"))
    assert "PRIVATE" not in text and "secret" not in text and "****" in text
