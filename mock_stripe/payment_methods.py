"""Payment methods: read-only lists of those given in the state document."""

from __future__ import annotations

import secrets

from .errors import resource_missing
from .listing import list_object

KIND = "payment_method"


def defaults(obj_id: str, created: int, livemode: bool) -> dict:
    return {
        "id": obj_id, "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": None, "name": None, "phone": None},
        "created": created, "customer": None, "livemode": livemode, "metadata": {}, "type": "card",
    }


def card_defaults() -> dict:
    return {"brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2030,
            "fingerprint": secrets.token_hex(8), "funding": "credit", "last4": "4242"}


def _filters(params: dict) -> list:
    if "type" in params:
        return [("json_extract(data, '$.type') = ?", (params["type"],))]
    return []


def list_for_customer(store, caller, params: dict, customer_id: str):
    row = store.get(caller.account, caller.mode, "customer", customer_id)
    if row is None or row.deleted:
        raise resource_missing("customer", customer_id, param="customer")
    filters = [*_filters(params), ("json_extract(data, '$.customer') = ?", (customer_id,))]
    return 200, list_object(store, caller, KIND, "payment_method", params, filters,
                            f"/v1/customers/{customer_id}/payment_methods")


def list_(store, caller, params: dict, **_):
    filters = _filters(params)
    if "customer" in params:
        customer_id = params["customer"]
        row = store.get(caller.account, caller.mode, "customer", customer_id)
        if row is None or row.deleted:
            raise resource_missing("customer", customer_id, param="customer", status=400)
        filters.append(("json_extract(data, '$.customer') = ?", (customer_id,)))
    else:
        # Without a customer Stripe lists payment methods attached to none.
        filters.append(("json_extract(data, '$.customer') IS NULL", ()))
    return 200, list_object(store, caller, KIND, "payment_method", params, filters, "/v1/payment_methods")
