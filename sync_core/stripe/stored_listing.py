"""The Stripe account's customers as a run listed them, kept in the run journal's file (`run.journal.listings`)
and brought up to date with Stripe's events instead of listed again (issue 14: a second run, a changed-since run).

A full listing costs a request per 100 customers. Stripe records every change of a customer as an event
(customer.created, customer.updated, customer.deleted: https://docs.stripe.com/api/events/types) and lists
the events of the last 30 days (https://docs.stripe.com/api/events/list), so a stored listing plus the
events since it was read is the account now, at a request per 100 changes. Each event carries the whole
customer as it was then (`data.object`), rendered in the API version of its time; the fields a plan reads
(`KEPT`) are the same in every version this project supports. A listing stored with other fields than today's
`KEPT` (by an earlier custsync) is listed again: a field it lacks would look changed in every customer.

A stored listing is trusted only while Stripe's event log still reaches it. It keeps an anchor: the newest
customer event Stripe listed when the listing was read (for an account with none, the newest once the run
has written). The next run's events must include the anchor; when they do not (events older than 30 days
are gone, the account's test data was deleted, a mock was loaded with another state) the account is listed
again. It is listed again, too, once the listing is older than `[sync] relist_after_hours`, which bounds
what a missed event can cost.

Events are read again from `MARGIN` seconds before the newest one applied. Unconfirmed: Stripe documents no
bound on how late an event becomes visible in the list; Sequin ("Finding and fixing eventual consistency
with Stripe events", blog.sequin.io) saw events appear behind newer ones. Reading half a minute twice costs a
page per ~3 changes a second of the account's activity; a late event beyond it waits for the next full listing.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from sync_core.errors import StripeServiceError
from sync_core.rules.stripe_edits import Seen, seen_in
from sync_core.stripe.gateway import StripeGateway
from sync_core.stripe.listing import PAGE

MARGIN = 30  # seconds of events read again before the newest one applied (see the module's docstring)
# What the rules and the field diff read of a Stripe customer; the rest is dropped so that an index of
# 100,000 customers stays small.
KEPT = ("id", "email", "created", "deleted", "metadata", "name", "business_name", "individual_name", "phone",
        "description", "address")
LISTING_FIELDS = ",".join(KEPT)


def slim(customer: dict[str, Any]) -> dict[str, Any]:
    return {k: customer[k] for k in KEPT if k in customer}


class StaleListing(Exception):
    """The stored listing cannot be brought up to date cheaply or surely: list the account instead."""


@dataclass
class StoredListing:
    customers: dict[str, dict[str, Any]]
    anchor: str | None  # the event that must still be listed for the listing to be trusted
    since: int  # events created at or after this second (Stripe's clock) are read
    listed_at: float  # when the full listing it started from was read (this machine's clock)


@dataclass
class Changes:
    """What the events since a stored listing say: the newest state of each customer they name."""

    latest: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # id -> customer; None: deleted
    newest: dict[str, Any] | None = None  # the newest event read: the next anchor
    events: int = 0
    pages: int = 0
    anchored: bool = False  # the stored listing's anchor was among the events
    # customer -> the customer.updated events that changed a field R10 guards, and who made each (compact:
    # only such events are kept, a field tuple and four values each)
    seen: dict[str, list[tuple[tuple[str, ...], Seen]]] = field(default_factory=dict)
    _newest_of: dict[str, int] = field(default_factory=dict, repr=False)  # customer -> second of its newest event

    def take(self, event: dict[str, Any], anchor: str | None) -> None:
        self.events += 1
        created = int(event["created"])
        self.anchored = self.anchored or event["id"] == anchor
        if self.newest is None or created > int(self.newest["created"]):
            self.newest = event
        customer = (event.get("data") or {}).get("object") or {}
        cid = customer.get("id")
        edit = seen_in(event)
        if cid and edit is not None:
            self.seen.setdefault(cid, []).append(edit)
        if not cid or self._newest_of.get(cid, -1) >= created:
            return  # an older change of a customer already brought up to date
        self._newest_of[cid] = created
        deleted = event.get("type") == "customer.deleted" or customer.get("deleted")
        self.latest[cid] = None if deleted else customer

    def seen_for(self, customer_id: str) -> dict[str, tuple[Seen, ...]]:
        """Per guarded field, the events that changed it on this customer (R10's "who")."""
        out: dict[str, list[Seen]] = {}
        for fields, seen in self.seen.get(customer_id, ()):
            for name in fields:
                out.setdefault(name, []).append(seen)
        return {name: tuple(events) for name, events in out.items()}

    def apply(self, customers: dict[str, dict[str, Any]], keep: Any) -> None:
        """Bring `customers` (id -> what `keep` made of the customer) up to date."""
        for cid, customer in self.latest.items():
            if customer is None:
                customers.pop(cid, None)
            else:
                customers[cid] = keep(customer)


def since_anchor(anchor: dict[str, Any] | None) -> int:
    """Where the events after a listing begin: `MARGIN` before the newest event listed when it was read;
    with no event then, every event Stripe still lists (all of them came after)."""
    return max(0, int(anchor["created"]) - MARGIN) if anchor else 0


class Refreshing:
    """A stored listing's events, read from the start of a run, while NetSuite's pages are (they do not depend
    on them); awaiting it gives the Changes or raises StaleListing."""

    def __init__(self, stripe: StripeGateway, stored: StoredListing) -> None:
        self.stored = stored
        listing_pages = -(-len(stored.customers) // PAGE) + 1
        self._task = asyncio.create_task(changes_since(stripe, stored, budget_pages=listing_pages))

    def __await__(self) -> Any:
        return self._task.__await__()

    async def cancel(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def changes_since(stripe: StripeGateway, stored: StoredListing, *, budget_pages: int) -> Changes:
    """The customer events since `stored`; StaleListing when reading them would cost more than
    `budget_pages` (a listing is then cheaper), when they no longer reach its anchor, or when Stripe does
    not let this key read them."""
    changes = Changes()
    pages_before = stripe.event_pages
    try:
        async with aclosing(stripe.customer_events(stored.since)) as pages:
            async for page in pages:
                changes.pages = stripe.event_pages - pages_before
                if changes.pages > budget_pages:
                    raise StaleListing(f"the events since the stored listing take more than {budget_pages} pages")
                for event in page:  # newest first within a page; a second's events are all in one range
                    changes.take(event, stored.anchor)
    except StripeServiceError as exc:
        raise StaleListing(f"Stripe's events cannot be read: {exc.message}") from None
    changes.pages = stripe.event_pages - pages_before
    if not changes.anchored:
        raise StaleListing("Stripe's events no longer reach the stored listing (older than 30 days, or the "
                           "account's data was deleted or replaced since)")
    return changes
