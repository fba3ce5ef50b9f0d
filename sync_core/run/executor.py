"""Executing: the writes a decision needs, and nothing else (R4, R5, R6).

Single sync executes its plan of one at once (`execute_one`: the Stripe write, then the record). A mass
sync executes its plan (`execute_plan`): only the rows that write anything cost a request; rows naming the same Stripe
customer (or a create planned earlier in the run, "(new for 101)") go in the plan's order; the PayPack
fields go back to NetSuite in batches through the RESTlet (`WriteBackBatches`), each customer's result
reported on its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from sync_core.errors import NetSuiteError, StripeServiceError, SyncError
from sync_core.events import StripeWritten
from sync_core.netsuite.portal_links import holds_link, source_for
from sync_core.outcome import Change, Outcome, Status
from sync_core.rules.catalogue import Action
from sync_core.rules.decide import (
    INVALID_EMAIL_REMEDY,
    Decision,
    PortalDecision,
    PortalOutcome,
    TraceStep,
    normalize_stripe_id,
    portal_plan,
    portal_write,
)
from sync_core.rules.mapping import MappedCustomer, changed_fields
from sync_core.run.in_flight import in_flight
from sync_core.run.job import Job, SyncContext
from sync_core.run.last_synced import corrections, note_remember, settled_status
from sync_core.run.planner import TERMINAL, TERMINAL_STATUS, PlanRow, push_params, with_step
from sync_core.run.services import Services
from sync_core.run.status_fields import SYNCED, StatusFields
from sync_core.run.view import stand_in_creator, stand_in_id
from sync_core.stripe import limits

if TYPE_CHECKING:
    from sync_core.run.in_flight import FixedLimit, InFlightLimit

WRITE_BACK_WINDOW_S = 1.0  # a partial batch goes after this long, so progress shows and a kill loses little
WRITE_BACKS_IN_FLIGHT = 2  # NetSuite's concurrency is shared by every integration of the account


def refused_email(exc: StripeServiceError, email: str | None) -> Decision | None:
    """Stripe's refusal of the email ("Invalid email address: …") as a failed R3 decision with its remedy."""
    if exc.code != "email_invalid" and not exc.message.lower().startswith("invalid email"):
        return None
    return Decision(rule="R3", action=Action.ERROR, reason=f"Stripe refused the email address {email!r}: {exc.message}",
                    trace=(TraceStep("R3", f"Stripe refused {email!r} ({exc.message}): nothing created or changed"),),
                    remedy=INVALID_EMAIL_REMEDY)


async def write_stripe(services: Services, job: Job, decision: Decision,
                       customers: dict[str, dict[str, Any]]) -> str | None:
    """Create, or push the mapped fields that differ; returns the Stripe id the customer is linked to, or
    None when Stripe refused the email (the outcome then says so, R3, with its remedy)."""
    try:
        return await _write_stripe(services, job, decision, customers)
    except StripeServiceError as exc:
        refused = refused_email(exc, job.mapped.email)
        if refused is None:
            raise
        job.outcome.decision, job.outcome.status, job.outcome.stripe_customer_id = refused, Status.FAILED, None
        return None


async def _write_stripe(services: Services, job: Job, decision: Decision, customers: dict[str, dict[str, Any]]) -> str:
    outcome, mapped = job.outcome, job.mapped
    stripe_id = decision.stripe_customer_id
    if decision.action is Action.CREATE:
        if job.on_create_attempt:
            job.on_create_attempt(job.internal_id)
        created, replayed = await create(services, mapped)
        services.mailboxes.remember(created)
        note_remember(job, decision, created["id"], created, services.config.sync)
        if replayed:
            outcome.decision = with_step(decision, TraceStep(
                "R3", f"Stripe replayed an earlier create of the same data: recovered {created['id']}, "
                      "nothing created twice"))
        outcome.changes.append(Change("stripe", created["id"], "(recovered)" if replayed else "(created)", None,
                                      created.get("email")))
        return created["id"]
    assert stripe_id is not None
    if decision.push and decision.action in (Action.UPDATE, Action.LINK_EXISTING):
        current = customers.get(stripe_id) or {}
        params = push_params(job, current, services.config.sync, decision.stripe_edits)
        diff = changed_fields(params, current)
        if diff:
            updated = await services.stripe.update(stripe_id, params, idempotency_key=update_key(services, job.internal_id))
            services.mailboxes.remember(updated)
            if job.run is not None:
                job.run.record_push(updated)
            outcome.changes.extend(Change("stripe", stripe_id, f, b, a) for f, b, a in diff)
            note_remember(job, decision, stripe_id, updated, services.config.sync)
        elif current:
            note_remember(job, decision, stripe_id, current, services.config.sync)
    return stripe_id


