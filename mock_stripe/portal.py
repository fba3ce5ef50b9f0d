"""Billing portal: configurations, sessions, and the session page the URL points at."""

from __future__ import annotations

import html
import secrets

from .errors import StripeError, missing_parameter, resource_missing
from .forms import merge_metadata
from .ids import new_id
from .listing import list_object

KIND = "portal_configuration"
LABEL = "configuration"  # "No such configuration: 'bpc_x'" (exact Stripe wording unconfirmed)
STATES = ("active", "inactive", "none")
DEFAULT_SESSION_TTL = 300  # Stripe does not publish the lifetime; 5 minutes is our choice.
CANCELLATION_REASONS = ["too_expensive", "missing_features", "switched_service", "unused", "other"]


def config_defaults(obj_id: str, created: int, livemode: bool, is_default: bool) -> dict:
    """The whole object, every field the spec requires (2026-10-28.endive): the values of a configuration saved
    with the Dashboard's defaults (https://docs.stripe.com/api/customer_portal/configurations/object; the
    pause duration "Defaults to `interval_options` with a single one-month option", stripe-python 16.1.0)."""
    return {
        "id": obj_id, "object": "billing_portal.configuration", "active": True, "application": None,
        "business_profile": {"headline": None, "privacy_policy_url": None, "terms_of_service_url": None},
        "created": created, "default_return_url": None,
        "features": {
            "customer_update": {"allowed_updates": ["email", "tax_id"], "enabled": True},
            "invoice_history": {"enabled": True},
            "payment_method_update": {"enabled": True, "payment_method_configuration": None},
            "subscription_cancel": {
                "cancellation_reason": {"enabled": False, "feedback_options": None, "options": CANCELLATION_REASONS},
                "enabled": False, "mode": "at_period_end", "proration_behavior": "none"},
            "subscription_pause": {
                "duration": {"interval_options": [{"interval": "month", "interval_count": 1}], "type": "interval_options"},
                "enabled": False},
            "subscription_update": {"billing_cycle_anchor": None, "default_allowed_updates": [], "enabled": False,
                                    "products": None, "proration_behavior": "none",
                                    "schedule_at_period_end": {"conditions": []}, "trial_update_behavior": "end_trial"},
        },
        "is_default": is_default, "livemode": livemode, "login_page": {"enabled": False, "url": None},
        "metadata": {}, "name": None, "updated": created,
    }


def no_default_message(mode: str) -> str:
    return (f"No configuration provided and your {mode} mode default configuration has not been created. "
            f"Provide a configuration or create your default by saving your customer portal settings in "
            f"{mode} mode at https://dashboard.stripe.com/{'test/' if mode == 'test' else ''}settings/billing/portal.")


def _merged(current, change):
    """A typed parameter (validation.check) over the object's value: objects merge key by key, `""` unsets
    (an empty list where the object holds a list, else null)."""
    if change == "":
        return [] if isinstance(current, list) else None
    if isinstance(change, dict) and isinstance(current, dict):
        return {**current, **{k: _merged(current.get(k), v) for k, v in change.items()}}
    if isinstance(change, list):
        return [_merged(None, item) for item in change]
    return change


def _apply(obj: dict, params: dict, now: int) -> None:
    for key, value in params.items():
        if key == "expand":
            continue
        if key == "metadata":
            obj["metadata"] = merge_metadata(obj["metadata"], value)
        elif key in ("default_return_url", "name"):
            obj[key] = value or None
        elif key == "login_page":
            # login_page.url is Stripe's to give (a link that shows the portal's login); the mock has none.
            obj[key] = {**obj[key], **value}
        else:
            obj[key] = _merged(obj.get(key), value)
    obj["updated"] = now


def _get(store, caller, config_id: str, param: str = "configuration", status: int = 404):
    row = store.get(caller.account, caller.mode, KIND, config_id)
    if row is None:
        raise resource_missing(LABEL, config_id, param=param, status=status)
    return row.data


