"""The Flask app: service blueprints behind governance, fault injection and OAuth; /_mock control."""
from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from email.utils import formatdate

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from . import control, oauth2, portal_suitelet, records, restlet, suiteql_endpoint
from .auth import DEMO_CREDENTIALS, AuthError, Credentials, Verifier
from .clock import Clock
from .context import MockContext, current
from .errors import INVALID_LOGIN_DETAIL, NsError, RestletError, ns_error_response, restlet_error_response
from .faults import Faults
from .integrations import IntegrationError, launch_integration
from .oauth2_tokens import BearerRefused, TokenService
from .state import Store

log = logging.getLogger("mock_netsuite")


def _is_control(path: str) -> bool:
    return path == "/_mock" or path.startswith("/_mock/")


def _is_external(path: str) -> bool:
    """An external ("Available Without Login") Suitelet URL: no token, no session."""
    return path == portal_suitelet.SUITELET_PATH


def _is_restlet(path: str) -> bool:
    return path == restlet.RESTLET_PATH


def _error(status: int, rest_code: str, restlet_code: str, message: str, headers: dict | None = None) -> Response:
    """The same failure in the REST shape or, on the RESTlet path, in the RESTlet shape."""
    if _is_restlet(request.path):
        return restlet_error_response(status, restlet_code, message, headers)
    return ns_error_response(status, rest_code, message, headers=headers)