def update_key(services: Services, internal_id: str) -> str:
    """An update's Idempotency-Key: fresh per update (the same values may be pushed again later, after someone
    changed them), kept across its retries; its prefix tells Stripe's events that custsync made the change (R10)."""
    return f"custsync-{services.config.netsuite.account}-{internal_id}-update-{uuid.uuid4().hex}"


async def create(services: Services, mapped: MappedCustomer) -> tuple[dict[str, Any], bool]:
    """Create exactly once per intent: the idempotency key names the NetSuite customer and the data sent,
    so a retry or a resumed run gets the first customer back, while a later create with other data (an
    email change, then a cleared field: the guide's rematch) is a new request, not a replay of the old one.
    Returns the customer and whether Stripe replayed an earlier create."""
    params = mapped.create_params()
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    base_key = f"custsync-{services.config.netsuite.account}-{mapped.internal_id}-create-{digest}"
    for generation in range(3):
        key = base_key if generation == 0 else f"{base_key}-{generation}"
        customer, replayed = await services.stripe.create(params, idempotency_key=key)
        if not replayed:
            return customer, False
        current = await services.stripe.retrieve(customer["id"])
        if current is not None and not current.get("deleted"):
            return current, True
        # The customer an earlier create made was deleted since: a new one is wanted.
    raise StripeServiceError(f"could not create a Stripe customer for NetSuite customer {mapped.internal_id}: "
                             "earlier creates under its idempotency keys were all deleted",
                             remedy="Try again after 24 hours, when Stripe forgets the keys.")


async def portal(services: Services, mapped: MappedCustomer, ctx: SyncContext) -> tuple[PortalDecision, str | None]:
    """R6: the customer's current signed link (from NetSuite, which holds the secret); no Stripe request.
    Returns the decision and the current link (None when NetSuite could not give it)."""
    try:
        link = await source_for(services.netsuite).link(mapped.internal_id)
    except SyncError as exc:
        return PortalDecision("R6", PortalOutcome.FAILED, f"portal link not written: {exc.message}", exc.remedy), None
    current = holds_link(mapped.portal_url, link)
    return portal_write(linked=True, current=current, deployment_released=ctx.deployment_released,
                        deployment=services.config.netsuite.portal_deployment), link


def write_back_patch(services: Services, outcome: Outcome, mapped: MappedCustomer, stripe_id: str,
                     portal_url: str | None) -> dict[str, Any]:
    """R5: only the Stripe customer id and the portal link go back to NetSuite; the link only when the
    field does not hold it already; and, by the admin's policy (R10, write_back), a customer's own correction
    made in Stripe. Records the changes and the trace step; returns the fields to write."""
    ns = services.config.netsuite
    patch: dict[str, Any] = {}
    for field, (_name, before, after) in corrections(outcome.decision, services.config.sync, mapped.columns).items():
        patch[field] = after if after is not None else ""
        outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", field, before, after))
    if normalize_stripe_id(mapped.stripe_customer_id) != stripe_id:
        patch[ns.stripe_id_field] = stripe_id
        outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", ns.stripe_id_field,
                                      mapped.stripe_customer_id, stripe_id))
    if portal_url and not holds_link(mapped.portal_url, portal_url):
        patch[ns.portal_url_field] = portal_url
        outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", ns.portal_url_field,
                                      mapped.portal_url, portal_url))
    if patch and outcome.decision is not None:
        outcome.decision = with_step(outcome.decision, TraceStep("R5", "wrote back only: " + ", ".join(patch)))
    outcome.portal_url = portal_url
    return patch


async def execute_one(services: Services, row: PlanRow) -> None:
    """Single sync's plan of one (the button): the Stripe write the row plans, then R6's current link, then
    the PayPack fields on the record itself (a PATCH, as the button writes them). A dry run writes nothing."""
    job, outcome, decision = row.job, row.job.outcome, row.decision
    assert decision is not None
    outcome.decision, outcome.stripe_customer_id = decision, decision.stripe_customer_id
    if decision.action in TERMINAL_STATUS:
        outcome.status = TERMINAL_STATUS[decision.action]
        return
    if job.dry_run:
        outcome.status = planned_status(decision)
        if job.portal:
            outcome.portal = portal_plan(deployment_released=job.ctx.deployment_released,  # type: ignore[union-attr]
                                         deployment=services.config.netsuite.portal_deployment)
        return
    started = time.monotonic()
    stripe_id = await write_stripe(services, job, decision, row.found.customers if row.found is not None else {})
    if stripe_id is None:
        return  # Stripe refused the email: the outcome says so
    outcome.stripe_customer_id = stripe_id
    outcome.timings["stripe_write"] = time.monotonic() - started
    link = None
    if job.portal:
        outcome.portal, link = await portal(services, job.mapped, job.ctx)  # type: ignore[arg-type]
    patch = write_back_patch(services, outcome, job.mapped, stripe_id, link)
    if patch:
        await services.netsuite.patch_customer(job.mapped.internal_id, patch)
    outcome.status = settled_status(decision)


