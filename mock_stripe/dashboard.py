"""Customer changes made outside the API: an admin in the Dashboard, or another integration.

They change the account as an API write does (search sees them after the lag), and Stripe records
events for them too, with no API request behind them (request.id null).
"""

from __future__ import annotations

from . import customers, events, search_index
from . import state as state_doc

READ_ONLY = ("id", "object", "livemode", "created", "deleted")


def live_row(store, account: str, mode: str, customer_id: str):
    row = store.get(account, mode, customers.KIND, customer_id)
    if row is None or row.deleted:
        raise LookupError(f"no customer {customer_id!r} in {account} ({mode} mode)")
    return row


def insert(store, account: str, mode: str, raw, lag: float) -> dict:
    """A new customer, given as in a state document (without `deleted`)."""
    if isinstance(raw, dict) and "deleted" in raw:
        raise state_doc.StateError("customer.deleted", "unknown field")
    obj, _ = state_doc.customer(raw, "customer", store.now(), mode == "live")
    with store.tx():
        if store.exists(account, mode, customers.KIND, obj["id"]):
            raise state_doc.StateError("customer.id", "a customer with this id exists")
        store.insert(account, mode, customers.KIND, obj)
        events.record(store, account, mode, "customer.created", obj, events.NO_REQUEST)
    search_index.note_write(store, account, mode, customers.KIND, obj["id"], obj, lag, existed=False)
    return obj


def edit(store, account: str, mode: str, customer_id: str, changes, lag: float) -> dict:
    """Set the given fields; `metadata` keys merge (null removes one), as the Dashboard edits them."""
    if not isinstance(changes, dict):
        raise state_doc.StateError("changes", "must be an object")
    for key in READ_ONLY:
        if key in changes:
            raise state_doc.StateError(f"changes.{key}", "cannot be changed")
    with store.tx():
        before = live_row(store, account, mode, customer_id).data
        merged = {**before, **changes}
        if isinstance(changes.get("metadata"), dict):
            merged["metadata"] = {k: v for k, v in {**before["metadata"], **changes["metadata"]}.items()
                                  if v is not None}
        obj, _ = state_doc.customer(merged, "changes", store.now(), mode == "live")
        store.put(account, mode, customers.KIND, obj)
        events.record_update(store, account, mode, "customer.updated", before, obj, events.NO_REQUEST)
    search_index.note_write(store, account, mode, customers.KIND, customer_id, obj, lag, before=before)
    return obj


def delete(store, account: str, mode: str, customer_id: str, lag: float) -> dict:
    with store.tx():
        before = live_row(store, account, mode, customer_id).data
        store.put(account, mode, customers.KIND, before, deleted=True)
        events.record(store, account, mode, "customer.deleted", before, events.NO_REQUEST)
    search_index.note_write(store, account, mode, customers.KIND, customer_id, None, lag, before=before)
    return customers.deleted_object(customer_id)