def default_config(store, account: str, mode: str) -> dict | None:
    for row in store.all(account, mode, KIND):
        if row.data.get("is_default"):
            return row.data
    return None


def default_state(store, account: str, mode: str) -> str:
    cfg = default_config(store, account, mode)
    return "none" if cfg is None else ("active" if cfg["active"] else "inactive")


def set_default_state(store, account: str, mode: str, state: str) -> None:
    """'active'/'inactive': a default configuration exists with that flag; 'none': no default is saved."""
    with store.tx():
        cfg = default_config(store, account, mode)
        if state == "none":
            if cfg is not None:
                store.delete(account, mode, KIND, cfg["id"])
            return
        if cfg is None:
            cfg = config_defaults(new_id("bpc_"), store.now(), mode == "live", is_default=True)
            cfg["active"] = state == "active"
            store.insert(account, mode, KIND, cfg)
        else:
            cfg["active"] = state == "active"
            cfg["updated"] = store.now()
            store.put(account, mode, KIND, cfg)


def save_portal_settings(store, account: str, mode: str) -> None:
    """The Dashboard step (Settings -> Customer Portal -> Save / Activate link): the one way a default
    configuration comes to exist, or an inactive default becomes active again."""
    set_default_state(store, account, mode, "active")


def create_configuration(store, caller, params: dict, **_):
    # A configuration made through the API is never the default, even the account's first one: only
    # saving the portal settings in the Dashboard makes the default (Stripe: "is_default: Whether the
    # configuration is the default. If true, this configuration can be managed in the Dashboard";
    # https://docs.stripe.com/api/customer_portal/configurations).
    with store.tx():
        now = store.now()
        obj = config_defaults(new_id("bpc_"), now, caller.livemode, is_default=False)
        _apply(obj, params, now)
        store.insert(caller.account, caller.mode, KIND, obj)
    return 200, obj


def retrieve_configuration(store, caller, params: dict, config_id: str):
    return 200, _get(store, caller, config_id, param="configuration")


def update_configuration(store, caller, params: dict, config_id: str):
    with store.tx():
        obj = _get(store, caller, config_id, param="configuration")
        _apply(obj, params, store.now())
        store.put(caller.account, caller.mode, KIND, obj)
    return 200, obj


def list_configurations(store, caller, params: dict, **_):
    filters = [(f"json_extract(data, '$.{name}') = ?", (int(params[name]),))
               for name in ("is_default", "active") if name in params]
    return 200, list_object(store, caller, KIND, LABEL, params, filters, "/v1/billing_portal/configurations")


def create_session(store, caller, params: dict, base_url: str, ttl: float = DEFAULT_SESSION_TTL, **_):
    """https://docs.stripe.com/api/customer_portal/sessions/create at 2026-10-28.endive: `customer` or
    `customer_account` (the mock has no v2 Accounts: an account id names nothing here), `after_expiration`
    (session recovery by email, changelog 2026-10-28: stored, returned and offered on the expired page)."""
    if "customer" in params and "customer_account" in params:
        raise StripeError(400, "You may only specify one of these parameters: customer, customer_account.",
                          executed=False)
    if "customer_account" in params:
        raise resource_missing("account", params["customer_account"], param="customer_account", status=400)
    if "customer" not in params:
        raise missing_parameter("customer")
    customer_id = params["customer"]
    row = store.get(caller.account, caller.mode, "customer", customer_id)
    if row is None or row.deleted:
        raise resource_missing("customer", customer_id, param="customer", status=400)
    if "configuration" in params:
        cfg = _get(store, caller, params["configuration"], status=400)
        if not cfg["active"]:
            # Wording unconfirmed.
            raise StripeError(400, f"The configuration {cfg['id']} is inactive and cannot be used to "
                                   "create portal sessions.", param="configuration")
    else:
        cfg = default_config(store, caller.account, caller.mode)
        # An inactive default is refused like a missing one: either way the portal is not activated.
        if cfg is None or not cfg["active"]:
            raise StripeError(400, no_default_message(caller.mode))
    after = params.get("after_expiration")
    flow = _flow(params["flow_data"]) if "flow_data" in params else None
    token = f"{caller.mode}_{secrets.token_urlsafe(32)}"
    now = store.now()
    session = {
        "id": new_id("bps_"), "object": "billing_portal.session",
        "after_expiration": None if after is None else {
            "customer_login": {"expires_at": (after.get("customer_login") or {}).get("expires_at")}
            if "customer_login" in after else None, "type": after["type"]},
        "configuration": cfg["id"], "created": now, "customer": customer_id, "customer_account": None,
        "flow": flow, "livemode": caller.livemode, "locale": params.get("locale"),
        "on_behalf_of": params.get("on_behalf_of"), "return_url": params.get("return_url", cfg["default_return_url"]),
        "url": f"{base_url.rstrip('/')}/p/session/{token}",
    }
    store.session_put(token, caller.account, caller.mode, session, store.now_float() + ttl)
    return 200, session


