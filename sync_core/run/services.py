"""What the steps of a sync share: the configuration, both clients, the mailbox lookups and the turn locks.

Every step (read, index, plan, execute; single sync, the mass-sync paths, the operator's decisions) takes a
`Services` value, not the `Engine`: the engine is a façade the faces call, and nothing below it imports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from sync_core.config import Config
from sync_core.netsuite.client import NetSuiteClient
from sync_core.stripe.gateway import StripeGateway
from sync_core.stripe.lookup import MailboxIndex


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it: single syncs running at once take
    the keys a mass sync takes turns on (`turns.Turns`), in sorted order so that two never deadlock."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, keys: Iterable[str]) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                await stack.enter_async_context(self._hold_one(key))
            yield

    @asynccontextmanager
    async def _hold_one(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass(frozen=True)
class Services:
    config: Config
    netsuite: NetSuiteClient
    stripe: StripeGateway
    mailboxes: MailboxIndex
    turn_locks: KeyedLocks = field(default_factory=KeyedLocks)
    checked: set[tuple[str, ...]] = field(default_factory=set)  # configured field ids the account was found to have

    @classmethod
    def of(cls, config: Config, netsuite: NetSuiteClient, stripe: StripeGateway) -> Services:
        return cls(config, netsuite, stripe, MailboxIndex(stripe, config.sync.match_key()))

    @property
    def retries(self) -> int:
        """Retries made so far by both clients."""
        return self.netsuite.retries + self.stripe.retries

    def requests(self) -> tuple[int, int]:
        """Requests made so far: (NetSuite, Stripe)."""
        return self.netsuite.requests, self.stripe.requests
