"""Portal links (R6-R8): where the current link comes from, and what opening one gives.

The link is signed in NetSuite (the RESTlet's portalLinks action), so custsync never holds the secret.
A sync compares the field with the current link and writes it when they differ: no Stripe request.
A check opens the link as a customer's browser would, without following the redirect, and reads the
answer: a redirect to a Stripe session (ok), a Suitelet page naming its reason, or NetSuite's error (R8).
"""

from __future__ import annotations

import asyncio
import re
import weakref
from typing import TYPE_CHECKING, Any

import httpx

from sync_core.errors import SyncError
from sync_core.outcome import Outcome, Status
from sync_core.rules.decide import LINK_CHECKS, PortalDecision, for_deployment, normalize_stripe_id
from sync_core.rules.ids import internal_id as parse_internal_id
from sync_core.tls import shared_ssl_context

if TYPE_CHECKING:
    from sync_core.config import NetSuiteConfig
    from sync_core.netsuite.client import NetSuiteClient

PAGE_MARKER = re.compile(r'<meta name="custsync-portal-page" content="([a-z-]+)">')
NETSUITE_NOT_RELEASED = "SSS_INVALID_SCRIPTLET_ID"
SESSION_PATH = "/p/session/"  # Stripe's portal session URLs: https://billing.stripe.com/p/session/...
CHECK_TIMEOUT_S = 30.0
COALESCE_S = 0.01  # how long a request for one link waits for others to share its RESTlet call
MAX_BODY_CHARS = 20_000  # a page is read for its marker only


def holds_link(stored: str | None, link: str) -> bool:
    """The portal field already holds the current link (so nothing is written)."""
    return (stored or "").strip() == link


