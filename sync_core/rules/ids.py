"""NetSuite internal ids and Stripe customer ids: checked before they reach a URL or a query.

An internal id is a positive whole number (NetSuite shows it in Lists > Relationships > Customers,
column Internal ID). Anything else (`../customer/1002`, `1002?x=1`, `abc`, empty) would change the
request's path or query, so it is refused before a request is built.
"""

from __future__ import annotations

import re

from sync_core.errors import SyncError

_INTERNAL_ID = re.compile(r"[1-9][0-9]{0,17}")
REMEDY = "Give the customer's internal id: digits only, as NetSuite shows it in Lists > Relationships > " \
         "Customers, column Internal ID."


class InvalidInternalId(SyncError):
    service = "NetSuite"


def is_internal_id(value: object) -> bool:
    return isinstance(value, str) and _INTERNAL_ID.fullmatch(value) is not None


def internal_id(value: object) -> str:
    """`value` as an internal id (surrounding blanks dropped), or InvalidInternalId naming it."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not is_internal_id(text):
        shown = "an empty value" if text == "" else repr(value)
        raise InvalidInternalId(f"{shown} is not a NetSuite internal id (a whole number such as 1002)",
                                code="INVALID_INTERNAL_ID", remedy=REMEDY)
    return text


# A Stripe customer id as custsync quotes it into a SuiteQL query or a CSV row: `cus_` and word characters
# only, so no quote or separator can ride along.
STRIPE_CUSTOMER_ID = re.compile(r"cus_\w{1,255}")


def is_stripe_customer_id(value: object) -> bool:
    return isinstance(value, str) and STRIPE_CUSTOMER_ID.fullmatch(value) is not None
