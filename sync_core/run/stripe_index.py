"""What Stripe knows that a run's plan needs, learnt at the least cost before planning (issue 14).

Stripe has no batch read. Two ways remain: page through the account's customers (100 a request; a list
is consistent, unlike search) or look each customer up: a retrieve for a stored id, the mailbox lookups of
`stripe_lookup` for an email (the list filter in each spelling, and search). The account's size is not
known in advance, so the index lists while its pages find customers it would otherwise look up, or the
pages read stay below the lookups still needed (at most about twice the cheaper way), then looks up the
rest. Given the account's expected size in pages (the engine estimates it from the NetSuite customers
that hold a Stripe id), it skips a listing that would cost more than the lookups.

A listing a run stored (stored_listing) is brought up to date with Stripe's events instead, unless they
take more pages than listing again; it then stands for a listing.

A stored id the listing does not show is retrieved to learn whether it was deleted (or is of the other
mode). The index then answers `planner.find` from memory, as the live lookups would.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from sync_core.errors import StripeServiceError
from sync_core.rules.ids import is_stripe_customer_id
from sync_core.rules.match_key import MatchKey
from sync_core.rules.stripe_edits import Seen
from sync_core.run.interrupted import made_by_attempt, made_since
from sync_core.run.journal.listings import ListingStore
from sync_core.run.view import RunView
from sync_core.stripe.early_listing import EarlyListing, partitions_for
from sync_core.stripe.gateway import StripeGateway
from sync_core.stripe.listing import PAGE
from sync_core.stripe.lookup import MailboxIndex
from sync_core.stripe.stored_listing import Changes, Refreshing, StaleListing, since_anchor, slim

PARALLEL_LOOKUPS = 16  # lookups in flight; the gateway's rate limit paces them


@dataclass
class StripeIndex:
    """The Stripe customers a run's customers can be linked to, and which NetSuite customers link which."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    other_mode: set[str] = field(default_factory=set)  # stored ids Stripe knows in the other mode only
    key: MatchKey = field(default_factory=MatchKey)  # what groups customers: the mailbox, or a lookup field's value
    by_mailbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # match key -> its Stripe customers
    netsuite_links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # Stripe id -> NetSuite customers holding it
    # mailbox -> Stripe ids its linked customers hold
    netsuite_mailbox_links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    listed_all: bool = False
    pages: int = 0
    lookups: int = 0
    refreshed: Changes | None = None  # the stored listing, brought up to date by these events, stood for a listing
    anchor: dict[str, Any] | None = None  # the newest customer event when the listing began (to store it)
    listed_at: float = 0.0  # when the listing began (this machine's clock)
    stale: str | None = None  # why a stored listing was not used
    unanchored: str | None = None  # why this listing cannot be stored (no way to learn what changes after it)
    attempted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # internal id -> what its open create
                                                                               # attempt made (interrupted)

    @property
    def way(self) -> str:
        """How Stripe was read, in a word: "events" (the stored listing brought up to date), "listed",
        "looked-up", or "none" (nothing to look up)."""
        if self.refreshed is not None:
            return "events"
        if self.listed_all:
            return "listed"
        return "looked-up" if self.pages or self.lookups else "none"

    @property
    def how(self) -> str:
        pages = f"{self.pages} page{'' if self.pages == 1 else 's'}"
        if self.refreshed is not None:
            events = self.refreshed.events
            return (f"brought the stored listing up to date with {events} event{'' if events == 1 else 's'} "
                    f"({self.refreshed.pages} page{'' if self.refreshed.pages == 1 else 's'})"
                    + (f", and retrieved {self.lookups}" if self.lookups else ""))
        if self.listed_all:
            return f"listed the account, {pages}" + (f", and retrieved {self.lookups}" if self.lookups else "")
        if self.pages:
            return f"listed {pages}, then looked up one by one ({self.lookups} requests)"
        return f"looked up one by one ({self.lookups} requests)"

    # --- planner.Lookups, from memory ------------------------------------------------------------

    def seen(self, stripe_id: str) -> dict[str, tuple[Seen, ...]] | None:
        """R10's "who": the events read since the stored listing that changed this customer's guarded fields;
        None when this run read no events (it listed the account, or looked customers up)."""
        return self.refreshed.seen_for(stripe_id) if self.refreshed is not None else None

    def linked(self, stripe_id: str) -> tuple[dict[str, Any] | None, bool]:
        return self.by_id.get(stripe_id), stripe_id in self.other_mode

    async def same_mailbox(self, value: str) -> list[dict[str, Any]]:
        return list(self.by_mailbox.get(self.key.of_value(value) or "", ()))

    async def confirm(self, stripe_ids: set[str], value: str) -> list[dict[str, Any]]:
        box = self.key.of_value(value)
        return [c for sid in sorted(stripe_ids) if (c := self.by_id.get(sid)) is not None
                and not c.get("deleted") and self.key.of_customer(c) == box]

    async def made_since(self, internal_id: str, attempted_at: float) -> list[dict[str, Any]]:
        return list(self.attempted.get(internal_id, ()))

    async def linked_from(self, stripe_ids: list[str], internal_id: str | None = None, run: RunView | None = None,
                          *, mailbox_of: str | None = None) -> dict[str, tuple[str, ...]]:
        return holders(self.netsuite_links, self.netsuite_mailbox_links, stripe_ids, internal_id, run,
                       self.key.of_value(mailbox_of))


