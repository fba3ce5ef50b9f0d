"""In a mass sync, customers that touch the same thing take their turn in the run's order.

A concurrent run must decide exactly as a one-at-a-time run (and its dry run)
would: of two NetSuite customers sharing an email, the first in the run
creates the Stripe customer and the next links it; of two linked to one Stripe
customer, the first pushes its fields and the next finds it owned; a push that
moves a Stripe customer to another email is seen, or not, by the customers of
both mailboxes as its place in the run says. Keys are mailboxes and stored
Stripe ids. Each customer announces its keys once it knows them (none when it
has none, or failed); it goes ahead only when every earlier customer has
announced, and the earlier ones sharing a key are done.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager


class Turns:
    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._announced: set[int] = set()
        self._low = 0  # every position below this has announced
        self._waiting: dict[str, list[int]] = {}  # key -> heap of positions announced and not done

    async def announce(self, position: int, keys: Collection[str] = ()) -> None:
        async with self._changed:
            self._announced.add(position)
            while self._low in self._announced:
                self._announced.discard(self._low)
                self._low += 1
            for key in set(keys):
                heapq.heappush(self._waiting.setdefault(key, []), position)
            self._changed.notify_all()

    def _my_turn(self, position: int, keys: Collection[str]) -> bool:
        return self._low > position and all(self._waiting[k][0] == position for k in keys)

    @asynccontextmanager
    async def turn(self, position: int, keys: Collection[str]) -> AsyncIterator[None]:
        """Held while this customer decides and writes; `announce` must have named the same keys."""
        keys = set(keys)
        async with self._changed:
            await self._changed.wait_for(lambda: self._my_turn(position, keys))
        try:
            yield
        finally:
            async with self._changed:
                for key in keys:
                    heapq.heappop(self._waiting[key])
                    if not self._waiting[key]:
                        del self._waiting[key]
                self._changed.notify_all()
