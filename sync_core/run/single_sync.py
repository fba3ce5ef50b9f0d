"""Single sync, the "Sync to Stripe (PayPack)" button: one customer through the four steps, a plan of one.

Read the record (`reads.read_record`), look up what Stripe knows as it is needed (`LiveLookups`), decide
and plan the row (`planner.plan_row`), execute it (`executor.execute_one`). The per-customer mass-sync path
takes each customer through the same stages (`stage`, `read`, `decide_and_write`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from sync_core.errors import SyncError
from sync_core.netsuite.portal_links import holds_link
from sync_core.outcome import Change, Outcome, Status
from sync_core.retry import counting_retries
from sync_core.rules.decide import CustomerFacts, LookupKind, decide, normalize_stripe_id, portal_write
from sync_core.rules.ids import internal_id as require_internal_id
from sync_core.run import executor, reads
from sync_core.run.job import Job, SyncContext
from sync_core.run.journal import Journal
from sync_core.run.last_synced import records_scope, records_to_store
from sync_core.run.live_lookups import LiveLookups
from sync_core.run.planner import PlanRow, plan_row
from sync_core.run.services import Services
from sync_core.run.view import stripe_ref

Gate = Callable[[set[str]], AbstractAsyncContextManager[None]]


async def sync_one(services: Services, internal_id: str, *, dry_run: bool = False, portal: bool = True,
                   context: SyncContext | None = None, journal: Journal | None = None) -> Outcome:
    """Read the record, look up what Stripe knows, decide and plan the row, execute it. `journal`: where R10's
    record of what custsync last sent or confirmed is read (and, unless a dry run, written); without one, a
    field edited in Stripe cannot be told from one custsync wrote, and the fields are pushed as before."""
    job = Job(str(internal_id).strip(), dry_run, portal)
    if await stage(job, read(services, job, context)):
        account = records_scope(services.config)
        if journal is not None and job.kind is LookupKind.BY_ID:
            job.synced = journal.synced.load(account, [job.internal_id]).get(job.internal_id)
        await stage(job, decide_and_write(services, job, services.turn_locks.hold))
        if journal is not None and not dry_run:
            journal.synced.put_many(account, records_to_store([job]))
    return job.outcome


async def stage(job: Job, work: Awaitable[None]) -> bool:
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


async def read(services: Services, job: Job, context: SyncContext | None = None) -> None:
    """The NetSuite record, mapped (R9); for a linked customer, the Stripe customer it names."""
    started = time.monotonic()
    if not job.dry_run:
        services.stripe.guard_write("sync")
    job.ctx = context or job.ctx or await reads.read_context(services)
    await reads.read_record(services, job)
    job.outcome.timings["netsuite_read"] = time.monotonic() - started
    if job.kind is LookupKind.BY_ID:
        job.linked = await services.stripe.retrieve_linked(normalize_stripe_id(job.facts.stripe_customer_id))  # type: ignore[arg-type]


async def decide_and_write(services: Services, job: Job, gate: Gate) -> None:
    """Decide and write while holding the customer's turn keys (`gate`), so that customers sharing a
    mailbox or a Stripe customer go one after another: a plan of one (live lookups), the decision and the
    planned write, then its execution (unless a dry run): the Stripe side, then the PayPack fields."""
    async with gate(job.turn_keys()):
        row = PlanRow(job)
        started = time.monotonic()
        await plan_row(row, LiveLookups(services), services.config)
        job.outcome.timings["stripe_lookup"] = time.monotonic() - started
        await executor.execute_one(services, row)


async def portal_link(services: Services, internal_id: str, *, context: SyncContext | None = None) -> Outcome:
    """Write the customer's current portal link when the field is empty or stale (R6); no Stripe request."""
    internal_id = str(internal_id).strip()
    outcome = Outcome(internal_id=internal_id, status=Status.FAILED)
    config = services.config
    try:
        require_internal_id(internal_id)
        # No Stripe write, but the link opens the live portal: a live key still needs the confirmation.
        services.stripe.guard_write("write a portal link")
        ctx = context or await reads.read_context(services)
        record = await services.netsuite.get_customer(internal_id)
        mapped = reads.map_for(services, record, ctx.columns)
        sid = normalize_stripe_id(mapped.stripe_customer_id)
        if not sid:
            outcome.portal = portal_write(linked=False, current=False, deployment_released=ctx.deployment_released,
                                          deployment=config.netsuite.portal_deployment)
            outcome.status = Status.SKIPPED
            return outcome
        outcome.stripe_customer_id = sid
        customer, other_mode = await services.stripe.retrieve_linked(sid)
        facts = CustomerFacts(internal_id, mapped.email, sid)
        stale = decide(facts, linked=stripe_ref(customer, config.sync.metadata_prefix) if customer else None,
                       linked_other_mode=other_mode)
        if stale.rule == "R2":  # a link would only open the Suitelet's stale-link page
            outcome.decision = stale
            return outcome
        outcome.portal, url = await executor.portal(services, mapped, ctx)
        if url:
            field = config.netsuite.portal_url_field
            if not holds_link(mapped.portal_url, url):
                await services.netsuite.patch_customer(internal_id, {field: url})
                outcome.changes.append(Change("netsuite", f"customer {internal_id}", field, mapped.portal_url, url))
            outcome.portal_url = url
            outcome.status = Status.OK
    except SyncError as exc:
        outcome.error = exc
    return outcome
