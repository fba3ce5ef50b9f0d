"""The portal Suitelet's contract cases, as the tests open them: constants, signatures and queries."""
from __future__ import annotations

import hashlib
import hmac
import json
import re

from tests.support.ns_helpers import DEPLOY_DIR, SCRIPTS_DIR

CONTRACT = json.loads((DEPLOY_DIR / "portal_suitelet_contract.json").read_text())
SCRIPT = (SCRIPTS_DIR / "custsync_portal_suitelet.js").read_text()
RESTLET_SCRIPT = (SCRIPTS_DIR / "custsync_search_restlet.js").read_text()
SIGNATURE_MODULE = (SCRIPTS_DIR / "custsync_link_signature.js").read_text()  # both scripts sign with it
STRIPE_KEY = "sk_test_custsync_demo_4242424242424242"
SECRET = "contract-test-signing-secret-0123456789"
SUITELET = "/app/site/hosting/scriptlet.nl"
DEPLOY = "customdeploy_custsync_portal"
PORTAL_SENTENCE = "Getting error while generating customer portal Session URL"


def signed(cid: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), f"custsync-portal-link:{cid}".encode(), hashlib.sha256).hexdigest()


def query_for(case_query: dict, server) -> dict:
    q = {"script": "customscript_custsync_portal", "deploy": DEPLOY, "compid": server.account}
    for key, value in case_query.items():
        q[key] = value
    cid = q.get("cid", "")
    sig = q.get("sig")
    if sig == "SIGNED":
        q["sig"] = signed(cid)
    elif sig == "TAMPERED":
        good = signed(cid)
        q["sig"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    elif sig == "TRUNCATED":
        q["sig"] = signed(cid)[:40]
    elif sig and sig.startswith("SIGNED_FOR:"):
        q["sig"] = signed(sig.split(":", 1)[1])
    elif sig == "HUGE":
        q["sig"] = "a" * 50_000
    if q.get("pad") == "HUGE":
        q["pad"] = "x" * 50_000
    return q


def page_reason(text: str) -> str | None:
    found = re.search(r'<meta name="custsync-portal-page" content="([a-z-]+)">', text)
    return found.group(1) if found else None
