"""expand[]: only the properties Stripe documents as expandable; anything else is refused.

https://docs.stripe.com/expand: "This property cannot be expanded" for a property that is not
expandable (wording as Stripe answers it, e.g. stripe/stripe-dotnet#1351: "This property cannot be
expanded (product). You may want to try expanding 'data.product' instead"). Lists and search results
expand their objects' properties under `data.`.
"""

from __future__ import annotations

from .errors import StripeError

# Customer properties the mock can expand (Stripe documents more: sources, subscriptions, tax_ids,
# tax, cash_balance, invoice_credit_balance; the mock does not model those objects and refuses them).
CUSTOMER = {"default_source", "invoice_settings.default_payment_method", "test_clock"}


def parse(params: dict, expandable: set, *, listing: bool = False, extra: set = frozenset()) -> list[str]:
    if "expand" not in params:
        return []
    out = []
    for i, path in enumerate(params["expand"]):
        inner = path[len("data."):] if listing and path.startswith("data.") else None
        if path in extra or (inner if listing else path) in expandable:
            out.append(path)
            continue
        shown = inner if inner is not None else path
        message = f"This property cannot be expanded ({shown})."
        if listing and path in expandable:
            message = message[:-1] + f". You may want to try expanding 'data.{path}' instead."
        raise StripeError(400, message, param=f"expand[{i}]", executed=False)
    return out


def customer(store, caller, obj: dict, paths: list[str], prefix: str = "") -> dict:
    """Expand the paths (already validated) that apply to this customer."""
    wanted = {p[len(prefix):] for p in paths if p.startswith(prefix)}
    if "invoice_settings.default_payment_method" in wanted:
        pm_id = (obj.get("invoice_settings") or {}).get("default_payment_method")
        if isinstance(pm_id, str):
            row = store.get(caller.account, caller.mode, "payment_method", pm_id)
            if row is not None:
                obj = {**obj, "invoice_settings": {**obj["invoice_settings"], "default_payment_method": row.data}}
    return obj
