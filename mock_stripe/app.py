"""The Flask app: Stripe API routes behind auth, faults, rate limits and idempotency."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, Response, current_app, g, request

from . import account, customers, events, listing, payment_methods, portal, validation
from . import state as state_doc
from .auth import authenticate
from .control import control
from .errors import StripeError, api_error, rate_limited, unrecognized_url
from .faults import PROFILES, Faults
from .forms import decode
from .idempotency import Idempotency, check_key, fingerprint
from .ids import new_id
from .store import Store

# Any other Stripe-Version gets Stripe's "Invalid Stripe API version: X" (400, invalid_request_error; as
# Stripe answers a version it does not know, e.g. stripe/stripe-java#682), with a note that the mock
# implements this one only.
from .version import API_VERSION


@dataclass
class Runtime:
    store: Store
    faults: Faults
    idempotency: Idempotency
    api_keys: list[str]
    session_ttl: float
    extras: dict = field(default_factory=dict)
    account: str = state_doc.DEMO_ACCOUNT  # the launch's account id: a reset keeps it

    def reset(self) -> None:
        """Back to the default state (clock, idempotency records, stats too); fault settings
        are launch settings and stay, the request log has its own DELETE."""
        self.store.clear()
        state_doc.load(self.store, state_doc.default_document(self.api_keys, self.account))
        self.faults.clear_windows()
        self.faults.reset_stats()


def runtime() -> Runtime:
    return current_app.extensions["mock_stripe"]


def create_app(db: str | None = None, state: str | dict | None = None, api_keys: list[str] | None = None,
               portal_session_ttl: float = portal.DEFAULT_SESSION_TTL, profile: str = "fast",
               account: str | None = None, **fault_settings) -> Flask:
    """`profile` (faults.PROFILES) sets the defaults; explicit fault settings override it. `account`: the
    default account's id (acct_demo unless given), kept by a reset."""
    if account is not None and not (account.startswith("acct_") and account[5:].isalnum()):
        raise ValueError(f"account {account!r}: must be acct_ followed by letters and digits")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    fault_settings = {**PROFILES[profile], **{k: v for k, v in fault_settings.items() if v is not None}}
    app = Flask("mock_stripe")
    store = Store(db)
    rt = Runtime(store=store, faults=Faults(**fault_settings), idempotency=Idempotency(store),
                 api_keys=list(api_keys or [state_doc.DEMO_KEY]), session_ttl=portal_session_ttl,
                 account=account or state_doc.DEMO_ACCOUNT)
    if state is not None:
        if isinstance(state, str):
            with open(state, encoding="utf-8") as fh:
                state = json.load(fh)
        state_doc.load(store, state)
    elif store.is_empty():
        rt.reset()
    app.extensions["mock_stripe"] = rt
    app.register_blueprint(control)
    _register_api(app)

    @app.before_request
    def _start():
        g.started = time.monotonic()
        g.request_id = new_id("req_", 14)

    @app.after_request
    def _finish(resp: Response):
        resp.headers.setdefault("Request-Id", g.get("request_id") or new_id("req_", 14))
        if request.path.startswith("/v1/"):
            resp.headers["Stripe-Version"] = API_VERSION
        if not request.path.startswith("/_mock"):
            path = request.path
            if path.startswith("/p/session/"):
                path = "/p/session/****"  # the token is a bearer secret
            rt.faults.record(request.method, path, resp.status_code,
                             (time.monotonic() - g.get("started", time.monotonic())) * 1000)
        return resp

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _no_route(exc):
        if request.path.startswith("/v1/"):
            return _error_response(unrecognized_url(request.method, request.path))
        if request.path.startswith("/_mock"):
            return {"error": exc.description}, exc.code
        return exc

    @app.errorhandler(500)
    def _crash(exc):
        return _error_response(api_error())

    return app


