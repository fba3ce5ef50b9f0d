"""The partitioned listing's bookkeeping over open-ended accounts (hypothesis), against an in-memory list
that pages as Stripe documents (https://docs.stripe.com/api/pagination: newest first, `starting_after`
pages on from an object; https://docs.stripe.com/api/customers/list: `created[gte]`/`created[lte]`),
with random response times and a consumer that is sometimes slow, so that ranges are split while their
pages are in flight or waiting to be handed over. The end-to-end tests against the Stripe mock are in
tests/engine/test_stripe_listing.py."""

import asyncio
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_core.stripe.listing import list_all
from tests.support.properties import examples


def _fake_stripe(customers: list[dict], rnd: random.Random):
    newest_first = sorted(customers, key=lambda c: (c["created"], c["seq"]), reverse=True)
    position = {c["id"]: i for i, c in enumerate(newest_first)}

    async def fetch(params: dict):
        await asyncio.sleep(rnd.random() * 0.002)
        created = params.get("created", {})
        lo, hi = created.get("gte", -(2**62)), created.get("lte", 2**62)
        start = position[params["starting_after"]] + 1 if "starting_after" in params else 0
        rows = [c for c in newest_first[start:] if lo <= c["created"] <= hi]
        return rows[:params["limit"]], len(rows) > params["limit"]

    return fetch


# An account: stretches of customers (start second, how many, up to how many a second), gaps between them.
stretches = st.lists(st.tuples(st.integers(0, 2_000_000_000), st.integers(1, 700), st.integers(1, 300)),
                     min_size=1, max_size=4)


@settings(max_examples=examples(40), deadline=None)
@given(stretches=stretches, partitions=st.integers(1, 9), seed=st.integers(0, 2**16), slow=st.booleans())
def test_every_customer_exactly_once(stretches, partitions, seed, slow):
    rnd = random.Random(seed)
    customers = []
    for start, count, per_second in stretches:
        for i in range(count):
            customers.append({"id": f"cus_{len(customers):06d}", "seq": len(customers),
                              "created": start + i // rnd.randint(1, per_second)})

    async def run():
        listed = []
        async for page in list_all(_fake_stripe(customers, rnd), partitions=partitions):
            assert page
            listed.extend(c["id"] for c in page)
            if slow:
                await asyncio.sleep(rnd.random() * 0.003)
        return listed

    listed = asyncio.run(run())
    assert sorted(listed) == sorted(c["id"] for c in customers)