SUBSCRIPTION_FLOWS = ("subscription_cancel", "subscription_pause", "subscription_update", "subscription_update_confirm")


def _flow(data: dict) -> dict:
    """A deep-link flow (https://docs.stripe.com/customer-management/portal-deep-links). The subscription flows
    name a subscription, and the mock has none: refused as Stripe refuses an id that names nothing."""
    kind = data["type"]
    if kind in SUBSCRIPTION_FLOWS:
        if kind not in data:
            raise missing_parameter(f"flow_data[{kind}]")
        raise resource_missing("subscription", data[kind]["subscription"], param=f"flow_data[{kind}][subscription]",
                               status=400)
    after = data.get("after_completion") or {"type": "portal_homepage"}
    hosted = after.get("hosted_confirmation")
    return {"after_completion": {
                "hosted_confirmation": {"custom_message": hosted.get("custom_message")} if hosted is not None else None,
                "redirect": after.get("redirect"), "type": after["type"]},
            "customer_update": {} if kind == "customer_update" else None,
            **dict.fromkeys(SUBSCRIPTION_FLOWS), "type": kind}


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def session_page(store, token: str) -> tuple[int, str]:
    found = store.session_get(token)
    if found is None:
        return 404, _PAGE.format(title="Portal session not found", body="<p>This link is not valid.</p>")
    account, mode, expires_at, session = found
    if store.now_float() >= expires_at:
        after = session.get("after_expiration") or {}
        deadline = (after.get("customer_login") or {}).get("expires_at")
        if after.get("type") == "customer_login" and (deadline is None or store.now() < deadline):
            return 410, _PAGE.format(title="Portal session expired", body=(
                "<p id=\"recovery\">This portal session has expired. Verify your email address to receive a new "
                "session.</p><p>(mock_stripe: the verification itself is not implemented.)</p>"))
        return 410, _PAGE.format(title="Portal session expired",
                                 body="<p>This portal session has expired. Ask for a new link.</p>")
    row = store.get(account, mode, "customer", session["customer"])
    customer = row.data if row and not row.deleted else {}
    parts = [f"<p>Customer: <code id=\"customer\">{html.escape(session['customer'])}</code></p>"]
    for field in ("name", "email"):
        if customer.get(field):
            parts.append(f"<p>{field.capitalize()}: <span id=\"{field}\">{html.escape(customer[field])}</span></p>")
    parts.append(f"<p>Mode: {mode}</p>")
    if session.get("return_url"):
        parts.append(f"<p><a id=\"return\" href=\"{html.escape(session['return_url'])}\">Return</a></p>")
    return 200, _PAGE.format(title="Billing portal (mock_stripe)", body="\n".join(parts))
