"""The pages a customer meets after clicking the portal link in an invoice email.

custsync_portal_suitelet.js writes them and mock_netsuite's Suitelet writes them again (the mock shares no
code with us): for every reason both give the same page, character for character but for its random
reference. Each page names the company and its contact (script parameters), says the next step in plain
words, shows a reference that the execution log line carries too, and passes the markup checks of
portal_page_checks.py (language, title, viewport, headings, links, fonts, contrast)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.portal_helpers import CONTRACT, PORTAL_SENTENCE, SECRET, SUITELET, page_reason, query_for, signed
from tests.support.portal_page_checks import problems, visible_text

HERE = Path(__file__).resolve().parent
SID = "custentity_paypack_stripe_customer_id"
REFERENCE = re.compile(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node runs the SuiteScript")

# The company's parameters, as an admin may set them: an email contact, a web page, nothing at all, and
# text that must be shown as text (a phone number; a name with markup characters).
PARAMETER_SETS = {
    "email": {"company_name": "Acme Supply Co.", "support_contact": "billing@acme-supply.test"},
    "web page": {"company_name": "Initech <Billing> & \"Co\"", "support_contact": "https://initech.test/help/"},
    "phone": {"company_name": "Globex", "support_contact": "+1 555 0100"},
    "unset": {},
}
SCRIPT_PARAMETER = {"company_name": "custscript_custsync_company_name",
                    "support_contact": "custscript_custsync_support_contact"}

# The first contract case of each page: how the mock is brought to show it.
MOCK_CASES: dict[str, dict] = {}
for _case in CONTRACT["cases"]:
    if _case["expect"].get("page"):
        MOCK_CASES.setdefault(_case["expect"]["page"], _case)
REASONS = sorted(MOCK_CASES)

# The same situations for the script under node: the customer, and what Stripe answers (none: unreachable).
STRIPE_ANSWERS = {
    "stale-customer": {"code": 400, "body": {"error": {
        "type": "invalid_request_error", "code": "resource_missing", "param": "customer",
        "message": "No such customer: 'cus_GONE'"}}},
    "portal-not-activated": {"code": 400, "body": {"error": {"type": "invalid_request_error", "message": (
        "No configuration provided and your test mode default configuration has not been created. Provide a "
        "configuration or create your default by saving your customer portal settings in test mode.")}}},
    "stripe-refused": {"code": 401, "body": {"error": {"type": "invalid_request_error",
                                                       "message": "Invalid API Key provided: sk_test_****0000"}}},
}
SCRIPT_CUSTOMERS = {"101": {SID: "cus_A"}, "102": {}, "103": {SID: "cus_GONE"}}
# What the customer is told to do next, for each page.
NEXT_STEP = {
    "bad-signature": "for a new link.",
    "stale-customer": "for a new link.",
    "not-linked": "Online billing is not set up for your account yet.",
    "portal-not-activated": "Please try again later",
    "stripe-refused": "Please try again later",
    "stripe-unreachable": "Please try again in a few minutes.",
}


def mock_page(server, control, wired, reason: str, parameters: dict) -> tuple[str, list[dict]]:
    case = MOCK_CASES[reason]
    wired({**case.get("setup", {}), "parameters": parameters})
    resp = httpx.get(f"{server.url}{SUITELET}", params=query_for(case["query"], server), timeout=20)
    assert resp.status_code == 200 and page_reason(resp.text) == reason
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    return resp.text, control.get("/_mock/portal-suitelet/log").json()


def script_page(reason: str, parameters: dict) -> dict:
    cid = MOCK_CASES[reason]["query"]["cid"]
    query = {"cid": cid} if reason == "bad-signature" else {"cid": cid, "sig": signed(cid)}
    scenario = {"secrets": {"custsecret_custsync_portal_link": SECRET}, "customers": SCRIPT_CUSTOMERS,
                "parameters": {SCRIPT_PARAMETER[k]: v for k, v in parameters.items()},
                "stripe": STRIPE_ANSWERS.get(reason)}
    done = subprocess.run(["node", str(HERE / "suitelet_script_harness.js")], capture_output=True, text=True,
                          input=json.dumps({"scenario": scenario, "query": query}), timeout=30, check=True)
    out = json.loads(done.stdout)
    assert out["status"] == 200 and page_reason(out["body"]) == reason, out
    return out


def without_reference(page: str) -> str:
    assert len(REFERENCE.findall(page)) == 1, "a page shows exactly one reference"
    return REFERENCE.sub("XXXX-XXXX", page)


@needs_node
@pytest.mark.parametrize("parameters", list(PARAMETER_SETS.values()), ids=list(PARAMETER_SETS))
@pytest.mark.parametrize("reason", REASONS)
def test_script_and_mock_show_the_same_page(server, control, wired, reason, parameters):
    mock, _ = mock_page(server, control, wired, reason, parameters)
    script = script_page(reason, parameters)
    assert script["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert without_reference(script["body"]) == without_reference(mock)


@needs_node
@pytest.mark.parametrize("reason", REASONS)
def test_script_logs_the_reference_its_page_shows(reason):
    out = script_page(reason, PARAMETER_SETS["email"])
    ref = REFERENCE.search(out["body"]).group(0)
    assert [e["details"].startswith(f"ref {ref}: ") for e in out["log"]] == [True]
    asked_stripe = reason not in ("bad-signature", "not-linked")
    assert [call["url"] for call in out["stripe"]] == (["https://api.stripe.com/v1/billing_portal/sessions"]
                                                       if asked_stripe else [])


def test_script_notes_why_it_could_not_read_the_customer():
    """A customer that does not exist (or a role that may not read customers) shows as not linked; the
    execution log says which NetSuite error it was, for the admin."""
    if shutil.which("node") is None:
        pytest.skip("node runs the SuiteScript")
    out = subprocess.run(["node", str(HERE / "suitelet_script_harness.js")], capture_output=True, text=True, input=(
        json.dumps({"scenario": {"secrets": {"custsecret_custsync_portal_link": SECRET}, "customers": {}},
                    "query": {"cid": "999", "sig": signed("999")}})), timeout=30, check=True)
    result = json.loads(out.stdout)
    assert page_reason(result["body"]) == "not-linked"
    assert "RCRD_DSNT_EXIST" in result["log"][0]["details"] and "RCRD_DSNT_EXIST" not in result["body"]


@pytest.mark.parametrize("parameters", list(PARAMETER_SETS.values()), ids=list(PARAMETER_SETS))
@pytest.mark.parametrize("reason", REASONS)
def test_each_page_passes_the_markup_checks(server, control, wired, reason, parameters):
    page, _ = mock_page(server, control, wired, reason, parameters)
    assert problems(page) == []


@pytest.mark.parametrize("reason", REASONS)
def test_each_page_names_the_company_the_contact_and_the_next_step(server, control, wired, reason):
    page, log = mock_page(server, control, wired, reason, PARAMETER_SETS["email"])
    text = visible_text(page)
    assert text.startswith("Acme Supply Co. ")
    assert NEXT_STEP[reason] in text
    assert '<a href="mailto:billing@acme-supply.test">billing@acme-supply.test</a>' in page
    assert "<title>" in page and "· Acme Supply Co.</title>" in page
    ref = REFERENCE.search(page).group(0)
    assert f"Reference for support: {ref}" in text
    assert log[-1]["details"].startswith(f"ref {ref}: ")  # support finds the execution log line by it
    # PayPack's sentence is a small reference line, and only where PayPack showed it (R7).
    shows_paypack = reason in ("portal-not-activated", "stripe-refused")
    assert (PORTAL_SENTENCE in page) == shows_paypack
    if shows_paypack:
        assert re.search(rf'<p class="ref">[^<]*<br>{PORTAL_SENTENCE}</p>', page)
        assert f"<h1>{PORTAL_SENTENCE}" not in page


def test_contact_as_a_web_page_or_as_text(server, control, wired):
    page, _ = mock_page(server, control, wired, "not-linked", PARAMETER_SETS["web page"])
    assert '<a href="https://initech.test/help/">initech.test/help</a>' in page
    assert "Initech &lt;Billing&gt; &amp; &quot;Co&quot;" in page and "<Billing>" not in page
    page, _ = mock_page(server, control, wired, "not-linked", PARAMETER_SETS["phone"])
    assert "Billing contact: +1 555 0100</p>" in page and "<a " not in page


def test_without_company_parameters_the_page_points_back_to_the_sender(server, control, wired):
    page, _ = mock_page(server, control, wired, "bad-signature", {})
    text = visible_text(page)
    assert "Please ask the company that sent you this link for a new link." in text
    assert 'class="company"' not in page and "Billing contact" not in page
    assert "<title>This billing link no longer works</title>" in page


def test_the_pages_keep_the_link_out_of_referers_and_search_engines(server, control, wired):
    """The page's own URL carries the customer's signed link: a click on the contact link must not send it."""
    page, _ = mock_page(server, control, wired, "not-linked", PARAMETER_SETS["web page"])
    assert '<meta name="referrer" content="no-referrer">' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page


@pytest.mark.parametrize("breakage, expected", [
    (('<html lang="en">', "<html>"), "no lang attribute"),
    (("</h1>\n", "</h1>\n<h3>Details</h3>\n"), "heading level skipped"),
    (('<meta name="viewport" content="width=device-width, initial-scale=1">', ""), "viewport"),
    (("<h1>", "<h3>"), "exactly one h1"),
    (("color:#4b5563", "color:#9ca3af"), "contrast"),
    (("system-ui,", "Georgia,"), "system font"),
    (("main{", "main{columns:2;"), "more than one column"),
    (('">billing@acme-supply.test</a>', '"></a>'), "without words"),
])
def test_the_markup_checks_find_what_is_wrong(server, control, wired, breakage, expected):
    page, _ = mock_page(server, control, wired, "bad-signature", PARAMETER_SETS["email"])
    old, new = breakage
    assert old in page
    found = problems(page.replace(old, new, 1))
    assert any(expected in p for p in found), found
