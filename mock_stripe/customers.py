"""/v1/customers: create, retrieve, update, delete, list, search."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import string

from . import events, expansion, modes, search_index, search_query
from .errors import StripeError, resource_missing
from .forms import merge_metadata
from .ids import new_id
from .listing import created_filters, list_object, parse_limit

KIND = "customer"
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")
# Which parameters are accepted, and their types, lengths and enums, come from Stripe's spec (validation.py,
# spec/stripe-openapi.json): the endpoints see them typed. What follows is what they mean.
# Parameters naming objects the mock holds none of (sources, test clocks...): refused with Stripe's "No such
# ..." message, as Stripe refuses an id that names nothing.
REFERENCES = {"source": "source", "test_clock": "test_clock", "default_source": "source",
              "default_alipay_account": "source", "default_bank_account": "bank account", "default_card": "card"}
# Accepted (checked by the spec) but not modelled: their effects live in objects the mock does not have.
UNMODELLED = {"tax", "tax_id_data", "cash_balance", "validate", "expand"}
# Cards and bank accounts given whole (or as tokens) make sources, which the mock does not model.
SOURCES = {"bank_account", "card"}
# Optional properties (not in the customer schema's `required`, not nullable): Stripe leaves them out of the
# object until they are set (2026-10-28.endive; added in 2025-09-30.clover, docs.stripe.com/changelog).
OPTIONAL_NAMES = ("business_name", "individual_name")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def defaults(obj_id: str, created: int, livemode: bool) -> dict:
    return {
        "id": obj_id, "object": "customer", "address": None, "balance": 0, "created": created,
        "currency": None, "default_source": None, "delinquent": False, "description": None,
        "discount": None, "email": None,
        "invoice_prefix": "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8)),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "livemode": livemode, "metadata": {}, "name": None, "next_invoice_sequence": 1, "phone": None,
        "preferred_locales": [], "shipping": None, "tax_exempt": "none", "test_clock": None,
    }


FIELDS = set(defaults("x", 0, False)) | set(OPTIONAL_NAMES)


def deleted_object(obj_id: str) -> dict:
    return {"id": obj_id, "object": "customer", "deleted": True}


def _address(value, current: dict | None):
    """"" unsets it. Unconfirmed whether Stripe merges or replaces a partial address on update; we merge."""
    if value == "":
        return None
    address = dict(current or dict.fromkeys(ADDRESS_FIELDS))
    address.update({field: v or None for field, v in value.items()})
    return address


def _payment_method(store, caller, pm_id: str, param: str) -> str:
    if store.get(caller.account, caller.mode, "payment_method", pm_id) is None:
        raise modes.missing(store, caller, "payment_method", "PaymentMethod", pm_id, param=param, status=400)
    return pm_id


def _invoice_settings(store, caller, obj: dict, value: dict) -> dict:
    current = dict(obj.get("invoice_settings") or {})
    for key, v in value.items():
        param = f"invoice_settings[{key}]"
        if key == "custom_fields":
            current[key] = v or None  # "" unsets them
        elif key == "default_payment_method":
            current[key] = _payment_method(store, caller, v, param) if v else None
        elif key == "footer":
            current[key] = v or None
        elif key == "rendering_options":
            current[key] = {"amount_tax_display": None, "template": None, **v} if v else None
    return current


def _shipping(value):
    """`address` and `name` are required (the spec), so a shipping block is given whole."""
    if value == "":
        return None
    return {"address": _address(value["address"], None), "carrier": None, "name": value["name"] or None,
            "phone": value.get("phone") or None, "tracking_number": None}


def _apply(store, caller, obj: dict, params: dict) -> None:
    for key, value in params.items():
        if key in UNMODELLED:
            continue
        if key in REFERENCES:
            if value:
                raise resource_missing(REFERENCES[key], value, param=key, status=400)
            continue
        if key in SOURCES:
            raise StripeError(400, f"mock_stripe does not model sources: {key} is not implemented here (Stripe "
                                   "keeps it only for older integrations; attach a PaymentMethod instead).",
                              param=key, executed=False)
        if key == "payment_method":
            pm_id = _payment_method(store, caller, value, key)
            pm = store.get(caller.account, caller.mode, "payment_method", pm_id).data
            pm["customer"] = obj["id"]
            store.put(caller.account, caller.mode, "payment_method", pm)
        elif key == "email":
            # The spec has the length (512); the shape of an address is Stripe's own check.
            if value and not _EMAIL.match(value):
                raise StripeError(400, f"Invalid email address: {value}", code="email_invalid",
                                  param="email", executed=False)
            obj["email"] = value or None
        elif key in ("name", "phone", "description"):
            obj[key] = value or None
        elif key in OPTIONAL_NAMES:
            if value:
                obj[key] = value
            else:
                obj.pop(key, None)
        elif key == "address":
            obj["address"] = _address(value, obj["address"])
        elif key == "metadata":
            obj["metadata"] = merge_metadata(obj["metadata"], value)
        elif key == "balance":
            obj["balance"] = value
        elif key == "invoice_settings":
            obj["invoice_settings"] = _invoice_settings(store, caller, obj, value)
        elif key == "next_invoice_sequence":
            if value < 1:
                raise StripeError(400, "This value must be greater than or equal to 1.",
                                  code="parameter_invalid_integer", param=key, executed=False)
            obj[key] = value
        elif key == "invoice_prefix":
            obj["invoice_prefix"] = value
        elif key == "preferred_locales":
            obj["preferred_locales"] = value
        elif key == "tax_exempt":
            obj["tax_exempt"] = value or "none"
        elif key == "shipping":
            obj["shipping"] = _shipping(value)


def _live(store, caller, obj_id: str, param: str = "id", status: int = 404):
    row = store.get(caller.account, caller.mode, KIND, obj_id)
    if row is None or row.deleted:
        raise modes.missing(store, caller, KIND, "customer", obj_id, param=param, status=status)
    return row


def _render(store, caller, obj: dict, expand: list[str], prefix: str = "") -> dict:
    return expansion.customer(store, caller, obj, expand, prefix) if expand else obj


def create(store, caller, params: dict, lag_seconds: float = 0, origin: dict | None = None, **_):
    expand = expansion.parse(params, expansion.CUSTOMER)
    obj = defaults(new_id("cus_", 14), store.now(), caller.livemode)
    with store.tx():
        _apply(store, caller, obj, params)
        if "name" not in params:
            # "When you create a Customer without specifying the name, it's automatically set to either the
            # business_name or individual_name, prioritized in that order" (changelog 2025-09-30.clover).
            obj["name"] = obj.get("business_name") or obj.get("individual_name")
        store.insert(caller.account, caller.mode, KIND, obj)
        events.record(store, caller.account, caller.mode, "customer.created", obj, origin)
    search_index.note_write(store, caller.account, caller.mode, KIND, obj["id"], obj, lag_seconds, existed=False)
    return 200, _render(store, caller, obj, expand)


def retrieve(store, caller, params: dict, customer_id: str, **_):
    expand = expansion.parse(params, expansion.CUSTOMER)
    row = store.get(caller.account, caller.mode, KIND, customer_id)
    if row is None:
        raise modes.missing(store, caller, KIND, "customer", customer_id)
    return 200, deleted_object(customer_id) if row.deleted else _render(store, caller, row.data, expand)


def update(store, caller, params: dict, customer_id: str, lag_seconds: float = 0, origin: dict | None = None,
           **_):
    expand = expansion.parse(params, expansion.CUSTOMER)
    with store.tx():
        row = _live(store, caller, customer_id)
        before = json.loads(json.dumps(row.data))
        obj = row.data
        _apply(store, caller, obj, params)
        store.put(caller.account, caller.mode, KIND, obj)
        events.record_update(store, caller.account, caller.mode, "customer.updated", before, obj, origin)
    search_index.note_write(store, caller.account, caller.mode, KIND, customer_id, obj, lag_seconds, before=before)
    return 200, _render(store, caller, obj, expand)


def delete(store, caller, params: dict, customer_id: str, lag_seconds: float = 0, origin: dict | None = None,
           **_):
    with store.tx():
        row = _live(store, caller, customer_id)
        store.put(caller.account, caller.mode, KIND, row.data, deleted=True)
        # data.object is the customer as it was, not the {deleted: true} stub retrieve answers: the event
        # types page gives customer.deleted a customer object, and Stripe's delivered events carry every field.
        events.record(store, caller.account, caller.mode, "customer.deleted", row.data, origin)
    search_index.note_write(store, caller.account, caller.mode, KIND, customer_id, None, lag_seconds,
                            before=row.data)
    return 200, deleted_object(customer_id)


def list_(store, caller, params: dict, **_):
    expand = expansion.parse(params, expansion.CUSTOMER, listing=True)
    filters = created_filters(params)
    if "email" in params:
        # Stripe documents this filter as case-sensitive: compare bytes exactly.
        filters.append(("json_extract(data, '$.email') = ?", (params["email"],)))
    if "test_clock" in params:
        raise resource_missing("test_clock", params["test_clock"], param="test_clock", status=400)
    render = (lambda data: _render(store, caller, data, expand, "data.")) if expand else None
    return 200, list_object(store, caller, KIND, "customer", params, filters, "/v1/customers", render=render)


def _page_token(query: str, offset: int) -> str:
    raw = json.dumps({"q": hashlib.sha256(query.encode()).hexdigest()[:12], "o": offset})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _page_offset(query: str, token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["q"] == hashlib.sha256(query.encode()).hexdigest()[:12] and int(data["o"]) >= 0:
            return int(data["o"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        pass
    raise StripeError(400, f"Invalid page: '{token}' is not a page token returned for this query.",
                      param="page", executed=False)


def search(store, caller, params: dict, lag_seconds: float = 0, **_):
    """https://docs.stripe.com/api/customers/search; what it sees lags writes (search_index)."""
    expand = expansion.parse(params, expansion.CUSTOMER, listing=True, extra={"total_count"})
    query = params["query"]  # required by the spec
    matches = search_query.compile(query, resource="customers")
    limit = parse_limit(params)
    offset = _page_offset(query, params["page"]) if "page" in params else 0
    hits = []
    for r in store.all(caller.account, caller.mode, KIND, include_deleted=True):
        seen = search_index.visible(store, caller.account, caller.mode, KIND, r.id, None if r.deleted else r.data)
        if seen is not None and matches(seen):
            hits.append(seen)
    page = [_render(store, caller, c, expand, "data.") for c in hits[offset:offset + limit]]
    has_more = offset + limit < len(hits)
    body = {"object": "search_result", "data": page, "has_more": has_more,
            "next_page": _page_token(query, offset + limit) if has_more else None,
            "url": "/v1/customers/search"}
    if "total_count" in expand:
        body["total_count"] = len(hits)
    return 200, body
