"""What both mass-sync paths keep while a run goes: its options, its jobs' journal hooks, its counts, its end."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sync_core.events import CustomerSynced, RunFinished
from sync_core.outcome import Outcome, Status
from sync_core.run.in_flight import MINIMUM, FixedLimit, InFlightLimit
from sync_core.run.job import Job, SyncContext
from sync_core.run.journal import Journal, OwedStep
from sync_core.run.last_synced import records_scope, records_to_store
from sync_core.run.services import Services
from sync_core.run.target import RunTarget
from sync_core.run.view import RunView

PATHS = ("plan", "per-customer")


@dataclass(frozen=True)
class RunOptions:
    """How a mass sync goes (`Engine.mass_sync`'s keywords): `run_id` resumes that run; `only` takes these
    customers instead of the saved search's; `changed_since` only those modified since; `stop`, once set,
    ends the run between customers; `path="per-customer"` runs each through single sync's steps."""

    run_id: str | None = None
    dry_run: bool = False
    portal: bool = True
    retry_failed: bool = False
    only: list[str] | None = None
    stop: asyncio.Event | None = None
    changed_since: datetime | None = None
    path: str = "plan"

    def check(self) -> None:
        """ValueError for options that do not go together."""
        if self.path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}")
        if self.changed_since is not None and (self.run_id is not None or self.only is not None
                                               or self.path != "plan"):
            raise ValueError("changed_since takes a new planned run over the saved search: not with run_id or only")

    @property
    def resumed(self) -> bool:
        return self.run_id is not None

    def stopped(self) -> bool:
        return bool(self.stop and self.stop.is_set())


def workers(services: Services) -> int:
    """At most this many customers in flight in a mass sync: enough to keep both services busy
    within their limits when they answer slowly ([sync] workers sets it, and fixes it)."""
    config = services.config
    if config.sync.workers:
        return config.sync.workers
    return max(8, min(64, config.netsuite.concurrency + 8 + services.stripe.limits.writes_at_once()))


def in_flight_limit(services: Services, customers: int) -> InFlightLimit | FixedLimit:
    """`[sync] workers`, or a limit that adapts to this process's CPU. When Stripe's limits bound the run (they
    keep fewer writes busy than the maximum: `StripeLimits.writes_at_once`), never fewer than they keep busy: a
    write waiting for its turn at the limit costs no CPU, and a run that began with 4 in flight while it
    journaled its quiet rows sent 14 creates in its first second instead of 24. Limits far above what this
    process can send (an unthrottled mock) leave the CPU to decide."""
    maximum = min(workers(services), max(1, customers))
    if services.config.sync.workers:
        return FixedLimit(maximum)
    busy = services.stripe.limits.writes_at_once()
    return InFlightLimit(maximum, minimum=busy if MINIMUM < busy <= maximum else MINIMUM)


class RunState:
    """One run as it goes. `journal` is None for a dry run (it writes nothing); `reads_journal` is the journal
    a dry run still reads, to plan as the run would (the creates a killed run left unrecorded)."""

    def __init__(self, services: Services, options: RunOptions, journal: Journal | None, run_id: str | None,
                 started: float, *, reads_journal: Journal | None = None, target: RunTarget | None = None) -> None:
        self.services, self.options, self.journal, self.run_id, self.started = \
            services, options, journal, run_id, started
        self.reads_journal = reads_journal
        self.target = target  # what the run writes to (None: no journal to read, so none asked)
        self.owed: list[OwedStep] = []  # what earlier runs against the target left undone: this run takes it
        self.counts: Counter[str] = Counter()
        self.failures: list[Outcome] = []
        self.done = 0
        self.total = 0
        self.limit: InFlightLimit | FixedLimit | None = None
        self._attempted: dict[str, float] | None = None  # customers with a create not yet written back, as the run
                                                         # began, and when it was attempted
        # One hook every job of the run shares (a closure per job would cost 200 bytes each).
        self.on_create_attempt = self._create_attempted if journal is not None else None

    def job(self, internal_id: str, ctx: SyncContext, view: RunView | None = None) -> Job:
        options = self.options
        job = Job(internal_id, options.dry_run, options.portal, view, ctx=ctx, on_create_attempt=self.on_create_attempt)
        if self.reads_journal is not None and self._attempted is None:  # dry runs read it too
            self._attempted = self.reads_journal.create_attempts()
        job.attempted_at = (self._attempted or {}).get(internal_id)
        return job

    def load_synced(self, jobs: list[Job]) -> None:
        """R10: each linked customer's record of what custsync last sent or confirmed, from the journal (a dry run
        reads it too, to plan as the run would), in one read for the run."""
        if self.reads_journal is None:
            return
        ids = [j.internal_id for j in jobs if j.mapped is not None and j.mapped.stripe_customer_id]
        rows = self.reads_journal.synced.load(records_scope(self.services.config), ids)
        for job in jobs:
            job.synced = rows.get(job.internal_id)

    def _create_attempted(self, internal_id: str) -> None:
        self.journal.mark(self.run_id, internal_id, "create-attempted")  # type: ignore[union-attr,arg-type]

    def add_pending(self, internal_ids: list[str]) -> None:
        if self.journal is not None:
            self.journal.add_pending(self.run_id, internal_ids)  # type: ignore[arg-type]

    def finished(self, job: Job) -> Outcome:
        return self.finished_all([job])[0]

    def finished_all(self, jobs: list[Job]) -> list[Outcome]:
        """Journal these customers' ends (one transaction); their outcomes."""
        outcomes = [j.outcome for j in jobs]
        if self.journal is not None:
            self.journal.mark_many(self.run_id, [  # type: ignore[arg-type]
                (o.internal_id, o.status.value, o.rule, o.decision.action.value if o.decision else None,
                 o.stripe_customer_id, o.cause, o.remedy) for o in outcomes],
                synced=(records_scope(self.services.config), records_to_store(jobs)))
        return outcomes

    def progress(self, outcome: Outcome) -> CustomerSynced:
        self.done += 1
        self.counts[outcome.status.value] += 1
        if outcome.status is Status.FAILED:
            self.failures.append(outcome)
        return CustomerSynced(outcome, self.done, self.total, dict(self.counts))

    def finish(self) -> RunFinished:
        stopped = self.options.stopped()
        if self.journal is not None and self.run_id is not None:
            self.journal.finish_run(self.run_id, "stopped" if stopped else
                                    "finished-with-failures" if self.failures else "finished")
        services = self.services
        return RunFinished(self.run_id, dict(self.counts), time.monotonic() - self.started, self.failures,
                           services.netsuite.requests, services.stripe.requests, services.retries,
                           self.limit.peak if self.limit else 0, stopped)
