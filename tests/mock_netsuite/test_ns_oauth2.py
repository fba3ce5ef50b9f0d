"""The mock's OAuth 2.0 client credentials (M2M) flow, as strict as Oracle documents it.

Pages cited (docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/...):
TOKEN = "POST Request to the Token Endpoint and the Access Token Response" (section_162755359851.html)
STRUCTURE = "The Request Token Structure" (section_162790605110.html)
ERRORS = "Response Errors in Step Two and in the Refresh Token Response" (subsect_158521832417.html)
SETUP = "OAuth 2.0 Client Credentials Setup" (section_162686838198.html)
AUDIT = "RESTlets and REST Web Services Error Messages in the Login Audit Trail" (subsect_158324637123.html)
Where no page says which error value a cause gets, the test says "unconfirmed" with the mock's choice.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.support.m2m_helpers import (
    CERT_ID,
    CLIENT_ID,
    TOKEN_PATH,
    ask_token,
    assertion,
    certificate,
    integration,
    make_key,
    token_form,
    with_header,
)
from tests.support.ns_helpers import RECORD, RESTLET, SEARCH_DEPLOY, SUITEQL, customer, error_detail, make_client


@pytest.fixture(scope="module")
def key():
    return make_key("P-256")


@pytest.fixture
def mapped(seed, key):
    """One integration, its certificate mapped (SETUP: entity, role, application, certificate)."""
    seed([customer(101)], integrations=[integration(key)])
    return key


def refused(resp, error: str, status: int = 400) -> None:
    assert resp.status_code == status, resp.text
    assert resp.json() == {"error": error}  # ERRORS: the body is {"error": "<value>"} and no more


def audit(control) -> list[str]:
    return [e["detail"] for e in control.get("/_mock/login-audit").json()]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(control, key, **claims) -> str:
    resp = ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/"), **claims)))
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


# --- the token endpoint's answer ---------------------------------------------------------------


def test_a_signed_jwt_buys_a_bearer_token_for_60_minutes(control, mapped):
    """TOKEN: form-encoded grant_type, client_assertion_type, client_assertion; the answer has access_token,
    expires_in "3600" (a string, as Oracle's example), token_type bearer."""
    resp = ask_token(control, token_form(assertion(mapped, str(control.base_url).rstrip("/"))))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}  # no refresh token in this flow
    assert body["expires_in"] == "3600" and body["token_type"] == "bearer" and len(body["access_token"]) > 20
    assert resp.headers["Cache-Control"] == "no-store"  # RFC 6749 5.1


@pytest.mark.parametrize("kind,alg", [("P-256", "ES256"), ("P-384", "ES384"), ("P-521", "ES512"),
                                      ("RSA3072", "PS256"), ("RSA3072", "PS384"), ("RSA4096", "PS512")])
def test_every_algorithm_oracle_lists_with_its_key(control, seed, kind, alg):
    """STRUCTURE: alg is PS256, PS384, PS512, ES256, ES384 or ES512; SETUP: RSA keys of 3072 or 4096 bits, EC
    keys of 256, 384 or 521 bits (ECDSA: the curve decides the hash, P-256 with SHA-256...)."""
    key = make_key(kind)
    seed([], integrations=[integration(key)])
    assert ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/"), alg=alg))).status_code == 200


def test_rs256_is_refused_though_the_key_could_make_it(control, seed):
    """STRUCTURE: RS256 is not among the algorithms (unconfirmed: invalid_grant)."""
    key = make_key("RSA3072")
    seed([], integrations=[integration(key)])
    refused(ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/"), alg="RS256"))),
            "invalid_grant")
    assert audit(control) == ["UnsupportedAlgorithm: RS256"]


