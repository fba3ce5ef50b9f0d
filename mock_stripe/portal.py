"""Billing portal: configurations, sessions, and the session page the URL points at."""

from __future__ import annotations

import html
import secrets

from .errors import StripeError, missing_parameter, resource_missing
from .forms import as_bool, as_dict, as_str, check_known, merge_metadata
from .ids import new_id
from .listing import LIST_PARAMS, list_object

KIND = "portal_configuration"
LABEL = "configuration"  # "No such configuration: 'bpc_x'" (exact Stripe wording unconfirmed)
STATES = ("active", "inactive", "none")
DEFAULT_SESSION_TTL = 300  # Stripe does not publish the lifetime; 5 minutes is our choice.
CONFIG_PARAMS = {"business_profile", "default_return_url", "features", "login_page", "metadata", "name", "expand"}


def config_defaults(obj_id: str, created: int, livemode: bool, is_default: bool) -> dict:
    return {
        "id": obj_id, "object": "billing_portal.configuration", "active": True, "application": None,
        "business_profile": {"headline": None, "privacy_policy_url": None, "terms_of_service_url": None},
        "created": created, "default_return_url": None,
        "features": {
            "customer_update": {"allowed_updates": ["email", "tax_id"], "enabled": True},
            "invoice_history": {"enabled": True},
            "payment_method_update": {"enabled": True},
            "subscription_cancel": {"enabled": False, "mode": "at_period_end", "proration_behavior": "none"},
            "subscription_update": {"default_allowed_updates": [], "enabled": False,
                                    "proration_behavior": "none"},
        },
        "is_default": is_default, "livemode": livemode, "login_page": {"enabled": False, "url": None},
        "metadata": {}, "name": None, "updated": created,
    }


def no_default_message(mode: str) -> str:
    return (f"No configuration provided and your {mode} mode default configuration has not been created. "
            f"Provide a configuration or create your default by saving your customer portal settings in "
            f"{mode} mode at https://dashboard.stripe.com/{'test/' if mode == 'test' else ''}settings/billing/portal.")


def _form_value(value):
    """Nested form values as JSON: "true"/"false" -> bool, digit-keyed dicts -> lists."""
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [_form_value(value[k]) for k in sorted(value, key=int)]
        return {k: _form_value(v) for k, v in value.items()}
    if value in ("true", "false"):
        return value == "true"
    return value


def _deep_merge(base, changes):
    if isinstance(base, dict) and isinstance(changes, dict):
        return {**base, **{k: _deep_merge(base.get(k), v) for k, v in changes.items()}}
    return changes


def _apply(obj: dict, params: dict, now: int) -> None:
    for key, value in params.items():
        if key == "active":
            obj["active"] = as_bool(value, "active")
        elif key == "default_return_url":
            obj[key] = as_str(value, key) or None
        elif key == "name":
            obj[key] = as_str(value, key) or None
        elif key == "metadata":
            obj["metadata"] = merge_metadata(obj["metadata"], value)
        elif key == "business_profile":
            check_known(as_dict(value, key), obj["business_profile"], prefix=key)
            obj[key] = _deep_merge(obj[key], {k: v or None for k, v in value.items()})
        elif key == "login_page":
            check_known(as_dict(value, key), {"enabled"}, prefix=key)
            if "enabled" in value:
                obj[key]["enabled"] = as_bool(value["enabled"], "login_page[enabled]")
        elif key == "features":
            check_known(as_dict(value, key), obj["features"], prefix=key)
            obj[key] = _deep_merge(obj[key], _form_value(value))
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
    check_known(params, CONFIG_PARAMS)
    if "features" not in params:  # required: https://docs.stripe.com/api/customer_portal/configurations/create
        raise missing_parameter("features")
    with store.tx():
        now = store.now()
        obj = config_defaults(new_id("bpc_"), now, caller.livemode, is_default=False)
        _apply(obj, params, now)
        store.insert(caller.account, caller.mode, KIND, obj)
    return 200, obj


def retrieve_configuration(store, caller, params: dict, config_id: str):
    check_known(params, {"expand"})
    return 200, _get(store, caller, config_id, param="configuration")


def update_configuration(store, caller, params: dict, config_id: str):
    check_known(params, CONFIG_PARAMS | {"active"})
    with store.tx():
        obj = _get(store, caller, config_id, param="configuration")
        _apply(obj, params, store.now())
        store.put(caller.account, caller.mode, KIND, obj)
    return 200, obj


def list_configurations(store, caller, params: dict, **_):
    check_known(params, LIST_PARAMS | {"is_default", "active"})
    filters = [(f"json_extract(data, '$.{name}') = ?", (int(as_bool(params[name], name)),))
               for name in ("is_default", "active") if name in params]
    return 200, list_object(store, caller, KIND, LABEL, params, filters, "/v1/billing_portal/configurations")


def create_session(store, caller, params: dict, base_url: str, ttl: float = DEFAULT_SESSION_TTL, **_):
    check_known(params, {"customer", "return_url", "configuration", "locale", "on_behalf_of", "flow_data",
                         "expand"})
    if "customer" not in params:
        raise missing_parameter("customer")
    customer_id = as_str(params["customer"], "customer")
    row = store.get(caller.account, caller.mode, "customer", customer_id)
    if row is None or row.deleted:
        raise resource_missing("customer", customer_id, param="customer", status=400)
    if "configuration" in params:
        cfg = _get(store, caller, as_str(params["configuration"], "configuration"), status=400)
        if not cfg["active"]:
            # Wording unconfirmed.
            raise StripeError(400, f"The configuration {cfg['id']} is inactive and cannot be used to "
                                   "create portal sessions.", param="configuration")
    else:
        cfg = default_config(store, caller.account, caller.mode)
        # An inactive default is refused like a missing one: either way the portal is not activated.
        if cfg is None or not cfg["active"]:
            raise StripeError(400, no_default_message(caller.mode))
    token = f"{caller.mode}_{secrets.token_urlsafe(32)}"
    now = store.now()
    session = {
        "id": new_id("bps_"), "object": "billing_portal.session", "configuration": cfg["id"],
        "created": now, "customer": customer_id, "flow": None, "livemode": caller.livemode,
        "locale": as_str(params["locale"], "locale") if "locale" in params else None,
        "on_behalf_of": as_str(params["on_behalf_of"], "on_behalf_of") if "on_behalf_of" in params else None,
        "return_url": as_str(params["return_url"], "return_url") if "return_url" in params
        else cfg["default_return_url"],
        "url": f"{base_url.rstrip('/')}/p/session/{token}",
    }
    store.session_put(token, caller.account, caller.mode, session, store.now_float() + ttl)
    return 200, session


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
