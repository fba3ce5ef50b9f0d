"""The custsync saved-search RESTlet (custsync_search_restlet.js of deploy/netsuite), as NetSuite would run it."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from . import portal_suitelet, restlet_customers, restlet_writeback
from .context import current
from .errors import RestletError
from .fields import search_value
from .portal_suitelet_config import DEFAULT_CONFIG as SUITELET_DEFAULTS
from .restlet_search import describe_columns, find_search, matching_customers, page_args, page_of, search_id_of

bp = Blueprint("restlet", __name__)

RESTLET_PATH = "/app/site/hosting/restlet.nl"
SEARCH_SCRIPT = "customscript_custsync_search"
MAX_LINK_IDS = 1000  # customer ids a portalLinks call may ask for
ACTIONS = '"columns", "results", "customers", "writeBack", "portalLinks" or "signingKey"'


def _find_deployment(script: str | None, deploy: str | None) -> dict:
    """By script ids or by the numbers a deployment's URL shows (script=133&deploy=1), or a mix."""
    for dep in current().store.config()["deployments"]:
        script_hit = script in (dep["scriptId"], str(dep.get("scriptNumber")))
        if script_hit and deploy in (dep["deploymentId"], str(dep.get("deployNumber"))):
            if dep["status"] == "RELEASED" and dep.get("isDeployed", True):
                return dep
            break
    # Unconfirmed: code and wording for a missing or unreleased deployment.
    raise RestletError("SSS_INVALID_SCRIPTLET_ID", "That Suitelet is invalid, disabled, or no longer exists.")


@bp.route(RESTLET_PATH, methods=["GET", "POST", "PUT", "DELETE"])
def restlet():
    dep = _find_deployment(request.args.get("script"), request.args.get("deploy"))
    if dep["scriptId"] != SEARCH_SCRIPT:
        # The mock carries the code of one RESTlet only; other released scripts are not RESTlets here.
        raise RestletError("SSS_INVALID_SCRIPTLET_ID", "That Suitelet is invalid, disabled, or no longer exists.")
    if request.method != "POST":
        # Unconfirmed: what NetSuite answers for an HTTP method with no entry point in the script.
        raise RestletError("SSS_INVALID_HTTP_METHOD",
                           f"The RESTlet has no {request.method.lower()} entry point; use POST.", status=405)
    try:
        body = json.loads(request.get_data().decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        # Unconfirmed: NetSuite's own error for a JSON RESTlet call whose body does not parse.
        raise RestletError("INVALID_REQUEST", "The request body is not valid JSON.") from None
    result = handle(body)
    return Response(json.dumps(result), status=200, content_type="application/json")


def handle(body) -> dict:
    """The script's post() entry point: the same checks, in the same order, as the .js file."""
    if not isinstance(body, dict):
        raise RestletError("INVALID_REQUEST", "The request body must be a JSON object.")
    action = body.get("action")
    if action == "portalLinks":
        return portal_links(body)
    if action == "signingKey":
        return {"signingKeyId": portal_suitelet.current_signing_key_id()}
    if action == "customers":
        return restlet_customers.customers(body)
    if action == "writeBack":
        return restlet_writeback.write_back(body)
    if action not in ("columns", "results"):
        raise RestletError("INVALID_ACTION", f"Unknown action {json.dumps(action)}; use {ACTIONS}.")
    search_id = search_id_of(body)
    search = find_search(search_id)
    columns = describe_columns(search)
    if action == "columns":
        return {"searchId": search_id, "recordType": search["recordType"], "columns": columns}

    page, page_size = page_args(body)
    matching = matching_customers(search["criteria"])
    paged = page_of(matching, page, page_size)
    rows = paged.pop("rows")
    results = [{"id": c["id"], "values": {col["name"]: _value(c, col["name"]) for col in columns}} for c in rows]
    return {"searchId": search_id, "columns": columns, **paged, "results": results}


def _value(customer: dict, column: str):
    value = search_value(customer, column)
    return None if value == "" else value


def portal_links(body: dict) -> dict:
    """Signed links to the portal Suitelet for a batch of customer ids: the secret never leaves NetSuite.

    Ids are not looked up: a link for a customer that does not exist (or is not linked) answers the
    Suitelet's page for that case when opened.
    """
    ids = body.get("customerIds")
    if ids is None:
        raise RestletError("SSS_MISSING_REQD_ARGUMENT", "Missing a required argument: customerIds")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_LINK_IDS:
        raise RestletError("INVALID_REQUEST", f"customerIds must be a list of 1 to {MAX_LINK_IDS} internal ids.")
    for cid in ids:
        if not isinstance(cid, str) or not portal_suitelet.CUSTOMER_ID.match(cid):
            shown = json.dumps(cid)[:40]
            raise RestletError("INVALID_CUSTOMER_ID", f"{shown} is not a customer internal id (digits, as a string).")
    config = current().store.config()
    cfg = config.get("portal_suitelet") or SUITELET_DEFAULTS
    base = request.host_url  # on a real account: https://<account>.extforms.netsuite.com
    links = [{"id": cid, "url": portal_suitelet.signed_link(base, config["account"], cfg, cid)} for cid in ids]
    return {"scriptId": cfg["scriptId"], "deploymentId": cfg["deploymentId"], "links": links}
