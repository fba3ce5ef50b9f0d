"""The Stripe account's listing, begun while a mass sync still reads NetSuite's pages.

Listing is one named operation, `GET /v1/customers`, which Stripe holds to 25 requests a second in live mode
too (https://docs.stripe.com/rate-limits): 10,000 customers take 4 seconds of it. A run's index lists the
account once it knows its customers, after NetSuite's pages; when the account is surely worth listing (a run
over the whole saved search with no stored listing to bring up to date, and `SURELY_LIST` lookups or more
to make: its customers read so far, or the NetSuite customers linked, whichever shows it first) the listing
begins beside the pages instead, and the index takes it over: the pages read early, then the rest.

It reads ahead no more than twice the pages those customers fill (the index itself lists "within twice the
cheaper way"): an account far larger is not read early beyond that, and from there the index's own rule
(stop once listing stops paying) decides, as it does without an early start. Until one of the two says
the account is worth it, nothing is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from sync_core.stripe.gateway import StripeGateway
from sync_core.stripe.listing import DEFAULT_PARTITIONS, PAGE

SURELY_LIST = 1_000  # lookups from which listing is the cheaper way unless the account holds 100,000 or more


def partitions_for(pages: int) -> int:
    """Ranges listed at once keep Stripe's rate busy despite its latency (25/s at 250 ms needs about 7 in
    flight); each costs a request or two of its own, so a small account is listed in one."""
    return max(1, min(DEFAULT_PARTITIONS, pages // 3))


class EarlyListing:
    def __init__(self, stripe: StripeGateway, linked: Awaitable[int]) -> None:
        """`linked`: how many NetSuite customers hold a Stripe id (shielded: cancelling this leaves it be)."""
        self._stripe = stripe
        self._pages: AsyncIterator[list[dict[str, Any]]] | None = None
        self._held: list[list[dict[str, Any]]] = []
        self._budget = 0  # pages it may read ahead
        self._more = asyncio.Event()
        self._ended = self._handed = False
        self.pages_before = stripe.list_pages  # the listing's pages are counted from here
        self._reader = asyncio.create_task(self._read())
        self._counter = asyncio.create_task(self._count(linked))

    def lookups(self, count: int) -> None:
        """The run has read customers making `count` lookups so far (a stored id or a value to match each)."""
        if count >= SURELY_LIST:
            self._allow(count)

    def _allow(self, lookups: int) -> None:
        budget = 2 * -(-lookups // PAGE)
        if budget > self._budget and not self._handed:
            self._budget = budget
            self._more.set()

    async def _count(self, linked: Awaitable[int]) -> None:
        try:
            count = await linked
        except (asyncio.CancelledError, Exception):
            return
        self.lookups(count)

    async def _read(self) -> None:
        while not self._handed:
            if len(self._held) >= self._budget:
                self._more.clear()
                await self._more.wait()
                continue
            if self._pages is None:
                self._pages = self._stripe.all_customers(partitions=partitions_for(self._budget // 2))
            try:
                self._held.append(await anext(self._pages))
            except StopAsyncIteration:
                self._ended = True
                return

    async def take_over(self) -> AsyncIterator[list[dict[str, Any]]] | None:
        """The listing from its first page (those read early, then the rest, read as asked), or None when it did
        not start: the index then lists on its own."""
        self._handed = True
        self._more.set()
        await asyncio.shield(self._reader)  # its page in flight, then it stops: the listing is the index's now
        return self._continue() if self._pages is not None else None

    async def _continue(self) -> AsyncIterator[list[dict[str, Any]]]:
        while self._held:
            yield self._held.pop(0)
        if not self._ended and self._pages is not None:
            async for page in self._pages:
                yield page

    async def cancel(self) -> None:
        """Stop reading (the index did not need it, or the run ended): the pages in flight are cancelled."""
        self._handed = True
        for task in (self._counter, self._reader):
            task.cancel()
        await asyncio.gather(self._counter, self._reader, return_exceptions=True)
        if self._pages is not None:
            await self._pages.aclose()  # type: ignore[attr-defined]
