"""Progress of a mass sync: one stream of events that the CLI, the TUI and the tests consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync_core.outcome import Outcome


@dataclass(frozen=True)
class RunStarted:
    run_id: str | None  # None for a dry run (nothing is journaled)
    search_id: str
    dry_run: bool
    resumed: bool
    took_over: str | None = None  # the gone run whose lock on the target this run took over (journal.locks)


@dataclass(frozen=True)
class CustomersFound:
    total: int  # chosen by the saved search's criteria
    already_done: int  # finished in the run being resumed


@dataclass(frozen=True)
class PlanReady:
    """The run's plan, decided before anything is written: a dry run ends with it."""

    plan: Any  # planner.Plan


@dataclass(frozen=True)
class CustomerSynced:
    outcome: Outcome
    done: int
    total: int
    counts: dict[str, int]


@dataclass(frozen=True)
class StripeWritten:
    """A customer's Stripe write is done; its PayPack fields wait for the next write-back batch to NetSuite
    (`CustomerSynced` follows once the batch is written). Progress moves per customer with it: a batch of 200
    can take many seconds to fill and write."""

    internal_id: str


@dataclass(frozen=True)
class RunFinished:
    run_id: str | None
    counts: dict[str, int]
    elapsed: float
    failures: list[Outcome] = field(default_factory=list)
    netsuite_requests: int = 0
    stripe_requests: int = 0
    retries: int = 0
    in_flight_peak: int = 0  # the highest number of customers the run let be in flight at once
    stopped: bool = False  # stopped on request between customers; the rest stay pending for a resume


Event = RunStarted | CustomersFound | PlanReady | StripeWritten | CustomerSynced | RunFinished
