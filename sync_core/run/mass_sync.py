"""The scheduled mass sync: the customers the Mass Customer Sync Saved Search chooses, planned, then only
the writes that must happen.

`mass_sync` starts (or resumes) the run in the journal and takes one of two paths: the plan path here (read
the customers in pages, index Stripe, plan every customer locally, execute only the writes the plan needs)
or the per-customer path (`per_customer`: each customer through single sync's steps, the benchmark's
baseline and the equivalence tests' oracle).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass

from sync_core.errors import NetSuiteError, SyncError
from sync_core.events import CustomersFound, Event, PlanReady, RunStarted
from sync_core.outcome import Outcome
from sync_core.rules.decide import LookupKind, normalize_stripe_id
from sync_core.rules.ids import is_stripe_customer_id
from sync_core.run import executor, reads
from sync_core.run.changed_since import query_moment
from sync_core.run.early_reads import EarlyReads, match_value
from sync_core.run.job import Job, SyncContext
from sync_core.run.journal import Journal, new_run_id
from sync_core.run.journal.listings import ListingStore
from sync_core.run.journal.owed import WAITING
from sync_core.run.per_customer import per_customer_path
from sync_core.run.planner import Plan, plan_run
from sync_core.run.resume_scope import resumed_scope
from sync_core.run.run_lock import TargetLock
from sync_core.run.run_scope import CHANGED, SEARCH, STALE_LINKS, Scope, take_pages
from sync_core.run.run_state import RunOptions, RunState, in_flight_limit
from sync_core.run.services import Services
from sync_core.run.single_sync import stage
from sync_core.run.status_fields import StatusFields
from sync_core.run.stripe_index import StripeIndex, build_index, find_attempted, retrieve_more, store_index
from sync_core.run.target import RunTarget, current_target
from sync_core.stripe.early_listing import SURELY_LIST, EarlyListing
from sync_core.stripe.listing import PAGE
from sync_core.stripe.stored_listing import Refreshing, StoredListing


async def mass_sync(services: Services, journal: Journal | None, options: RunOptions) -> AsyncIterator[Event]:
    """The run's events (`Engine.mass_sync` says what each option does)."""
    options.check()
    if options.changed_since is not None:
        query_moment(options.changed_since)  # ChangedSinceError before the run is journaled
    started = time.monotonic()
    search_id = services.config.netsuite.mass_customer_sync_search
    if not options.dry_run and journal is None:
        raise ValueError("a mass sync that writes needs a journal")
    if not options.dry_run:
        services.stripe.guard_write("run a mass sync")
    # What depends on nothing the run learns is asked beside the context: the target (Stripe's account id) and
    # the plan path's NetSuite reads besides the pages (early_reads). A run refused before it starts cancels them.
    asked_target = asyncio.ensure_future(current_target(services.config, services.netsuite, services.stripe)) \
        if journal else None
    early_reads = EarlyReads(services, portal=options.portal) if options.path == "plan" else None
    run_id = options.run_id
    lock = None
    try:
        # The search's columns, the portal deployment, the configured fields: a configuration naming what the
        # account lacks fails here (AccountLacks), before the run is journaled, whatever the other reads meet.
        ctx = await reads.read_context(services, search_id)
        target = await asked_target if asked_target is not None else None
        if journal is not None and target is not None and not options.dry_run:
            lock = await _hold_target(journal, target, options, search_id)
            run_id = lock.run_id
        elif journal is not None and target is not None and options.run_id is not None:
            # the plan of resuming a run (a dry run of it): only against the run's own target, as the run itself
            journal.check_target(options.run_id, target)
    except BaseException:
        if asked_target is not None:
            asked_target.cancel()
            await asyncio.gather(asked_target, return_exceptions=True)
        if early_reads is not None:
            await early_reads.cancel()
        raise
    try:
        if lock is not None and journal is not None:
            lock.start_beating()
            journal.prune(services.config.sync.journal_keep_days)
        writes = not options.dry_run
        took_over = lock.took_over.describe() if lock is not None and lock.took_over is not None else None
        yield RunStarted(run_id if writes else None, search_id, options.dry_run, options.resumed, took_over)
        run = RunState(services, options, journal if writes else None, run_id if writes else None, started,
                       reads_journal=journal, target=target)
        if journal is not None and target is not None and not options.resumed and options.only is None:
            run.owed = [o for o in journal.owed(target) if o.source != WAITING]
        skip: Collection[str] = set()
        if journal is not None and options.run_id is not None:
            # a dry run of a resume (or retry) plans what it would take, the journal left as it is
            skip = resumed_scope(journal, options.run_id, retry_failed=options.retry_failed, preview=not writes)
        steps = (PlannedRun(run, ctx, skip, early_reads).events() if early_reads is not None else
                 per_customer_path(run, ctx, skip))
        async for event in steps:
            yield event
        yield run.finish()
    finally:
        if early_reads is not None:
            await early_reads.cancel()  # the plan took them (or the run ended before)
        if lock is not None:
            await lock.release()


