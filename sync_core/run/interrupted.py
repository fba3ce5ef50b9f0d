"""The Stripe customers interrupted creates made: one Stripe customer per intent, across kill, edit and resume.

Before a Stripe create is sent, the customer is journaled `create-attempted`; its end settles that. A run killed
in between leaves the attempt open, and the create may have landed: a Stripe customer tagged
`metadata.<prefix>internal_id`, created at or after the attempt, whose id NetSuite never learnt. Whatever its
data now, and whatever the NetSuite customer's now (someone may have changed the email before the run was
resumed, so the idempotency key, made of the data, no longer replays it), that Stripe customer is this
customer's: the next run links it and pushes the current values instead of creating a second one.

The guide's rematch stays distinct: a person cleared STRIPE CUSTOMER ID after an email change, so the next sync
creates a new customer for the new email. That earlier create was written back, so the journal holds no open
attempt for the customer (its end superseded it), and the customer it made is older than any attempt since.

Stripe's list is consistent but has no metadata filter; search has one but lags writes ("under normal operating
conditions, data is searchable in under 1 minute", https://docs.stripe.com/search#data-freshness). So the
customers created since a recent attempt are listed (`created[gte]`: a page per 100 customers the account made
since), and an older attempt's customer is searched by its tag (a request each).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from contextlib import aclosing
from typing import Any

from sync_core.rules.match_key import search_literal
from sync_core.stripe.gateway import StripeGateway

CLOCK_MARGIN_S = 300  # the journal's clock (this machine's) against Stripe's `created`
SEARCH_SETTLED_S = 3600  # an attempt older than this is searched: well past the minute Stripe's search lags by
PARALLEL_SEARCHES = 8


def made_by_attempt(customers: Iterable[dict[str, Any]], prefix: str, internal_id: str,
                    attempted_at: float) -> list[dict[str, Any]]:
    """Of these Stripe customers, those an attempt at `attempted_at` for `internal_id` can have made."""
    since = attempted_at - CLOCK_MARGIN_S
    return [c for c in customers if not c.get("deleted") and int(c.get("created") or 0) >= since
            and (c.get("metadata") or {}).get(f"{prefix}internal_id") == internal_id]


async def made_since(stripe: StripeGateway, prefix: str, attempts: dict[str, float], *,
                     now: float | None = None) -> dict[str, list[dict[str, Any]]]:
    """For each NetSuite customer with an open create attempt (internal id -> when), the live Stripe customers
    tagged for it and created since: listed since the earliest recent attempt, searched for the older ones."""
    if not attempts:
        return {}
    now = now if now is not None else time.time()
    recent = {iid: at for iid, at in attempts.items() if now - at < SEARCH_SETTLED_S}
    found: dict[str, list[dict[str, Any]]] = {}
    if recent:
        since = int(min(recent.values()) - CLOCK_MARGIN_S)
        async with aclosing(stripe.customers_since(since)) as pages:
            async for page in pages:
                for iid, at in recent.items():
                    found.setdefault(iid, []).extend(made_by_attempt(page, prefix, iid, at))
    gate = asyncio.Semaphore(PARALLEL_SEARCHES)

    async def search(iid: str, at: float) -> None:
        async with gate:
            tagged = await stripe.search(f"metadata[{search_literal(f'{prefix}internal_id')}]:{search_literal(iid)}")
        found[iid] = made_by_attempt(tagged, prefix, iid, at)

    await asyncio.gather(*(search(iid, at) for iid, at in attempts.items() if iid not in recent))
    return {iid: customers for iid, customers in found.items() if customers}
