"""R10 in a sync: the three values per field (NetSuite now, Stripe now, last synced) for one linked customer,
what a push may send, and the record a finished sync leaves (`rules.stripe_edits` holds the rules).

A job carries its stored record (`Job.synced`, read from the journal with the run's others, or for single
sync alone) and, once its Stripe side is settled, what to store (`Job.remember`): the journal writes it when
the customer's sync finishes (`records_to_store`), so a dry run and a failed Stripe write store nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from sync_core.config import Config, NetSuiteTarget, SyncConfig
from sync_core.outcome import Status
from sync_core.rules.catalogue import RULES, Action
from sync_core.rules.decide import Decision, TraceStep
from sync_core.rules.mapping import NAME_COLUMNS
from sync_core.rules.stripe_edits import (
    FIELDS,
    field_value,
    WRITE_BACK_TARGETS,
    FieldEdit,
    LastSynced,
    Resolution,
    Seen,
    Value,
    remember as remember_record,
    three_way,
    values_of,
)
from sync_core.run.job import Job


Texts = tuple[str, "str | None"]  # a record as the journal stores it (LastSynced.texts)


@dataclass(frozen=True, slots=True)
class Remember:
    """What the journal stores for a customer once its sync finishes: `ok`, or `netsuite_failed` when the
    NetSuite write-back failed (a written-back correction then stays owed). Kept as the stored texts: a first
    run over 100,000 customers holds one for each until its quiet rows are journaled."""

    stripe_customer_id: str
    ok: Texts
    netsuite_failed: Texts


def records_scope(config: Config) -> str:
    """Whose records the journal's `synced_values` rows are: the NetSuite account's. A mock's data lives only
    as long as its server, and the bundled mocks are started afresh (with the same demo ids) by every command
    run without a configuration, so a mock's records are also keyed by its address: a new mock is a new world,
    not a world where every value custsync wrote was edited since."""
    ns = config.netsuite
    if ns.target is NetSuiteTarget.MOCK and ns.rest_url:
        return f"{ns.account}@{ns.rest_url}"
    return ns.account


def write_back_targets(sync: SyncConfig, columns: Iterable[str]) -> dict[str, str | None]:
    """The Stripe fields the admin lets custsync write back (`[sync] write_back_fields`), each with the
    NetSuite field the saved search maps it from (None: no single field, e.g. a name from first and last)."""
    columns = set(columns)
    out: dict[str, str | None] = {}
    for name in sync.write_back_fields:
        target = WRITE_BACK_TARGETS[name]
        if name == "name" and columns & (set(NAME_COLUMNS) - {"companyname"}):
            out[name] = None
        else:
            out[name] = target if target in columns else None
    return out


def baseline(job: Job, stripe_customer_id: str) -> LastSynced | None:
    """The customer's record, if it was synced to this Stripe customer."""
    row = job.synced
    return row.values() if row is not None and row.stripe_customer_id == stripe_customer_id else None


def netsuite_now(params: Mapping[str, Any]) -> dict[str, Value]:
    """The guarded fields an update with `params` (`MappedCustomer.update_params`) sends, as it leaves them in
    Stripe: a text, or an address whole (its lines merged with Stripe's already); "" clears."""
    return {f: field_value(f, params[f]) for f in FIELDS if f in params}


def edits_for(job: Job, customer: Mapping[str, Any], params: Mapping[str, Any], sync: SyncConfig,
              seen: dict[str, tuple[Seen, ...]] | None) -> tuple[FieldEdit, ...]:
    """R10's three-way comparison for a linked customer about to be pushed `params` (none without a record)."""
    last = baseline(job, customer["id"])
    if last is None:
        return ()
    return three_way(netsuite_now(params), values_of(customer), last, policy=sync.stripe_edits,
                     write_back=write_back_targets(sync, job.mapped.columns), seen=seen)


def without(params: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in fields} if fields else params


