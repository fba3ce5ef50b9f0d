"""Test and live data are separate; a missing id that exists in the other mode gets Stripe's hint.

Stripe's wording (PayPack error table; https://docs.stripe.com/keys#test-live-modes for the separation):
"No such customer: 'cus_…'; a similar object exists in test mode, but a live mode key was used to make
this request." and the reverse.
"""

from __future__ import annotations

from .errors import StripeError, resource_missing

OTHER = {"test": "live", "live": "test"}


def missing(store, caller, kind: str, label: str, obj_id: str, param: str = "id", status: int = 404,
            exists=None) -> StripeError:
    """`exists(account, mode, kind, id)` (default: the objects table's) finds the id in the other mode."""
    err = resource_missing(label, obj_id, param=param, status=status)
    other = OTHER[caller.mode]
    if (exists or store.exists)(caller.account, other, kind, obj_id):
        err.message = (f"No such {label}: '{obj_id}'; a similar object exists in {other} mode, but a "
                       f"{caller.mode} mode key was used to make this request.")
    return err
