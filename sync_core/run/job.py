"""One customer's way through a sync: what was read, what Stripe knows of it, and its outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sync_core.outcome import Outcome, Status
from sync_core.rules.decide import CustomerFacts, LookupKind, StripeCustomerRef, normalize_stripe_id
from sync_core.rules.mapping import MappedCustomer
from sync_core.rules.match_key import MatchKey
from sync_core.run.journal.synced import SyncedRow
from sync_core.run.view import RunView


@dataclass(frozen=True)
class SyncContext:
    """What one sync or one run reads once: the search's columns and the portal deployment's state."""

    search_id: str
    columns: tuple[Any, ...]  # netsuite.SearchColumn
    deployment_released: bool


@dataclass(slots=True)
class Job:
    """One customer's sync, from reading its record (or its row of the run's pages) to writing."""

    internal_id: str
    dry_run: bool
    portal: bool
    run: RunView | None = None
    attempted_at: float | None = None  # when the journal says a create was sent for it and never recorded
    on_create_attempt: Callable[[str], None] | None = None  # called with the internal id before a create
    ctx: SyncContext | None = None
    mapped: MappedCustomer = None  # type: ignore[assignment]  # set by the read
    facts: CustomerFacts = None  # type: ignore[assignment]
    kind: LookupKind = LookupKind.NONE
    linked: tuple[dict[str, Any] | None, bool] = (None, False)  # the stored id's customer, and "other mode"
    status_now: tuple[str, str] | None = None  # custsync's status and error on the record (run.status_fields)
    synced: SyncedRow | None = None  # R10: what custsync last sent or confirmed (the journal's record)
    remember: Any = None  # R10: the record to store once the sync finishes (last_synced.Remember)
    _outcome: Outcome | None = None

    @property
    def create_attempted(self) -> bool:
        return self.attempted_at is not None

    @property
    def outcome(self) -> Outcome:
        """Made when first needed: a mass sync holds its customers' jobs from the read to their turn, and most
        need no outcome before then."""
        if self._outcome is None:
            self._outcome = Outcome(internal_id=self.internal_id, status=Status.FAILED)
        return self._outcome

    def turn_keys(self) -> set[str]:
        """What customers that must go one after another share: the stored Stripe id, the match key of the
        NetSuite customer (the mailbox of its email, or its lookup field's value), and the match key the
        linked Stripe customer has now (a push may move it)."""
        if self.kind is LookupKind.NONE:
            return set()
        keys = set()
        sid = normalize_stripe_id(self.facts.stripe_customer_id)
        if sid:
            keys.add(f"id:{sid}")
        match = MatchKey(self.facts.lookup_field)
        for box in (match.of_value(self.facts.match_value()), match.of_customer(self.linked[0])):
            if box:
                keys.add(f"{match.kind}:{box}")
        return keys


@dataclass(slots=True)
class Found:
    """What the lookups found, in the terms `rules.decide` takes."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # every Stripe customer read, by id
    linked: StripeCustomerRef | None = None
    other_mode: bool = False
    same_mailbox: tuple[StripeCustomerRef, ...] = ()
    interrupted: StripeCustomerRef | None = None
    fields_differ: bool = True
    stripe_edits: tuple[Any, ...] = ()  # R10: fields edited in Stripe outside custsync (stripe_edits.FieldEdit)
    params: dict[str, Any] | None = None  # the linked customer's update parameters (before R10 holds any back)