# --- a mass sync's plan ----------------------------------------------------------------------------


class WriteBackBatches:
    """The PayPack fields of many customers, sent to NetSuite in batches (the RESTlet's writeBack action):
    a batch goes when full, or a moment after its first customer joined; each customer learns its own
    result (None, or the error for its record)."""

    def __init__(self, services: Services, size: int) -> None:
        self._services, self._size = services, size
        self._items: list[tuple[str, dict[str, Any], asyncio.Future[SyncError | None]]] = []
        self._first_at = 0.0
        self._wake = asyncio.Event()
        self._closing = False
        self._gate = asyncio.Semaphore(WRITE_BACKS_IN_FLIGHT)
        self._sending: set[asyncio.Task[None]] = set()
        self._loop_task = asyncio.create_task(self._loop())

    def add(self, internal_id: str, patch: dict[str, Any]) -> asyncio.Future[SyncError | None]:
        future: asyncio.Future[SyncError | None] = asyncio.get_running_loop().create_future()
        if not self._items:
            self._first_at = time.monotonic()
        self._items.append((internal_id, patch, future))
        if len(self._items) >= self._size:
            self._wake.set()
        return future

    async def close(self) -> None:
        """Send what is left and wait for every batch."""
        self._closing = True
        self._wake.set()
        await self._loop_task
        await asyncio.gather(*self._sending)

    async def _loop(self) -> None:
        while True:
            wait = WRITE_BACK_WINDOW_S - (time.monotonic() - self._first_at) if self._items else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.0) if wait is not None else None)
            except TimeoutError:
                pass
            self._wake.clear()
            while self._items and (len(self._items) >= self._size or self._closing
                                   or time.monotonic() - self._first_at >= WRITE_BACK_WINDOW_S):
                batch, self._items = self._items[:self._size], self._items[self._size:]
                self._first_at = time.monotonic()
                await self._gate.acquire()
                task = asyncio.create_task(self._send(batch))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)
            if self._closing and not self._items:
                return

    async def _send(self, batch: list[tuple[str, dict[str, Any], asyncio.Future[SyncError | None]]]) -> None:
        try:
            try:
                results: Mapping[str, SyncError | None] = await self._services.netsuite.write_back(
                    [(iid, patch) for iid, patch, _ in batch])
            except SyncError as exc:
                results = {iid: exc for iid, _, _ in batch}
            for iid, _, future in batch:
                future.set_result(results.get(iid, NetSuiteError(
                    f"NetSuite did not say whether customer {iid}'s PayPack fields were written",
                    remedy="Run the mass sync again: what was written is not written twice.")))
        finally:
            self._gate.release()


def planned_outcome(row: PlanRow) -> Outcome:
    """A dry run's outcome for a planned row: what the run would do, nothing written."""
    outcome = row.job.outcome
    if row.decision is None:
        return outcome
    _settle_without_writes(row)
    if row.decision.action not in TERMINAL:
        outcome.status, outcome.portal_url = planned_status(row.decision), None
    return outcome


def planned_status(decision: Decision) -> Status:
    """A dry run's status: planned, or needs-decision when the run would leave a field for a person (R10), as
    the run itself would end it."""
    return Status.NEEDS_DECISION if decision.needs_person else Status.PLANNED


class Finisher(Protocol):
    """Where a row's end goes (the run's journal); `finished_all` takes many at once."""

    def finished(self, job: Job) -> Outcome: ...

    def finished_all(self, jobs: list[Job]) -> list[Outcome]: ...


# Rows that write nothing, journaled in one transaction; small enough that the writes beside them keep their
# turns at Stripe's limits (1,000 held the event loop for about 100 ms as a run's first writes began).
QUIET_CHUNK = 250


