"""The sync engine: single sync (the "Sync to Stripe (PayPack)" button), mass sync, portal links.

Every sync goes the same four steps, each in a module of its own:
- read (`reads`): the customer's record, or a mass sync's customers in pages of 1,000;
- index (`stripe_index`): what Stripe knows of them; single sync looks each thing up as it needs it;
- plan (`planner`): `rules.decide` for every customer, as a one-at-a-time run in the same order would
  (`plan_run`); single sync is a plan of one (`plan_row`, the same row type);
- execute (`executor`): only the writes the plan needs, the PayPack fields back to NetSuite (R5): a mass
  sync's plan in batches (`execute_plan`), single sync's row at once (`execute_one`).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Collection, Iterable

from sync_core.run import executor, reads
from sync_core.run.changed_since import query_moment
from sync_core.config import Config, ConfigError
from sync_core.errors import SyncError
from sync_core.events import CustomersFound, CustomerSynced, Event, PlanReady, RunFinished, RunStarted
from sync_core.run.in_flight import FixedLimit, InFlightLimit, in_flight
from sync_core.run.job import Job, SyncContext
from sync_core.run.journal import Journal
from sync_core.run.resume_scope import resumed_scope
from sync_core.netsuite.client import NetSuiteClient, TokenAuth
from sync_core.outcome import Change, Outcome, Status
from sync_core.run.planner import Plan, PlanRow, plan_row, plan_run
from sync_core.stripe.stored_listing import ListingStore, Refreshing, StoredListing
from sync_core.run.stripe_index import SURELY_LIST, StripeIndex, build_index, holders, retrieve_more, store_index
from sync_core.stripe.listing import PAGE
from sync_core.retry import RetryPolicy, counting_retries
from sync_core.run.target import current_target
from sync_core.rules.decide import LookupKind, normalize_stripe_id, portal_write, CustomerFacts, decide
from sync_core.rules.ids import internal_id as require_internal_id, is_stripe_customer_id
from sync_core.netsuite.portal_links import holds_link, source_for
from sync_core.run.view import RunView, stripe_ref
from sync_core.stripe.gateway import StripeGateway
from sync_core.stripe.lookup import MailboxIndex
from sync_core.run.turns import Turns

if TYPE_CHECKING:
    from sync_core.admin import decisions

PATHS = ("plan", "per-customer")


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


class Engine:
    def __init__(self, config: Config, netsuite: NetSuiteClient, stripe: StripeGateway) -> None:
        self.config = config
        self.netsuite = netsuite
        self.stripe = stripe
        self.turn_locks = KeyedLocks()
        self.mailboxes = MailboxIndex(stripe, config.sync.match_key())

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

    # --- planner.Lookups, live: what single sync asks Stripe and NetSuite as it needs it ----------

    async def same_mailbox(self, value: str) -> list[dict[str, Any]]:
        return await self.mailboxes.find(value)

    async def confirm(self, stripe_ids: set[str], value: str) -> list[dict[str, Any]]:
        return await self.mailboxes.confirm(stripe_ids, value)

    async def linked_from(self, stripe_ids: list[str], internal_id: str | None = None,
                          run: RunView | None = None, *, mailbox_of: str | None = None) -> dict[str, tuple[str, ...]]:
        """For each Stripe id, the NetSuite customers (other than `internal_id`) whose STRIPE CUSTOMER ID
        names it, in one SuiteQL query, with the links a dry run has planned. With `mailbox_of` (a value of the
        lookup field), the same query also returns the Stripe ids that linked NetSuite customers with the same
        match key (mailbox, or lookup-field value) hold."""
        box = self.config.sync.match_key().of_value(mailbox_of)
        links, by_key = await reads.netsuite_links(self, set(stripe_ids), {box} if box else set())
        return holders(links, by_key, stripe_ids, internal_id, run, box)

    # --- single sync -----------------------------------------------------

    async def sync_one(
        self,
        internal_id: str,
        *,
        dry_run: bool = False,
        portal: bool = True,
        context: SyncContext | None = None,
    ) -> Outcome:
        """The "Sync to Stripe (PayPack)" button for one customer, a plan of one: read the record, look up
        what Stripe knows, decide and plan the row, execute it."""
        job = Job(str(internal_id).strip(), dry_run, portal)
        if await self._stage(job, self._read(job, context)):
            await self._stage(job, self._decide_and_write(job, self.turn_locks.hold))
        return job.outcome

    async def _stage(self, job: Job, work: Awaitable[None]) -> bool:
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

    async def _read(self, job: Job, context: SyncContext | None = None) -> None:
        """The NetSuite record, mapped (R9); for a linked customer, the Stripe customer it names."""
        started = time.monotonic()
        if not job.dry_run:
            self.stripe.guard_write("sync")
        job.ctx = context or job.ctx or await self.context()
        await reads.read_record(self, job)
        job.outcome.timings["netsuite_read"] = time.monotonic() - started
        if job.kind is LookupKind.BY_ID:
            job.linked = await self.stripe.retrieve_linked(normalize_stripe_id(job.facts.stripe_customer_id))  # type: ignore[arg-type]

    async def _decide_and_write(self, job: Job,
                                gate: Callable[[set[str]], AbstractAsyncContextManager[None]]) -> None:
        """Decide and write while holding the customer's turn keys (`gate`), so that customers sharing a
        mailbox or a Stripe customer go one after another."""
        async with gate(job.turn_keys()):
            await self._sync_customer(job)

    async def _sync_customer(self, job: Job) -> None:
        """A plan of one: what Stripe knows (live lookups), the decision and the planned write, then its
        execution (unless a dry run): the Stripe side, then the PayPack fields."""
        row = PlanRow(job)
        started = time.monotonic()
        await plan_row(row, self, self.config)
        job.outcome.timings["stripe_lookup"] = time.monotonic() - started
        await executor.execute_one(self, row)

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
            mapped = reads.map_for(self, record, ctx.columns)
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
            outcome.portal, url = await executor.portal(self, mapped, ctx)
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
        path: str = "plan",
    ) -> AsyncIterator[Event]:
        """The scheduled mass sync: the customers the Mass Customer Sync Saved Search chooses.

        It reads them in pages, indexes Stripe, plans every customer locally (`PlanReady` carries the plan)
        and executes only the writes the plan needs. A dry run stops at the plan and writes nothing (not even
        the journal; it reads one it is given, to plan as the run would). A real run needs a journal;
        `run_id` resumes that run, redoing only what it did not finish. `changed_since` takes only the
        customers modified after that time. Setting `stop` ends the run between customers: those in flight
        finish, the rest stay pending and the run is journaled as stopped, for a resume.

        `path="per-customer"` runs every customer through single sync's path instead (the benchmark's
        baseline): a request or more per customer, changed or not.
        """
        if path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}")
        if changed_since is not None and (run_id is not None or only is not None or path != "plan"):
            raise ValueError("changed_since takes a new planned run over the saved search: not with run_id or only")
        started = time.monotonic()
        search_id = self.config.netsuite.mass_customer_sync_search
        if not dry_run and journal is None:
            raise ValueError("a mass sync that writes needs a journal")
        if not dry_run:
            self.stripe.guard_write("run a mass sync")
        resumed = run_id is not None
        if journal is not None and not dry_run:
            target = await current_target(self.config, self.netsuite, self.stripe)
            if run_id is None:
                run_id = journal.start_run(search_id, target, explicit_ids=only is not None,
                                           changed_since=changed_since.timestamp() if changed_since else None)
            else:
                journal.check_target(run_id, target)  # JournalError: an unknown run, or another target's
        yield RunStarted(run_id if not dry_run else None, search_id, dry_run, resumed)
        run = _RunState(self, journal if not dry_run else None, run_id if not dry_run else None, started)
        skip: Collection[str] = set()
        if run.journal is not None and resumed:
            skip = resumed_scope(run.journal, run_id, retry_failed=retry_failed)  # type: ignore[arg-type]
        steps = (self._plan_path(run, search_id, dry_run, portal, only, skip, stop, changed_since, journal)
                 if path == "plan" else
                 self._per_customer_path(run, search_id, dry_run, portal, only, skip, stop, journal))
        async for event in steps:
            yield event
        yield run.finish(stopped=bool(stop and stop.is_set()))

    async def _plan_path(self, run: "_RunState", search_id: str, dry_run: bool, portal: bool, only: list[str] | None,
                         skip: Collection[str], stop: asyncio.Event | None, changed_since: datetime | None,
                         journal: Journal | None) -> AsyncIterator[Event]:
        counted_from = (self.netsuite.requests, self.stripe.requests)
        # The Stripe account's size estimate does not depend on the pages: asked while they are read.
        linked_count = asyncio.create_task(reads.linked_count(self))
        refreshing = None
        try:
            listings = await self._listings(journal, keep=not dry_run)
            stored = listings.load() if listings is not None else None
            refreshing = Refreshing(self.stripe, stored) if stored is not None else None
            ctx = await self.context(search_id)
            jobs = await self._read_run(ctx, dry_run, portal, only, skip, changed_since, journal, run)
        except BaseException:
            linked_count.cancel()
            await asyncio.gather(linked_count, return_exceptions=True)
            if refreshing is not None:
                await refreshing.cancel()
            raise
        if run.journal is not None:
            run.journal.add_pending(run.run_id, [j.internal_id for j in jobs])  # type: ignore[arg-type]
        yield CustomersFound(total=len(jobs), already_done=len(skip))
        run.total = len(jobs)
        try:
            plan = await self._plan(jobs, ctx, dry_run, portal, counted_from, linked_count, listings, refreshing)
        finally:
            if refreshing is not None:
                await refreshing.cancel()  # read by the index; cancelled if planning failed before it
        jobs.clear()  # the plan's rows hold them now, and the executor lets each go once done
        yield PlanReady(plan)
        if dry_run:
            for row in plan.rows:
                yield run.progress(executor.planned_outcome(row))
            return
        limit = self.in_flight_limit(sum(r.needs_requests() for r in plan.rows))
        run.limit = limit
        rows, plan.rows = plan.rows, []  # its summary is kept; the executor lets each row go once done
        async for step in executor.execute_plan(self, rows, run, limit=limit, stop=stop,
                                                batch_size=self.config.netsuite.write_back_batch):
            yield run.progress(step) if isinstance(step, Outcome) else step
        if listings is not None and listings.keep and listings.store.needs_anchor(listings.account, listings.mode):
            # Listed while the account had no customer event: this run's own writes anchor it (or nothing does).
            try:
                newest = await self.stripe.newest_customer_event()
            except SyncError:
                newest = None  # the next run lists the account again
            listings.store.set_anchor(listings.account, listings.mode, newest["id"] if newest else None)

    async def _read_run(self, ctx: SyncContext, dry_run: bool, portal: bool, only: list[str] | None, skip: Collection[str],
                        changed_since: datetime | None, journal: Journal | None, run: "_RunState") -> list[Job]:
        """The run's customers in the search's order: its pages (or, for `only`, each record)."""
        jobs: list[Job] = []
        if only is not None:
            for internal_id in only:
                job = run.job(internal_id, dry_run, portal, ctx, journal)
                await self._stage(job, reads.read_record(self, job))
                jobs.append(job)
            return [j for j in jobs if j.internal_id not in skip]
        modified_after = query_moment(changed_since) if changed_since is not None else None
        async for page in reads.row_pages(self, ctx, changed_since=modified_after):
            for internal_id, record in page:
                if internal_id in skip:
                    continue
                job = run.job(internal_id, dry_run, portal, ctx, journal)
                reads.job_from_row(self, job, record)
                jobs.append(job)
        # Customers the reader found between its pages come last (NetSuiteClient.customer_rows); the search's
        # order is the internal id's, and customers sharing a mailbox take their turns in it.
        if any(int(a.internal_id) > int(b.internal_id) for a, b in zip(jobs, jobs[1:])):
            jobs.sort(key=lambda j: int(j.internal_id))
        return jobs

    async def _listings(self, journal: Journal | None, *, keep: bool) -> "_Listings | None":
        """Where the stored listing of this Stripe account lives: beside the run journal, when there is one."""
        if journal is None or not self.config.sync.relist_after_hours:
            return None
        account = await self.stripe.account_id()
        return _Listings(journal.listings, account, self.stripe.mode, keep,
                         self.config.sync.relist_after_hours * 3600)

    async def _plan(self, jobs: list[Job], ctx: SyncContext, dry_run: bool, portal: bool,
                    counted_from: tuple[int, int], linked_count: "asyncio.Task[int]",
                    listings: "_Listings | None" = None, refreshing: Refreshing | None = None) -> Plan:
        """Index Stripe and NetSuite's links for these customers, then decide each one locally."""
        ns_before, stripe_before = counted_from
        read = [j for j in jobs if j.mapped is not None]
        stored = {normalize_stripe_id(j.facts.stripe_customer_id) or "" for j in read if j.kind is LookupKind.BY_ID}
        key = self.config.sync.match_key()
        emails = {v for j in read if j.kind is LookupKind.BY_EMAIL and (v := j.facts.match_value())}
        boxes = {key.of_value(e) or "" for e in emails}
        # Stripe, NetSuite's links and the portal links are independent reads: all at once.
        wanted_links = [j for j in read if j.kind is not LookupKind.NONE]
        held: dict[str, tuple[str, ...]] = {}  # Stripe id -> the run's customers holding it
        for j in read:
            sid = normalize_stripe_id(j.facts.stripe_customer_id) or "" if j.kind is LookupKind.BY_ID else ""
            if is_stripe_customer_id(sid):
                reads.add_holder(held, sid, j.internal_id)
        index, links_held, (box_held, box_links), links = await asyncio.gather(
            self._index(stored, emails, linked_count, listings, refreshing),
            reads.shared_links(self, held),
            reads.netsuite_links(self, set(), boxes),  # no query when no customer is matched by email
            self._portal_links(wanted_links) if portal and not dry_run else _none(),
        )
        candidates = {c["id"] for box in boxes for c in index.by_mailbox.get(box, ())} - stored
        more, _ = await reads.netsuite_links(self, candidates, set())
        for found in (box_held, more):  # the mailboxes' linked customers; held by another mailbox's, maybe
            for sid, holders in found.items():
                for holder in holders:
                    reads.add_holder(links_held, sid, holder)
        index.netsuite_links, index.netsuite_mailbox_links = links_held, box_links
        await retrieve_more(index, self.stripe, {sid for box in boxes for sid in box_links.get(box, ())})
        del read, stored, emails, boxes, candidates, wanted_links  # sets as large as the run: not kept while planning
        rows = await plan_run(jobs, index, self.config, links=links, deployment_released=ctx.deployment_released)
        reads_made = {"netsuite": self.netsuite.requests - ns_before, "stripe": self.stripe.requests - stripe_before}
        return Plan(rows, reads=reads_made, index=index.how, index_way=index.way)

    async def _index(self, stored: set[str], values: set[str], linked_count: "asyncio.Task[int]",
                     listings: "_Listings | None" = None, refreshing: Refreshing | None = None) -> StripeIndex:
        """The Stripe index: the stored listing brought up to date by Stripe's events when that costs least;
        else listing or looking up as the account's size (estimated from NetSuite) says; with a thousand
        lookups or more it lists at once, without waiting for the estimate (listing stops on its own if the
        account turns out much larger: within twice the cheaper way). A run that writes keeps what it
        learnt of the whole account for the next one."""
        if len(stored) + len(values) >= SURELY_LIST:
            linked_count.cancel()
            await asyncio.gather(linked_count, return_exceptions=True)
            expected_pages = None
        else:
            expected_pages = -(-await linked_count // PAGE)
        index = await build_index(self.stripe, self.mailboxes, stored_ids=stored, emails=values,
                                  expected_pages=expected_pages, refreshing=refreshing,
                                  anchor_listing=listings is not None and listings.keep)
        if listings is not None and listings.keep:
            store_index(listings.store, listings.account, listings.mode, index)
        return index

    async def _portal_links(self, jobs: list[Job]) -> dict[str, str] | None:
        """The current signed links of these customers, a RESTlet call per 1,000; None when NetSuite cannot give
        them (each customer's portal decision then says so; the Stripe side still syncs)."""
        if not jobs:
            return {}
        held = {j.internal_id: j.mapped.portal_url for j in jobs if j.mapped.portal_url}
        try:
            return await self.netsuite.portal_links([j.internal_id for j in jobs], held=held)
        except SyncError:
            return None

    async def _per_customer_path(self, run: "_RunState", search_id: str, dry_run: bool, portal: bool,
                                 only: list[str] | None, skip: Collection[str], stop: asyncio.Event | None,
                                 journal: Journal | None) -> AsyncIterator[Event]:
        ctx = await self.context(search_id)
        ids: list[str] = []
        if only is not None:
            ids = list(only)
        else:
            async for page in self.netsuite.search_pages(search_id):
                ids.extend(page)
        todo = [i for i in ids if i not in skip]
        if run.journal is not None:
            run.journal.add_pending(run.run_id, todo)  # type: ignore[arg-type]
        if portal and not dry_run and todo:
            await source_for(self.netsuite).prime(todo)  # the signed links in batches, not one call each
        yield CustomersFound(total=len(todo), already_done=len(skip))
        run.total = len(todo)
        view = RunView(dry_run, self.config.sync.metadata_prefix, self.config.sync.match_key())
        run.limit = limit = self.in_flight_limit(len(todo))
        # Linked customers first, those matched by email after them: a push to a linked Stripe customer may
        # move it to another mailbox or tag it for its owner, and the matching must see that, as a
        # one-at-a-time run in this order would (and a second run then finds nothing left to do).
        first, later = Turns(), Turns()
        by_email: list[Job] = []

        async def read_and_sync_linked(position: int, internal_id: str) -> Outcome | None:
            job = run.job(internal_id, dry_run, portal, ctx, journal, view)
            read = await self._stage(job, self._read(job))
            if read and job.kind is LookupKind.BY_EMAIL:
                await first.announce(position)
                by_email.append(job)
                return None
            await first.announce(position, job.turn_keys() if read else ())
            if read:
                await self._stage(job, self._decide_and_write(job, lambda keys: first.turn(position, keys)))
            return run.finished(job)

        async def sync_matched(position: int, job: Job) -> Outcome:
            await later.announce(position, job.turn_keys())
            await self._stage(job, self._decide_and_write(job, lambda keys: later.turn(position, keys)))
            return run.finished(job)

        async for outcome in in_flight(list(enumerate(todo)), read_and_sync_linked, limit, stop):
            if outcome is not None:
                yield run.progress(outcome)
        order = {iid: k for k, iid in enumerate(todo)}
        by_email.sort(key=lambda j: order[j.outcome.internal_id])
        if not (stop and stop.is_set()):
            async for outcome in in_flight(list(enumerate(by_email)), sync_matched, limit, stop):
                yield run.progress(outcome)

    # --- the operator's decisions and reads for screens (sync_core/decisions.py) ---------

    async def candidates(self, internal_id: str) -> "decisions.Candidates":
        """The Stripe customers a person chooses between for this NetSuite customer (R2/R3), oldest first,
        with name, email, created, metadata and which other NetSuite customers already point at each."""
        from sync_core.admin.decisions import find_candidates

        return await find_candidates(self, internal_id)

    async def check_link(self, internal_id: str, stripe_id: str) -> "decisions.LinkResult":
        """What `link` would write, after validating the Stripe id against Stripe (SyncError if missing or
        deleted); writes nothing."""
        from sync_core.admin.decisions import check_link

        return await check_link(self, internal_id, stripe_id)

    async def link(self, internal_id: str, stripe_id: str, *, journal_path: str | None = None) -> "decisions.LinkResult":
        """The operator's decision: validate `stripe_id` against Stripe, write only STRIPE CUSTOMER ID
        (PAYPACK) on the NetSuite customer, and journal the decision (in [sync] journal_path)."""
        from sync_core.admin.decisions import DecisionLog, check_link, write_link

        result = await check_link(self, internal_id, stripe_id)
        log = DecisionLog(journal_path or self.config.sync.journal_path)
        try:
            return await write_link(self, result, log)
        finally:
            log.close()

    async def unlink(self, internal_id: str, *, journal_path: str | None = None) -> str | None:
        """Empty STRIPE CUSTOMER ID (PAYPACK) so the next sync matches by email (R3); journaled. Returns the
        id it held."""
        from sync_core.admin.decisions import DecisionLog, read_customer

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





@dataclass(frozen=True)
class _Listings:
    """The stored listing of the Stripe account a run reaches (stored_listing), and whether the run keeps its own."""

    store: ListingStore
    account: str
    mode: str
    keep: bool  # a run that writes keeps what it learnt; a dry run only reads
    max_age_s: float

    def load(self) -> "StoredListing | None":
        return self.store.load(self.account, self.mode, max_age_s=self.max_age_s)


class _RunState:
    """What both mass-sync paths keep while a run goes: its jobs' journal hooks, its counts, its end."""

    def __init__(self, engine: Engine, journal: Journal | None, run_id: str | None, started: float) -> None:
        self.engine, self.journal, self.run_id, self.started = engine, journal, run_id, started
        self.counts: Counter[str] = Counter()
        self.failures: list[Outcome] = []
        self.done = 0
        self.total = 0
        self.limit: InFlightLimit | FixedLimit | None = None
        self._attempted: set[str] | None = None  # customers with a create not yet written back, as the run began
        # One hook every job of the run shares (a closure per job would cost 200 bytes each).
        self.on_create_attempt = self._create_attempted if journal is not None else None

    def job(self, internal_id: str, dry_run: bool, portal: bool, ctx: SyncContext, journal: Journal | None,
            view: RunView | None = None) -> Job:
        job = Job(internal_id, dry_run, portal, view, ctx=ctx, on_create_attempt=self.on_create_attempt)
        if journal is not None and self._attempted is None:  # dry runs read it too
            self._attempted = journal.create_attempted_ids()
        job.create_attempted = internal_id in (self._attempted or ())
        return job

    def _create_attempted(self, internal_id: str) -> None:
        self.journal.mark(self.run_id, internal_id, "create-attempted")  # type: ignore[union-attr,arg-type]

    def finished(self, job: Job) -> Outcome:
        return self.finished_all([job])[0]

    def finished_all(self, jobs: list[Job]) -> list[Outcome]:
        """Journal these customers' ends (one transaction); their outcomes."""
        outcomes = [j.outcome for j in jobs]
        if self.journal is not None:
            self.journal.mark_many(self.run_id, [  # type: ignore[arg-type]
                (o.internal_id, o.status.value, o.rule, o.decision.action.value if o.decision else None,
                 o.stripe_customer_id, o.cause, o.remedy) for o in outcomes])
        return outcomes

    def progress(self, outcome: Outcome) -> CustomerSynced:
        self.done += 1
        self.counts[outcome.status.value] += 1
        if outcome.status is Status.FAILED:
            self.failures.append(outcome)
        return CustomerSynced(outcome, self.done, self.total, dict(self.counts))

    def finish(self, *, stopped: bool) -> RunFinished:
        if self.journal is not None and self.run_id is not None:
            self.journal.finish_run(self.run_id, "stopped" if stopped else
                                    "finished-with-failures" if self.failures else "finished")
        engine = self.engine
        return RunFinished(self.run_id, dict(self.counts), time.monotonic() - self.started, self.failures,
                           engine.netsuite.requests, engine.stripe.requests, engine.retries,
                           self.limit.peak if self.limit else 0, stopped)


async def _none() -> None:
    return None
