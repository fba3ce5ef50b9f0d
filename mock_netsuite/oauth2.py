"""The OAuth 2.0 token endpoint (client credentials): the HTTP face of oauth2_tokens, where the rules
and the Oracle pages they follow are."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from .context import current
from .oauth2_tokens import TOKEN_PATH, Refusal

bp = Blueprint("oauth2", __name__)


def _oauth_error(refusal: Refusal) -> Response:
    status = 401 if refusal.error == "invalid_client" else 400
    resp = Response(json.dumps({"error": refusal.error}), status=status, content_type="application/json")
    if status == 401:
        resp.headers["WWW-Authenticate"] = f'Basic realm="{current().store.config()["account"]}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route(TOKEN_PATH, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def token_endpoint():
    ctx = current()
    now = ctx.clock.now()
    try:
        if request.method != "POST":
            raise Refusal("invalid_request", f"MethodNotAllowed: {request.method}")
        if request.mimetype != "application/x-www-form-urlencoded":
            raise Refusal("invalid_request", f"UnsupportedContentType: {request.mimetype or 'none'}")
        endpoint = request.base_url  # scheme, host and path as the client reached them: what aud must name
        answer = ctx.tokens.issue(request.form.to_dict(flat=False), endpoint, now)
    except Refusal as refusal:
        ctx.audit("oauth2", refusal.detail)
        return _oauth_error(refusal)
    resp = Response(json.dumps(answer), status=200, content_type="application/json")
    resp.headers["Cache-Control"] = "no-store"  # RFC 6749 5.1
    resp.headers["Pragma"] = "no-cache"
    return resp


def is_token_path(path: str) -> bool:
    return path == TOKEN_PATH
