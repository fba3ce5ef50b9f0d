"""/_mock control endpoints (docs/mock-control-api.md): no auth, loopback only, never faulted."""
from __future__ import annotations

import ipaddress
import json

from flask import Blueprint, Response, request

from .context import current
from .faults import FaultSettingsError
from .state import StateError

bp = Blueprint("control", __name__, url_prefix="/_mock")


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _bad(field: str, message: str) -> Response:
    return _json({"error": f"{field}: {message}" if field else message, "field": field}, 400)


def _body():
    try:
        return json.loads(request.get_data().decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise StateError("", f"the body is not valid JSON ({exc})") from None


@bp.before_request
def loopback_only():
    try:
        if ipaddress.ip_address(request.remote_addr or "").is_loopback:
            return None
    except ValueError:
        pass
    return _json({"error": "control endpoints answer loopback clients only"}, 403)


@bp.get("/health")
def health():
    return _json({"ok": True, "service": "netsuite", "account": current().store.config()["account"]})


@bp.post("/reset")
def reset():
    """Back to the default state document, the real time, no access token issued. Fault settings, stats
    and the request log are kept."""
    ctx = current()
    ctx.store.reset()
    ctx.clock.reset()
    ctx.tokens.reset()
    with ctx.log_lock:
        ctx.login_audit.clear()
    return Response(status=204)


def _clock() -> dict:
    clock = current().clock
    return {"now": clock.now(), "offset_seconds": clock.offset}


@bp.get("/clock")
def get_clock():
    return _json(_clock())


@bp.post("/clock")
def advance_clock():
    """{"advance_seconds": n}: NetSuite's clock moves on (tokens expire, certificates age)."""
    try:
        body = _body()
    except StateError as exc:
        return _bad(exc.field, exc.message)
    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return _bad("advance_seconds", "must be a number")
    current().clock.advance(seconds)
    return _json(_clock())


@bp.get("/login-audit")
def login_audit():
    """NetSuite's Login Audit Trail, the Detail column: why each refused login was refused, oldest first."""
    ctx = current()
    with ctx.log_lock:
        return _json(list(ctx.login_audit))


@bp.delete("/login-audit")
def clear_login_audit():
    ctx = current()
    with ctx.log_lock:
        ctx.login_audit.clear()
    return Response(status=204)


@bp.get("/state")
def get_state():
    return _json(current().store.document())


@bp.put("/state")
def put_state():
    try:
        current().store.replace(_body())
    except StateError as exc:
        return _bad(exc.field, exc.message)
    return Response(status=204)


@bp.get("/faults")
def get_faults():
    return _json(current().faults.settings())


@bp.put("/faults")
def put_faults():
    try:
        body = _body()
    except StateError as exc:
        return _bad(exc.field, exc.message)
    if not isinstance(body, dict):
        return _bad("", "the fault settings must be a JSON object")
    try:
        return _json(current().faults.update(body))
    except FaultSettingsError as exc:
        return _bad(exc.field, exc.message)


@bp.get("/stats")
def stats():
    return _json(current().faults.stats())


@bp.get("/requests")
def get_requests():
    """Service requests only (control calls are not logged), oldest first."""
    ctx = current()
    with ctx.log_lock:
        return _json(list(ctx.request_log))


@bp.delete("/requests")
def clear_requests():
    ctx = current()
    with ctx.log_lock:
        ctx.request_log.clear()
    return Response(status=204)