def test_an_algorithm_that_does_not_go_with_the_curve_is_refused(control, seed):
    """Oracle's ECDSA table: ES384 goes with P-384 only (unconfirmed: invalid_grant)."""
    key = make_key("P-384")
    seed([], integrations=[integration(key)])
    forged = with_header(assertion(key, str(control.base_url).rstrip("/"), alg="ES384"), alg="ES256")
    refused(ask_token(control, token_form(forged)), "invalid_grant")
    assert audit(control) == ["InvalidSignature: ES256 does not go with the certificate's key"]


def test_typ_must_be_jwt(control, mapped):
    """STRUCTURE: 'The value of the typ parameter is always JWT'."""
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"), headers={"typ": "JOSE"})
    refused(ask_token(control, token_form(jwt_text)), "invalid_grant")
    assert audit(control) == ["InvalidTokenType"]


# --- who asks: the integration record and its mappings -----------------------------------------


def test_an_unknown_client_id_is_invalid_client_with_basic_challenge(control, mapped):
    """ERRORS: invalid_client is 401 with WWW-Authenticate: Basic realm="<accountID>" (unconfirmed that the
    client credentials flow answers an unknown iss so; the mock does)."""
    resp = ask_token(control, token_form(assertion(mapped, str(control.base_url).rstrip("/"), iss="b" * 64)))
    refused(resp, "invalid_client", 401)
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="1234567_SB1"'
    assert audit(control) == ["InvalidIntegration"]


