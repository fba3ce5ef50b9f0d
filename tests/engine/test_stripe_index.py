"""The Stripe index a mass sync plans from (issue 14): listing or lookups, whichever costs fewer requests,
against the Stripe mock as a server. Stripe lists customers 100 a request, newest first, and has no
batch retrieve (https://docs.stripe.com/api/customers/list, https://docs.stripe.com/api/pagination)."""

from __future__ import annotations

from sync_core.run.stripe_index import build_index

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
    stripe = _stripe(5) + [{"id": "cus_gone", "email": "g@shop.test", "deleted": True}]
    world.load([customer("101")], stripe)
    async with world.engine() as engine:
        index = await build_index(engine.stripe, engine.mailboxes, stored_ids={"cus_00001", "cus_gone", "cus_never"},
                                  emails={"c2@shop.test", "x@shop.test"})
        requests = engine.stripe.requests
    assert index.listed_all and requests == 1 + 2  # one page, then the two ids it did not show
    assert index.linked("cus_gone")[0]["deleted"] and index.linked("cus_never") == (None, False)
    assert await index.same_mailbox("x@shop.test") == []
