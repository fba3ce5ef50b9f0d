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
from .errors import StripeError, missing_parameter, resource_missing
from .forms import as_bool, as_dict, as_int, as_list, as_str, check_known, merge_metadata
from .ids import new_id
from .listing import LIST_PARAMS, created_filters, list_object, parse_limit

KIND = "customer"
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")
# The create/update parameters of https://docs.stripe.com/api/customers/create (and /update).
WRITABLE = {"address", "balance", "description", "email", "invoice_prefix", "invoice_settings", "metadata", "name",
            "next_invoice_sequence", "phone", "preferred_locales", "shipping", "tax_exempt", "expand"}
# Parameters naming objects the mock holds none of (sources, coupons, test clocks...): refused with
# Stripe's "No such ..." message, as Stripe refuses an id that names nothing.
REFERENCES = {"source": "source", "coupon": "coupon", "promotion_code": "promotion code", "test_clock": "test_clock"}
# Accepted (shape-checked) but not modelled: their effects live in objects the mock does not have.
UNMODELLED = {"tax", "tax_id_data", "cash_balance", "validate"}
CREATE_ONLY = {"payment_method", "test_clock", "tax_id_data"}
UPDATE_ONLY = {"default_source"}
MAX_EMAIL = 512  # https://docs.stripe.com/api/customers/create#create_customer-email: "Maximum length of 512"
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


def _payment_method(store, caller, value, param: str) -> str:
    pm_id = as_str(value, param)
    if store.get(caller.account, caller.mode, "payment_method", pm_id) is None:
        raise modes.missing(store, caller, "payment_method", "PaymentMethod", pm_id, param=param, status=400)
    return pm_id


def _invoice_settings(store, caller, obj: dict, value) -> dict:
    current = dict(obj.get("invoice_settings") or {})
    value = as_dict(value, "invoice_settings")
    check_known(value, ("custom_fields", "default_payment_method", "footer", "rendering_options"),
                prefix="invoice_settings")
    for key, v in value.items():
        param = f"invoice_settings[{key}]"
        if key == "custom_fields":
            fields = []
            for i, item in enumerate(as_list(v, param)):
                item = as_dict(item, f"{param}[{i}]")
                check_known(item, ("name", "value"), prefix=f"{param}[{i}]")
                for part in ("name", "value"):
                    if part not in item:
                        raise missing_parameter(f"{param}[{i}][{part}]")
                fields.append({"name": as_str(item["name"], f"{param}[{i}][name]"),
                               "value": as_str(item["value"], f"{param}[{i}][value]")})
            current["custom_fields"] = fields or None
        elif key == "default_payment_method":
            current[key] = _payment_method(store, caller, v, param) if v != "" else None
        elif key == "footer":
            current[key] = _nullable_str(v, param)
        else:
            if v == "":
                current[key] = None
                continue
            opts = as_dict(v, param)
            check_known(opts, ("amount_tax_display", "template"), prefix=param)
            current[key] = {"amount_tax_display": None, "template": None,
                            **{k: as_str(x, f"{param}[{k}]") for k, x in opts.items()}}
    return current


def _apply(store, caller, obj: dict, params: dict) -> None:
    for key, value in params.items():
        if key == "expand" or key in UNMODELLED:
            continue
        if key in REFERENCES:
            ref = as_str(value, key)
            if ref:
                raise resource_missing(REFERENCES[key], ref, param=key, status=400)
            continue
        if key == "default_source":
            if value != "":
                raise resource_missing("source", as_str(value, key), param=key, status=400)
            continue
        if key == "payment_method":
            pm_id = _payment_method(store, caller, value, key)
            pm = store.get(caller.account, caller.mode, "payment_method", pm_id).data
            pm["customer"] = obj["id"]
            store.put(caller.account, caller.mode, "payment_method", pm)
            continue
        if key == "email":
            email = _nullable_str(value, "email")
            if email is not None and len(email) > MAX_EMAIL:
                # Exact wording unconfirmed; the limit is documented.
                raise StripeError(400, f"Invalid string: {email[:30]}...; must be at most {MAX_EMAIL} characters",
                                  param="email", executed=False)
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
        elif key == "invoice_settings":
            obj["invoice_settings"] = _invoice_settings(store, caller, obj, value)
        elif key == "next_invoice_sequence":
            seq = as_int(value, key)
            if seq < 1:
                raise StripeError(400, "This value must be greater than or equal to 1.",
                                  code="parameter_invalid_integer", param=key, executed=False)
            obj[key] = seq
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
        raise modes.missing(store, caller, KIND, "customer", obj_id, param=param, status=status)
    return row


