"""Stripe's rate limits as Stripe counts them, so that custsync meets them instead of their 429s.

https://docs.stripe.com/rate-limits: "The basic rate limiter restricts the number of API requests per
second as follows: Live mode: 100 operations; Sandbox: 25 operations. Calls to individual resources have
stricter limits, and also count against global limits. API endpoints have a default limit of 25 requests
per second." Each named API operation is an endpoint of its own (`POST /v1/customers` and
`POST /v1/customers/{customer}` are two; every customer id counts against the same one). Search has 20
reads per second "for all search endpoints" (https://docs.stripe.com/search#rate-limits). "Stripe may
increase rate limits for specific accounts based on usage": `[stripe] requests_per_second`,
`operation_requests_per_second` and `search_requests_per_second` set what Stripe raised.

So a request waits for two things: its operation's turn and the account's. In live mode creates and
updates each top out at 25/s but run side by side within the global 100/s (`side_by_side` orders a run's
writes so that they do).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync_core.retry import HEADROOM, RateLimiter

if TYPE_CHECKING:
    from sync_core.config import StripeConfig

GLOBAL_LIVE = 100.0  # requests/s, live mode
GLOBAL_TEST = 25.0  # requests/s, a sandbox or test mode
OPERATION = 25.0  # requests/s of one named operation, unless Stripe documents another
SEARCH = 20.0  # search reads/s, all search endpoints together
# What a create or an update takes Stripe to answer, for how many to keep in flight (a choice: Stripe publishes no
# latency; 250 ms to 500 ms is what its API usually takes for a customer write).
WRITE_LATENCY_S = 0.5

# The named operations custsync calls, as Stripe's OpenAPI spec names their paths.
CREATE = "POST /v1/customers"
UPDATE = "POST /v1/customers/{customer}"
RETRIEVE = "GET /v1/customers/{customer}"
LIST = "GET /v1/customers"
SEARCH_CUSTOMERS = "GET /v1/customers/search"
EVENTS = "GET /v1/events"
ACCOUNT = "GET /v1/account"
PORTAL_SESSION = "POST /v1/billing_portal/sessions"
PORTAL_CONFIGURATIONS = "GET /v1/billing_portal/configurations"
SEARCHES = frozenset({SEARCH_CUSTOMERS})  # Stripe's search endpoints custsync calls: one limit for all


@dataclass(frozen=True)
class LimitSettings:
    """Requests per second: the account's (global, per mode), each operation's, search's."""

    requests_per_second: float
    operation_requests_per_second: float = OPERATION
    search_requests_per_second: float = SEARCH

    @classmethod
    def for_mode(cls, live: bool, *, requests_per_second: float | None = None,
                 operation_requests_per_second: float | None = None,
                 search_requests_per_second: float | None = None) -> LimitSettings:
        """Stripe's defaults for the key's mode, with what the account's own limits (set in config) change."""
        return cls(requests_per_second or (GLOBAL_LIVE if live else GLOBAL_TEST),
                   operation_requests_per_second or OPERATION, search_requests_per_second or SEARCH)

    @classmethod
    def from_config(cls, stripe: StripeConfig) -> LimitSettings:
        return cls.for_mode(stripe.is_live, requests_per_second=stripe.requests_per_second,
                            operation_requests_per_second=stripe.operation_requests_per_second,
                            search_requests_per_second=stripe.search_requests_per_second)

    def rate(self, operation: str) -> float:
        if operation in SEARCHES:
            return min(self.search_requests_per_second, self.operation_requests_per_second)
        return self.operation_requests_per_second

    def describe(self) -> str:
        return (f"{self.requests_per_second:g}/s for the account, {self.operation_requests_per_second:g}/s "
                f"per operation, search {self.search_requests_per_second:g}/s")


# Stripe counts a limit's requests as they reach it, within one second (docs.stripe.com/rate-limits gives
# requests per second, not how they are counted; the mock counts a sliding second, mock_stripe/faults.py, the
# strictest reading). Requests reach it a little apart from how they left: measured in a 10,000-customer live
# run (bench/mass_sync.py), 1 ms after their slot as a rule, 12 ms more at the 99th percentile, 50 to 180 ms
# more now and then (the client's event loop or the server held up). The client cannot see that: a request
# reaching Stripe later than the one `limit` requests after it makes a second hold one too many. Those delays
# replayed against the mock's window: at exactly 25/s 158 of 4,100 writes refused, at 97% 9, at 24/s 8 (the
# long stalls, which no pace near the limit avoids). So a limit's `limit` requests leave over at least
# WINDOW_S (97% of the rate, as the slots are spaced): a request may reach Stripe 31 ms late and still find
# room in its second.
WINDOW_S = 1.0 / HEADROOM


