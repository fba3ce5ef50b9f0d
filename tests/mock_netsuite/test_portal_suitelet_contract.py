"""deploy/netsuite/portal_suitelet_contract.json is the one statement of what the portal Suitelet answers:
mock_netsuite, wired to a running mock_stripe over HTTP, must answer every case the same way, and the
SuiteScript must name every reason and every sentence a customer reads."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.ns_helpers import RESTLET, SEARCH_DEPLOY
from tests.support.portal_helpers import (
    CONTRACT,
    PORTAL_SENTENCE,
    RESTLET_SCRIPT,
    SCRIPT,
    SECRET,
    SIGNATURE_MODULE,
    STRIPE_KEY,
    SUITELET,
    page_reason,
    query_for,
    signed,
)


@pytest.mark.parametrize("case", CONTRACT["cases"], ids=[c["name"] for c in CONTRACT["cases"]])
def test_mock_answers_each_case(server, wired, stripe_server, case):
    wired(case.get("setup"))
    expect = case["expect"]
    # An external Suitelet needs no token: a plain GET, as a customer's browser makes it, no redirects followed.
    resp = httpx.get(f"{server.url}{SUITELET}", params=query_for(case["query"], server), follow_redirects=False,
                     timeout=20)
    assert resp.status_code == expect["status"]
    if expect["status"] == 302:
        location = resp.headers["location"]
        assert location.startswith(f"{stripe_server.url}/p/session/")
        assert httpx.get(location).status_code == 200  # the session page opens
        return
    assert page_reason(resp.text) == expect["page"]
    assert expect["text"] in resp.text
    # The admin's remedy never reaches the customer's page.
    for admin_word in ("Remedy", "STRIPE CUSTOMER ID", "custsync portal-link", "Dashboard", STRIPE_KEY, SECRET):
        assert admin_word not in resp.text


def test_each_open_makes_a_new_session(server, wired):
    """The link outlives sessions: two opens, two different Stripe sessions."""
    wired()
    q = query_for({"cid": "101", "sig": "SIGNED"}, server)
    first = httpx.get(f"{server.url}{SUITELET}", params=q).headers["location"]
    second = httpx.get(f"{server.url}{SUITELET}", params=q).headers["location"]
    assert first != second


def test_failure_remedies_go_to_the_execution_log(server, control, wired):
    wired({"stripe_portal": "none"})
    httpx.get(f"{server.url}{SUITELET}", params=query_for({"cid": "101", "sig": "SIGNED"}, server))
    httpx.get(f"{server.url}{SUITELET}", params=query_for({"cid": "101", "sig": "TAMPERED"}, server))
    logged = [r for r in control.get("/_mock/requests").json() if r["path"] == SUITELET]
    assert len(logged) == 2 and all("sig" not in json.dumps(r) for r in logged)  # path only, no query string
    log = control.get("/_mock/portal-suitelet/log").json()
    assert any("Settings -> Customer Portal -> Activate link" in e["details"] for e in log)
    assert any("signature does not match" in e["details"] for e in log)
    assert not any(SECRET in e["details"] or signed("101") in e["details"] for e in log)


def test_rotating_the_secret_refuses_old_links(server, control, wired):
    wired()
    old = query_for({"cid": "101", "sig": "SIGNED"}, server)
    r = control.patch("/_mock/portal-suitelet", json={"signing_secret": "a-brand-new-secret-after-rotation"})
    assert r.status_code == 200
    resp = httpx.get(f"{server.url}{SUITELET}", params=old)
    assert resp.status_code == 200 and page_reason(resp.text) == "bad-signature"
    assert control.patch("/_mock/portal-suitelet", json={"signing_secret": "short"}).status_code == 400


def test_restlet_signs_links_for_the_suitelet(server, ns, wired):
    """The RESTlet's portalLinks action gives links the Suitelet accepts; the secret stays in NetSuite."""
    wired()
    r = ns.post(RESTLET, params=SEARCH_DEPLOY, json={"action": "portalLinks", "customerIds": ["101", "102"]})
    assert r.status_code == 200
    links = r.json()["links"]
    assert [link["id"] for link in links] == ["101", "102"]
    url = links[0]["url"]
    assert SECRET not in r.text
    assert parse_qs(urlsplit(url).query)["sig"] == [signed("101")]
    assert httpx.get(url).status_code == 302
    other = parse_qs(urlsplit(links[1]["url"]).query)
    assert other["cid"] == ["102"] and other["sig"] != [signed("101")]


def test_script_names_every_reason_and_sentence():
    for case in CONTRACT["cases"]:
        page = case["expect"].get("page")
        if page:
            assert f"'{page}'" in SCRIPT, page
            assert case["expect"]["text"] in SCRIPT or PORTAL_SENTENCE in case["expect"]["text"]
    # One signature for both: the RESTlet signs and the Suitelet checks with custsync_link_signature.js.
    assert "'custsync-portal-link:'" in SIGNATURE_MODULE and "'custsecret_custsync_portal_link'" in SIGNATURE_MODULE
    for script, call in ((SCRIPT, "linkSignature.sign(cid)"), (RESTLET_SCRIPT, "linkSignature.sign(id)")):
        assert "'./custsync_link_signature'" in script and call in script
    assert "redirect.redirect" in SCRIPT and "returnExternalUrl: true" in RESTLET_SCRIPT
    assert PORTAL_SENTENCE in SCRIPT
