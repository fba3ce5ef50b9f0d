"""The Stripe index a mass sync plans from (issue 14): listing or lookups, whichever costs fewer requests,
against the Stripe mock as a server. Stripe lists customers 100 a request, newest first, and has no
batch retrieve (https://docs.stripe.com/api/customers/list, https://docs.stripe.com/api/pagination)."""

from __future__ import annotations

import asyncio

from sync_core.run.stripe_index import build_index
from sync_core.stripe.early_listing import EarlyListing
from tests.support.engine_world import customer


def _stripe(n: int, *, email_of=lambda k: f"c{k}@shop.test"):
    return [{"id": f"cus_{k:05d}", "email": email_of(k), "created": 1_700_000_000 + k} for k in range(n)]


async def test_many_lookups_list_the_account_once(world):
    world.load([customer("101")], _stripe(250))
    async with world.engine() as engine:
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids={f"cus_{k:05d}" for k in range(200)},
                                  emails={"c7@shop.test", "C9@Shop.test"})
        requests = engine.stripe.requests
    assert index.listed_all and index.pages == 3 and requests == 3  # 250 customers: three pages, no lookup
    assert len(index.by_id) == 250
    assert [c["id"] for c in await index.same_mailbox("c9@shop.test")] == ["cus_00009"]  # any letter case


async def test_few_lookups_in_a_large_account_look_up_instead(world):
    world.load([customer("101")], _stripe(250))
    async with world.engine() as engine:
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids={"cus_00003"}, emails=set(),
                                  expected_pages=3)
        requests = engine.stripe.requests
    assert index.pages == 0 and requests == 1 and index.linked("cus_00003")[0]["email"] == "c3@shop.test"


async def test_without_an_estimate_listing_stops_once_it_stops_paying(world):
    world.load([customer("101")], _stripe(450))
    oldest = {f"cus_{k:05d}" for k in range(3)}  # listed last: newest first
    async with world.engine() as engine:
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids=oldest, emails=set())
        requests = engine.stripe.requests
    assert not index.listed_all and index.pages <= 4  # pages read reached the lookups still needed (one more in flight)
    assert requests <= 4 + 3 and all(index.linked(s)[0] for s in oldest)  # about twice the cheaper way, at most


async def test_a_stored_id_the_listing_does_not_show_is_retrieved(world):
    stripe = [*_stripe(5), {"id": "cus_gone", "email": "g@shop.test", "deleted": True}]
    world.load([customer("101")], stripe)
    async with world.engine() as engine:
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids={"cus_00001", "cus_gone", "cus_never"},
                                  emails={"c2@shop.test", "x@shop.test"})
        requests = engine.stripe.requests
    assert index.listed_all and requests == 1 + 2  # one page, then the two ids it did not show
    assert index.linked("cus_gone")[0]["deleted"] and index.linked("cus_never") == (None, False)
    assert await index.same_mailbox("x@shop.test") == []


async def _resolved(value: int) -> int:
    return value


async def _read_ahead(early: EarlyListing, pages: int) -> None:
    """Wait (on the condition, not a clock) until the early listing holds `pages` or has read the account."""
    for _ in range(3_000):
        if len(early._held) >= pages or early._ended:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the early listing holds {len(early._held)} pages")


async def test_an_early_listing_read_beside_netsuite_is_taken_over_not_read_twice(world):
    """A run over the whole search with 1,000 lookups or more lists the account anyway: the listing begins
    while NetSuite's pages are read (EarlyListing), once the linked customers (or the customers read) show it,
    reads ahead up to twice what they fill, and the index takes it over: every customer listed once."""
    world.load([customer("101")], _stripe(3_450))
    async with world.engine() as engine:
        early = EarlyListing(engine.stripe, _resolved(1_200))
        await _read_ahead(early, 24)  # twice the linked customers' worth, read while nothing else runs
        assert 24 <= engine.stripe.list_pages <= 24 + 4  # and what the ranges had in flight (4 at once)
        # the linked customers spread over the account: every page finds some, so listing pays to its end in
        # whatever order the ranges' pages come (1,200 of the oldest alone could stop it a page early, by luck)
        linked = {f"cus_{k:05d}" for k in range(0, 3_450, 3)}
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids=linked, emails=set(), early=early)
        await early.cancel()
        requests = engine.stripe.requests
    assert index.listed_all and len(index.by_id) == 3_450 and index.pages == engine.stripe.list_pages
    assert requests == engine.stripe.list_pages and requests <= 35 + 2 * 4  # 35 pages, a partial one per range
    assert not asyncio.all_tasks() - {asyncio.current_task()}  # nothing left reading


async def test_the_customers_read_start_an_early_listing_before_the_linked_count_does(world):
    world.load([customer("101")], _stripe(1_450))
    never: asyncio.Future[int] = asyncio.get_running_loop().create_future()  # the count has not come yet
    async with world.engine() as engine:
        early = EarlyListing(engine.stripe, never)
        early.lookups(999)
        await asyncio.sleep(0)
        assert engine.stripe.requests == 0  # not yet worth it: nothing read
        early.lookups(1_000)  # NetSuite's first page: 1,000 customers to look up
        await _read_ahead(early, 15)
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids={f"cus_{k:05d}" for k in range(1_000)},
                                  emails=set(), early=early)
        await early.cancel()
    assert index.listed_all and len(index.by_id) == 1_450 and index.pages == engine.stripe.list_pages <= 15 + 3


async def test_an_early_listing_starts_only_for_an_account_worth_listing(world):
    world.load([customer("101")], _stripe(250))
    async with world.engine() as engine:
        early = EarlyListing(engine.stripe, _resolved(999))
        await asyncio.sleep(0.05)
        assert await early.take_over() is None and engine.stripe.requests == 0
        await early.cancel()
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids={"cus_00003"}, emails=set(),
                                  expected_pages=3, early=early)
    assert index.pages == 0 and index.linked("cus_00003")  # few lookups: looked up, as without an early start
