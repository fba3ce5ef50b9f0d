"""How many customers a mass sync keeps in flight: enough to keep the services busy, no more.

The engine's maximum (`Engine.workers`) is what the services' limits can use when
they answer slowly, as real NetSuite and Stripe do. When they answer fast, this
process's own CPU becomes the bottleneck, and customers in flight beyond what the
CPU can serve only add overhead: httpcore polls every idle pooled connection on
each request (encode/httpcore#928, unmerged in httpcore 1.0.9), so connections
opened for concurrency the CPU cannot use slow every later request down. Measured
with bench/mass_sync.py against the mocks with no latency: 4 in flight cost the
client 5.6 ms of CPU per customer, 32 in flight 8.0 ms.

So the limit starts small, doubles while the process has CPU to spare, and halves
when the process is saturated. The TUI runs on the same event loop, so a busy
screen also holds the sync back instead of the sync freezing the screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

MINIMUM = 4  # below this the client stops overlapping its work with the services' (measured: 2-6 alike)
WINDOW_SECONDS = 0.25
SATURATED = 0.8  # share of one core this process used in the last window
SPARE = 0.6


class InFlightLimit:
    """The number of customers in flight, adjusted from this process's CPU use per window."""

    def __init__(
        self,
        maximum: int,
        *,
        minimum: int = MINIMUM,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.maximum = max(1, maximum)
        self.minimum = min(minimum, self.maximum)
        self.limit = self.minimum
        self.peak = self.limit
        self._window = window
        self._clock, self._cpu_clock = clock, cpu_clock
        self._since, self._cpu_since = clock(), cpu_clock()

    def observe(self) -> int:
        """Called as customers finish; returns the limit for what comes next."""
        now = self._clock()
        elapsed = now - self._since
        if elapsed < self._window:
            return self.limit
        cpu = self._cpu_clock()
        busy = (cpu - self._cpu_since) / elapsed
        self._since, self._cpu_since = now, cpu
        if busy >= SATURATED:
            self.limit = max(self.minimum, self.limit // 2)
        elif busy < SPARE:
            self.limit = min(self.maximum, self.limit * 2)
        self.peak = max(self.peak, self.limit)
        return self.limit


class FixedLimit:
    """A limit the operator set ([sync] workers): kept as it is."""

    def __init__(self, limit: int) -> None:
        self.maximum = self.minimum = self.limit = self.peak = max(1, limit)

    def observe(self) -> int:
        return self.limit


async def in_flight(items: Iterable[Any], work: Callable[..., Awaitable[Any]],
                     limit: InFlightLimit | FixedLimit, stop: asyncio.Event | None = None) -> AsyncIterator[Any]:
    """`work(*item)` for every item, in order of taking, with as many in flight as `limit` allows now,
    until `stop` is set; results as they finish. A bug in `work` stops the run loudly instead of hanging it."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    pending = iter(items)
    alive: set[int] = set()  # worker k takes an item only while k < limit.limit
    stopped = object()
    exhausted = False

    async def worker(k: int) -> None:
        nonlocal exhausted
        try:
            while k < limit.limit and not (stop and stop.is_set()):
                item = next(pending, None)
                if item is None:
                    exhausted = True
                    break
                await queue.put(("result", await work(*item)))
        except Exception as exc:
            await queue.put(("error", exc))
        finally:
            await queue.put((stopped, k))

    tasks: list[asyncio.Task[None]] = []

    def spawn() -> None:
        tasks[:] = [t for t in tasks if not t.done()]
        for k in range(limit.limit):
            if k not in alive:
                alive.add(k)
                tasks.append(asyncio.create_task(worker(k)))

    spawn()
    try:
        while alive:
            kind, value = await queue.get()
            if kind is stopped:
                alive.discard(value)
                continue
            if kind == "error":
                raise value
            if limit.observe() > len(alive) and not exhausted:
                spawn()
            yield value
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