def _check_unmodelled(params: dict) -> None:
    if "tax" in params:
        check_known(as_dict(params["tax"], "tax"), ("ip_address", "validate_location"), prefix="tax")
    if "tax_id_data" in params:
        for i, item in enumerate(as_list(params["tax_id_data"], "tax_id_data")):
            item = as_dict(item, f"tax_id_data[{i}]")
            check_known(item, ("type", "value"), prefix=f"tax_id_data[{i}]")
            for part in ("type", "value"):
                if part not in item:
                    raise missing_parameter(f"tax_id_data[{i}][{part}]")
    if "validate" in params:
        as_bool(params["validate"], "validate")


def _render(store, caller, obj: dict, expand: list[str], prefix: str = "") -> dict:
    return expansion.customer(store, caller, obj, expand, prefix) if expand else obj


def create(store, caller, params: dict, lag_seconds: float = 0, origin: dict | None = None, **_):
    check_known(params, WRITABLE | set(REFERENCES) | UNMODELLED | {"payment_method"})
    expand = expansion.parse(params, expansion.CUSTOMER)
    _check_unmodelled(params)
    obj = defaults(new_id("cus_", 14), store.now(), caller.livemode)
    with store.tx():
        _apply(store, caller, obj, params)
        store.insert(caller.account, caller.mode, KIND, obj)
        events.record(store, caller.account, caller.mode, "customer.created", obj, origin)
    search_index.note_write(store, caller.account, caller.mode, KIND, obj["id"], obj, lag_seconds, existed=False)
    return 200, _render(store, caller, obj, expand)


def retrieve(store, caller, params: dict, customer_id: str, **_):
    check_known(params, {"expand"})
    expand = expansion.parse(params, expansion.CUSTOMER)
    row = store.get(caller.account, caller.mode, KIND, customer_id)
    if row is None:
        raise modes.missing(store, caller, KIND, "customer", customer_id)
    return 200, deleted_object(customer_id) if row.deleted else _render(store, caller, row.data, expand)


def update(store, caller, params: dict, customer_id: str, lag_seconds: float = 0, origin: dict | None = None,
           **_):
    check_known(params, WRITABLE | (set(REFERENCES) - CREATE_ONLY) | (UNMODELLED - CREATE_ONLY) | UPDATE_ONLY)
    expand = expansion.parse(params, expansion.CUSTOMER)
    _check_unmodelled(params)
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
    check_known(params, set())
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
    check_known(params, LIST_PARAMS | {"email", "created", "test_clock"})
    expand = expansion.parse(params, expansion.CUSTOMER, listing=True)
    filters = created_filters(params)
    if "email" in params:
        # Stripe documents this filter as case-sensitive: compare bytes exactly.
        filters.append(("json_extract(data, '$.email') = ?", (as_str(params["email"], "email"),)))
    if "test_clock" in params:
        raise resource_missing("test_clock", as_str(params["test_clock"], "test_clock"), param="test_clock",
                               status=400)
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
    check_known(params, {"query", "limit", "page", "expand"})
    expand = expansion.parse(params, expansion.CUSTOMER, listing=True, extra={"total_count"})
    if "query" not in params:
        raise missing_parameter("query")
    query = as_str(params["query"], "query")
    matches = search_query.compile(query, resource="customers")
    limit = parse_limit(params)
    offset = _page_offset(query, as_str(params["page"], "page")) if "page" in params else 0
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