async def _hold_target(journal: Journal, target: RunTarget, options: RunOptions, search_id: str) -> TargetLock:
    """The target's lock, taken for the resumed run or a new one, journaled only once the lock is held: a run
    refused (RunLocked, another run holds the target) or resumed against another target (JournalError) leaves
    nothing behind."""
    run_id = options.run_id
    if run_id is not None:
        journal.check_target(run_id, target)
    lock = TargetLock(journal, target, run_id or new_run_id())
    if run_id is None:
        since = options.changed_since
        try:
            journal.start_run(search_id, target, explicit_ids=options.only is not None, run_id=lock.run_id,
                              changed_since=since.timestamp() if since else None)
        except BaseException:
            await lock.release()
            raise
    return lock


@dataclass(frozen=True)
class Listings:
    """The stored listing of the Stripe account a run reaches (stored_listing), and whether the run keeps its own."""

    store: ListingStore
    account: str
    mode: str
    keep: bool  # a run that writes keeps what it learnt; a dry run only reads
    max_age_s: float

    def load(self) -> StoredListing | None:
        return self.store.load(self.account, self.mode, max_age_s=self.max_age_s)


class PlannedRun:
    """The plan path of one run: read, index, plan, execute."""

    def __init__(self, run: RunState, ctx: SyncContext, skip: Collection[str], early_reads: EarlyReads) -> None:
        """`early_reads`: NetSuite's reads besides the pages, begun with the run."""
        self.run, self.services, self.options = run, run.services, run.options
        self.ctx, self.skip, self.early_reads = ctx, skip, early_reads
        self.scope = Scope({o.internal_id: o for o in run.owed})
        # custsync's status fields on the record, when configured, for the customers read in pages (a dry run
        # reads them too, to plan their writes)
        self.status = StatusFields.of(run.services.config.netsuite) if run.options.only is None else None
        self.links_read = False  # NetSuite gave the current portal links of the run's customers

    async def events(self) -> AsyncIterator[Event]:
        run, services, options = self.run, self.services, self.options
        early_reads = self.early_reads
        counted_from = early_reads.counted_from
        linked_count = early_reads.linked_count
        refreshing = early = None
        try:
            listings = await self._listings()
            stored = listings.load() if listings is not None else None
            refreshing = Refreshing(services.stripe, stored) if stored is not None else None
            if stored is None and options.only is None and options.changed_since is None:
                # the whole search and no stored listing: the account's listing may begin beside the pages
                early = EarlyListing(services.stripe, asyncio.shield(linked_count))
            ctx = self.ctx
            jobs = await self._read_run(ctx, early_reads, early)
            run.add_pending([j.internal_id for j in jobs])
            yield CustomersFound(total=len(jobs), already_done=len(self.skip))
            run.total = len(jobs)
            plan = await self._plan(jobs, ctx, counted_from, linked_count, listings, early_reads, refreshing, early)
        finally:
            # Read by the plan; cancelled if the run failed (or was closed) before it took them.
            for reading in (refreshing, early, early_reads):
                if reading is not None:
                    await reading.cancel()
        jobs.clear()  # the plan's rows hold them now, and the executor lets each go once done
        yield PlanReady(plan)
        if options.dry_run:
            for row in plan.rows:
                yield run.progress(executor.planned_outcome(row))
            return
        limit = in_flight_limit(services, sum(r.needs_requests() for r in plan.rows))
        run.limit = limit
        rows, plan.rows = plan.rows, []  # its summary is kept; the executor lets each row go once done
        async for step in executor.execute_plan(services, rows, run, limit=limit, stop=options.stop,
                                                batch_size=services.config.netsuite.write_back_batch,
                                                status=self.status):
            yield run.progress(step) if isinstance(step, Outcome) else step
        self._record_signing_key()
        if listings is not None and listings.keep and listings.store.needs_anchor(listings.account, listings.mode):
            # Listed while the account had no customer event: this run's own writes anchor it (or nothing does).
            try:
                newest = await services.stripe.newest_customer_event()
            except SyncError:
                newest = None  # the next run lists the account again
            listings.store.set_anchor(listings.account, listings.mode, newest["id"] if newest else None)

    def _record_signing_key(self) -> None:
        """After a run that compared every customer's stored link with the current one (and wrote those that
        differ): the stored links are signed with the key NetSuite named. A customer whose write failed is owed,
        and the next run writes its link."""
        run, scope = self.run, self.scope
        if (run.journal is not None and run.target is not None and scope.whole_search and self.links_read
                and scope.signing_key_id and self.options.only is None and not self.options.stopped()):
            run.journal.link_signing.record(run.target.netsuite_account, scope.signing_key_id, run.run_id)

    async def _read_run(self, ctx: SyncContext, early_reads: EarlyReads, early: EarlyListing | None = None) -> list[Job]:
        """The run's customers in the search's order: its pages (or, for `only`, each record). Each one taken
        goes to `early_reads` as it is read."""
        run, services, options, skip = self.run, self.services, self.options, self.skip
        jobs: list[Job] = []
        if options.only is not None:
            for internal_id in options.only:
                job = run.job(internal_id, ctx)
                await stage(job, reads.read_record(services, job))
                jobs.append(job)
            jobs = [j for j in jobs if j.internal_id not in skip]
            for job in jobs:
                early_reads.add(job)
            early_reads.read_all()
            return jobs

        status = self.status

        def add(internal_id: str, record: dict) -> None:
            job = run.job(internal_id, ctx)
            reads.job_from_row(services, job, record)
            if status is not None and status.on:
                job.status_now = status.now(record)
            jobs.append(job)
            early_reads.add(job)

        scope, since = self.scope, options.changed_since
        modified_after = query_moment(since) if since is not None else None
        extra = status.ids() if status is not None else []
        try:
            await take_pages(scope, reads.row_pages(services, ctx, changed_since=modified_after, seen=scope.seen,
                                                    extra=extra), CHANGED if since is not None else SEARCH, add, skip)
        except NetSuiteError as exc:
            if not (status is not None and exc.code == "INVALID_FIELD" and status.names_one(exc.message)) or jobs:
                raise
            status.off = (f"custsync's status fields are off for this run: NetSuite has no such field "
                          f"({exc.message}); create them (deploy/netsuite/Objects) or set [netsuite] status_fields "
                          "= false")
            extra = []
            await take_pages(scope, reads.row_pages(services, ctx, changed_since=modified_after, seen=scope.seen),
                             CHANGED if since is not None else SEARCH, add, skip)
        if early is not None:
            early.lookups(len(jobs))  # enough customers read: the index will list, so listing begins now
        journal, target = run.reads_journal, run.target
        recorded = journal.link_signing.current(target.netsuite_account) if journal and target else None
        scope.learnt_key(recorded, portal=options.portal)
        scope.whole_search = since is None
        if since is not None and scope.links_stale:
            await take_pages(scope, reads.row_pages(services, ctx, seen=scope.seen, extra=extra), STALE_LINKS, add,
                             skip)
            scope.whole_search = True
        missing = scope.missing_owed()
        if missing:
            await take_pages(scope, reads.rows_of(services, ctx, missing, extra=extra), SEARCH, add, skip)
        scope.left = [i for i in missing if i not in scope.read]
        if scope.left and run.journal is not None:
            run.journal.mark_left(run.run_id, scope.left)  # type: ignore[arg-type]
        # Customers the reader found between its pages come last (NetSuiteClient.customer_rows), and the owed
        # ones read by id after them; the search's order is the internal id's, and customers sharing a mailbox
        # take their turns in it.
        if any(int(a.internal_id) > int(b.internal_id) for a, b in itertools.pairwise(jobs)):
            jobs.sort(key=lambda j: int(j.internal_id))
        early_reads.read_all()
        return jobs

    async def _listings(self) -> Listings | None:
        """Where the stored listing of this Stripe account lives: beside the run journal, when there is one."""
        journal, services = self.run.reads_journal, self.services
        hours = services.config.sync.relist_after_hours
        if journal is None or not hours:
            return None
        account = await services.stripe.account_id()
        return Listings(journal.listings, account, services.stripe.mode, not self.options.dry_run, hours * 3600)

    async def _plan(self, jobs: list[Job], ctx: SyncContext, counted_from: tuple[int, int],
                    linked_count: asyncio.Task[int], listings: Listings | None, early_reads: EarlyReads,
                    refreshing: Refreshing | None, early: EarlyListing | None = None) -> Plan:
        """Index Stripe and NetSuite's links for these customers, then decide each one locally."""
        services, options = self.services, self.options
        ns_before, stripe_before = counted_from
        read = [j for j in jobs if j.mapped is not None]
        stored = {normalize_stripe_id(j.facts.stripe_customer_id) or "" for j in read if j.kind is LookupKind.BY_ID}
        emails = {v for j in read if (v := match_value(j))}
        boxes = early_reads.boxes
        # Stripe, NetSuite's links and the portal links are independent reads: all at once (NetSuite's asked
        # while the pages were read, early_reads).
        held: dict[str, tuple[str, ...]] = {}  # Stripe id -> the run's customers holding it
        for j in read:
            sid = normalize_stripe_id(j.facts.stripe_customer_id) or "" if j.kind is LookupKind.BY_ID else ""
            if is_stripe_customer_id(sid):
                reads.add_holder(held, sid, j.internal_id)
        index, links_held, (box_held, box_links), links = await asyncio.gather(
            self._index(stored, emails, linked_count, listings, refreshing, early),
            early_reads.shared_links(held),
            early_reads.box_links(),  # no query when no customer is matched by email
            early_reads.portal_links(),  # a dry run reads them too (a read)
        )
        candidates = {c["id"] for box in boxes for c in index.by_mailbox.get(box, ())} - stored
        more, _ = await reads.netsuite_links(services, candidates, set())
        for found in (box_held, more):  # the mailboxes' linked customers; held by another mailbox's, maybe
            for sid, holders in found.items():
                for holder in holders:
                    reads.add_holder(links_held, sid, holder)
        index.netsuite_links, index.netsuite_mailbox_links = links_held, box_links
        await retrieve_more(index, services.stripe, {sid for box in boxes for sid in box_links.get(box, ())})
        attempts = {j.internal_id: j.attempted_at for j in read if j.attempted_at is not None
                    and j.kind is LookupKind.BY_EMAIL}
        await find_attempted(index, services.stripe, services.config.sync.metadata_prefix, attempts)
        del read, stored, emails, boxes, candidates  # sets as large as the run: not kept while planning
        self.links_read = links is not None and options.portal and not options.dry_run
        self.run.load_synced(jobs)
        rows = await plan_run(jobs, index, services.config, links=links, deployment_released=ctx.deployment_released)
        reads_made = {"netsuite": services.netsuite.requests - ns_before,
                      "stripe": services.stripe.requests - stripe_before}
        return Plan(rows, reads=reads_made, index=index.how, index_way=index.way, taken=self.scope.summary(),
                    status_writes=self._status_writes(rows), status_off=self.status.off if self.status else None)

    def _status_writes(self, rows: list) -> int:
        """Customers whose status fields alone will be written: those that write nothing else and whose status
        or error changed (the others carry theirs with the PayPack fields)."""
        status = self.status
        if status is None or not status.on:
            return 0
        return sum(1 for row in rows if not row.needs_requests()
                   and status.patch(row.job.status_now, executor.quiet_outcome(row), wrote=False))

    async def _index(self, stored: set[str], values: set[str], linked_count: asyncio.Task[int],
                     listings: Listings | None, refreshing: Refreshing | None,
                     early: EarlyListing | None = None) -> StripeIndex:
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
        index = await build_index(self.services.stripe, self.services.mailboxes, stored_ids=stored, emails=values,
                                  expected_pages=expected_pages, refreshing=refreshing,
                                  anchor_listing=listings is not None and listings.keep, early=early)
        if listings is not None and listings.keep:
            store_index(listings.store, listings.account, listings.mode, index)
        return index