def test_a_blocked_integration_record_is_invalid_client(control, seed, key):
    """The record's State Blocked (unconfirmed: invalid_client, as for an unknown client)."""
    seed([], integrations=[integration(key, enabled=False)])
    refused(ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/")))), "invalid_client", 401)
    assert audit(control) == ["IntegrationBlocked"]


def test_a_record_without_the_client_credentials_grant_is_unauthorized_client(control, seed, key):
    """SETUP: the application can be mapped only with Client Credentials (Machine to Machine) Grant checked
    (unconfirmed: a record unchecked afterwards answers unauthorized_client, RFC 6749 5.2)."""
    seed([], integrations=[integration(key, client_credentials=False)])
    refused(ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/")))), "unauthorized_client")


def test_an_unknown_certificate_id_is_invalid_grant(control, mapped):
    """STRUCTURE: kid is the Certificate ID of the mapping (unconfirmed: invalid_grant)."""
    refused(ask_token(control, token_form(assertion(mapped, str(control.base_url).rstrip("/"), kid="other"))),
            "invalid_grant")
    assert audit(control) == ["UnknownCertificate"]


def test_a_sandbox_refresh_clears_the_mapping(control, seed, mapped):
    """SETUP: 'Each time a sandbox account is refreshed, the setup gets cleared.' The same JWT fails after."""
    url = str(control.base_url).rstrip("/")
    assert ask_token(control, token_form(assertion(mapped, url))).status_code == 200
    doc = control.get("/_mock/state").json()
    doc["integrations"][0]["certificates"] = []
    assert control.put("/_mock/state", json=doc).status_code == 204
    refused(ask_token(control, token_form(assertion(mapped, url))), "invalid_grant")


def test_a_revoked_certificate_is_invalid_grant(control, seed, key):
    """SETUP: 'To revoke a certificate, click the Revoke button'; then a new mapping is needed."""
    entry = integration(key)
    entry["certificates"][0]["revoked"] = True
    seed([], integrations=[entry])
    refused(ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/")))), "invalid_grant")
    assert audit(control) == ["CertificateRevoked"]


def test_a_certificate_is_valid_two_years_at_most(control, seed, key):
    """SETUP: at most two years; a longer validity is shortened to two years. On NetSuite's clock, a JWT signed
    on day 731 is refused though the certificate says five years."""
    seed([], integrations=[integration(key, cert_pem=certificate(key, days=5 * 365))])
    assert control.post("/_mock/clock", json={"advance_seconds": 731 * 86400}).status_code == 200
    now = int(time.time()) + 731 * 86400  # the client's clock agrees with NetSuite's
    refused(ask_token(control, token_form(assertion(key, str(control.base_url).rstrip("/"), iat=now))), "invalid_grant")
    assert audit(control) == ["CertificateExpired"]


def test_a_signature_by_another_key_is_invalid_grant(control, mapped):
    """The public part of the certificate validates the signature (STRUCTURE)."""
    other = make_key("P-256")
    refused(ask_token(control, token_form(assertion(other, str(control.base_url).rstrip("/")))), "invalid_grant")
    assert audit(control) == ["InvalidSignature"]


# --- the claims -------------------------------------------------------------------------------


@pytest.mark.parametrize("aud", ["https://1234567-sb1.suitetalk.api.netsuite.com" + TOKEN_PATH,
                                 "https://7654321.suitetalk.api.netsuite.com" + TOKEN_PATH, None])
def test_aud_must_be_this_token_endpoint(control, mapped, aud):
    """STRUCTURE: aud is the token endpoint URL, https://<accountID>.suitetalk.api.netsuite.com/services/rest/
    auth/oauth2/v1/token: another account's (or another host's) endpoint, or none, is refused."""
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"), aud=aud)
    refused(ask_token(control, token_form(jwt_text)), "invalid_grant")
    assert audit(control) == ["InvalidAudience"]


def test_exp_must_be_within_60_minutes_of_iat(control, mapped):
    """STRUCTURE: exp 'must be less than 60 minutes greater than the value of the iat parameter'."""
    url = str(control.base_url).rstrip("/")
    assert ask_token(control, token_form(assertion(mapped, url, lifetime=3600))).status_code == 200
    refused(ask_token(control, token_form(assertion(mapped, url, lifetime=3601))), "invalid_grant")
    refused(ask_token(control, token_form(assertion(mapped, url, lifetime=0))), "invalid_grant")


@pytest.mark.parametrize("shift", [-3600, 3600], ids=["clock-behind", "clock-ahead"])
def test_a_jwt_signed_on_a_clock_an_hour_off_is_refused(control, mapped, shift):
    """iat and exp are compared with NetSuite's clock (unconfirmed how much skew it allows: the mock allows
    five minutes, as Oracle allows TBA timestamps)."""
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"), iat=int(time.time()) + shift)
    refused(ask_token(control, token_form(jwt_text)), "invalid_grant")
    assert audit(control)[0].startswith("InvalidTimestamp")


def test_a_clock_four_minutes_ahead_is_accepted(control, mapped):
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"), iat=int(time.time()) + 240)
    assert ask_token(control, token_form(jwt_text)).status_code == 200


@pytest.mark.parametrize("scope", ["restlets,rest_webservices", ["restlets", "rest_webservices"], "restlets"])
def test_scope_as_oracle_writes_it_or_as_an_array(control, mapped, scope):
    """STRUCTURE: 'restlets, rest_webservices, suite_analytics, or all of them, separated by a comma'."""
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"), scope=scope)
    assert ask_token(control, token_form(jwt_text)).status_code == 200


@pytest.mark.parametrize("scope", ["", "restlets,everything", None])
def test_an_empty_or_unknown_scope_is_refused(control, mapped, scope):
    """Unconfirmed: invalid_scope (Oracle's authorization-code table uses it for a malformed or unknown scope)."""
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"), scope=scope)
    refused(ask_token(control, token_form(jwt_text)), "invalid_scope")


# --- the request itself -------------------------------------------------------------------------


@pytest.mark.parametrize("override", [{"grant_type": "authorization_code"}, {"grant_type": None},
                                      {"client_assertion_type": "urn:other"}, {"client_assertion": None},
                                      {"client_assertion": "not.a.jwt"}], ids=str)
def test_a_malformed_request_is_invalid_request(control, mapped, override):
    """ERRORS: invalid_request for missing or malformed parameters and 'The grant_type value is incorrect'."""
    form = token_form(assertion(mapped, str(control.base_url).rstrip("/")), **override)
    refused(ask_token(control, form), "invalid_request")


def test_the_body_must_be_form_encoded(control, mapped):
    """TOKEN: 'Request parameters must be encoded based on the HTML specification for the
    application/x-www-form-urlencoded media type'."""
    form = token_form(assertion(mapped, str(control.base_url).rstrip("/")))
    refused(control.post(TOKEN_PATH, json=form), "invalid_request")


def test_a_parameter_given_twice_is_invalid_request(control, mapped):
    """RFC 6749 3.2: parameters MUST NOT be included more than once."""
    jwt_text = assertion(mapped, str(control.base_url).rstrip("/"))
    body = (f"grant_type=client_credentials&grant_type=client_credentials"
            f"&client_assertion_type={token_form('')['client_assertion_type']}&client_assertion={jwt_text}")
    resp = control.post(TOKEN_PATH, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    refused(resp, "invalid_request")


# --- the bearer token on REST, SuiteQL and RESTlets ----------------------------------------------


def test_the_bearer_token_opens_records_suiteql_and_the_restlet(control, mapped):
    """TOKEN: the access token then authorizes REST web services and RESTlet calls (Authorization: Bearer)."""
    token = token_for(control, mapped)
    assert control.get(f"{RECORD}/customer/101", headers=bearer(token)).status_code == 200
    resp = control.post(SUITEQL, json={"q": "SELECT id FROM customer"}, headers={**bearer(token), "Prefer": "transient"})
    assert resp.status_code == 200 and resp.json()["items"][0]["id"] == "101"
    resp = control.post(RESTLET, params=SEARCH_DEPLOY, headers=bearer(token),
                        json={"action": "columns", "searchId": "customsearch_paypack_customer_sync"})
    assert resp.status_code == 200, resp.text


def test_the_token_expires_after_60_minutes_on_netsuites_clock(control, mapped):
    """TOKEN: 'The access token is valid for 60 minutes'; AUDIT: an expired token is AccessTokenExpired, the call
    a login failure (401 INVALID_LOGIN, as any refused login)."""
    token = token_for(control, mapped)
    control.post("/_mock/clock", json={"advance_seconds": 3599})
    assert control.get(f"{RECORD}/customer/101", headers=bearer(token)).status_code == 200
    control.post("/_mock/clock", json={"advance_seconds": 2})
    resp = control.get(f"{RECORD}/customer/101", headers=bearer(token))
    assert resp.status_code == 401 and error_detail(resp)["o:errorCode"] == "INVALID_LOGIN"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer ")  # unconfirmed: RFC 6750's challenge
    resp = control.post(RESTLET, params=SEARCH_DEPLOY, headers=bearer(token), json={"action": "columns"})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "INVALID_LOGIN_ATTEMPT"
    assert audit(control) == ["AccessTokenExpired", "AccessTokenExpired"]


def test_a_token_without_the_restlets_scope_cannot_call_the_restlet(control, mapped):
    """AUDIT: ScopeMismatched, 'the scope in the token does not match the scope in the integration record'."""
    token = token_for(control, mapped, scope="rest_webservices")
    assert control.get(f"{RECORD}/customer/101", headers=bearer(token)).status_code == 200
    resp = control.post(RESTLET, params=SEARCH_DEPLOY, headers=bearer(token), json={"action": "columns"})
    assert resp.status_code == 401
    assert audit(control) == ["ScopeMismatched"]


def test_a_record_without_the_restlets_scope_refuses_restlet_calls(control, seed, key):
    """AUDIT: ScopeMismatched also when 'the integration application has empty scope' for the surface."""
    seed([customer(101)], integrations=[integration(key, scopes=["rest_webservices"])])
    token = token_for(control, key)
    assert control.get(f"{RECORD}/customer/101", headers=bearer(token)).status_code == 200
    assert control.post(RESTLET, params=SEARCH_DEPLOY, headers=bearer(token), json={"action": "columns"}).status_code == 401


def test_an_unknown_bearer_token_is_refused_and_tba_still_works(server, control, mapped):
    resp = control.get(f"{RECORD}/customer/101", headers=bearer("made-up"))
    assert resp.status_code == 401 and error_detail(resp)["o:errorCode"] == "INVALID_LOGIN"
    with make_client(server) as tba:
        assert tba.get(f"{RECORD}/customer/101").status_code == 200  # existing TBA integrations keep working


def test_reset_forgets_issued_tokens_and_the_clock(control, mapped):
    token = token_for(control, mapped)
    control.post("/_mock/clock", json={"advance_seconds": 120})
    assert control.post("/_mock/reset").status_code == 204
    assert abs(control.get("/_mock/clock").json()["offset_seconds"]) == 0
    control.put("/_mock/state", json={"customers": [customer(101)], "integrations": [integration(mapped)]})
    assert control.get(f"{RECORD}/customer/101", headers=bearer(token)).status_code == 401


def test_the_date_header_is_netsuites_clock(control, mapped):
    """A client compares its clock with the Date of NetSuite's answers (RFC 9110 6.6.1: the origin's clock)."""
    control.post("/_mock/clock", json={"advance_seconds": 7200})
    resp = ask_token(control, token_form(assertion(mapped, str(control.base_url).rstrip("/"))))
    told = parsedate_to_datetime(resp.headers["Date"])
    assert abs((told - datetime.now(UTC)) - timedelta(hours=2)) < timedelta(seconds=5)


# --- the state document: what an admin can upload -------------------------------------------------


@pytest.mark.parametrize("change,field", [
    (lambda e: e["certificates"][0].update(certificate=certificate(make_key("RSA2048"))), "certificate"),
    (lambda e: e["certificates"][0].update(id="with space"), "id"),
    (lambda e: e["certificates"][0].update(certificate="not a pem"), "certificate"),
    (lambda e: e.update(scopes=["everything"]), "scopes"),
    (lambda e: e["certificates"].extend(dict(e["certificates"][0], id=f"c{i}") for i in range(5)), "certificates"),
], ids=["rsa-2048", "id-with-space", "not-pem", "unknown-scope", "six-active"])
def test_the_state_document_refuses_what_netsuite_would_not_take(control, key, change, field):
    """SETUP: RSA keys of 3072 or 4096 bits; x.509 PEM; at most five active certificates per integration (2026.1)."""
    entry = integration(key)
    change(entry)
    resp = control.put("/_mock/state", json={"integrations": [entry]})
    assert resp.status_code == 400 and resp.json()["field"].startswith("integrations[0]")
    assert field in resp.json()["field"]


def test_the_state_document_round_trips_integrations(control, mapped):
    doc = control.get("/_mock/state").json()
    assert doc["integrations"][0]["client_id"] == CLIENT_ID
    assert doc["integrations"][0]["certificates"][0]["id"] == CERT_ID
    assert control.put("/_mock/state", json=doc).status_code == 204
    assert control.get("/_mock/state").json() == doc


def test_the_launch_integration_stays_through_reset_like_the_tba_credentials(key):
    """`--m2m-certificate` (create_app's m2m_*): the account starts with this mapping; a state document without
    `integrations` keeps it, one with `integrations: []` has none."""
    import httpx

    from mock_netsuite import serve_in_thread

    running = serve_in_thread(m2m_client_id=CLIENT_ID, m2m_certificate_id=CERT_ID, m2m_certificate=certificate(key))
    try:
        with httpx.Client(base_url=running.url, timeout=10) as client:
            assert ask_token(client, token_form(assertion(key, running.url))).status_code == 200
            client.post("/_mock/reset")
            client.put("/_mock/state", json={"customers": [customer(5)]})
            assert ask_token(client, token_form(assertion(key, running.url))).status_code == 200
            client.put("/_mock/state", json={"customers": [], "integrations": []})
            refused(ask_token(client, token_form(assertion(key, running.url))), "invalid_client", 401)
    finally:
        running.stop()
