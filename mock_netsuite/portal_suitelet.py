"""The external portal Suitelet (custsync_portal_suitelet.js of deploy/netsuite), as NetSuite would run it.

A customer opens `/app/site/hosting/scriptlet.nl?script=..&deploy=..&compid=..&cid=..&sig=..` without a
NetSuite session. NetSuite runs the script only when the deployment is Released; the script checks the
signature (HMAC-SHA256 of the customer id with a secret that stays in NetSuite), reads STRIPE CUSTOMER ID,
asks the Stripe API it is configured with for a billing-portal session over HTTP and redirects to it.
Each failure answers a page for the customer (portal_pages.py, the script's own template); the admin's
remedy goes to the script's execution log (`GET /_mock/portal-suitelet/log`) under the reference the page
shows. The contract is deploy/netsuite/portal_suitelet_contract.json.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque

from flask import Blueprint, Response, current_app, request

from .context import current
from .portal_pages import PORTAL_ERROR_TEXT, new_reference, page_html
from .portal_suitelet_config import DEFAULT_CONFIG

SUITELET_PATH = "/app/site/hosting/scriptlet.nl"
SIGNED_PREFIX = "custsync-portal-link:"  # what is signed: this prefix and the customer's internal id
KEY_ID_INPUT = "custsync-signing-key-id"  # signed to name the secret in force (signing_key_id)
CUSTOMER_ID = re.compile(r"^[1-9][0-9]{0,9}$")
SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
STRIPE_TIMEOUT_S = 10.0
LOG_MAX = 1000

# Unconfirmed (reference/netsuite.md): NetSuite's exact page for an external URL whose deployment is not
# released. The mock answers the RESTlet's code and wording for an unusable deployment, as an HTML page.
NOT_RELEASED_CODE = "SSS_INVALID_SCRIPTLET_ID"
NOT_RELEASED_MESSAGE = "That Suitelet is invalid, disabled, or no longer exists."

bp = Blueprint("portal_suitelet", __name__)


def signature(secret: str, customer_id: str) -> str:
    return hmac.new(secret.encode(), (SIGNED_PREFIX + customer_id).encode(), hashlib.sha256).hexdigest()


def signing_key_id(secret: str) -> str:
    """What names the secret in force without revealing it (the RESTlet's `signingKeyId`): 16 hex digits of
    HMAC-SHA256(secret, KEY_ID_INPUT). Rotating the secret (PATCH /_mock/portal-suitelet with a new
    signing_secret, as an administrator changes the API secret) changes it."""
    return hmac.new(secret.encode(), KEY_ID_INPUT.encode(), hashlib.sha256).hexdigest()[:16]


def current_signing_key_id() -> str:
    """The key id of the secret the links are signed with now (the Suitelet's and the RESTlet's)."""
    return signing_key_id((current().store.config().get("portal_suitelet") or DEFAULT_CONFIG)["signing_secret"])


def signed_link(base_url: str, account: str, cfg: dict, customer_id: str) -> str:
    """What url.resolveScript(..., returnExternalUrl: true, params: {cid, sig}) gives the RESTlet."""
    query = urllib.parse.urlencode({"script": cfg["scriptId"], "deploy": cfg["deploymentId"], "compid": account,
                                    "cid": customer_id, "sig": signature(cfg["signing_secret"], customer_id)})
    return f"{base_url.rstrip('/')}{SUITELET_PATH}?{query}"


# --- the execution log (N/log): where the admin's remedy goes --------------------------------------

def _log() -> tuple[deque, threading.Lock]:
    ext = current_app.extensions
    if "mock_netsuite_suitelet_log" not in ext:
        ext["mock_netsuite_suitelet_log"] = (deque(maxlen=LOG_MAX), threading.Lock())
    return ext["mock_netsuite_suitelet_log"]


def _script_log(level: str, title: str, details: str) -> None:
    entries, lock = _log()
    with lock:
        entries.append({"level": level, "title": title, "details": details})


def _refuse(cfg: dict, reason: str, level: str, title: str, details: str) -> Response:
    """The admin's remedy to the execution log and the customer's page, under one reference."""
    ref = new_reference()
    _script_log(level, title, f"ref {ref}: {details}")
    body = page_html(reason, ref, (cfg.get("company_name") or "").strip(), (cfg.get("support_contact") or "").strip())
    # A Suitelet's ServerResponse has no status setter: failure pages are ordinary 200 pages.
    return Response(body, status=200, content_type="text/html; charset=utf-8")


def _netsuite_error(code: str, message: str) -> Response:
    body = (f"<!doctype html>\n<html><head><title>Error</title></head>\n<body><h1>Error</h1>"
            f"<p><b>{code}</b></p><p>{html.escape(message)}</p></body></html>\n")
    return Response(body, status=400, content_type="text/html; charset=utf-8")


# --- the script -----------------------------------------------------------------------------------

@bp.route(SUITELET_PATH, methods=["GET", "POST"])
def scriptlet():
    store = current().store
    config = store.config()
    cfg = config.get("portal_suitelet") or dict(DEFAULT_CONFIG)
    script, deploy, compid = request.args.get("script"), request.args.get("deploy"), request.args.get("compid")
    deployment = next((d for d in config["deployments"]
                       if d["scriptId"] == script and d["deploymentId"] == deploy), None)
    usable = (deployment is not None and deployment["status"] == "RELEASED" and deployment.get("isDeployed", True)
              and (compid or "").upper() == config["account"].upper()
              and (script, deploy) == (cfg["scriptId"], cfg["deploymentId"]))
    if not usable:
        return _netsuite_error(NOT_RELEASED_CODE, NOT_RELEASED_MESSAGE)
    return run_script(store, cfg, request.args.get("cid"), request.args.get("sig"))


def run_script(store, cfg: dict, cid: str | None, sig: str | None) -> Response:
    """onRequest: the same checks, in the same order, as custsync_portal_suitelet.js."""
    if not cid or not sig or not CUSTOMER_ID.match(cid) or not SIGNATURE.match(sig):
        return _refuse(cfg, "bad-signature", "AUDIT", "portal link refused", "missing or malformed cid/sig: the link "
                       "was cut or altered; write the current link (custsync portal-link ID)")
    if not hmac.compare_digest(sig, signature(cfg["signing_secret"], cid)):
        return _refuse(cfg, "bad-signature", "AUDIT", "portal link refused", f"customer {cid}: signature does not "
                       "match (an old secret, or an altered link); write the current link (custsync portal-link ID, "
                       "or the next sync)")
    customer = store.customer(cid)
    stripe_id = (customer or {}).get(cfg["stripe_id_field"]) or ""
    if not stripe_id.strip():
        return _refuse(cfg, "not-linked", "AUDIT", "portal link refused",
                       f"customer {cid}: no STRIPE CUSTOMER ID; sync the customer first")
    if not cfg["stripe_base_url"] or not cfg["stripe_api_key"]:
        return _refuse(cfg, "stripe-unreachable", "ERROR", "portal link failed",
                       "the Stripe API key or base URL script parameter is empty")
    status, body = _create_session(cfg, stripe_id.strip())
    if status == 200 and isinstance(body, dict) and isinstance(body.get("url"), str):
        return Response(status=302, headers={"Location": body["url"]})
    error = body.get("error", {}) if isinstance(body, dict) else {}
    message = str(error.get("message") or "")
    if status is None or status >= 500 or status == 429:
        return _refuse(cfg, "stripe-unreachable", "ERROR", "portal link failed",
                       f"Stripe unreachable or failing ({status or message})")
    if error.get("code") == "resource_missing" and error.get("param") == "customer":
        return _refuse(cfg, "stale-customer", "ERROR", "portal link failed", f"customer {cid}: Stripe has no "
                       f"customer {stripe_id} (R2): clear STRIPE CUSTOMER ID to rematch")
    if "default configuration" in message.lower():
        return _refuse(cfg, "portal-not-activated", "ERROR", PORTAL_ERROR_TEXT, f"{message} Remedy: Stripe Dashboard "
                       "-> Settings -> Customer Portal -> Activate link.")
    return _refuse(cfg, "stripe-refused", "ERROR", PORTAL_ERROR_TEXT, f"Stripe refused the session ({status}): {message}")


def _create_session(cfg: dict, stripe_id: str) -> tuple[int | None, object]:
    data = urllib.parse.urlencode({"customer": stripe_id, "return_url": cfg["return_url"]}).encode()
    req = urllib.request.Request(f"{cfg['stripe_base_url'].rstrip('/')}/v1/billing_portal/sessions", data=data,
                                 method="POST", headers={"Authorization": f"Bearer {cfg['stripe_api_key']}",
                                                         "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=STRIPE_TIMEOUT_S) as resp:
            return resp.status, json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read().decode("utf-8"))
        except ValueError:
            return exc.code, None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, {"error": {"message": str(exc)}}


# --- control: the deployment's parameters and its execution log (loopback only) -------------------

def _loopback() -> Response | None:
    try:
        if ipaddress.ip_address(request.remote_addr or "").is_loopback:
            return None
    except ValueError:
        pass
    return Response(json.dumps({"error": "control endpoints answer loopback clients only"}), status=403,
                    content_type="application/json")


@bp.get("/_mock/portal-suitelet")
def get_config():
    return _loopback() or Response(json.dumps(current().store.config().get("portal_suitelet") or DEFAULT_CONFIG),
                                   content_type="application/json")


@bp.patch("/_mock/portal-suitelet")
def patch_config():
    """Change some of the Suitelet's parameters (e.g. wire it to a Stripe mock, or rotate the secret)."""
    refused = _loopback()
    if refused:
        return refused
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        return Response(json.dumps({"error": "the body must be a JSON object", "field": ""}), status=400,
                        content_type="application/json")
    store = current().store
    doc = store.document()
    doc["portal_suitelet"] = {**(doc.get("portal_suitelet") or DEFAULT_CONFIG), **changes}
    try:
        store.replace(doc)
    except ValueError as exc:
        field = getattr(exc, "field", "")
        return Response(json.dumps({"error": f"{field}: {exc}", "field": field}), status=400,
                        content_type="application/json")
    return Response(json.dumps(store.config()["portal_suitelet"]), content_type="application/json")


@bp.get("/_mock/portal-suitelet/log")
def get_log():
    refused = _loopback()
    if refused:
        return refused
    entries, lock = _log()
    with lock:
        return Response(json.dumps(list(entries)), content_type="application/json")
