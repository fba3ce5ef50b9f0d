"""/v1/customers: create, retrieve, update, delete, list, search."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import string

from . import search_query
from .errors import StripeError, missing_parameter, resource_missing
from .forms import as_dict, as_int, as_list, as_str, check_known, merge_metadata
from .ids import new_id
from .listing import LIST_PARAMS, created_filters, list_object, parse_limit

KIND = "customer"
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")
WRITABLE = {"address", "balance", "description", "email", "invoice_prefix", "metadata", "name", "phone",
            "preferred_locales", "shipping", "tax_exempt", "expand"}
# Accepted and ignored: real Stripe parameters custsync never relies on.
IGNORED = {"payment_method", "invoice_settings", "source", "tax", "tax_id_data", "test_clock", "coupon",
           "promotion_code", "cash_balance", "validate", "next_invoice_sequence"}
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


FIELDS = set(defaults("x", 0, False))


def deleted_object(obj_id: str) -> dict:
    return {"id": obj_id, "object": "customer", "deleted": True}


def _nullable_str(value, param: str):
    value = as_str(value, param)
    return value or None


def _address(value, param: str, current: dict | None):
    if value == "":
        return None
    value = as_dict(value, param)
    check_known(value, ADDRESS_FIELDS, prefix=param)
    # Unconfirmed whether Stripe merges or replaces a partial address on update; we merge.
    address = dict(current or dict.fromkeys(ADDRESS_FIELDS))
    for field, v in value.items():
        address[field] = _nullable_str(v, f"{param}[{field}]")
    return address


def _apply(obj: dict, params: dict) -> None:
    for key, value in params.items():
        if key in ("expand",) or key in IGNORED:
            continue
        if key == "email":
            email = _nullable_str(value, "email")
            if email is not None and not _EMAIL.match(email):
                raise StripeError(400, f"Invalid email address: {email}", code="email_invalid",
                                  param="email", executed=False)
            obj["email"] = email
        elif key in ("name", "phone", "description"):
            obj[key] = _nullable_str(value, key)
        elif key == "address":
            obj["address"] = _address(value, "address", obj["address"])
        elif key == "metadata":
            obj["metadata"] = merge_metadata(obj["metadata"], value)
        elif key == "balance":
            obj["balance"] = as_int(value, "balance")
        elif key == "invoice_prefix":
            obj["invoice_prefix"] = as_str(value, key)
        elif key == "preferred_locales":
            obj["preferred_locales"] = [as_str(v, key) for v in as_list(value, key)]
        elif key == "tax_exempt":
            if value not in ("none", "exempt", "reverse"):
                raise StripeError(400, "Invalid tax_exempt: must be one of none, exempt, or reverse",
                                  code="parameter_invalid_string", param=key, executed=False)
            obj["tax_exempt"] = value
        elif key == "shipping":
            if value == "":
                obj["shipping"] = None
                continue
            value = as_dict(value, key)
            check_known(value, ("address", "name", "phone"), prefix="shipping")
            current = obj["shipping"] or {"address": None, "name": None, "phone": None}
            obj["shipping"] = {
                "address": _address(value["address"], "shipping[address]", current["address"])
                if "address" in value else current["address"],
                "name": _nullable_str(value["name"], "shipping[name]") if "name" in value else current["name"],
                "phone": _nullable_str(value["phone"], "shipping[phone]") if "phone" in value else current["phone"],
            }


def _live(store, caller, obj_id: str, param: str = "id", status: int = 404):
    row = store.get(caller.account, caller.mode, KIND, obj_id)
    if row is None or row.deleted:
        raise resource_missing("customer", obj_id, param=param, status=status)
    return row


def create(store, caller, params: dict, **_):
    check_known(params, WRITABLE | IGNORED)
    obj = defaults(new_id("cus_", 14), store.now(), caller.livemode)
    _apply(obj, params)
    store.insert(caller.account, caller.mode, KIND, obj)
    return 200, obj


def retrieve(store, caller, params: dict, customer_id: str):
    check_known(params, {"expand"})
    row = store.get(caller.account, caller.mode, KIND, customer_id)
    if row is None:
        raise resource_missing("customer", customer_id)
    return 200, deleted_object(customer_id) if row.deleted else row.data


def update(store, caller, params: dict, customer_id: str):
    check_known(params, WRITABLE | IGNORED | {"default_source"})
    with store.tx():
        obj = _live(store, caller, customer_id).data
        _apply(obj, params)
        store.put(caller.account, caller.mode, KIND, obj)
    return 200, obj


def delete(store, caller, params: dict, customer_id: str):
    check_known(params, set())
    with store.tx():
        row = _live(store, caller, customer_id)
        store.put(caller.account, caller.mode, KIND, row.data, deleted=True)
    return 200, deleted_object(customer_id)


def list_(store, caller, params: dict, **_):
    check_known(params, LIST_PARAMS | {"email", "created", "test_clock"})
    filters = created_filters(params)
    if "email" in params:
        # Stripe documents this filter as case-sensitive: compare bytes exactly.
        filters.append(("json_extract(data, '$.email') = ?", (as_str(params["email"], "email"),)))
    return 200, list_object(store, caller, KIND, "customer", params, filters, "/v1/customers")


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
    check_known(params, {"query", "limit", "page", "expand"})
    if "query" not in params:
        raise missing_parameter("query")
    query = as_str(params["query"], "query")
    matches = search_query.compile(query, resource="customers")
    limit = parse_limit(params)
    offset = _page_offset(query, as_str(params["page"], "page")) if "page" in params else 0
    expand = as_list(params["expand"], "expand") if "expand" in params else []
    visible_until = store.now() - lag_seconds
    hits = [r.data for r in store.all(caller.account, caller.mode, KIND)
            if r.created <= visible_until and matches(r.data)]
    page = hits[offset:offset + limit]
    has_more = offset + limit < len(hits)
    body = {"object": "search_result", "data": page, "has_more": has_more,
            "next_page": _page_token(query, offset + limit) if has_more else None,
            "url": "/v1/customers/search"}
    if "total_count" in expand:
        body["total_count"] = len(hits)
    return 200, body
