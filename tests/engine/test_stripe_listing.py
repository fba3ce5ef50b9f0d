"""Listing a whole Stripe account (StripeGateway.all_customers) against the Stripe mock.

Stripe lists newest first with a cursor and no total count (https://docs.stripe.com/api/pagination);
`created[gte]`/`created[lte]` restrict a list to a date interval (https://docs.stripe.com/api/customers/list);
deleted customers are not listed. The gateway lists several `created` ranges at once: every customer must
come exactly once, wherever the range boundaries fall.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest

from sync_core.errors import StripeServiceError

YEAR = 365 * 24 * 3600
T0 = 1_600_000_000


def _account() -> list[dict]:
    """About 2,700 customers: an old stretch, a gap of years, a busy recent stretch with up to 9 customers
    a second, one second holding 250 (more than two pages), and deleted customers among them."""
    customers = [{"id": f"cus_old{i:05d}", "created": T0 + i * 3600} for i in range(300)]
    customers += [{"id": f"cus_new{i:05d}", "created": T0 + 3 * YEAR + i // (1 + i % 9)} for i in range(2000)]
    customers += [{"id": f"cus_burst{i:04d}", "created": T0 + 3 * YEAR + 500} for i in range(250)]
    customers += [{"id": f"cus_gone{i:04d}", "created": T0 + 3 * YEAR + i, "deleted": True} for i in range(40)]
    customers += [{"id": f"cus_top{i:04d}", "created": T0 + 4 * YEAR + i} for i in range(150)]
    return customers


def _watch_pages(gateway) -> dict:
    """Record the pages' parameters and how many were in flight at once (the gateway's own request path)."""
    seen = {"params": [], "in_flight": 0, "most_in_flight": 0}
    fetch = gateway._list_page

    async def watched(params):
        seen["params"].append(params)
        seen["in_flight"] += 1
        seen["most_in_flight"] = max(seen["most_in_flight"], seen["in_flight"])
        try:
            return await fetch(params)
        finally:
            seen["in_flight"] -= 1

    gateway._list_page = watched
    return seen


@pytest.mark.parametrize("partitions", [1, 3, 8])
async def test_every_live_customer_exactly_once_across_ranges_and_shared_seconds(world, partitions):
    customers = _account()
    world.load([], customers)
    live = {c["id"] for c in customers if not c.get("deleted")}
    async with world.engine() as engine:
        seen = _watch_pages(engine.stripe)
        listed = [c["id"] async for page in engine.stripe.all_customers(partitions=partitions) for c in page]
        pages = engine.stripe.list_pages
    assert len(listed) == len(live) and set(listed) == live
    assert pages == len(seen["params"])
    if partitions > 1:
        # bigger than one range: listed side by side, over more than one created range
        assert seen["most_in_flight"] > 1
        assert len({p["created"]["gte"] for p in seen["params"] if "created" in p}) > 1
    # a few pages more than the minimum at most (the halves' last pages, probes of empty stretches)
    assert -(-len(live) // 100) <= pages <= -(-len(live) // 100) + 6 * partitions


async def test_small_and_empty_accounts(world):
    world.load([], [{"id": f"cus_s{i}", "created": T0 + i} for i in range(7)])
    async with world.engine() as engine:
        pages = [p async for p in engine.stripe.all_customers()]
        assert [c["id"] for c in pages[0]] == [f"cus_s{i}" for i in reversed(range(7))]  # newest first
        assert len(pages) == 1 and engine.stripe.list_pages == 1
    world.load([], [])
    async with world.engine() as engine:
        assert [p async for p in engine.stripe.all_customers()] == []


async def test_stopping_early_cancels_the_pages_in_flight(world):
    world.load([], [{"id": f"cus_e{i:05d}", "created": T0 + i} for i in range(3000)])
    world.mocks.stripe.control.faults(latency_ms=100)
    async with world.engine() as engine:
        consumed = 0
        async with aclosing(engine.stripe.all_customers(partitions=4)) as listing:
            async for _ in listing:
                consumed += 1
                if consumed == 3:
                    break
        assert not [t for t in asyncio.all_tasks() if "list_all" in t.get_coro().__qualname__ and not t.done()]
        requests = engine.stripe.requests
        await asyncio.sleep(0.5)
        assert engine.stripe.requests == requests  # nothing more asked once the consumer left
        # read beyond what was used: the pages in flight and queued, a few per range
        assert engine.stripe.list_pages <= consumed + 2 * 4 + 1


async def test_a_rate_limited_page_is_retried_and_nothing_is_lost(world):
    customers = _account()
    world.load([], customers)
    live = {c["id"] for c in customers if not c.get("deleted")}
    # https://docs.stripe.com/rate-limits: 429 with code rate_limit; the gateway retries it (RetryPolicy).
    world.mocks.stripe.control.faults(rate_429=0.2, seed=11)
    async with world.engine() as engine:
        listed = [c["id"] async for page in engine.stripe.all_customers(partitions=4) for c in page]
        retries = engine.stripe.retries
    assert len(listed) == len(live) and set(listed) == live
    assert retries > 0 and world.mocks.stripe.control.stats()["faults"]["429"] > 0


async def test_a_range_that_keeps_failing_ends_the_listing_with_its_error(world):
    world.load([], [{"id": f"cus_k{i:04d}", "created": T0 + i} for i in range(2000)])
    async with world.engine() as engine:
        with pytest.raises(StripeServiceError) as err:
            async with aclosing(engine.stripe.all_customers(partitions=4)) as listing:
                async for _ in listing:
                    world.mocks.stripe.control.faults(error_rate=1.0)  # every page from now on: 500
        assert not [t for t in asyncio.all_tasks() if "list_all" in t.get_coro().__qualname__ and not t.done()]
    assert err.value.status == 500 and err.value.retryable