def holders(links: dict[str, tuple[str, ...]], by_key: dict[str, tuple[str, ...]], stripe_ids: list[str], internal_id: str | None,
            run: RunView | None, box: str | None) -> dict[str, tuple[str, ...]]:
    """`planner.Lookups.linked_from` from what `reads.netsuite_links` read: for each Stripe id (and, with `box`,
    each id the linked NetSuite customers of that match key hold), the NetSuite customers other than
    `internal_id` holding it, with the links a plan has made so far."""
    out: dict[str, set[str]] = {sid: set(links.get(sid, ())) for sid in dict.fromkeys(stripe_ids)}
    if box:
        for sid in by_key.get(box, ()):
            out.setdefault(sid, set()).update(links.get(sid, ()))
    if run is not None:
        for sid in stripe_ids:
            out.setdefault(sid, set()).update(run.planned_links(sid))
    return {sid: tuple(sorted(ids - {internal_id}, key=lambda i: (len(i), i))) for sid, ids in out.items()
            if ids - {internal_id}}


def lookup_cost(mailboxes: MailboxIndex, value: str) -> int:
    """Requests the lookups of one value take: the list filter in each spelling of an email, and search."""
    return len(mailboxes.spellings(value)) + 1


async def build_index(stripe: StripeGateway, mailboxes: MailboxIndex, *, stored_ids: set[str], emails: set[str],
                      expected_pages: int | None = None, refreshing: Refreshing | None = None,
                      anchor_listing: bool = False, early: EarlyListing | None = None) -> StripeIndex:
    """Learn what Stripe holds for these stored ids and emails (the lookup field's values, emails by default):
    the stored listing brought up to date by its events (`refreshing`, read while NetSuite was), or a listing
    or lookups, whichever costs less. `anchor_listing`: a listing also asks for the newest customer event, to
    be stored with it (stored_listing). `early`: a listing begun while NetSuite was read, taken over if listing."""
    key = mailboxes.key
    index = StripeIndex(key=key)
    wanted_ids = {s for s in stored_ids if is_stripe_customer_id(s)}
    spellings: dict[str, str] = {}
    for email in sorted(emails):
        box = key.of_value(email)
        if box:
            spellings.setdefault(box, email)
    mailbox_cost = sum(lookup_cost(mailboxes, e) for e in spellings.values())
    cost = len(wanted_ids) + mailbox_cost
    listed: dict[str, dict[str, Any]] = {}
    if refreshing is not None:
        try:
            index.refreshed = await refreshing
        except StaleListing as exc:
            index.stale = str(exc)
        else:
            listed, refreshing.stored.customers = refreshing.stored.customers, {}
            index.refreshed.apply(listed, slim)
            index.listed_all = True
    if cost and not index.listed_all and (expected_pages is None or expected_pages < cost):
        anchor = asyncio.create_task(stripe.newest_customer_event()) if anchor_listing else None
        try:
            await _list(index, stripe, listed, wanted_ids, mailbox_cost, expected_pages, early)
            if anchor is not None:
                try:
                    index.anchor = await anchor
                except StripeServiceError as exc:  # e.g. a restricted key without read access to events
                    index.unanchored = f"Stripe's events cannot be read: {exc.message}"
        finally:
            if anchor is not None and not anchor.done():
                anchor.cancel()
                await asyncio.gather(anchor, return_exceptions=True)
    if index.listed_all:
        index.by_id = listed
        for c in listed.values():
            box = key.of_customer(c)
            if box in spellings:
                index.by_mailbox.setdefault(box, []).append(c)
        missing = wanted_ids - listed.keys()
    else:
        index.by_id = {sid: c for sid, c in listed.items() if sid in wanted_ids}
        missing = wanted_ids - index.by_id.keys()
        await _look_up_mailboxes(index, mailboxes, spellings)
    await _retrieve(index, stripe, missing)
    return index