class LinkSource:
    """The current link of each customer, from the RESTlet; requests made at about the same time (a mass
    sync's customers in flight) share one call. Nothing is cached across requests (a rotated secret shows
    at once), except what `prime` fetched ahead for the customers about to be synced, each used once."""

    def __init__(self, netsuite: NetSuiteClient, *, window: float = COALESCE_S) -> None:
        self._netsuite = netsuite
        self._window = window
        self._waiting: dict[str, list[asyncio.Future[str]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # batches in flight (kept referenced)
        self._scheduled = False  # a batch is gathering the waiting ids
        self._primed: dict[str, str] = {}

    async def prime(self, internal_ids: list[str]) -> None:
        """Fetch the links of customers about to be synced in calls of 1000 (a mass sync knows its ids
        up front: one RESTlet call a page instead of one every few customers)."""
        self._primed.update(await self._netsuite.portal_links(list(internal_ids)))

    async def link(self, internal_id: str) -> str:
        primed = self._primed.pop(internal_id, None)
        if primed is not None:
            return primed
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(internal_id, []).append(future)
        if not self._scheduled:
            self._scheduled = True
            task = asyncio.create_task(self._send())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _send(self) -> None:
        await asyncio.sleep(self._window)
        waiting, self._waiting, self._scheduled = self._waiting, {}, False
        try:
            links = await self._netsuite.portal_links(list(waiting))
        except BaseException as exc:
            for futures in waiting.values():
                for f in futures:
                    if not f.done():
                        f.set_exception(exc if isinstance(exc, Exception) else SyncError(str(exc)))
            return
        for cid, futures in waiting.items():
            for f in futures:
                if not f.done():
                    f.set_result(links[cid])


_SOURCES: weakref.WeakKeyDictionary[Any, LinkSource] = weakref.WeakKeyDictionary()


def source_for(netsuite: NetSuiteClient) -> LinkSource:
    """One LinkSource a NetSuite client (an engine's), so that concurrent syncs share calls."""
    source = _SOURCES.get(netsuite)
    if source is None:
        source = _SOURCES[netsuite] = LinkSource(netsuite)
    return source


# --- opening a link -------------------------------------------------------------------------------


def classify(status: int, location: str | None, body: str) -> str:
    """The reason key of LINK_CHECKS for one answer of the link."""
    if 300 <= status < 400:
        return "ok" if location and SESSION_PATH in location else "unexpected-redirect"
    found = PAGE_MARKER.search(body[:MAX_BODY_CHARS])
    if found and found.group(1) in LINK_CHECKS:
        return found.group(1)
    if NETSUITE_NOT_RELEASED in body[:MAX_BODY_CHARS]:
        return "not-released"
    return "unexpected"


async def open_link(url: str, *, timeout: float = CHECK_TIMEOUT_S,
                    client: httpx.AsyncClient | None = None) -> PortalDecision:
    """GET the link as a customer's browser would (no cookies, no token), without following the redirect."""
    return (await open_link_to(url, timeout=timeout, client=client))[0]


async def open_link_to(url: str, *, timeout: float = CHECK_TIMEOUT_S,
                       client: httpx.AsyncClient | None = None) -> tuple[PortalDecision, str | None]:
    """open_link, and where the redirect goes (a session URL: a bearer link, never to be shown unmasked)."""
    async def get(c: httpx.AsyncClient) -> httpx.Response:
        return await c.get(url, follow_redirects=False, timeout=timeout)

    try:
        if client is not None:
            response = await get(client)
        else:
            async with httpx.AsyncClient(verify=shared_ssl_context()) as own:
                response = await get(own)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return PortalDecision("R6", LINK_CHECKS["stripe-unreachable"].outcome,
                              f"The link could not be opened: {type(exc).__name__}.",
                              "Check that the portal field holds a NetSuite external Suitelet URL and that this "
                              "machine reaches <account>.extforms.netsuite.com."), None
    location = response.headers.get("location")
    reason = classify(response.status_code, location, response.text)
    if reason in LINK_CHECKS:
        return LINK_CHECKS[reason], (location if reason == "ok" else None)
    # Neither a session redirect nor one of the Suitelet's pages: another script, or a changed page.
    return PortalDecision("R8", LINK_CHECKS["not-released"].outcome,
                          f"The link answered HTTP {response.status_code} without the portal Suitelet's page "
                          "or a redirect to a Stripe session.",
                          "Check that the portal field's links point at the custsync portal Suitelet "
                          "(custsync_portal_suitelet.js of the SDF project deploy/netsuite), released and available "
                          "without login."), None


async def check_customer(netsuite: NetSuiteClient, ns: NetSuiteConfig, internal_id: str, *,
                         client: httpx.AsyncClient | None = None) -> Outcome:
    """`portal-link ID --check`: open the customer's stored link and say what the customer would see.

    The stored value is read from the record; the Suitelet's page tells a stale signature (re-sync), a
    customer not linked, and a stored Stripe id that names no Stripe customer (R2) apart.
    """
    internal_id = str(internal_id).strip()
    outcome = Outcome(internal_id=internal_id, status=Status.FAILED)
    try:
        internal_id = parse_internal_id(internal_id)
        record = await netsuite.get_customer(internal_id)
        stored = record.get(ns.portal_url_field) or None
        stored = stored if isinstance(stored, str) and stored.strip() else None
        sid = normalize_stripe_id(record.get(ns.stripe_id_field) if isinstance(record.get(ns.stripe_id_field), str)
                                  else None)
        outcome.stripe_customer_id = sid
        outcome.portal_url = stored
        if stored is None:
            if sid is None:  # neither linked nor given a link: nothing to check (a sync links it first)
                outcome.portal = LINK_CHECKS["not-linked"]
                outcome.status = Status.SKIPPED
            else:
                outcome.portal = LINK_CHECKS["no-link"]
            return outcome
        outcome.portal = for_deployment(await open_link(stored, client=client), ns.portal_deployment)
        if outcome.portal.outcome is LINK_CHECKS["ok"].outcome:
            outcome.status = Status.OK
    except SyncError as exc:
        outcome.error = exc
    return outcome
