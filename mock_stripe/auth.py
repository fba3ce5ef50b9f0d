"""API keys: Bearer or Basic (key as username), mode from the key prefix, masking."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from .errors import StripeError

KEY_PREFIXES = {"sk_test_": "test", "rk_test_": "test", "sk_live_": "live", "rk_live_": "live"}

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
)


@dataclass(frozen=True)
class Caller:
    account: str
    mode: str  # "test" | "live"

    @property
    def livemode(self) -> bool:
        return self.mode == "live"


def mode_of(key: str) -> str | None:
    for prefix, mode in KEY_PREFIXES.items():
        if key.startswith(prefix):
            return mode
    return None


PUBLISHABLE_MESSAGE = ("This API call cannot be made with a publishable API key. Please use a secret API key. "
                       "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.")
_MASK_PREFIX = re.compile(r"^(?:sk|rk|pk)_(?:test|live)_")


def mask(key: str) -> str:
    """As Stripe masks a key in its errors: the prefix, one star per hidden character, the last 4
    (e.g. 'sk_test_**********************Aso0', stripe/stripe-node#361). Short keys: stars only."""
    m = _MASK_PREFIX.match(key)
    prefix = m.group(0) if m else ""
    hidden = len(key) - len(prefix) - 4
    if hidden < 4:
        return prefix + "*" * max(len(key) - len(prefix), 4)
    return prefix + "*" * hidden + key[-4:]


def key_from_header(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    return None


def authenticate(header: str | None, store) -> Caller:
    key = key_from_header(header)
    if key is None:
        raise StripeError(401, NO_KEY_MESSAGE, executed=False)
    if key.startswith(("pk_test_", "pk_live_")):
        # https://docs.stripe.com/keys: publishable keys are for the client side only.
        raise StripeError(401, PUBLISHABLE_MESSAGE, executed=False)
    account = store.account_for_key(key)
    mode = mode_of(key)
    if account is None or mode is None:
        # Stripe answers 401 with type invalid_request_error and no code here.
        raise StripeError(401, f"Invalid API Key provided: {mask(key)}", executed=False)
    return Caller(account, mode)
