"""GET /v1/account: the account the API key belongs to.

Stripe's "Retrieve account" (https://docs.stripe.com/api/accounts/retrieve) returns an Account
object; without an id (GET /v1/account, stripe-python's `accounts.retrieve_current`) it is the
caller's own account. The mock keeps one account per `accounts[]` entry of its state document, so
the id is that entry's `id` (acct_demo by default), the same for both modes and every key.

A restricted key (rk_) gets 403: Stripe answers it with type invalid_request_error and a message
naming the key (masked) and the account (stripe/stripe-node#2246, 2025: "The provided key 'rk_test_***'
does not have the required permissions for this endpoint on account 'acct_...'. Having the
'rak_accounts_kyc_id_numbers_read' permission would allow this request to continue."; dj-stripe/dj-stripe#1131
says the same with no permission that grants it). The mock models no key permissions, so it answers
every rk_ key so: the strict answer, as a key without that permission gets it.
"""

from __future__ import annotations

from flask import request

from . import expansion
from .auth import key_from_header, mask
from .errors import StripeError

# Every mock account is a US account in usd; the rest of Stripe's Account object is not modelled.
COUNTRY = "US"
DEFAULT_CURRENCY = "usd"


def permission_denied(key: str, account: str) -> StripeError:
    return StripeError(403, f"The provided key '{mask(key)}' does not have the required permissions for this "
                            f"endpoint on account '{account}'. Having the 'rak_accounts_kyc_id_numbers_read' "
                            "permission would allow this request to continue.", executed=False)


def retrieve_current(store, caller, params: dict, **_):
    expansion.parse(params, set())
    key = key_from_header(request.headers.get("Authorization")) or ""
    if key.startswith(("rk_test_", "rk_live_")):
        raise permission_denied(key, caller.account)
    return 200, {
        "id": caller.account,
        "object": "account",
        "business_profile": {"name": None, "support_email": None, "support_phone": None, "support_url": None,
                             "url": None, "mcc": None, "product_description": None},
        "business_type": None,
        "capabilities": {},
        "charges_enabled": True,
        "country": COUNTRY,
        "default_currency": DEFAULT_CURRENCY,
        "details_submitted": True,
        "email": None,
        "metadata": {},
        "payouts_enabled": True,
        "type": "standard",
    }
