"""The sync engine: single sync (the "Sync to Stripe (PayPack)" button), mass sync, portal links.

It gathers the facts from NetSuite and Stripe, asks `rules.decide` what to do,
does it, and writes back only the two PayPack fields (R5).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

from .changed_since import changed_customer_ids
from .config import Config, ConfigError
from .errors import SyncError, StripeServiceError
from .events import CustomersFound, CustomerSynced, Event, RunFinished, RunStarted
from .in_flight import FixedLimit, InFlightLimit
from .journal import Journal
from .mapping import MappedCustomer, changed_fields, map_record
from .netsuite import NetSuiteClient, SearchColumn, TokenAuth
from .outcome import Change, Outcome, Status
from .retry import RetryPolicy, counting_retries
from .run_target import current_target
from .rules import (
    Action,
    CustomerFacts,
    Decision,
    LookupKind,
    PortalDecision,
    PortalOutcome,
    StripeCustomerRef,
    TraceStep,
    INVALID_EMAIL_REMEDY,
    decide,
    email_problem,
    lookup_needed,
    mailbox,
    normalize_email,
    normalize_stripe_id,
    portal_plan,
    portal_write,
)
from .ids import internal_id as require_internal_id
from .ids import is_stripe_customer_id
from .portal_links import holds_link, source_for
from .run_view import RunView, pushed, stripe_ref
from .stripe_gateway import StripeGateway
from .stripe_lookup import MailboxIndex
from .turns import Turns



@dataclass(frozen=True)
class SyncContext:
    """What one sync or one run reads once: the search's columns and the portal deployment's state."""

    search_id: str
    columns: tuple[SearchColumn, ...]
    deployment_released: bool


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it: single syncs running at once take
    the keys a mass sync takes turns on (`turns.Turns`), in sorted order so that two never deadlock."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, keys: Iterable[str]):
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                await stack.enter_async_context(self._hold_one(key))
            yield

    @asynccontextmanager
    async def _hold_one(self, key: str):
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


@dataclass
class _Job:
    """One customer's sync, from reading its record to writing."""

    outcome: Outcome
    dry_run: bool
    portal: bool
    run: RunView | None = None
    create_attempted: bool = False  # the journal says a create was sent for it and never recorded
    on_create_attempt: Callable[[], None] | None = None
    ctx: SyncContext | None = None
    mapped: MappedCustomer = None  # type: ignore[assignment]  # set by Engine._read
    facts: CustomerFacts = None  # type: ignore[assignment]
    kind: LookupKind = LookupKind.NONE
    linked: tuple[dict[str, Any] | None, bool] = (None, False)  # the stored id's retrieve, and "other mode"

    def turn_keys(self) -> set[str]:
        """What customers that must go one after another share: the stored Stripe id, the mailbox of the
        NetSuite email, and the mailbox the linked Stripe customer has now (a push may move it)."""
        if self.kind is LookupKind.NONE:
            return set()
        keys = set()
        sid = normalize_stripe_id(self.facts.stripe_customer_id)
        if sid:
            keys.add(f"id:{sid}")
        for email in (self.facts.email, (self.linked[0] or {}).get("email")):
            if mailbox(email):
                keys.add(f"mailbox:{mailbox(email)}")
        return keys


@dataclass
class _Found:
    """What the lookups found, in the terms `rules.decide` takes."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # every Stripe customer read, by id
    linked: StripeCustomerRef | None = None
    other_mode: bool = False
    same_mailbox: tuple[StripeCustomerRef, ...] = ()
    interrupted: StripeCustomerRef | None = None
    fields_differ: bool = True


def _refused_email(exc: StripeServiceError, email: str | None) -> Decision | None:
    """Stripe's refusal of the email ("Invalid email address: …") as a failed R3 decision with its remedy."""
    if exc.code != "email_invalid" and not exc.message.lower().startswith("invalid email"):
        return None
    return Decision(rule="R3", action=Action.ERROR, reason=f"Stripe refused the email address {email!r}: {exc.message}",
                    trace=(TraceStep("R3", f"Stripe refused {email!r} ({exc.message}): nothing created or changed"),),
                    remedy=INVALID_EMAIL_REMEDY)


