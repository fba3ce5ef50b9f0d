"""/v1/events: an event for every customer change, kept 30 days, listed newest first.

Followed: the event object (https://docs.stripe.com/api/events/object), list and retrieve
(https://docs.stripe.com/api/events/list, /retrieve: "going back up to 30 days"), the types
(https://docs.stripe.com/api/events/types) and pagination (https://docs.stripe.com/api/pagination).
An event's data is rendered once, when it happens, and never changes.
"""

from __future__ import annotations

import json
import re

from . import expansion, modes
from .errors import StripeError
from .ids import new_id
from .listing import StoredJSON, created_filters, cursor_ids, parse_limit
from .version import API_VERSION

# The types the mock records (https://docs.stripe.com/api/events/types); a `type` wildcard is matched
# against them, so every type filter is a range of the (account, mode, type, seq) index.
TYPES = ("customer.created", "customer.updated", "customer.deleted")
RETENTION_SECONDS = 30 * 24 * 3600
MAX_TYPES = 20  # "An array of up to 20 strings containing specific event names"
# A change made outside the API (the Dashboard, a control-plane edit): no API request caused it.
NO_REQUEST = {"id": None, "idempotency_key": None}


def origin(request_id: str | None, idempotency_key: str | None) -> dict:
    """The event's `request`: the API request that made the change and its Idempotency-Key, if any."""
    return {"id": request_id, "idempotency_key": idempotency_key or None}


def record(store, account: str, mode: str, type_: str, obj: dict, request: dict | None,
           previous: dict | None = None) -> None:
    """Add an event; call it inside the transaction that makes the change."""
    assert type_ in TYPES, type_
    data = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    store.event_insert(account, mode, {
        "id": new_id("evt_"), "object": "event", "api_version": API_VERSION, "created": store.now(),
        "data": data, "livemode": mode == "live", "pending_webhooks": 0,
        "request": dict(request or NO_REQUEST), "type": type_,
    })


def previous_attributes(before: dict, after: dict) -> dict:
    """The changed attributes' old values. A hash changed in place gives only its changed keys
    (a key it did not have: null), as Stripe's customer.updated events show them (e.g.
    {"invoice_settings": {"default_payment_method": null}}); any other value, lists included, whole."""
    out = {}
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        out[key] = previous_attributes(old, new) if isinstance(old, dict) and isinstance(new, dict) else old
    return out


def record_update(store, account: str, mode: str, type_: str, before: dict, after: dict,
                  request: dict | None) -> None:
    """An `*.updated` event, only when something changed (an update that changes nothing has none)."""
    changed = previous_attributes(before, after)
    if changed:
        record(store, account, mode, type_, after, request, changed)


def _cutoff(store) -> int:
    return store.now() - RETENTION_SECONDS


def _exists(store):
    return lambda account, mode, _kind, event_id: store.event_get(account, mode, event_id) is not None


def _visible(store, caller, event_id: str, param: str = "id", status: int = 404):
    """The event, if this account and mode have it and it is at most 30 days old (mock clock)."""
    row = store.event_get(caller.account, caller.mode, event_id)
    if row is None or row.created < _cutoff(store):
        raise modes.missing(store, caller, "event", "event", event_id, param=param, status=status,
                            exists=_exists(store))
    return row


def _matching(pattern: str) -> list[str]:
    """The known types a `type` with `*` wildcards names (`*` matches any run of characters, dots too)."""
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
    return [t for t in TYPES if regex.fullmatch(t)]


def _types(params: dict) -> list[str] | None:
    """The event types asked for (`type`, with wildcards, or `types`), or None for all."""
    if "type" in params and "types" in params:
        # The docs: "You may pass either type or types, but not both." Stripe's exact error wording unconfirmed.
        raise StripeError(400, "You may pass either type or types, but not both.", param="types", executed=False)
    if "type" in params:
        type_ = params["type"]
        return _matching(type_) if "*" in type_ else [type_]
    if "types" not in params:
        return None
    names = params["types"]
    if len(names) > MAX_TYPES:
        # Limit documented; wording unconfirmed.
        raise StripeError(400, f"Invalid array: types must have at most {MAX_TYPES} elements.",
                          code="parameter_invalid_array", param="types", executed=False)
    # Unconfirmed what Stripe does with an empty `types`; the mock takes it as not given.
    return list(dict.fromkeys(names)) or None


def _page(store, caller, types: list[str] | None, filters: list, limit: int, after: int | None, before: int | None):
    """A page of events, newest first. Several types: a page of each (an index range of its own: an IN
    over types would walk every event in seq order to find a rare one), merged, the `limit` nearest the cursor."""
    def one(extra):
        return store.event_page(caller.account, caller.mode, filters + extra, limit, after_seq=after, before_seq=before)

    if types is None:
        return one([])
    pages = [one([("type = ?", (t,))]) for t in types]
    rows = sorted((r for page, _ in pages for r in page), key=lambda r: r.seq, reverse=True)
    has_more = len(rows) > limit or any(more for _, more in pages)
    return (rows[-limit:] if before is not None else rows[:limit]), has_more


def list_(store, caller, params: dict, **_):
    expansion.parse(params, set(), listing=True)
    limit = parse_limit(params)
    types = _types(params)
    filters = [*created_filters(params), ("created >= ?", (_cutoff(store),))]
    # delivery_success (checked by the spec) is ignored: the mock has no webhooks.
    seqs = {name: _visible(store, caller, event_id, param=name, status=400).seq
            for name, event_id in cursor_ids(params).items()}
    rows, has_more = _page(store, caller, types, filters, limit, seqs.get("starting_after"), seqs.get("ending_before"))
    return 200, {"object": "list", "data": [StoredJSON(r.text) for r in rows], "has_more": has_more,
                 "url": "/v1/events"}


def retrieve(store, caller, params: dict, event_id: str, **_):
    expansion.parse(params, set())
    return 200, json.loads(_visible(store, caller, event_id).text)
