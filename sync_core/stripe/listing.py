"""Every customer of a Stripe account (or every event since a moment), listed over several `created`
ranges at once.

Stripe lists newest first, 100 objects a page at most, through a cursor (`starting_after`: "returns
objects listed after the named object", https://docs.stripe.com/api/pagination), and knows no total
count; a list takes `created[gte]` / `created[lte]` ("Only return customers that were created during
the given date interval", https://docs.stripe.com/api/customers/list). One cursor is one request at a
time, so a large account is split into disjoint ranges of `created` seconds, each paged by its own
cursor, side by side.

The ranges adapt (nothing is known of the account's spread over time): the newest page is read first;
what lies below its last customer is one range [0, that customer's second], continued from that
customer. Each range estimates what it has left from the density it has read. An idle worker takes the
older part of the range with the most left: half of it, but that range keeps at most a chunk (growing
with what the listing has read so far), so the unknown oldest stretch goes whole to the idle worker,
which lists it from its newest end and so finds the data wherever it starts (an empty stretch costs one
request). Ranges with little left are not split (each split costs a partial last page); workers with
nothing to take wait for one. A range split while its page is in flight drops what the page holds
below its new lower bound (that part belongs to the other range now), so every customer is read exactly
once. Ranges are whole seconds, so customers sharing a second are never split between two ranges;
within a range, the cursor orders them.

A customer created while the listing runs is newer than the first page's cursor and is not listed; a
customer deleted meanwhile may still be. Deleted customers are not listed (Stripe lists live objects).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any, AsyncGenerator, Awaitable, Callable

PAGE = 100  # Stripe's largest list page
# Ranges listed at once; the gateway's rate limiter still spaces the requests. Stripe also has a
# concurrency limiter whose number it does not publish, and "API endpoints have a default limit of 25
# requests per second" (https://docs.stripe.com/rate-limits): a few lists at once, not dozens; a 429 from
# either is retried like any other (the gateway's RetryPolicy).
DEFAULT_PARTITIONS = 8
MIN_SPLIT = 4 * PAGE  # customers a range must have left (estimated) to be shared with an idle worker
CHUNK = 10 * PAGE  # at least what a split range keeps of its older part: the rest goes to the idle worker

Page = tuple[list[dict[str, Any]], bool]
FetchPage = Callable[[dict[str, Any]], Awaitable[Page]]


@dataclass(eq=False)
class _Range:
    """Customers created in [lo, top] (seconds, both inclusive) not yet read; after `cursor` when set.

    `read` customers were read from second `start` (the first one read) down to `top`: the range's
    density, from which what is left is estimated (nothing to go by until a page was read)."""
    lo: int
    top: int
    cursor: str | None = None
    start: int | None = None
    read: int = 0

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": PAGE, "created": {"gte": self.lo, "lte": self.top}}
        if self.cursor:
            params["starting_after"] = self.cursor
        return params

    def advance(self, kept: list[dict[str, Any]]) -> None:
        if self.start is None:
            self.start = int(kept[0]["created"])
        self.top, self.cursor = int(kept[-1]["created"]), str(kept[-1]["id"])
        self.read += len(kept)

    def density(self) -> float:
        """Customers a second, as read so far (0: unknown)."""
        return self.read / (self.start - self.top + 1) if self.start is not None else 0.0

    def left(self) -> float:
        return self.density() * (self.top - self.lo + 1)

    def split(self, keep: float) -> _Range:
        """Give away the older part [lo, mid) of what is left: half of it, but keep no more than `keep`
        customers (at the density read so far), so that an account's unknown oldest stretch goes whole to
        the idle worker, which reads from its newest end on and finds out."""
        keep_seconds = max(1, math.ceil(keep / self.density()))
        mid = max((self.lo + self.top + 1) // 2, self.top + 1 - keep_seconds)
        lower = _Range(self.lo, mid - 1)
        self.lo = mid
        return lower


_DONE = object()  # a worker found nothing left to take


async def list_all(fetch: FetchPage, *, partitions: int = DEFAULT_PARTITIONS,
                   since: int = 0) -> AsyncGenerator[list[dict[str, Any]], None]:
    """Pages (lists of objects, never empty) in no particular order; see the module's docstring. `since`:
    only objects created at or after that second (Stripe's clock), e.g. the events after a stored listing.

    Leaving early (`break` inside `async with contextlib.aclosing(...)`, or aclose()) cancels the pages
    in flight and returns once they are cancelled. The first error of any range ends the listing."""
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    first, more = await fetch({"limit": PAGE, "created": {"gte": since}} if since else {"limit": PAGE})
    if first:
        yield first
    if not more or not first:
        return

    last = first[-1]
    ranges: list[_Range] = [_Range(since, 0)]
    ranges[0].advance(first)
    read = [len(first)]  # customers read so far
    changed = asyncio.Condition()  # a page was read or a range finished: there may be work to take
    # Bounded: a slow consumer holds the workers back instead of letting pages pile up.
    pages: asyncio.Queue[Any] = asyncio.Queue(maxsize=partitions)

    def take() -> _Range | None:
        # A split costs a partial page at the end of each half: only a range with pages left to share.
        victim = max(ranges, key=_Range.left, default=None)
        if victim is None or victim.top <= victim.lo or victim.left() < MIN_SPLIT:
            return None
        # What a split range keeps grows with what was read: a large account is carved in few pieces.
        own = victim.split(max(CHUNK, read[0] / partitions))
        ranges.append(own)
        return own

    async def page_through(rng: _Range) -> None:
        while True:
            customers, more = await fetch(rng.params())
            # The range may have been split meanwhile: below `lo` belongs to another range now.
            kept = [c for c in customers if int(c["created"]) >= rng.lo]
            done = not more or not kept or len(kept) < len(customers)
            # The range's state moves on before handing the page over (which may wait for the consumer):
            # a split in between must see where this range has got to, or it would give away read customers.
            if done:
                ranges.remove(rng)
            else:
                rng.advance(kept)
                read[0] += len(kept)
            if kept:
                await pages.put(kept)
            async with changed:
                changed.notify_all()
            if done:
                return

    async def worker(own: _Range | None) -> None:
        try:
            while ranges:
                own = own or take()
                if own is None:
                    async with changed:
                        await changed.wait()
                    continue
                await page_through(own)
                own = None
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, who raises it
            await pages.put(exc)
            return
        await pages.put(_DONE)

    tasks = [asyncio.create_task(worker(ranges[0]))]
    tasks += [asyncio.create_task(worker(None)) for _ in range(partitions - 1)]
    try:
        running = len(tasks)
        while running:
            item = await pages.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