class Engine:
    def __init__(self, config: Config, netsuite: NetSuiteClient, stripe: StripeGateway) -> None:
        self.config = config
        self.netsuite = netsuite
        self.stripe = stripe
        self._turn_locks = KeyedLocks()
        self.mailboxes = MailboxIndex(stripe)

    @classmethod
    def from_config(cls, config: Config, *, confirm_live: bool = False) -> "Engine":
        ns, st, sync = config.netsuite, config.stripe, config.sync
        rest_url, base_url = ns.resolved_rest_url(), st.resolved_base_url()
        if rest_url is None or base_url is None:
            raise ConfigError("the bundled mocks are not running: start them with testbed (custsync does this "
                              "by itself when no --config is given).")
        config.require_credentials()
        policy = RetryPolicy(sync.max_retries, sync.backoff_base_seconds, sync.backoff_max_seconds)
        netsuite = NetSuiteClient(
            rest_url=rest_url,
            restlet_url=ns.resolved_restlet_url() or rest_url,
            auth=TokenAuth(ns.account, *(s.get_secret_value() for s in (
                ns.consumer_key, ns.consumer_secret, ns.token_id, ns.token_secret))),  # type: ignore[union-attr]
            concurrency=ns.concurrency,
            timeout=ns.timeout_seconds,
            policy=policy,
            restlet_script=ns.restlet_script,
            restlet_deploy=ns.restlet_deploy,
        )
        stripe = StripeGateway(
            api_key=st.api_key.get_secret_value(),  # type: ignore[union-attr]
            base_url=base_url,
            requests_per_second=st.requests_per_second,
            search_requests_per_second=st.search_requests_per_second,
            allow_writes_live=st.allow_live or confirm_live,
            timeout=st.timeout_seconds,
            policy=policy,
        )
        return cls(config, netsuite, stripe)

    @property
    def retries(self) -> int:
        """Retries made so far by both clients."""
        return self.netsuite.retries + self.stripe.retries

    async def aclose(self) -> None:
        await self.netsuite.aclose()
        await self.stripe.aclose()

    async def __aenter__(self) -> "Engine":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- shared reads ----------------------------------------------------

    async def context(self, search_id: str | None = None) -> SyncContext:
        search_id = search_id or self.config.netsuite.customer_sync_search
        columns, status = await asyncio.gather(
            self.netsuite.search_columns(search_id),
            self.netsuite.deployment_status(self.config.netsuite.portal_deployment),
        )
        return SyncContext(search_id, tuple(columns), status == "RELEASED")

    def _map(self, record: dict[str, Any], columns: tuple[SearchColumn, ...]) -> MappedCustomer:
        ns = self.config.netsuite
        return map_record(record, columns, stripe_id_field=ns.stripe_id_field, portal_url_field=ns.portal_url_field,
                          metadata_prefix=self.config.sync.metadata_prefix)

    # --- single sync -----------------------------------------------------

    async def sync_one(
        self,
        internal_id: str,
        *,
        dry_run: bool = False,
        portal: bool = True,
        context: SyncContext | None = None,
    ) -> Outcome:
        """The "Sync to Stripe (PayPack)" button for one customer: read, decide, write."""
        job = _Job(Outcome(internal_id=str(internal_id).strip(), status=Status.FAILED), dry_run, portal)
        if await self._stage(job, self._read(job, context)):
            await self._stage(job, self._decide_and_write(job, self._turn_locks.hold))
        return job.outcome

    async def _stage(self, job: "_Job", work: Awaitable[None]) -> bool:
        """One stage of a customer's sync; a SyncError fails the customer with its cause and remedy."""
        started = time.monotonic()
        with counting_retries() as retries:
            try:
                await work
                ok = True
            except SyncError as exc:
                job.outcome.status, job.outcome.error, ok = Status.FAILED, exc, False
        job.outcome.retries += retries[0]
        job.outcome.timings["total"] = job.outcome.timings.get("total", 0.0) + time.monotonic() - started
        return ok

    async def _read(self, job: "_Job", context: SyncContext | None = None) -> None:
        """The NetSuite record, mapped (R9); for a linked customer, the Stripe customer it names."""
        started = time.monotonic()
        if not job.dry_run:
            self.stripe.guard_write("sync")
        job.ctx = context or job.ctx or await self.context()
        record = await self.netsuite.get_customer(job.outcome.internal_id)
        job.outcome.timings["netsuite_read"] = time.monotonic() - started
        job.mapped = self._map(record, job.ctx.columns)
        job.facts = CustomerFacts(job.outcome.internal_id, job.mapped.email, job.mapped.stripe_customer_id)
        job.kind = lookup_needed(job.facts)
        if job.kind is LookupKind.BY_ID:
            job.linked = await self.stripe.retrieve_linked(normalize_stripe_id(job.facts.stripe_customer_id))  # type: ignore[arg-type]

    async def _decide_and_write(self, job: "_Job",
                                gate: Callable[[set[str]], AbstractAsyncContextManager[None]]) -> None:
        """Decide and write while holding the customer's turn keys (`gate`), so that customers sharing a
        mailbox or a Stripe customer go one after another."""
        async with gate(job.turn_keys()):
            await self._sync_customer(job)

    async def _sync_customer(self, job: "_Job") -> None:
        """Look up, decide, and (unless a dry run) write: the Stripe side, then the PayPack fields."""
        outcome, mapped = job.outcome, job.mapped
        t = time.monotonic()
        found = await self._look_up(job)
        outcome.timings["stripe_lookup"] = time.monotonic() - t

        decision = decide(job.facts, linked=found.linked, linked_other_mode=found.other_mode,
                          same_mailbox=found.same_mailbox, interrupted_create=found.interrupted,
                          fields_differ=found.fields_differ, policy=self.config.sync.duplicate_email_policy)
        decision = self._note_kept_blanks(decision, mapped, found.customers.get(decision.stripe_customer_id or ""))
        outcome.decision = decision
        outcome.stripe_customer_id = decision.stripe_customer_id
        terminal = {Action.SKIP: Status.SKIPPED, Action.ASK: Status.NEEDS_DECISION, Action.ERROR: Status.FAILED}
        if decision.action in terminal:
            outcome.status = terminal[decision.action]
            return
        if job.dry_run:
            if job.run is not None:
                job.run.plan(job.facts, decision, self._planned_push(job, decision, found.customers))
            outcome.status = Status.PLANNED
            if job.portal:
                outcome.portal = portal_plan(deployment_released=job.ctx.deployment_released)
            return

        t = time.monotonic()
        try:
            stripe_id = await self._write_stripe(job, decision, found.customers)
        except StripeServiceError as exc:
            refused = _refused_email(exc, mapped.email)
            if refused is None:
                raise
            outcome.decision, outcome.status, outcome.stripe_customer_id = refused, Status.FAILED, None
            return
        outcome.stripe_customer_id = stripe_id
        outcome.timings["stripe_write"] = time.monotonic() - t

        portal_url = None
        if job.portal:
            outcome.portal, portal_url = await self._portal(mapped, job.ctx)

        await self._write_back(outcome, mapped, stripe_id, portal_url, outcome.decision)  # type: ignore[arg-type]
        outcome.status = Status.OK

    async def _look_up(self, job: "_Job") -> "_Found":
        """What Stripe (and, for shared customers, NetSuite) knows that the rules need."""
        prefix = self.config.sync.metadata_prefix
        iid = job.facts.internal_id
        found = _Found()
        if job.kind is LookupKind.BY_ID:
            customer, found.other_mode = job.linked
            if customer is None:
                return found
            if job.run is not None:
                customer = job.run.current(customer)
            found.customers[customer["id"]] = customer
            ref = stripe_ref(customer, prefix)
            if ref.netsuite_internal_id and ref.netsuite_internal_id != iid and not ref.deleted:
                ref = replace(ref, linked_from=(await self.linked_from([ref.id], iid, job.run)).get(ref.id, ()))
            found.linked = ref
            if not ref.deleted:
                params = job.mapped.update_params(customer, self.config.sync.blank_clears)
                found.fields_differ = bool(changed_fields(params, customer))
        elif job.kind is LookupKind.BY_EMAIL:
            email = normalize_email(job.facts.email)
            assert email is not None
            if email_problem(email):
                return found  # the rules refuse it; nothing to look up
            customers = await self.mailboxes.find(email)
            if job.run is not None:
                customers = job.run.same_mailbox(customers, email)
            linked_from = await self.linked_from([c["id"] for c in customers], iid, job.run, mailbox_of=email)
            # NetSuite is consistent where Stripe's search is not: a Stripe customer that a linked NetSuite
            # customer of this mailbox holds is of this mailbox too once synced, even one that another process
            # created or moved here a moment ago, in a spelling the list filter does not match.
            customers += await self.mailboxes.confirm(set(linked_from) - {c["id"] for c in customers}, email)
            found.customers.update({c["id"]: c for c in customers})
            found.same_mailbox = tuple(stripe_ref(c, prefix, linked_from.get(c["id"], ())) for c in customers)
            if job.create_attempted:
                found.interrupted = self._made_by_interrupted_create(job.mapped, customers)
        return found

    def _made_by_interrupted_create(self, mapped: MappedCustomer,
                                    customers: list[dict[str, Any]]) -> StripeCustomerRef | None:
        """A customer tagged for this NetSuite customer that holds exactly the data a create would send now:
        what an interrupted create of the same intent made. Tagged with other data, it is an ordinary candidate."""
        prefix = self.config.sync.metadata_prefix
        params = mapped.create_params()
        same = [c for c in customers if (c.get("metadata") or {}).get(f"{prefix}internal_id") == mapped.internal_id
                and not changed_fields(params, c)]
        if not same:
            return None
        return stripe_ref(min(same, key=lambda c: (c.get("created") or 0, c["id"])), prefix)

    async def linked_from(self, stripe_ids: list[str], internal_id: str | None = None,
                          run: RunView | None = None, *, mailbox_of: str | None = None) -> dict[str, tuple[str, ...]]:
        """For each Stripe id, the NetSuite customers (other than `internal_id`) whose STRIPE CUSTOMER ID
        names it, in one SuiteQL query, with the links a dry run has planned. With `mailbox_of`, the same
        query also returns the Stripe ids that linked NetSuite customers of that mailbox hold."""
        field = self.config.netsuite.stripe_id_field.lower()
        out: dict[str, set[str]] = {}
        wanted = [s for s in dict.fromkeys(stripe_ids) if is_stripe_customer_id(s)]
        where = [f"{field} IN ({', '.join(repr(s) for s in wanted)})"] if wanted else []
        box = mailbox(mailbox_of)
        if box:
            where.append(f"(LOWER(email) = '{box.replace(chr(39), chr(39) * 2)}' AND {field} IS NOT NULL)")
        if where:
            for row in await self.netsuite.suiteql_all(f"SELECT id, {field} FROM customer WHERE {' OR '.join(where)}"):
                out.setdefault(str(row.get(field) or "").strip(), set()).add(str(row.get("id")))
        if run is not None:
            for sid in stripe_ids:
                out.setdefault(sid, set()).update(run.planned_links(sid))
        return {sid: tuple(sorted(ids - {internal_id}, key=lambda i: (len(i), i))) for sid, ids in out.items()
                if ids - {internal_id}}

    def _planned_push(self, job: "_Job", decision: Decision,
                      customers: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """The customer as the update this decision plans would leave it (None: no update)."""
        sid = decision.stripe_customer_id
        if not (decision.push and decision.action in (Action.UPDATE, Action.LINK_EXISTING) and sid in customers):
            return None
        current = customers[sid]  # type: ignore[index]
        return pushed(current, job.mapped.update_params(current, self.config.sync.blank_clears))

    def _note_kept_blanks(self, decision: Decision, mapped: MappedCustomer,
                          current: dict[str, Any] | None) -> Decision:
        """Say in the trace which Stripe values a blank in NetSuite leaves as they are, and why."""
        if current is None or not decision.push or decision.action not in (Action.UPDATE, Action.USE_LINKED,
                                                                            Action.LINK_EXISTING):
            return decision
        kept = mapped.kept_blanks(current, self.config.sync.blank_clears)
        if not kept:
            return decision
        return _with_step(decision, TraceStep(decision.rule, f"blank in NetSuite, so left as they are in Stripe: "
                                              f"{', '.join(kept)} (a blank is not a value; [sync] blank_clears "
                                              "names fields a blank should clear)"))

    async def _write_stripe(self, job: "_Job", decision: Decision, customers: dict[str, dict[str, Any]]) -> str:
        """Create, or push the mapped fields that differ; returns the Stripe id the customer is linked to."""
        outcome, mapped = job.outcome, job.mapped
        stripe_id = decision.stripe_customer_id
        if decision.action is Action.CREATE:
            if job.on_create_attempt:
                job.on_create_attempt()
            created, replayed = await self._create(mapped)
            self.mailboxes.remember(created)
            if replayed:
                outcome.decision = _with_step(decision, TraceStep(
                    "R3", f"Stripe replayed an earlier create of the same data: recovered {created['id']}, "
                          "nothing created twice"))
            outcome.changes.append(Change("stripe", created["id"], "(recovered)" if replayed else "(created)", None,
                                          created.get("email")))
            return created["id"]
        assert stripe_id is not None
        if decision.push and decision.action in (Action.UPDATE, Action.LINK_EXISTING):
            current = customers.get(stripe_id) or {}
            params = mapped.update_params(current, self.config.sync.blank_clears)
            diff = changed_fields(params, current)
            if diff:
                updated = await self.stripe.update(stripe_id, params)
                self.mailboxes.remember(updated)
                if job.run is not None:
                    job.run.record_push(updated)
                outcome.changes.extend(Change("stripe", stripe_id, f, b, a) for f, b, a in diff)
        return stripe_id

    async def _create(self, mapped: MappedCustomer) -> tuple[dict[str, Any], bool]:
        """Create exactly once per intent: the idempotency key names the NetSuite customer and the data sent,
        so a retry or a resumed run gets the first customer back, while a later create with other data (an
        email change, then a cleared field: the guide's rematch) is a new request, not a replay of the old one.
        Returns the customer and whether Stripe replayed an earlier create."""
        params = mapped.create_params()
        digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
        base_key = f"custsync-{self.config.netsuite.account}-{mapped.internal_id}-create-{digest}"
        for generation in range(3):
            key = base_key if generation == 0 else f"{base_key}-{generation}"
            customer, replayed = await self.stripe.create(params, idempotency_key=key)
            if not replayed:
                return customer, False
            current = await self.stripe.retrieve(customer["id"])
            if current is not None and not current.get("deleted"):
                return current, True
            # The customer an earlier create made was deleted since: a new one is wanted.
        raise StripeServiceError(f"could not create a Stripe customer for NetSuite customer {mapped.internal_id}: "
                                 "earlier creates under its idempotency keys were all deleted",
                                 remedy="Try again after 24 hours, when Stripe forgets the keys.")

    async def _portal(self, mapped: MappedCustomer, ctx: SyncContext) -> tuple[PortalDecision, str | None]:
        """R6: the customer's current signed link (from NetSuite, which holds the secret); no Stripe request.
        Returns the decision and the current link (None when NetSuite could not give it)."""
        try:
            link = await source_for(self.netsuite).link(mapped.internal_id)
        except SyncError as exc:
            return PortalDecision("R6", PortalOutcome.FAILED, f"portal link not written: {exc.message}", exc.remedy), None
        current = holds_link(mapped.portal_url, link)
        return portal_write(linked=True, current=current, deployment_released=ctx.deployment_released), link

    async def _write_back(self, outcome: Outcome, mapped: MappedCustomer, stripe_id: str, portal_url: str | None,
                          decision: Decision) -> None:
        """R5: only the Stripe customer id and the portal link go back to NetSuite; the link only when the
        field does not hold it already."""
        ns = self.config.netsuite
        patch: dict[str, Any] = {}
        if normalize_stripe_id(mapped.stripe_customer_id) != stripe_id:
            patch[ns.stripe_id_field] = stripe_id
            outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", ns.stripe_id_field,
                                          mapped.stripe_customer_id, stripe_id))
        if portal_url and not holds_link(mapped.portal_url, portal_url):
            patch[ns.portal_url_field] = portal_url
            outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", ns.portal_url_field,
                                          mapped.portal_url, portal_url))
        if patch:
            outcome.decision = _with_step(decision, TraceStep("R5", "wrote back only: " + ", ".join(patch)))
            await self.netsuite.patch_customer(mapped.internal_id, patch)
        outcome.portal_url = portal_url

    async def portal_link(self, internal_id: str, *, context: SyncContext | None = None) -> Outcome:
        """Write the customer's current portal link when the field is empty or stale (R6); no Stripe request."""
        internal_id = str(internal_id).strip()
        outcome = Outcome(internal_id=internal_id, status=Status.FAILED)
        try:
            require_internal_id(internal_id)
            # No Stripe write, but the link opens the live portal: a live key still needs the confirmation.
            self.stripe.guard_write("write a portal link")
            ctx = context or await self.context()
            record = await self.netsuite.get_customer(internal_id)
            mapped = self._map(record, ctx.columns)
            sid = normalize_stripe_id(mapped.stripe_customer_id)
            if not sid:
                outcome.portal = portal_write(linked=False, current=False, deployment_released=ctx.deployment_released)
                outcome.status = Status.SKIPPED
                return outcome
            outcome.stripe_customer_id = sid
            customer, other_mode = await self.stripe.retrieve_linked(sid)
            facts = CustomerFacts(internal_id, mapped.email, sid)
            stale = decide(facts, linked=stripe_ref(customer, self.config.sync.metadata_prefix) if customer else None,
                           linked_other_mode=other_mode)
            if stale.rule == "R2":  # a link would only open the Suitelet's stale-link page
                outcome.decision = stale
                return outcome
            outcome.portal, url = await self._portal(mapped, ctx)
            if url:
                field = self.config.netsuite.portal_url_field
                if not holds_link(mapped.portal_url, url):
                    await self.netsuite.patch_customer(internal_id, {field: url})
                    outcome.changes.append(Change("netsuite", f"customer {internal_id}", field, mapped.portal_url, url))
                outcome.portal_url = url
                outcome.status = Status.OK
        except SyncError as exc:
            outcome.error = exc
        return outcome

    # --- mass sync -------------------------------------------------------

    def workers(self) -> int:
        """At most this many customers in flight in a mass sync: enough to keep both services busy
        within their limits when they answer slowly ([sync] workers sets it, and fixes it)."""
        if self.config.sync.workers:
            return self.config.sync.workers
        return max(8, min(32, self.config.netsuite.concurrency + 8))

    def in_flight_limit(self, customers: int) -> InFlightLimit | FixedLimit:
        maximum = min(self.workers(), max(1, customers))
        return FixedLimit(maximum) if self.config.sync.workers else InFlightLimit(maximum)

    async def mass_sync(
        self,
        journal: Journal | None = None,
        *,
        run_id: str | None = None,
        dry_run: bool = False,
        portal: bool = True,
        retry_failed: bool = False,
        only: list[str] | None = None,
        stop: asyncio.Event | None = None,
        changed_since: datetime | None = None,
    ) -> AsyncIterator[Event]:
        """The scheduled mass sync: the customers the Mass Customer Sync Saved Search chooses.

        Setting `stop` ends the run between customers: those in flight finish, the rest stay pending
        and the run is journaled as stopped, for a resume. A dry run writes nothing (not even the journal; it reads one it is given, to plan as the run would).
        A real run needs a journal;
        `run_id` resumes that run, redoing only what it did not finish.
        """
        started = time.monotonic()
        search_id = self.config.netsuite.mass_customer_sync_search
        if not dry_run and journal is None:
            raise ValueError("a mass sync that writes needs a journal")
        if not dry_run:
            self.stripe.guard_write("run a mass sync")
        resumed = run_id is not None
        if changed_since is not None and (resumed or only is not None):
            raise ValueError("changed_since takes a new run over the saved search: not with run_id or only")
        if journal is not None and not dry_run:
            target = await current_target(self.config, self.netsuite, self.stripe)
            if run_id is None:
                run_id = journal.start_run(search_id, target, explicit_ids=only is not None,
                                           changed_since=changed_since.timestamp() if changed_since else None)
            else:
                journal.check_target(run_id, target)  # JournalError: an unknown run, or another target's
        yield RunStarted(run_id if not dry_run else None, search_id, dry_run, resumed)

        ctx = await self.context(search_id)
        ids: list[str] = []
        if only is not None:
            ids = list(only)
        else:
            async for page in self.netsuite.search_pages(search_id):
                ids.extend(page)
        if changed_since is not None:
            changed = await changed_customer_ids(self.netsuite, changed_since)
            ids = [i for i in ids if i in changed]
        skip: set[str] = set()
        if journal is not None and not dry_run and run_id is not None:
            skip = journal.finished_ids(run_id, include_failed=not retry_failed) if resumed else set()
            journal.add_pending(run_id, ids)
        todo = [i for i in ids if i not in skip]
        if portal and not dry_run and todo:
            await source_for(self.netsuite).prime(todo)  # the signed links in batches, not one call each
        yield CustomersFound(total=len(todo), already_done=len(skip))

        counts: Counter[str] = Counter()
        failures: list[Outcome] = []
        view = RunView(dry_run, self.config.sync.metadata_prefix)
        limit = self.in_flight_limit(len(todo))
        # Linked customers first, those matched by email after them: a push to a linked Stripe customer may
        # move it to another mailbox or tag it for its owner, and the matching must see that, as a
        # one-at-a-time run in this order would (and a second run then finds nothing left to do).
        first, later = Turns(), Turns()
        by_email: list[_Job] = []

        def job_for(internal_id: str) -> _Job:
            job = _Job(Outcome(internal_id=internal_id, status=Status.FAILED), dry_run, portal, view, ctx=ctx)
            job.create_attempted = bool(journal and journal.create_attempted_anywhere(internal_id))  # dry runs read it
            if journal is not None and not dry_run:
                job.on_create_attempt = lambda: journal.mark(run_id, internal_id, "create-attempted")  # type: ignore[arg-type]
            return job

        def finished(job: _Job) -> Outcome:
            outcome = job.outcome
            if journal is not None and not dry_run:
                journal.mark(run_id, outcome.internal_id, outcome.status.value, rule=outcome.rule,  # type: ignore[arg-type]
                             action=outcome.decision.action.value if outcome.decision else None,
                             stripe_customer_id=outcome.stripe_customer_id, error=outcome.cause,
                             remedy=outcome.remedy)
            return outcome

        async def read_and_sync_linked(position: int, internal_id: str) -> Outcome | None:
            job = job_for(internal_id)
            read = await self._stage(job, self._read(job))
            if read and job.kind is LookupKind.BY_EMAIL:
                await first.announce(position)
                by_email.append(job)
                return None
            await first.announce(position, job.turn_keys() if read else ())
            if read:
                await self._stage(job, self._decide_and_write(job, lambda keys: first.turn(position, keys)))
            return finished(job)

        async def sync_matched(position: int, job: _Job) -> Outcome:
            await later.announce(position, job.turn_keys())
            await self._stage(job, self._decide_and_write(job, lambda keys: later.turn(position, keys)))
            return finished(job)

        done = 0

        def progress(outcome: Outcome) -> CustomerSynced:
            nonlocal done
            done += 1
            counts[outcome.status.value] += 1
            if outcome.status is Status.FAILED:
                failures.append(outcome)
            return CustomerSynced(outcome, done, len(todo), dict(counts))

        async for outcome in _in_flight(list(enumerate(todo)), read_and_sync_linked, limit, stop):
            if outcome is not None:
                yield progress(outcome)
        order = {iid: k for k, iid in enumerate(todo)}
        by_email.sort(key=lambda j: order[j.outcome.internal_id])
        if not (stop and stop.is_set()):
            async for outcome in _in_flight(list(enumerate(by_email)), sync_matched, limit, stop):
                yield progress(outcome)  # type: ignore[arg-type]
        stopped = bool(stop and stop.is_set())
        if journal is not None and not dry_run and run_id is not None:
            journal.finish_run(run_id, "stopped" if stopped else "finished-with-failures" if failures else "finished")
        yield RunFinished(run_id if not dry_run else None, dict(counts), time.monotonic() - started, failures,
                          self.netsuite.requests, self.stripe.requests, self.retries, limit.peak, stopped)

    # --- the operator's decisions and reads for screens (sync_core/decisions.py) ---------

    async def candidates(self, internal_id: str) -> "decisions.Candidates":
        """The Stripe customers a person chooses between for this NetSuite customer (R2/R3), oldest first,
        with name, email, created, metadata and which other NetSuite customers already point at each."""
        from .decisions import find_candidates

        return await find_candidates(self, internal_id)

    async def check_link(self, internal_id: str, stripe_id: str) -> "decisions.LinkResult":
        """What `link` would write, after validating the Stripe id against Stripe (SyncError if missing or
        deleted); writes nothing."""
        from .decisions import check_link

        return await check_link(self, internal_id, stripe_id)

    async def link(self, internal_id: str, stripe_id: str, *, journal_path: str | None = None) -> "decisions.LinkResult":
        """The operator's decision: validate `stripe_id` against Stripe, write only STRIPE CUSTOMER ID
        (PAYPACK) on the NetSuite customer, and journal the decision (in [sync] journal_path)."""
        from .decisions import DecisionLog, check_link, write_link

        result = await check_link(self, internal_id, stripe_id)
        log = DecisionLog(journal_path or self.config.sync.journal_path)
        try:
            return await write_link(self, result, log)
        finally:
            log.close()

    async def unlink(self, internal_id: str, *, journal_path: str | None = None) -> str | None:
        """Empty STRIPE CUSTOMER ID (PAYPACK) so the next sync matches by email (R3); journaled. Returns the
        id it held."""
        from .decisions import DecisionLog, read_customer

        _name, _email, previous = await read_customer(self, internal_id)
        await self.netsuite.patch_customer(internal_id, {self.config.netsuite.stripe_id_field: None})
        log = DecisionLog(journal_path or self.config.sync.journal_path)
        try:
            log.record(internal_id, "unlink", None, previous)
        finally:
            log.close()
        return previous

    async def customer_pages(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Every NetSuite customer as {id, name, email, stripe_customer_id}, page by page, by internal id."""
        field_id = self.config.netsuite.stripe_id_field
        async for page in self.netsuite.suiteql(f"SELECT id, companyname, email, {field_id} FROM customer ORDER BY id"):
            yield [{"id": str(r.get("id")), "name": str(r.get("companyname") or ""), "email": str(r.get("email") or ""),
                    "stripe_customer_id": str(r.get(field_id) or "")} for r in page]

    async def health(self) -> str | None:
        """None when both services answer an authenticated read; else what is wrong (a host, a cause)."""
        problems = []
        try:
            await self.netsuite.deployment_status(self.config.netsuite.portal_deployment)
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            problems.append(f"NetSuite: {getattr(exc, 'message', exc)}")
        try:
            await self.stripe.check_key()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Stripe: {getattr(exc, 'message', exc)}")
        return "; ".join(problems) or None


async def _in_flight(items: list[Any], work: Callable[..., Awaitable[Any]],
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
        except Exception as exc:  # noqa: BLE001
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


def _with_step(decision: Decision, step: TraceStep) -> Decision:
    return replace(decision, trace=decision.trace + (step,))