def create_app(*, db: str | None = None, state: dict | str | None = None,
               consumer_key: str | None = None, consumer_secret: str | None = None,
               token_id: str | None = None, token_secret: str | None = None,
               latency_ms: float | None = None, error_rate: float | None = None, rate_429: float | None = None,
               drop_rate: float | None = None, seed: int | None = None,
               concurrency_limit: int | None = 5, m2m_client_id: str | None = None,
               m2m_certificate_id: str | None = None, m2m_certificate: str | None = None, account: str | None = None) -> Flask:
    """`m2m_*`: an integration record with one client credentials mapping (the PEM certificate, public part)
    that the account has from the start and keeps through /_mock/reset, as it keeps the TBA credentials.
    `account`: the account id (the OAuth realm) this mock answers as, kept by a reset (default 1234567_SB1)."""
    m2m = None
    if m2m_certificate is not None:
        if not m2m_client_id or not m2m_certificate_id:
            raise ValueError("an M2M certificate needs its client id and certificate id")
        try:
            launch = [launch_integration(m2m_client_id, m2m_certificate_id, m2m_certificate)]
        except IntegrationError as exc:
            raise ValueError(f"the M2M certificate {exc.message}") from None
        m2m = {"client_id": m2m_client_id, "certificate_id": m2m_certificate_id}
    store = Store(db, default_integrations=launch if m2m else [], account=account)
    if isinstance(state, str):
        with open(state, encoding="utf-8") as fh:
            state = json.load(fh)
    if state is not None:
        store.replace(state)
    creds = Credentials(consumer_key or DEMO_CREDENTIALS["consumer_key"],
                        consumer_secret or DEMO_CREDENTIALS["consumer_secret"],
                        token_id or DEMO_CREDENTIALS["token_id"],
                        token_secret or DEMO_CREDENTIALS["token_secret"])
    faults = Faults(latency_ms=latency_ms, error_rate=error_rate, rate_429=rate_429, drop_rate=drop_rate,
                    seed=seed, concurrency_limit=concurrency_limit)
    clock = Clock()
    verifier = Verifier(lambda: store.config()["account"], creds, clock=clock.now)

    app = Flask("mock_netsuite")
    app.extensions["mock_netsuite"] = MockContext(store=store, faults=faults, credentials=creds, verifier=verifier,
                                                  clock=clock, tokens=TokenService(store), m2m=m2m)
    for bp in (control.bp, oauth2.bp, records.bp, suiteql_endpoint.bp, restlet.bp, portal_suitelet.bp):
        app.register_blueprint(bp)

    @app.before_request
    def governance_faults_auth():
        if _is_control(request.path):
            return None
        if _is_external(request.path) or oauth2.is_token_path(request.path):
            # External Suitelets run without a login; the token endpoint is the login. Unconfirmed whether
            # token requests count against the account's concurrency limit: here they do not.
            g.started = time.monotonic()  # logged (path only: the link's signature stays out of the log)
            return None
        ctx = current()
        g.started = time.monotonic()
        # Authentication comes first: a request with bad credentials is refused as such (401) and
        # never takes one of the account's concurrency slots.
        authorization = request.headers.get("Authorization") or ""
        bearer = authorization[:7].lower() == "bearer "
        try:
            if bearer:
                surface = "restlets" if _is_restlet(request.path) else "rest_webservices"
                ctx.tokens.check_bearer(authorization[7:].strip(), surface, ctx.clock.now())
            else:
                ctx.verifier.verify(method=request.method, scheme=request.scheme, host=request.host,
                                    path=request.path, query_string=request.query_string.decode("latin-1"),
                                    authorization=authorization or None,
                                    content_type=request.headers.get("Content-Type", ""), body=request.get_data())
        except (AuthError, BearerRefused) as exc:
            log.debug("auth refused: %s", exc)
            ctx.audit("oauth2" if bearer else "tba", str(exc))
            account = ctx.store.config()["account"]
            # Unconfirmed: the WWW-Authenticate header NetSuite sends for a refused bearer token; the mock
            # answers in RFC 6750's form, with the TBA refusal's words.
            challenge = (f'Bearer realm="{account}", error="invalid_token", error_description="Invalid login attempt."'
                         if bearer else f'OAuth realm="{account}", error="token_rejected", '
                         'error_description="Invalid login attempt."')
            headers = {"WWW-Authenticate": challenge}
            if _is_restlet(request.path):
                return restlet_error_response(401, "INVALID_LOGIN_ATTEMPT", "Invalid login attempt.", headers)
            return ns_error_response(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL, headers=headers)
        g.entered = ctx.faults.enter()
        if not g.entered:
            return _error(429 if not _is_restlet(request.path) else 400, "CONCURRENCY_LIMIT_EXCEEDED",
                          "SSS_REQUEST_LIMIT_EXCEEDED",
                          "Concurrent request limit exceeded. Request blocked.")
        plan = ctx.faults.draw()
        if plan["latency_s"]:
            time.sleep(plan["latency_s"])
        if plan["error"]:
            code = "UNEXPECTED_ERROR" if plan["error"] == 500 else "SERVICE_UNAVAILABLE"
            return _error(plan["error"], code, code, "An unexpected error occurred (injected by the mock).")
        if plan["rate_429"]:
            # A RESTlet answers governance refusals with 400 SSS_REQUEST_LIMIT_EXCEEDED, REST with 429.
            return _error(429 if not _is_restlet(request.path) else 400, "CONCURRENCY_LIMIT_EXCEEDED",
                          "SSS_REQUEST_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.")
        g.drop = plan["drop"]
        return None

    @app.after_request
    def drop_and_log(response: Response):
        if _is_control(request.path) or "started" not in g:
            return response
        # NetSuite's clock, as a client sees it (and compares its own to, when a token is refused).
        response.headers["Date"] = formatdate(current().clock.now(), usegmt=True)
        if g.get("drop"):
            response = _dropped(response)
        latency_ms = round((time.monotonic() - g.started) * 1000, 1)
        ctx = current()
        with ctx.log_lock:
            ctx.request_log.append({"ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                                    "method": request.method, "path": request.path,
                                    "status": response.status_code, "latency_ms": latency_ms})
        return response

    @app.teardown_request
    def leave(_exc):
        if g.get("entered"):
            current().faults.leave()
            g.entered = False

    @app.errorhandler(NsError)
    def ns_error(exc: NsError):
        return exc.response()

    @app.errorhandler(RestletError)
    def restlet_error(exc: RestletError):
        return exc.response()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _is_control(request.path):
            return Response(json.dumps({"error": exc.description}), status=exc.code, content_type="application/json")
        if exc.code == 404:
            return _error(404, "NONEXISTENT_ID", "NONEXISTENT_ID", "The requested resource does not exist.")
        if exc.code == 405:
            return _error(405, "INVALID_REQUEST", "INVALID_REQUEST", f"The {request.method} method is not allowed here.")
        return _error(exc.code or 500, "INVALID_REQUEST", "INVALID_REQUEST", exc.description or "Bad request.")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error")
        if _is_control(request.path):
            return Response(json.dumps({"error": "internal error"}), status=500, content_type="application/json")
        return _error(500, "UNEXPECTED_ERROR", "UNEXPECTED_ERROR", "An unexpected error occurred.")

    return app


def _dropped(response: Response) -> Response:
    """The handler ran, but the client gets a truncated body on a closing connection.

    A Content-Length larger than the bytes sent makes waitress close the socket after the short body,
    so the client sees the connection drop mid-response (httpx raises RemoteProtocolError)."""
    body = response.get_data() or b'{"links": []}'
    partial = body[: max(1, len(body) // 2)]
    dropped = Response(partial, status=200 if response.status_code == 204 else response.status_code,
                       content_type=response.content_type or "application/json")
    dropped.headers["Content-Length"] = str(len(body) + 64)
    return dropped
