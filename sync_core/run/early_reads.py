"""NetSuite's answers a mass sync's plan needs besides its pages, asked while the pages are still read.

The plan needs three reads of NetSuite besides the customers' pages: who else holds a Stripe id that two or
more customers hold (`reads.shared_links`: one query, whatever the pages say), which Stripe ids the linked
customers of each mailbox matched by email hold (`reads.netsuite_links`, a query per 500 mailboxes) and the
customers' current portal links (the RESTlet, a call per 1,000). Asked once the last page was read, they kept
the first Stripe write waiting for a second or two of NetSuite's time (5 requests at once, 400 ms each in a
standard account). Here the first is asked at once and the others a batch at a time, as soon as a batch is
full, so that only the last, partial batches are left when the last page is in. The same requests, no more:
each batch is as full as it was.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sync_core.errors import SyncError
from sync_core.netsuite.client import PORTAL_LINKS_BATCH
from sync_core.rules.decide import LookupKind
from sync_core.run import reads
from sync_core.run.job import Job
from sync_core.run.services import Services


def match_value(job: Job) -> str | None:
    """The value a customer matched by email (or by the lookup field) is matched on; None for the others."""
    if job.mapped is None or job.kind is not LookupKind.BY_EMAIL:
        return None
    return job.facts.match_value() or None


class EarlyReads:
    def __init__(self, services: Services, *, portal: bool) -> None:
        """`portal`: the run writes portal links, so it reads the current ones (a dry run too: a read)."""
        self._services, self._portal = services, portal
        self.counted_from = services.requests()  # the plan's reads are counted from here: the context's too
        self._key = services.config.sync.match_key()
        self._asks: list[asyncio.Task[Any]] = []
        # The Stripe account's size estimate (the index's, and whether its listing may begin early) and the ids
        # several customers hold depend on nothing the run reads: asked at once.
        self.linked_count: asyncio.Task[int] = self._ask(reads.linked_count(services))
        self._shared = self._ask(reads.shared_holders(services))
        self.boxes: set[str] = set()  # the mailboxes (or lookup values) of the customers matched by them
        self._boxes: list[str] = []  # not asked yet
        self._box_asks: list[asyncio.Task[tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]]] = []
        self._link_ids: list[str] = []  # not asked yet
        self._held: dict[str, str] = {}  # the link each of those holds now
        self._link_asks: list[asyncio.Task[dict[str, str]]] = []

    def _ask(self, read: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(read)
        self._asks.append(task)
        return task

    def add(self, job: Job) -> None:
        """A customer the run takes, as read and mapped."""
        if job.mapped is None:
            return
        value = match_value(job)
        if value is not None:
            box = self._key.of_value(value) or ""
            if box not in self.boxes:
                self.boxes.add(box)
                if box:
                    self._boxes.append(box)
                    if len(self._boxes) >= reads.LINK_QUERY_BATCH:
                        self._ask_boxes()
        if self._portal and job.kind is not LookupKind.NONE:
            self._link_ids.append(job.internal_id)
            if job.mapped.portal_url:
                self._held[job.internal_id] = job.mapped.portal_url
            if len(self._link_ids) >= PORTAL_LINKS_BATCH:
                self._ask_links()

    def _ask_boxes(self) -> None:
        boxes, self._boxes = set(self._boxes), []
        self._box_asks.append(self._ask(reads.netsuite_links(self._services, set(), boxes)))

    def _ask_links(self) -> None:
        ids, held, self._link_ids, self._held = self._link_ids, self._held, [], {}
        self._link_asks.append(self._ask(self._services.netsuite.portal_links(ids, held=held)))

    def read_all(self) -> None:
        """Every customer is in: the last batches go."""
        if self._boxes:
            self._ask_boxes()
        if self._link_ids:
            self._ask_links()

    async def shared_links(self, held: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """`reads.shared_links` for the run's holdings `held`."""
        return reads.with_shared(held, await self._shared)

    async def box_links(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        """`reads.netsuite_links` for every mailbox added: (Stripe id -> holders, mailbox -> Stripe ids)."""
        links: dict[str, tuple[str, ...]] = {}
        by_box: dict[str, tuple[str, ...]] = {}
        for some_links, some_boxes in await asyncio.gather(*self._box_asks):
            for merged, found in ((links, some_links), (by_box, some_boxes)):
                for key, values in found.items():
                    for value in values:
                        reads.add_holder(merged, key, value)
        return links, by_box

    async def portal_links(self) -> dict[str, str] | None:
        """The current links of every customer added with a Stripe id or a value to match (None when the run
        writes no portal links, or NetSuite could not give them: each customer's portal decision then says so,
        and the Stripe side still syncs)."""
        if not self._portal:
            return None
        links: dict[str, str] = {}
        for got in await asyncio.gather(*self._link_asks, return_exceptions=True):
            if isinstance(got, SyncError):
                return None
            if isinstance(got, BaseException):
                raise got
            links.update(got)
        return links

    async def cancel(self) -> None:
        """Once the plan took the answers, or the run ended before: the reads still in flight stop, and what was
        read is let go (a run of 100,000 customers does not keep their portal links twice while it executes)."""
        asks, self._asks, self._box_asks, self._link_asks = self._asks, [], [], []
        for task in asks:
            task.cancel()
        await asyncio.gather(*asks, return_exceptions=True)
        self.boxes, self._boxes, self._link_ids, self._held = set(), [], [], {}