async def _list(index: StripeIndex, stripe: StripeGateway, listed: dict[str, dict[str, Any]], wanted_ids: set[str],
                mailbox_cost: int, expected_pages: int | None, early: EarlyListing | None = None) -> None:
    """List the account into `listed` while listing pays (`index.listed_all` once it has listed everything)."""
    index.listed_at = time.time()
    pages_before = stripe.list_pages
    at_least = expected_pages if expected_pages is not None else len(wanted_ids) // PAGE  # pages, from below
    source = await early.take_over() if early is not None else None
    if source is None:
        source = stripe.all_customers(partitions=partitions_for(at_least))
    else:
        pages_before = early.pages_before  # type: ignore[union-attr]
    async with aclosing(source) as pages:  # type: ignore[type-var]
        async for page in pages:
            index.pages = stripe.list_pages - pages_before
            found = 0
            for c in page:
                listed[c["id"]] = slim(c)
                found += c["id"] in wanted_ids
            left = len(wanted_ids - listed.keys()) + mailbox_cost
            if not listing_pays(found=found, pages=index.pages, lookups_left=left, expected_pages=expected_pages):
                break  # listing stopped paying: look up the rest
        else:
            index.listed_all = True
    index.pages = stripe.list_pages - pages_before


def listing_pays(*, found: int, pages: int, lookups_left: int, expected_pages: int | None = None) -> bool:
    """Whether a listing should read on after a page that found `found` of the customers it would otherwise look up:
    such a page paid for itself. Otherwise it stops once the pages read reach the lookups still needed, or the
    pages still expected (`expected_pages`, the account's estimated size) exceed them. So a listing costs at most
    about twice the cheaper way, wherever in the account the wanted customers are (the oldest included)."""
    if found:
        return True
    return pages < lookups_left and (expected_pages or 0) - pages <= lookups_left


def store_index(store: ListingStore, account: str, mode: str, index: StripeIndex) -> None:
    """Keep what this index learnt of the whole account for the next run: a new listing, or the events
    that brought the stored one up to date. Lookups of some customers say nothing of the rest: kept as it was."""
    if index.refreshed is not None:
        store.update(account, mode, index.refreshed, slim, since=since_anchor(index.refreshed.newest))
    elif index.listed_all and index.unanchored is None:
        store.replace(account, mode, (c for c in index.by_id.values() if not c.get("deleted")),
                      anchor=index.anchor["id"] if index.anchor else None, since=since_anchor(index.anchor),
                      listed_at=index.listed_at)


async def _bounded(calls: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(PARALLEL_LOOKUPS)

    async def one(call: Any) -> Any:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(c) for c in calls))


async def _look_up_mailboxes(index: StripeIndex, mailboxes: MailboxIndex, spellings: dict[str, str]) -> None:
    boxes = sorted(spellings)
    answers = await _bounded([lambda e=spellings[b]: mailboxes.find(e) for b in boxes])
    for box, customers in zip(boxes, answers):
        index.lookups += lookup_cost(mailboxes, spellings[box])
        index.by_mailbox[box] = [slim(c) for c in customers]
        for c in index.by_mailbox[box]:
            index.by_id.setdefault(c["id"], c)


async def _retrieve(index: StripeIndex, stripe: StripeGateway, stripe_ids: set[str]) -> None:
    ids = sorted(stripe_ids)
    answers = await _bounded([lambda s=sid: stripe.retrieve_linked(s) for sid in ids])
    index.lookups += len(ids)
    for sid, (customer, other_mode) in zip(ids, answers):
        if customer is not None:
            index.by_id[sid] = slim(customer)
        elif other_mode:
            index.other_mode.add(sid)


async def find_attempted(index: StripeIndex, stripe: StripeGateway, prefix: str, attempts: dict[str, float]) -> None:
    """What the run's customers' open create attempts made (interrupted.made_since): from the listing when the index
    listed the whole account (no request), else listed since the attempts or searched by tag."""
    if index.listed_all:
        for iid, at in attempts.items():
            made = made_by_attempt(index.by_id.values(), prefix, iid, at)
            if made:
                index.attempted[iid] = made
        return
    index.attempted = await made_since(stripe, prefix, attempts)
    for made in index.attempted.values():
        for c in made:
            index.by_id.setdefault(c["id"], slim(c))


async def retrieve_more(index: StripeIndex, stripe: StripeGateway, stripe_ids: set[str]) -> None:
    """Stripe customers NetSuite names (held by linked customers of a run's mailbox) that the index lacks."""
    missing = {s for s in stripe_ids if is_stripe_customer_id(s)} - index.by_id.keys() - index.other_mode
    if index.listed_all:
        return  # a complete listing shows every live customer: the rest are deleted or of the other mode
    await _retrieve(index, stripe, missing)
