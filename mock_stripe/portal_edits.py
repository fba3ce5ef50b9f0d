"""A customer editing their own details in the customer portal, and the portal settings that allow it.

The portal shows a customer the fields the default configuration's `features.customer_update` allows
(`enabled`, `allowed_updates`: any of address, email, name, phone, shipping, tax_id;
https://docs.stripe.com/api/customer_portal/configurations/object, and the OpenAPI spec's
PortalCustomerUpdate, where both keys are required) and changes nothing else. A change is recorded as a
customer.updated event with `data.previous_attributes`, as every change of a customer is.

Unconfirmed: what Stripe puts in an event's `request` for a change a customer makes in the portal. The docs
say only that `request.id` is "ID of the API request that caused the event. If null, the event was
automatic"; the portal's own requests are not API requests of the account. The mock records no request
(`id` and `idempotency_key` null), as for a Dashboard edit.
"""

from __future__ import annotations

import json

from . import customers, dashboard, events, portal, search_index
from .errors import StripeError

ALLOWED_UPDATES = ("address", "email", "name", "phone", "shipping", "tax_id")  # PortalCustomerUpdate's enum
EDITABLE = ("address", "email", "name", "phone", "shipping")  # tax ids are objects the mock does not hold


class PortalEditRefused(ValueError):
    """What the portal would not let the customer do; `field` names the part of the request."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def customer_update_setting(raw) -> dict:
    """`features.customer_update` as the portal settings give it: {"enabled": bool, "allowed_updates": [...]}."""
    if not isinstance(raw, dict):
        raise PortalEditRefused("customer_update", "must be an object with enabled and allowed_updates")
    unknown = sorted(set(raw) - {"enabled", "allowed_updates"})
    if unknown:
        raise PortalEditRefused(f"customer_update.{unknown[0]}", "unknown field")
    enabled, allowed = raw.get("enabled"), raw.get("allowed_updates")
    if not isinstance(enabled, bool):
        raise PortalEditRefused("customer_update.enabled", "must be true or false (required)")
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise PortalEditRefused("customer_update.allowed_updates", "must be a list of strings (required)")
    bad = [a for a in allowed if a not in ALLOWED_UPDATES]
    if bad:
        raise PortalEditRefused("customer_update.allowed_updates",
                                f"{bad[0]!r} is not one of {', '.join(ALLOWED_UPDATES)}")
    return {"allowed_updates": list(dict.fromkeys(allowed)), "enabled": enabled}


def set_customer_update(store, account: str, mode: str, setting: dict) -> None:
    """Save the portal settings' customer information part (the default configuration, made if missing)."""
    with store.tx():
        portal.save_portal_settings(store, account, mode)
        cfg = portal.default_config(store, account, mode)
        cfg["features"]["customer_update"] = setting
        cfg["updated"] = store.now()
        store.put(account, mode, portal.KIND, cfg)


def edit(store, account: str, mode: str, customer_id: str, changes, lag: float) -> dict:
    """The customer saves the portal's "Update information" form: only what the portal offers, each value
    checked as the API checks it; an address (and a shipping block) is sent whole, its empty lines included."""
    if not isinstance(changes, dict) or not changes:
        raise PortalEditRefused("changes", "must be an object naming one or more fields")
    dashboard.live_row(store, account, mode, customer_id)  # only a customer can open the portal
    cfg = portal.default_config(store, account, mode)
    if cfg is None or not cfg["active"]:
        raise PortalEditRefused("changes", "the customer portal is not activated in this account and mode: no "
                                "customer can open it (save the portal settings first)")
    setting = cfg["features"]["customer_update"]
    if not setting["enabled"]:
        raise PortalEditRefused("changes", "the portal configuration's features.customer_update is disabled: "
                                "customers cannot change their details in the portal")
    for key in changes:
        if key not in EDITABLE:
            raise PortalEditRefused(f"changes.{key}", f"the portal edits only {', '.join(EDITABLE)} "
                                    "(tax ids are not modelled by the mock)" if key == "tax_id" else
                                    f"customers cannot change {key} in the portal")
        if key not in setting["allowed_updates"]:
            raise PortalEditRefused(f"changes.{key}", f"the portal configuration does not allow customers to "
                                    f"update {key} (features.customer_update.allowed_updates: "
                                    f"{', '.join(setting['allowed_updates']) or 'none'})")
    with store.tx():
        row = dashboard.live_row(store, account, mode, customer_id)
        before = json.loads(json.dumps(row.data))
        obj = row.data
        params = dict(changes)
        if isinstance(params.get("address"), dict):  # the form's address is the whole address
            obj["address"] = None
            params["address"] = {k: params["address"].get(k) or "" for k in customers.ADDRESS_FIELDS}
        try:
            customers._apply(store, None, obj, params)
        except StripeError as err:
            raise PortalEditRefused(f"changes.{err.param or 'value'}", err.message) from None
        store.put(account, mode, customers.KIND, obj)
        events.record_update(store, account, mode, "customer.updated", before, obj, events.NO_REQUEST)
    search_index.note_write(store, account, mode, customers.KIND, customer_id, obj, lag, before=before)
    return obj