async def execute_plan(services: Services, rows: list[PlanRow], run: Finisher, *,
                       limit: InFlightLimit | FixedLimit, stop: asyncio.Event | None,
                       batch_size: int, status: StatusFields | None = None) -> AsyncIterator[Outcome | StripeWritten]:
    """Carry out a plan's rows, in plan order where they share a Stripe customer; outcomes as they finish, and
    `StripeWritten` as a row's Stripe write is done and its write-back waits for its batch. Rows that write
    nothing finish at once; `stop` ends the run between rows (the rest stay pending). `status`: custsync's status
    fields, written with the PayPack fields, or alone where only they changed (a customer's outcome does not wait
    for those: a failed one is written again by the next run)."""
    finished = run.finished
    todo = [r for r in rows if r.needs_requests()]
    quiet = [r for r in rows if not r.needs_requests()]
    rows.clear()  # each row is let go once done: a run of 100,000 does not hold them all to the end
    status = status if status is not None and status.on else None
    batches = WriteBackBatches(services, batch_size) if todo or status is not None else None
    quiet_settled = asyncio.Event()  # the write-back closes only after the quiet rows' status fields joined it

    def settle_quiet() -> Iterator[list[Outcome]]:
        for start in range(0, len(quiet), QUIET_CHUNK):
            chunk = quiet[start:start + QUIET_CHUNK]
            quiet[start:start + QUIET_CHUNK] = [None] * len(chunk)  # type: ignore[list-item]
            for row in chunk:
                _settle_without_writes(row)
            outcomes = run.finished_all([row.job for row in chunk])
            for row, outcome in zip(chunk, outcomes):
                _write_status(batches, status, row.job, outcome)
            yield outcomes

    if not todo:
        try:
            for outcomes in settle_quiet():
                for outcome in outcomes:
                    yield outcome
        finally:
            if batches is not None:
                await batches.close()
        return
    assert batches is not None
    done: asyncio.Queue[Outcome | StripeWritten] = asyncio.Queue()
    made: dict[str, asyncio.Future[str | None]] = {}  # "(new for 101)" -> the id Stripe gave (None: not created)
    previous: dict[str, asyncio.Future[bool]] = {}  # Stripe id -> whether the last row naming it wrote Stripe
    after: dict[int, asyncio.Future[bool] | None] = {}
    mine: dict[int, asyncio.Future[bool]] = {}
    # Each row's Stripe operation and the rows it waits for: the order of taking keeps creates and updates
    # going side by side, each within its own limit (limits.side_by_side).
    operations: list[str | None] = []
    waits_for: list[tuple[int, ...]] = []
    last: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    for k, row in enumerate(todo):
        key = row.stripe_id or f"row:{k}"
        after[k] = previous.get(key)
        mine[k] = previous[key] = loop.create_future()
        waits_for.append((last[key],) if key in last else ())  # the row before on its customer, or its creator
        last[key] = k
        if row.creates:
            made[stand_in_id(row.internal_id)] = loop.create_future()
            last[stand_in_id(row.internal_id)] = k
        operations.append(limits.CREATE if row.creates else limits.UPDATE if row.stripe_diff else None)

    def finished_with_status(job: Job) -> Outcome:
        outcome = finished(job)
        _write_status(batches, status, job, outcome)
        return outcome

    async def one(k: int, row: PlanRow) -> None:
        wrote = False
        try:
            if after[k] is not None and not await after[k]:  # type: ignore[misc]
                # Its plan counted on the row before it, which failed: deciding it again is the next run's.
                row.job.outcome.decision = row.decision
                row.job.outcome.error = StripeServiceError(
                    f"planned after another customer's write to {row.stripe_id}, which failed: nothing written "
                    "for this one", remedy="Run the mass sync again: it decides this customer anew.")
                await done.put(finished_with_status(row.job))
                return
            wrote = await _execute_row(services, row, made, batches, done, finished, finished_with_status, status)
        finally:
            if not mine[k].done():
                mine[k].set_result(wrote)
            stand_in = stand_in_id(row.internal_id)
            if stand_in in made and not made[stand_in].done():
                made[stand_in].set_result(None)

    def take() -> Iterator[tuple[int, PlanRow]]:
        for k in limits.side_by_side(operations, waits_for, services.stripe.limits.load):
            row, todo[k] = todo[k], None  # type: ignore[call-overload]
            yield k, row

    async def run_rows() -> None:
        try:
            async for _ in in_flight(take(), one, limit, stop):
                pass
        finally:
            await quiet_settled.wait()
            await batches.close()
            await asyncio.sleep(0)  # let the last batch's results reach `done` first
            await done.put(None)  # type: ignore[arg-type]

    runner = asyncio.create_task(run_rows())
    try:
        # The rows that write nothing are journaled while the first writes wait for their turn at Stripe (the
        # loop turns before each chunk: the first writes go out first).
        try:
            await asyncio.sleep(0)
            for outcomes in settle_quiet():
                for outcome in outcomes:
                    yield outcome
                await asyncio.sleep(0)
        finally:
            quiet_settled.set()
        while (ended_row := await done.get()) is not None:
            yield ended_row
        await runner
    finally:
        if not runner.done():
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)