def with_edits(decision: Decision, edits: tuple[FieldEdit, ...]) -> Decision:
    """The decision with R10's findings: a trace step per field, the rule R10 when a field was edited since the
    last sync, the reason saying what happens to each, and R10's remedy when one waits for a person."""
    if not edits:
        return decision
    steps = tuple(TraceStep("R10", e.describe()) for e in edits)
    fresh = [e for e in edits if e.new]
    if not fresh:
        return replace(decision, trace=decision.trace + steps, stripe_edits=edits)
    by: dict[Resolution, list[str]] = {}
    for e in fresh:
        by.setdefault(e.resolution, []).append(e.field)
    said = {Resolution.ASK: "waits for a person", Resolution.KEEP: "kept as Stripe has it",
            Resolution.PUSH: "pushed over Stripe's edit (netsuite_wins)",
            Resolution.WRITE_BACK: "written back to NetSuite"}
    what = "; ".join(f"{', '.join(fields)} {said[r]}" for r, fields in by.items())
    conflict = any(e.kind.value == "conflict" for e in fresh)
    reason = (f"{decision.reason} Edited in Stripe outside custsync since the last sync"
              f"{' (a conflict with NetSuite)' if conflict else ''}: {what}.")
    needs = any(e.resolution is Resolution.ASK for e in edits)
    return replace(decision, rule="R10", reason=reason, trace=decision.trace + steps, stripe_edits=edits,
                   remedy=RULES["R10"].remedy if needs else decision.remedy)


def corrections(decision: Decision | None, sync: SyncConfig, columns: Iterable[str]) -> dict[str, tuple[str, Value, Value]]:
    """The NetSuite fields a write-back sets (R10, write_back): field -> (Stripe field, NetSuite's value, Stripe's)."""
    if decision is None:
        return {}
    targets = write_back_targets(sync, columns)
    return {targets[e.field]: (e.field, e.netsuite, e.stripe) for e in decision.stripe_edits  # type: ignore[misc]
            if e.resolution is Resolution.WRITE_BACK and targets.get(e.field)}


def note_remember(job: Job, decision: Decision, stripe_customer_id: str, customer_after: Mapping[str, Any],
                  sync: SyncConfig, params: Mapping[str, Any] | None = None) -> None:
    """Set what the journal stores once this customer's sync finishes: the guarded fields as the sync leaves
    them, beside NetSuite's values now (`params`: the update parameters for `customer_after`, when known).
    Nothing is stored for a customer that does not push its fields (a shared Stripe customer's)."""
    if not decision.push or decision.action not in (Action.UPDATE, Action.USE_LINKED, Action.LINK_EXISTING,
                                                     Action.CREATE):
        return
    edits = decision.stripe_edits
    # The old record matters only where a field keeps it (waiting for a person, or a write-back not yet done).
    keeps = {e.resolution for e in edits} & {Resolution.ASK, Resolution.WRITE_BACK}
    previous = baseline(job, stripe_customer_id) if keeps else None
    if params is None:
        params = job.mapped.update_params(dict(customer_after), sync.blank_clears)
    ns, after = netsuite_now(params), values_of(customer_after)
    ok = remember_record(previous, ns, after, edits).texts()
    failed = remember_record(previous, ns, after, edits, netsuite_written=False).texts() \
        if Resolution.WRITE_BACK in keeps else ok
    if job.synced is not None and job.synced.same(ok, stripe_customer_id) and ok == failed:
        return  # the journal holds it already
    job.remember = Remember(stripe_customer_id, ok, failed)


def records_to_store(jobs: Iterable[Job]) -> list[tuple[str, str, Texts]]:
    """(internal id, Stripe id, record) of the finished customers whose record changed."""
    out = []
    for job in jobs:
        note = job.remember
        if note is None:
            continue
        status = job.outcome.status
        if status in (Status.OK, Status.NEEDS_DECISION):
            out.append((job.internal_id, note.stripe_customer_id, note.ok))
        elif status is Status.FAILED and job.outcome.stripe_customer_id:
            out.append((job.internal_id, note.stripe_customer_id, note.netsuite_failed))
        job.remember = None
    return out


def settled_status(decision: Decision) -> Status:
    """A customer whose writes were all done: ok, or needs-decision while a field edited in Stripe waits."""
    return Status.NEEDS_DECISION if decision.needs_person else Status.OK
