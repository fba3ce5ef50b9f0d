"""/_mock control endpoints (docs/mock-control-api.md): JSON, no auth, never faulted."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from . import dashboard, portal, portal_edits
from . import state as state_doc
from .faults import FaultError, validate

control = Blueprint("mock_control", __name__, url_prefix="/_mock")


def _rt():
    return current_app.extensions["mock_stripe"]


def _bad(message: str, field: str | None = None):
    body = {"error": message}
    if field:
        body["field"] = field
    return body, 400


def _json_body():
    return request.get_json(silent=True)


@control.get("/health")
def health():
    accounts = _rt().store.accounts()
    return {"ok": True, "service": "stripe", "account": accounts[0][0] if accounts else None}


@control.post("/reset")
def reset():
    rt = _rt()
    rt.reset()
    return Response(status=204)


@control.get("/state")
def get_state():
    return state_doc.dump(_rt().store)


@control.put("/state")
def put_state():
    doc = _json_body()
    if doc is None:
        return _bad("the body must be a JSON state document", "(document)")
    try:
        state_doc.load(_rt().store, doc)
    except state_doc.StateError as err:
        return _bad(str(err), err.field)
    return Response(status=204)


@control.get("/faults")
def get_faults():
    return dict(_rt().faults.settings)


@control.put("/faults")
def put_faults():
    try:
        changes = validate(_json_body())
    except FaultError as err:
        return _bad(str(err), err.field)
    _rt().faults.update(changes)
    return dict(_rt().faults.settings)


@control.get("/stats")
def stats():
    return _rt().faults.stats()


@control.get("/requests")
def get_requests():
    return Response(json.dumps(list(_rt().faults.log)), mimetype="application/json")


@control.delete("/requests")
def clear_requests():
    _rt().faults.log.clear()
    return Response(status=204)


def _target(body):
    """(account, mode) named by a control request (default: the first account, test mode), or a 400."""
    accounts = [a for a, _ in _rt().store.accounts()]
    account, mode = body.get("account") or (accounts[0] if accounts else state_doc.DEMO_ACCOUNT), body.get("mode", "test")
    if account not in accounts:
        return None, _bad(f"account: no account {account!r}", "account")
    if mode not in state_doc.MODES:
        return None, _bad("mode: must be test or live", "mode")
    return (account, mode), None


def _dashboard_change(change, body):
    """Run a change of a customer made outside the API (the Dashboard, the customer portal): 400 for a bad
    request (or one the portal refuses), 404 for a customer it cannot find."""
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object", "(document)")
    target, bad = _target(body)
    if bad:
        return bad
    try:
        return change(*target, _rt().faults.settings["search_lag_seconds"])
    except (state_doc.StateError, portal_edits.PortalEditRefused) as err:
        return _bad(str(err), err.field)
    except LookupError as err:
        return {"error": str(err)}, 404


@control.post("/customers")
def dashboard_insert():
    body = _json_body()
    customer = body.get("customer") if isinstance(body, dict) else None
    return _dashboard_change(lambda a, m, lag: dashboard.insert(_rt().store, a, m, customer, lag), body)


@control.patch("/customers/<customer_id>")
def dashboard_edit(customer_id: str):
    body = _json_body()
    changes = body.get("changes") if isinstance(body, dict) else None
    return _dashboard_change(lambda a, m, lag: dashboard.edit(_rt().store, a, m, customer_id, changes, lag), body)


@control.delete("/customers/<customer_id>")
def dashboard_delete(customer_id: str):
    return _dashboard_change(lambda a, m, lag: dashboard.delete(_rt().store, a, m, customer_id, lag),
                             request.args.to_dict())


@control.post("/portal")
def set_portal():
    body = _json_body()
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object", "(document)")
    rt = _rt()
    target, bad = _target(body)
    if bad:
        return bad
    account, mode = target
    if body.get("state") not in portal.STATES:
        return _bad("state: must be one of active, inactive, none", "state")
    portal.set_default_state(rt.store, account, mode, body["state"])
    return {"account": account, "mode": mode, "state": portal.default_state(rt.store, account, mode)}


@control.post("/portal/save-settings")
def save_portal_settings():
    """The Dashboard step: Settings -> Customer Portal -> Save (makes the default configuration); with
    `customer_update`, what its "Customer information" part lets customers change."""
    body = _json_body()
    if body is not None and not isinstance(body, dict):
        return _bad("the body must be a JSON object", "(document)")
    rt = _rt()
    target, bad = _target(body or {})
    if bad:
        return bad
    account, mode = target
    if body and "customer_update" in body:
        try:
            setting = portal_edits.customer_update_setting(body["customer_update"])
        except portal_edits.PortalEditRefused as err:
            return _bad(str(err), err.field)
        portal_edits.set_customer_update(rt.store, account, mode, setting)
    else:
        portal.save_portal_settings(rt.store, account, mode)
    cfg = portal.default_config(rt.store, account, mode)
    return {"account": account, "mode": mode, "state": portal.default_state(rt.store, account, mode),
            "customer_update": cfg["features"]["customer_update"]}


@control.post("/customers/<customer_id>/portal-edit")
def portal_edit(customer_id: str):
    """A customer changes their own details in the customer portal (what the configuration allows)."""
    body = _json_body()
    changes = body.get("changes") if isinstance(body, dict) else None
    return _dashboard_change(lambda a, m, lag: portal_edits.edit(_rt().store, a, m, customer_id, changes, lag), body)


def _clock(store):
    return {"now": store.now(), "offset_seconds": store.clock_offset()}


@control.get("/clock")
def get_clock():
    return _clock(_rt().store)


@control.post("/clock")
def advance_clock():
    body = _json_body()
    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return _bad("advance_seconds: must be a number", "advance_seconds")
    _rt().store.advance_clock(seconds)
    return _clock(_rt().store)
