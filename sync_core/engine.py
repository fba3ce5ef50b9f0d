"""The sync engine: single sync (the "Sync to Stripe (PayPack)" button), mass sync, portal links.

It gathers the facts from NetSuite and Stripe, asks `rules.decide` what to do,
does it, and writes back only the two PayPack fields (R5).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any, AsyncIterator, Callable

from .config import Config, ConfigError
from .errors import SyncError, StripeServiceError
from .events import CustomersFound, CustomerSynced, Event, RunFinished, RunStarted
from .in_flight import FixedLimit, InFlightLimit
from .journal import Journal
from .mapping import MappedCustomer, changed_fields, map_record
from .netsuite import NetSuiteClient, SearchColumn, TokenAuth
from .outcome import Change, Outcome, Status
from .retry import RetryPolicy, counting_retries
from .rules import (
    Action,
    CustomerFacts,
    Decision,
    LookupKind,
    PortalDecision,
    PortalOutcome,
    StripeCustomerRef,
    TraceStep,
    decide,
    lookup_needed,
    normalize_email,
    normalize_stripe_id,
    portal_precheck,
    portal_refused,
)
from .stripe_gateway import PortalNotActivated, StripeGateway


@dataclass(frozen=True)
class SyncContext:
    """What one sync or one run reads once: the search's columns and the portal deployment's state."""

    search_id: str
    columns: tuple[SearchColumn, ...]
    deployment_released: bool


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str):
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


def _ref(customer: dict[str, Any], prefix: str) -> StripeCustomerRef:
    return StripeCustomerRef(
        id=customer["id"],
        email=customer.get("email"),
        created=int(customer.get("created") or 0),
        deleted=bool(customer.get("deleted")),
        netsuite_internal_id=(customer.get("metadata") or {}).get(f"{prefix}internal_id"),
    )


class Engine:
    def __init__(self, config: Config, netsuite: NetSuiteClient, stripe: StripeGateway) -> None:
        self.config = config
        self.netsuite = netsuite
        self.stripe = stripe
        self._email_locks = KeyedLocks()

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
        create_attempted: bool = False,
        on_create_attempt: Callable[[], None] | None = None,
    ) -> Outcome:
        """The "Sync to Stripe (PayPack)" button for one customer."""
        internal_id = str(internal_id).strip()
        started = time.monotonic()
        timings: dict[str, float] = {}
        outcome = Outcome(internal_id=internal_id, status=Status.FAILED)
        with counting_retries() as retries:
            try:
                if not dry_run:
                    self.stripe.guard_write("sync")
                ctx = context or await self.context()
                record = await self.netsuite.get_customer(internal_id)
                timings["netsuite_read"] = time.monotonic() - started
                mapped = self._map(record, ctx.columns)
                facts = CustomerFacts(internal_id, mapped.email, mapped.stripe_customer_id)
                kind = lookup_needed(facts)
                # Customers sharing an email are synced one at a time, so that a concurrent run
                # decides as a sequential one would (the second sees the first's new customer).
                same_email = (self._email_locks.hold(normalize_email(mapped.email).lower())  # type: ignore[union-attr]
                              if kind is LookupKind.BY_EMAIL else nullcontext())
                async with same_email:
                    await self._decide_and_act(outcome, mapped, facts, kind, ctx, dry_run, portal,
                                               create_attempted, on_create_attempt, timings)
            except SyncError as exc:
                outcome.status = Status.FAILED
                outcome.error = exc
        outcome.timings = {**timings, "total": time.monotonic() - started}
        outcome.retries = retries[0]
        return outcome

    async def _decide_and_act(self, outcome: Outcome, mapped: MappedCustomer, facts: CustomerFacts, kind: LookupKind,
                              ctx: SyncContext, dry_run: bool, portal: bool, create_attempted: bool,
                              on_create_attempt: Callable[[], None] | None, timings: dict[str, float]) -> None:
        t = time.monotonic()
        prefix = self.config.sync.metadata_prefix
        found: dict[str, dict[str, Any]] = {}
        linked_ref: StripeCustomerRef | None = None
        matches: tuple[StripeCustomerRef, ...] = ()
        variants: tuple[StripeCustomerRef, ...] = ()
        earlier: tuple[StripeCustomerRef, ...] = ()
        differ = True
        update_params = mapped.update_params()

        if kind is LookupKind.BY_ID:
            sid = normalize_stripe_id(facts.stripe_customer_id)
            linked = await self.stripe.retrieve(sid)  # type: ignore[arg-type]
            if linked is not None:
                linked_ref = _ref(linked, prefix)
                found[linked["id"]] = linked
                differ = not linked_ref.deleted and bool(changed_fields(update_params, linked))
        elif kind is LookupKind.BY_EMAIL:
            email = normalize_email(facts.email)
            assert email is not None
            exact = await self.stripe.list_by_email(email)
            found.update({c["id"]: c for c in exact})
            matches = tuple(_ref(c, prefix) for c in exact)
            earlier = tuple(r for r in matches if r.netsuite_internal_id == facts.internal_id)
            if not exact and email != email.lower():
                # Stripe's email filter is case-sensitive; the lowercase form is the common variant.
                lower = [c for c in await self.stripe.list_by_email(email.lower())]
                found.update({c["id"]: c for c in lower})
                variants = tuple(_ref(c, prefix) for c in lower)
            if not earlier and create_attempted:
                # An earlier run sent a create and did not write it back: find that customer by its tag.
                tagged = await self.stripe.search(f"metadata['{prefix}internal_id']:'{facts.internal_id}'")
                found.update({c["id"]: c for c in tagged})
                earlier = tuple(_ref(c, prefix) for c in tagged)
        timings["stripe_lookup"] = time.monotonic() - t

        decision = decide(facts, linked=linked_ref, email_matches=matches, case_variant_matches=variants,
                          made_earlier=earlier, fields_differ=differ, policy=self.config.sync.duplicate_email_policy)
        outcome.decision = decision
        outcome.stripe_customer_id = decision.stripe_customer_id
        terminal = {Action.SKIP: Status.SKIPPED, Action.ASK: Status.NEEDS_DECISION, Action.ERROR: Status.FAILED}
        if decision.action in terminal:
            outcome.status = terminal[decision.action]
            return
        if dry_run:
            outcome.status = Status.PLANNED
            if portal:
                outcome.portal = portal_precheck(linked=True, deployment_released=ctx.deployment_released)
            return

        t = time.monotonic()
        stripe_id = decision.stripe_customer_id
        if decision.action is Action.CREATE:
            if on_create_attempt:
                on_create_attempt()
            created = await self._create(mapped)
            stripe_id = created["id"]
            outcome.changes.append(Change("stripe", stripe_id, "(created)", None, created.get("email")))
        elif decision.action in (Action.UPDATE, Action.LINK_EXISTING):
            current = found.get(stripe_id) or {}  # type: ignore[arg-type]
            diff = changed_fields(update_params, current)
            if diff:
                await self.stripe.update(stripe_id, update_params)  # type: ignore[arg-type]
                outcome.changes.extend(Change("stripe", stripe_id, f, b, a) for f, b, a in diff)  # type: ignore[arg-type]
        outcome.stripe_customer_id = stripe_id
        timings["stripe_write"] = time.monotonic() - t

        portal_url = None
        if portal:
            outcome.portal, portal_url = await self._portal(stripe_id, ctx)  # type: ignore[arg-type]

        await self._write_back(outcome, mapped, stripe_id, portal_url, decision)  # type: ignore[arg-type]
        outcome.status = Status.OK

    async def _create(self, mapped: MappedCustomer) -> dict[str, Any]:
        """Create exactly once: the key is derived from the NetSuite internal id, so a retry or a
        resumed run gets the first customer back instead of a second one."""
        base_key = f"custsync-{self.config.netsuite.account}-{mapped.internal_id}-create"
        params = {k: v for k, v in mapped.params.items() if v not in (None, "", {})}
        for generation in range(3):
            key = base_key if generation == 0 else f"{base_key}-{generation}"
            try:
                customer, replayed = await self.stripe.create(params, idempotency_key=key)
            except StripeServiceError as exc:
                if exc.code != "idempotency_error":
                    raise
                tagged = await self.stripe.search(
                    f"metadata['{self.config.sync.metadata_prefix}internal_id']:'{mapped.internal_id}'")
                live = [c for c in tagged if not c.get("deleted")]
                if live:
                    return min(live, key=lambda c: (c.get("created") or 0, c["id"]))
                raise
            if not replayed:
                return customer
            current = await self.stripe.retrieve(customer["id"])
            if current is not None and not current.get("deleted"):
                return current
            # The customer an earlier create made was deleted since: a new one is wanted.
        raise StripeServiceError(f"could not create a Stripe customer for NetSuite customer {mapped.internal_id}: "
                                 "earlier creates under its idempotency keys were all deleted",
                                 remedy="Try again after 24 hours, when Stripe forgets the keys.")

    async def _portal(self, stripe_id: str, ctx: SyncContext) -> tuple[PortalDecision, str | None]:
        pre = portal_precheck(linked=True, deployment_released=ctx.deployment_released)
        if pre is not None:
            return pre, None
        try:
            url = await self.stripe.portal_session_url(stripe_id, self.config.stripe.portal_return_url)
        except PortalNotActivated as exc:
            return portal_refused(exc.message), None
        except SyncError as exc:
            return PortalDecision("R6", PortalOutcome.FAILED, f"portal link not created: {exc.message}", exc.remedy), None
        return PortalDecision("R6", PortalOutcome.CREATED, "Portal link created and stored."), url

    async def _write_back(self, outcome: Outcome, mapped: MappedCustomer, stripe_id: str, portal_url: str | None,
                          decision: Decision) -> None:
        """R5: only the Stripe customer id and the portal URL go back to NetSuite."""
        ns = self.config.netsuite
        patch: dict[str, Any] = {}
        if normalize_stripe_id(mapped.stripe_customer_id) != stripe_id:
            patch[ns.stripe_id_field] = stripe_id
            outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", ns.stripe_id_field,
                                          mapped.stripe_customer_id, stripe_id))
        if portal_url:
            patch[ns.portal_url_field] = portal_url
            outcome.changes.append(Change("netsuite", f"customer {mapped.internal_id}", ns.portal_url_field,
                                          mapped.portal_url, portal_url))
        if patch:
            outcome.decision = _with_step(decision, TraceStep("R5", "wrote back only: " + ", ".join(patch)))
            await self.netsuite.patch_customer(mapped.internal_id, patch)
        outcome.portal_url = portal_url

    async def portal_link(self, internal_id: str, *, context: SyncContext | None = None) -> Outcome:
        """Generate a portal link for an already linked customer (the seed's troubleshooting tip)."""
        internal_id = str(internal_id).strip()
        outcome = Outcome(internal_id=internal_id, status=Status.FAILED)
        try:
            self.stripe.guard_write("generate a portal link")
            ctx = context or await self.context()
            record = await self.netsuite.get_customer(internal_id)
            mapped = self._map(record, ctx.columns)
            sid = normalize_stripe_id(mapped.stripe_customer_id)
            if not sid:
                outcome.portal = portal_precheck(linked=False, deployment_released=ctx.deployment_released)
                outcome.status = Status.SKIPPED
                return outcome
            outcome.stripe_customer_id = sid
            outcome.portal, url = await self._portal(sid, ctx)
            if url:
                await self.netsuite.patch_customer(internal_id, {self.config.netsuite.portal_url_field: url})
                outcome.changes.append(Change("netsuite", f"customer {internal_id}", self.config.netsuite.portal_url_field,
                                              mapped.portal_url, url))
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
    ) -> AsyncIterator[Event]:
        """The scheduled mass sync: the customers the Mass Customer Sync Saved Search chooses.

        A dry run writes nothing (not even the journal). A real run needs a journal;
        `run_id` resumes that run, redoing only what it did not finish.
        """
        started = time.monotonic()
        search_id = self.config.netsuite.mass_customer_sync_search
        if not dry_run and journal is None:
            raise ValueError("a mass sync that writes needs a journal")
        if not dry_run:
            self.stripe.guard_write("run a mass sync")
        resumed = run_id is not None
        if journal is not None and not dry_run:
            if run_id is None:
                run_id = journal.start_run(search_id)
            else:
                journal.run(run_id)  # raises JournalError naming the known runs
        yield RunStarted(run_id if not dry_run else None, search_id, dry_run, resumed)

        ctx = await self.context(search_id)
        ids: list[str] = []
        if only is not None:
            ids = list(only)
        else:
            async for page in self.netsuite.search_pages(search_id):
                ids.extend(page)
        skip: set[str] = set()
        if journal is not None and not dry_run and run_id is not None:
            skip = journal.finished_ids(run_id, include_failed=not retry_failed) if resumed else set()
            journal.add_pending(run_id, ids)
        todo = [i for i in ids if i not in skip]
        yield CustomersFound(total=len(todo), already_done=len(skip))

        counts: Counter[str] = Counter()
        failures: list[Outcome] = []
        queue: asyncio.Queue[Outcome | BaseException | int] = asyncio.Queue()  # int: worker k stopped
        pending = iter(todo)

        async def sync_next(internal_id: str) -> Outcome:
            attempted = bool(journal and not dry_run and journal.create_attempted_anywhere(internal_id))

            def mark_attempt() -> None:
                if journal is not None and not dry_run:
                    journal.mark(run_id, internal_id, "create-attempted")  # type: ignore[arg-type]

            outcome = await self.sync_one(internal_id, dry_run=dry_run, portal=portal, context=ctx,
                                          create_attempted=attempted, on_create_attempt=mark_attempt)
            if journal is not None and not dry_run:
                journal.mark(run_id, internal_id, outcome.status.value, rule=outcome.rule,  # type: ignore[arg-type]
                             action=outcome.decision.action.value if outcome.decision else None,
                             stripe_customer_id=outcome.stripe_customer_id, error=outcome.cause,
                             remedy=outcome.remedy)
            return outcome

        limit = self.in_flight_limit(len(todo))
        alive: set[int] = set()  # worker k takes a customer only while k < limit.limit
        exhausted = False

        async def worker(k: int) -> None:
            nonlocal exhausted
            try:
                while k < limit.limit:
                    internal_id = next(pending, None)
                    if internal_id is None:
                        exhausted = True
                        break
                    await queue.put(await sync_next(internal_id))
            except Exception as exc:  # noqa: BLE001 - a bug must stop the run loudly, not hang it
                await queue.put(exc)
            finally:
                await queue.put(k)

        tasks: list[asyncio.Task[None]] = []

        def spawn() -> None:
            tasks[:] = [t for t in tasks if not t.done()]
            for k in range(limit.limit):
                if k not in alive:
                    alive.add(k)
                    tasks.append(asyncio.create_task(worker(k)))

        spawn()
        done = 0
        try:
            while alive:
                item = await queue.get()
                if isinstance(item, int):
                    alive.discard(item)
                    continue
                if isinstance(item, BaseException):
                    raise item
                done += 1
                counts[item.status.value] += 1
                if item.status is Status.FAILED:
                    failures.append(item)
                if limit.observe() > len(alive) and not exhausted:
                    spawn()
                yield CustomerSynced(item, done, len(todo), dict(counts))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if journal is not None and not dry_run and run_id is not None:
            journal.finish_run(run_id, "finished" if not failures else "finished-with-failures")
        yield RunFinished(run_id if not dry_run else None, dict(counts), time.monotonic() - started, failures,
                          self.netsuite.requests, self.stripe.requests, self.retries, limit.peak)

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


def _with_step(decision: Decision, step: TraceStep) -> Decision:
    return replace(decision, trace=decision.trace + (step,))