def quiet_outcome(row: PlanRow) -> Outcome:
    """The outcome of a row that writes nothing (the same before and when it is executed)."""
    _settle_without_writes(row)
    return row.job.outcome


def _settle_without_writes(row: PlanRow) -> None:
    job, outcome, decision = row.job, row.job.outcome, row.decision
    if decision is None:
        return  # the read failed: outcome.error says why
    outcome.decision = decision
    outcome.stripe_customer_id = decision.stripe_customer_id
    outcome.portal = row.portal
    if decision.action in TERMINAL_STATUS:
        outcome.status = TERMINAL_STATUS[decision.action]
        return
    if job.portal and row.portal is not None and row.portal.outcome is not PortalOutcome.FAILED:
        outcome.portal_url = _current_link(row)
    outcome.status = settled_status(decision)


def _current_link(row: PlanRow) -> str | None:
    return row.portal_url or (row.job.mapped.portal_url if row.portal is not None else None)


def _write_status(batches: WriteBackBatches | None, status: StatusFields | None, job: Job, outcome: Outcome) -> None:
    """A customer's status fields, alone in the write-back, where they changed (its outcome does not wait)."""
    if status is None or batches is None:
        return
    patch = status.patch(job.status_now, outcome, wrote=any(c.system == "stripe" for c in outcome.changes))
    if patch:
        batches.add(outcome.internal_id, patch)


async def _execute_row(services: Services, row: PlanRow, made: dict[str, asyncio.Future[str | None]],
                       batches: WriteBackBatches, done: asyncio.Queue[Outcome | StripeWritten],
                       finished: Callable[[Job], Outcome], ended: Callable[[Job], Outcome],
                       status: StatusFields | None = None) -> bool:
    """Returns whether the Stripe side was done (the rows after it may go on). `finished` journals the row's end;
    `ended` also writes its status fields alone where they changed; a row whose PayPack fields are written carries
    its status fields in the same write."""

    job, outcome = row.job, row.job.outcome
    decision = row.decision
    assert decision is not None
    outcome.decision, outcome.portal = decision, row.portal
    started = time.monotonic()
    try:
        sid = decision.stripe_customer_id
        customers = row.found.customers if row.found is not None else {}
        if sid in made and decision.action is not Action.CREATE:
            real = await made[sid]
            if real is None:
                raise StripeServiceError(
                    f"planned to link the Stripe customer the run was to create for NetSuite customer "
                    f"{stand_in_creator(sid)}, which was not created", remedy="Run the mass sync again.")
            customers = {**customers, real: {**customers.get(sid, {}), "id": real}}
            decision = replace(decision, stripe_customer_id=real)
            outcome.decision = decision
        async with services.turn_locks.hold(job.turn_keys()):
            stripe_id = await write_stripe(services, job, decision, customers)
        if stripe_id is None:
            await done.put(ended(job))
            return False
        if decision.action is Action.CREATE:
            made[stand_in_id(row.internal_id)].set_result(stripe_id)
        outcome.stripe_customer_id = stripe_id
        outcome.timings["stripe_write"] = time.monotonic() - started
        patch = write_back_patch(services, outcome, job.mapped, stripe_id, row.portal_url or _current_link(row))
    except SyncError as exc:
        outcome.status, outcome.error = Status.FAILED, exc
        await done.put(ended(job))
        return False
    if not patch:
        outcome.status = settled_status(outcome.decision or decision)
        await done.put(ended(job))
        return True
    if status is not None:
        patch.update(status.patch_to(job.status_now, (SYNCED, ""), wrote=True))
    result = batches.add(job.mapped.internal_id, patch)
    done.put_nowait(StripeWritten(job.mapped.internal_id))

    def settle(future: asyncio.Future[SyncError | None]) -> None:
        error = future.result()
        if error is None:
            outcome.status = settled_status(outcome.decision or decision)
        else:
            outcome.status, outcome.error = Status.FAILED, error
        outcome.timings["total"] = time.monotonic() - started
        # Written with the PayPack fields, or not at all (the record refused): nothing more to write now.
        done.put_nowait(finished(job))

    result.add_done_callback(settle)
    return True