def _window_cap(rate: float) -> int:
    """Requests let through in any WINDOW_S, as they actually leave: the limit's whole second's worth."""
    return max(1, math.floor(rate))


class _Operation:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.limiter = RateLimiter(rate)
        self.turn = asyncio.Lock()  # one request of the operation at a time waits for the account's slot
        self.sent: deque[float] = deque()  # when its last requests left (the last WINDOW_S's)
        self.cap = _window_cap(rate) if rate else 0
        self.in_flight = 0


class StripeLimits:
    """Both of Stripe's limits on this client's requests.

    A request first waits for its operation's slot (evenly spaced, as `RateLimiter`), holding the
    operation's turn, then for the account's; the operation's next slot counts from the later of the two
    slots. So one operation never sends faster than its limit, even when the account's limit
    held a request back, and a busy operation queues behind itself only: it has one request at a time
    waiting for the account, never a backlog that would hold the other operations back.

    Slots keep their pace when the event loop wakes a sleeper late (a busy machine), so requests held back
    by a stall would then leave together: a last check counts the requests that actually left in the last
    WINDOW_S, the operation's and the account's, and waits for room (`_window_cap`).
    """

    def __init__(self, settings: LimitSettings | None) -> None:
        self.settings = settings
        self._global = RateLimiter(settings.requests_per_second if settings else None)
        self._global_sent: deque[float] = deque()
        self._global_cap = _window_cap(settings.requests_per_second) if settings else 0
        self._operations: dict[str, _Operation] = {}

    def _operation(self, operation: str) -> _Operation:
        found = self._operations.get(operation)
        if found is None:
            found = self._operations[operation] = _Operation(self.settings.rate(operation) if self.settings else 0)
        return found

    @asynccontextmanager
    async def slot(self, operation: str) -> AsyncIterator[None]:
        """Wait until a request of `operation` may leave; counted as in flight until the block ends."""
        op = self._operation(operation)
        op.in_flight += 1
        try:
            if self.settings is not None:
                async with op.turn:
                    due = await op.limiter.acquire()
                    # Slots, not wake-up times: event-loop lateness must not push the next slot back.
                    op.limiter.not_before(await self._global.acquire(due))
                    await self._room(op)
            yield
        finally:
            op.in_flight -= 1

    async def _room(self, op: _Operation) -> None:
        """Wait until neither the operation nor the account has let its cap of requests leave in the last
        WINDOW_S; then this one leaves (recorded in both)."""
        windows = ((op.sent, op.cap), (self._global_sent, self._global_cap))
        while True:
            now = time.monotonic()
            wait = 0.0
            for sent, cap in windows:
                while sent and sent[0] <= now - WINDOW_S:
                    sent.popleft()
                if cap and len(sent) >= cap:
                    wait = max(wait, sent[0] + WINDOW_S - now)
            if wait <= 0:
                for sent, _ in windows:
                    sent.append(now)
                return
            await asyncio.sleep(wait)

    def writes_at_once(self, latency_s: float = WRITE_LATENCY_S) -> int:
        """How many creates and updates the limits keep in flight together when each takes `latency_s`: both
        operations at their own rate, within the account's."""
        if self.settings is None:
            return 0
        rate = min(self.settings.requests_per_second, 2 * self.settings.operation_requests_per_second)
        return int(rate * latency_s + 0.999)

    def load(self, operation: str | None) -> float:
        """Seconds of work queued for `operation` at its limit (its requests in flight over its rate); 0 for
        work that makes no Stripe request."""
        if operation is None:
            return 0.0
        op = self._operations.get(operation)
        if op is None or not op.in_flight:
            return 0.0
        return op.in_flight / op.rate if op.rate else 0.0


def side_by_side(operations: Sequence[str | None], after: Sequence[Sequence[int]],
                 load: Callable[[str | None], float]) -> Iterator[int]:
    """The order to take a run's rows in (indices into `operations`, each row's Stripe operation or None):
    next, the first row of the operation with the least work queued (`load`), so that creates and updates
    go side by side, each at its own limit, instead of one after the other. A row never comes before the
    rows it depends on (`after[k]`, all earlier in the plan): the earliest row left always may go, since
    every row before it went."""
    queues: dict[str | None, deque[int]] = {}
    for k, operation in enumerate(operations):
        queues.setdefault(operation, deque()).append(k)
    taken = bytearray(len(operations))
    while queues:
        ready = [op for op, queue in queues.items() if all(taken[d] for d in after[queue[0]])]
        operation = min(ready, key=lambda op: (load(op), queues[op][0]))
        queue = queues[operation]
        k = queue.popleft()
        if not queue:
            del queues[operation]
        taken[k] = 1
        yield k
