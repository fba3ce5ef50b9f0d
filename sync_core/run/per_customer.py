"""The per-customer mass-sync path: every customer through single sync's steps (a request or more each,
changed or not), in the order a one-at-a-time run takes them. The benchmark's baseline and the equivalence
tests' oracle for the plan path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from sync_core.events import CustomersFound, Event
from sync_core.netsuite.portal_links import source_for
from sync_core.outcome import Outcome
from sync_core.rules.decide import LookupKind
from sync_core.run.in_flight import in_flight
from sync_core.run.job import Job, SyncContext
from sync_core.run.run_state import RunState, in_flight_limit
from sync_core.run.single_sync import decide_and_write, read, stage
from sync_core.run.turns import Turns
from sync_core.run.view import RunView


async def per_customer_path(run: RunState, ctx: SyncContext, skip: Collection[str]) -> AsyncIterator[Event]:
    services, options = run.services, run.options
    config = services.config
    ids: list[str] = []
    if options.only is not None:
        ids = list(options.only)
    else:
        async for page in services.netsuite.search_pages(ctx.search_id):
            ids.extend(page)
    todo = [i for i in ids if i not in skip]
    run.add_pending(todo)
    if options.portal and not options.dry_run and todo:
        await source_for(services.netsuite).prime(todo)  # the signed links in batches, not one call each
    yield CustomersFound(total=len(todo), already_done=len(skip))
    run.total = len(todo)
    view = RunView(options.dry_run, config.sync.metadata_prefix, config.sync.match_key())
    run.limit = limit = in_flight_limit(services, len(todo))
    # Linked customers first, those matched by email after them: a push to a linked Stripe customer may
    # move it to another mailbox or tag it for its owner, and the matching must see that, as a
    # one-at-a-time run in this order would (and a second run then finds nothing left to do).
    first, later = Turns(), Turns()
    by_email: list[Job] = []

    async def read_and_sync_linked(position: int, internal_id: str) -> Outcome | None:
        job = run.job(internal_id, ctx, view)
        was_read = await stage(job, read(services, job))
        if was_read:
            run.load_synced([job])
        if was_read and job.kind is LookupKind.BY_EMAIL:
            await first.announce(position)
            by_email.append(job)
            return None
        await first.announce(position, job.turn_keys() if was_read else ())
        if was_read:
            await stage(job, decide_and_write(services, job, lambda keys: first.turn(position, keys)))
        return run.finished(job)

    async def sync_matched(position: int, job: Job) -> Outcome:
        await later.announce(position, job.turn_keys())
        await stage(job, decide_and_write(services, job, lambda keys: later.turn(position, keys)))
        return run.finished(job)

    async for outcome in in_flight(list(enumerate(todo)), read_and_sync_linked, limit, options.stop):
        if outcome is not None:
            yield run.progress(outcome)
    order = {iid: k for k, iid in enumerate(todo)}
    by_email.sort(key=lambda j: order[j.outcome.internal_id])
    if not options.stopped():
        async for outcome in in_flight(list(enumerate(by_email)), sync_matched, limit, options.stop):
            yield run.progress(outcome)