def _error_body(err: StripeError) -> dict:
    """Stripe's error body; with a known caller, the dashboard log URL of this request
    (https://docs.stripe.com/api/errors: request_log_url)."""
    body = err.body()
    log_url = g.get("request_log_url")
    if log_url:
        body["error"]["request_log_url"] = log_url
    return body


def _error_response(err: StripeError) -> Response:
    resp = Response(json.dumps(_error_body(err), indent=2), status=err.status, mimetype="application/json")
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp


def _json_response(status: int, body: str) -> Response:
    return Response(body, status=status, mimetype="application/json")


def _dropped(resp: Response) -> Response:
    """Promise more bytes than we send: waitress then closes the connection mid-body,
    which clients (httpx, requests) report as a broken/incomplete response."""
    body = resp.get_data()
    half = body[: len(body) // 2]
    dropped = Response([half], status=resp.status_code, headers=dict(resp.headers))
    dropped.headers["Content-Length"] = str(len(body) + 1024)
    dropped.direct_passthrough = True
    return dropped


def _params() -> dict:
    params = decode(request.query_string.decode("latin-1"))
    if request.method == "POST":
        body = decode(request.get_data(as_text=True))
        params.update(body)
    return params


def _execute(handler, caller, params: dict, kwargs: dict) -> tuple[int, str, bool]:
    """Run the endpoint on the parameters as Stripe's spec types them: (status, JSON body, whether it began
    executing)."""
    rt = runtime()
    # The injected latency is the endpoint's processing time: an idempotent request is in progress
    # (and a second one with its key gets a 409) for that long.
    rt.faults.delay()
    try:
        status, body = handler(rt.store, caller, validation.check(request.method, g.spec_path, params), **kwargs)
        return status, listing.dumps(body), True
    except StripeError as err:
        return err.status, json.dumps(_error_body(err), indent=2), err.executed
    except Exception:
        current_app.logger.exception("mock_stripe: endpoint failed")
        return 500, json.dumps(_error_body(api_error()), indent=2), True


def _check_version() -> None:
    version = request.headers.get("Stripe-Version")
    if version is not None and version != API_VERSION:
        raise StripeError(400, f"Invalid Stripe API version: {version} (mock_stripe implements {API_VERSION} "
                               "only, the version the installed stripe-python pins)", executed=False)


def endpoint(handler, spec_path: str, search: bool = False, **extra):
    """A route of the operation `spec_path` names in Stripe's spec (mock_stripe/spec): its rate limit is that
    operation's, its parameters are checked against that operation's schema."""
    @wraps(handler)
    def view(**kwargs):
        rt = runtime()
        g.spec_path = spec_path
        draw = rt.faults.draw()
        try:
            caller = authenticate(request.headers.get("Authorization"), rt.store)
            g.request_log_url = (f"https://dashboard.stripe.com/{'' if caller.livemode else 'test/'}logs/"
                                 f"{g.request_id}?t={int(time.time())}")
            _check_version()
            if rt.faults.admit(caller.account, caller.mode, f"{request.method} {spec_path}", search=search):
                rt.faults.count("429")
                raise rate_limited()
            if draw.rate_429:
                rt.faults.count("429")
                raise rate_limited()
            if draw.error:
                rt.faults.count("5xx")
                raise api_error("An unknown error occurred (mock_stripe injected fault before execution).")
            params = _params()
            kwargs.update({k: v(rt) if callable(v) else v for k, v in extra.items()})
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            if key:
                check_key(key)
                resp = _idempotent(rt, handler, caller, params, kwargs, key, draw)
                resp.headers["Idempotency-Key"] = key
            else:
                status, body, _ = _execute(handler, caller, params, kwargs)
                resp = _post_error(rt, draw, status, body)
        except StripeError as err:
            resp = _error_response(err)
        if draw.drop:
            rt.faults.count("dropped")
            return _dropped(resp)
        return resp

    return view


def _post_error(rt: Runtime, draw, status: int, body: str) -> Response:
    if draw.post_error and status < 500:
        rt.faults.count("5xx")
        resp = _error_response(api_error("An unknown error occurred (mock_stripe injected fault after execution)."))
        resp.headers["Stripe-Should-Retry"] = "false"
        return resp
    return _json_response(status, body)


def _idempotent(rt: Runtime, handler, caller, params, kwargs, key: str, draw) -> Response:
    fp = fingerprint(request.method, request.path, params)
    with rt.idempotency.locked(caller.account, caller.mode, key):
        found = rt.idempotency.lookup(caller.account, caller.mode, key, fp)
        if found is not None:
            status, body, original = found
            resp = _json_response(status, body)
            resp.headers["Idempotent-Replayed"] = "true"
            resp.headers["Original-Request"] = original
            if status >= 500:
                resp.headers["Stripe-Should-Retry"] = "false"
            return resp
        status, body, executed = _execute(handler, caller, params, kwargs)
        if executed and draw.post_error and status < 500:
            rt.faults.count("5xx")
            status, body = 500, json.dumps(_error_body(api_error(
                "An unknown error occurred (mock_stripe injected fault after execution).")), indent=2)
        if executed:
            rt.idempotency.save(caller.account, caller.mode, key, fp, status, body, g.request_id)
        resp = _json_response(status, body)
        if status >= 500:
            resp.headers["Stripe-Should-Retry"] = "false"
        return resp


def _register_api(app: Flask) -> None:
    def add(rule: str, method: str, handler, name: str, **extra):
        spec_path = validation.spec_path(method, rule)
        if spec_path is None:
            raise LookupError(f"{method} {rule} is not in mock_stripe/spec: vendor its operation first")
        app.add_url_rule(rule, name, endpoint(handler, spec_path, **extra), methods=[method])

    def lag(rt):
        return rt.faults.settings["search_lag_seconds"]

    def origin(rt):
        """The API request a change's event names (request.id, request.idempotency_key)."""
        return events.origin(g.request_id, request.headers.get("Idempotency-Key"))

    add("/v1/account", "GET", account.retrieve_current, "account_retrieve_current")
    add("/v1/customers", "POST", customers.create, "customers_create", lag_seconds=lag, origin=origin)
    add("/v1/customers", "GET", customers.list_, "customers_list")
    add("/v1/customers/search", "GET", customers.search, "customers_search", search=True)
    add("/v1/customers/<customer_id>", "GET", customers.retrieve, "customers_retrieve")
    add("/v1/customers/<customer_id>", "POST", customers.update, "customers_update", lag_seconds=lag, origin=origin)
    add("/v1/customers/<customer_id>", "DELETE", customers.delete, "customers_delete", lag_seconds=lag,
        origin=origin)
    add("/v1/customers/<customer_id>/payment_methods", "GET", payment_methods.list_for_customer,
        "customer_payment_methods")
    add("/v1/events", "GET", events.list_, "events_list")
    add("/v1/events/<event_id>", "GET", events.retrieve, "events_retrieve")
    add("/v1/payment_methods", "GET", payment_methods.list_, "payment_methods_list")
    add("/v1/billing_portal/configurations", "POST", portal.create_configuration, "bpc_create")
    add("/v1/billing_portal/configurations", "GET", portal.list_configurations, "bpc_list")
    add("/v1/billing_portal/configurations/<config_id>", "GET", portal.retrieve_configuration, "bpc_retrieve")
    add("/v1/billing_portal/configurations/<config_id>", "POST", portal.update_configuration, "bpc_update")
    add("/v1/billing_portal/sessions", "POST", portal.create_session, "bps_create",
        base_url=lambda rt: request.host_url, ttl=lambda rt: rt.session_ttl)

    @app.get("/p/session/<token>")
    def portal_page(token: str):
        status, html = portal.session_page(runtime().store, token)
        return Response(html, status=status, mimetype="text/html")
