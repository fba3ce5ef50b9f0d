"""Deciding: what Stripe knows of a customer (`find`), what the rules make of it (`decide_for`), and for a
mass sync the whole run's plan, decided locally, customer after customer, exactly as a one-at-a-time run
in the same order would (`plan_run`): customers sharing a mailbox or a Stripe customer see the creates,
links and pushes planned before them.

`find` asks a `Lookups`: the live one (`Engine`: Stripe and NetSuite requests, for single sync) or the
run's `StripeIndex` (memory, filled before planning at the least cost), so both paths decide with one code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sync_core.config import Config, SyncConfig
from sync_core.netsuite.portal_links import holds_link
from sync_core.outcome import Status
from sync_core.rules.catalogue import Action
from sync_core.rules.decide import (
    Decision,
    LookupKind,
    PortalDecision,
    PortalOutcome,
    StripeCustomerRef,
    TraceStep,
    decide,
    email_problem,
    normalize_stripe_id,
    portal_plan,
    portal_write,
)
from sync_core.rules.mapping import MappedCustomer, changed_fields
from sync_core.rules.stripe_edits import Resolution, Seen, withheld
from sync_core.run.interrupted import made_by_attempt
from sync_core.run.job import Found, Job
from sync_core.run.last_synced import edits_for, note_remember, with_edits, without
from sync_core.run.run_scope import describe_sources
from sync_core.run.view import RunView, pushed, stripe_ref

# Decisions that end a customer's sync without a write, and the status each ends it with.
TERMINAL_STATUS = {Action.SKIP: Status.SKIPPED, Action.ASK: Status.NEEDS_DECISION, Action.ERROR: Status.FAILED}
TERMINAL = tuple(TERMINAL_STATUS)


class Lookups(Protocol):
    """Where `find` learns what it needs beyond the customer's own record."""

    async def linked_from(self, stripe_ids: list[str], internal_id: str | None = None, run: RunView | None = None,
                          *, mailbox_of: str | None = None) -> dict[str, tuple[str, ...]]: ...

    # `value`: the customer's value of the lookup field ([sync] lookup_field; the email by default), matched
    # as its match key (match_key.MatchKey: the mailbox, or the value in Stripe metadata).
    async def same_mailbox(self, value: str) -> list[dict[str, Any]]: ...

    async def confirm(self, stripe_ids: set[str], value: str) -> list[dict[str, Any]]: ...

    # R10: per guarded field, the customer.updated events read since the last sync (None: none were read).
    def seen(self, stripe_id: str) -> dict[str, tuple[Seen, ...]] | None: ...
    # The live Stripe customers tagged for this NetSuite customer that its open create attempt (journaled at
    # `attempted_at`) can have made (interrupted.made_since).
    async def made_since(self, internal_id: str, attempted_at: float) -> list[dict[str, Any]]: ...



def push_params(job: Job, current: dict[str, Any], sync: SyncConfig, edits: tuple[Any, ...] = (),
                params: dict[str, Any] | None = None) -> dict[str, Any]:
    """What an update of the linked customer sends: the mapped fields NetSuite has values for (a blank is not a
    value), without the fields R10 holds back (edited in Stripe, and the policy does not push over them).
    `params`: the update parameters for `current`, when already made."""
    if params is None:
        params = job.mapped.update_params(current, sync.blank_clears)
    return without(params, withheld(edits))


def _params(job: Job, found: Found, current: dict[str, Any], sync: SyncConfig) -> dict[str, Any]:
    """The update parameters for `current`: those `find` made for the linked customer, else made now."""
    if found.params is not None and found.linked is not None and found.linked.id == current.get("id"):
        return found.params
    return job.mapped.update_params(current, sync.blank_clears)


async def find(job: Job, lookups: Lookups, sync: SyncConfig) -> Found:
    """What Stripe (and, for shared customers, NetSuite) knows that the rules need."""
    iid = job.facts.internal_id
    prefix = sync.metadata_prefix
    found = Found()
    if job.kind is LookupKind.BY_ID:
        customer, found.other_mode = job.linked
        if customer is None:
            return found
        if job.run is not None:
            customer = job.run.current(customer)
        found.customers[customer["id"]] = customer
        ref = stripe_ref(customer, prefix)
        if ref.netsuite_internal_id and ref.netsuite_internal_id != iid and not ref.deleted:
            ref = replace(ref, linked_from=(await lookups.linked_from([ref.id], iid, job.run)).get(ref.id, ()))
        found.linked = ref
        if not ref.deleted:
            found.params = params = job.mapped.update_params(customer, sync.blank_clears)
            found.stripe_edits = edits_for(job, customer, params, sync, lookups.seen(customer["id"]))
            found.fields_differ = bool(changed_fields(without(params, withheld(found.stripe_edits)), customer))
    elif job.kind is LookupKind.BY_EMAIL:  # by the lookup field: the email unless configured otherwise
        email = job.facts.match_value()
        assert email is not None
        if job.facts.by_email and email_problem(email):
            return found  # the rules refuse it; nothing to look up
        customers = await lookups.same_mailbox(email)
        if job.run is not None:
            customers = job.run.same_mailbox(customers, email)
        linked_from = await lookups.linked_from([c["id"] for c in customers], iid, job.run, mailbox_of=email)
        # NetSuite is consistent where Stripe's search is not: a Stripe customer that a linked NetSuite
        # customer of this mailbox (lookup-field value) holds is of this mailbox too once synced, even one that
        # another process created or moved here a moment ago, in a spelling the list filter does not match.
        confirmed = await lookups.confirm(set(linked_from) - {c["id"] for c in customers}, email)
        customers += job.run.still_of(confirmed, email) if job.run is not None else confirmed
        found.customers.update({c["id"]: c for c in customers})
        found.same_mailbox = tuple(stripe_ref(c, prefix, linked_from.get(c["id"], ())) for c in customers)
        if job.attempted_at is not None:
            found.interrupted = await interrupted_create(job, lookups, found, prefix)
    return found


async def interrupted_create(job: Job, lookups: Lookups, found: Found, prefix: str) -> StripeCustomerRef | None:
    """The Stripe customer this customer's open create attempt made (tagged for it, created since the attempt),
    whatever its data now: an email may have changed between the kill and the resume."""
    made = await lookups.made_since(job.internal_id, job.attempted_at)  # type: ignore[arg-type]
    if job.run is not None:  # as the run left them: a customer sharing the mailbox may have linked and re-tagged it
        made = made_by_attempt([job.run.current(c) for c in made], prefix, job.internal_id, job.attempted_at)  # type: ignore[arg-type]
    if not made:
        return None
    found.customers.update({c["id"]: c for c in made})
    return stripe_ref(min(made, key=lambda c: (c.get("created") or 0, c["id"])), prefix)


def decide_for(job: Job, found: Found, config: Config) -> Decision:
    sync = config.sync
    decision = decide(job.facts, linked=found.linked, linked_other_mode=found.other_mode,
                      same_mailbox=found.same_mailbox, interrupted_create=found.interrupted,
                      fields_differ=found.fields_differ, policy=sync.duplicate_email_policy)
    if found.stripe_edits and decision.push and decision.action in (Action.UPDATE, Action.USE_LINKED):
        decision = with_edits(decision, found.stripe_edits)
    return note_kept_blanks(decision, job.mapped, found.customers.get(decision.stripe_customer_id or ""),
                            sync.blank_clears)


def planned_push(decision: Decision, sent: dict[str, Any] | None,
                 current: dict[str, Any] | None) -> dict[str, Any] | None:
    """The customer as the update this decision plans would leave it (None: no update). `sent`: what the update
    of `current` sends (`push_params`)."""
    if not (decision.push and decision.action in (Action.UPDATE, Action.LINK_EXISTING) and current is not None
            and sent is not None):
        return None
    return pushed(current, sent)


def note_kept_blanks(decision: Decision, mapped: MappedCustomer, current: dict[str, Any] | None,
                     blank_clears: Sequence[str] = ()) -> Decision:
    """Say in the trace which Stripe values a blank in NetSuite leaves as they are, and why."""
    if current is None or not decision.push or decision.action not in (Action.UPDATE, Action.USE_LINKED,
                                                                        Action.LINK_EXISTING):
        return decision
    kept = mapped.kept_blanks(current, blank_clears)
    if not kept:
        return decision
    return with_step(decision, TraceStep(decision.rule, f"blank in NetSuite, so left as they are in Stripe: "
                                         f"{', '.join(kept)} (a blank is not a value; [sync] blank_clears "
                                         "names fields a blank should clear)"))


def with_step(decision: Decision, step: TraceStep) -> Decision:
    return replace(decision, trace=(*decision.trace, step))


# --- the run's plan ---------------------------------------------------------------------------------


@dataclass(slots=True)
class PlanRow:
    """One customer's planned writes. `stripe_id` may name a create planned earlier in the run, as
    "(new for 101)", which the executor replaces by the id Stripe gives."""

    job: Job
    decision: Decision | None = None
    found: Found | None = None
    stripe_diff: Sequence[tuple[str, Any, Any]] = ()  # (field, before, after) of the push
    portal: PortalDecision | None = None
    portal_url: str | None = None  # the current link, when the field must be written
    portal_write: bool = False  # the portal field is written (a dry run knows it even without the link)

    @property
    def internal_id(self) -> str:
        return self.job.internal_id

    @property
    def stripe_id(self) -> str | None:
        return self.decision.stripe_customer_id if self.decision else None

    @property
    def creates(self) -> bool:
        return bool(self.decision and self.decision.action is Action.CREATE)

    @property
    def writes_stripe(self) -> bool:
        return self.creates or bool(self.stripe_diff)

    def writes_netsuite(self) -> bool:
        """R5: the row writes the PayPack fields back: a create's new id, another id than the stored one, or the
        portal link when the field is empty or stale."""
        if self.decision is None or self.decision.action in TERMINAL:
            return False
        return (self.creates or normalize_stripe_id(self.job.mapped.stripe_customer_id) != self.stripe_id
                or self.portal_write or any(e.resolution is Resolution.WRITE_BACK for e in self.decision.stripe_edits))

    @property
    def action(self) -> str:
        if self.decision is None:
            return "failed"
        return self.decision.action.value

    def needs_requests(self) -> bool:
        return self.decision is not None and self.decision.action not in TERMINAL and (
            self.writes_stripe or self.writes_netsuite())


@dataclass
class Plan:
    """A run's plan: a row per customer and what it will cost. A value: printing it writes nothing."""

    rows: list[PlanRow]
    reads: dict[str, int] = field(default_factory=dict)  # requests the plan's reads took, by service
    index: str = ""  # how Stripe was indexed (listing or lookups), for the summary
    index_way: str = ""  # the same in a word (`StripeIndex.way`), for the scenario checks
    taken: dict[str, Any] = field(default_factory=dict)  # where the customers come from (`run_scope.Scope`)
    status_writes: int = 0  # customers whose status fields alone are written (run.status_fields)
    status_off: str | None = None  # why the status fields configured are not written by this run
    _summary: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self._summary = self._summarize()

    def counts(self) -> Counter[tuple[str, str]]:
        """(rule, action) -> customers; a customer whose read failed counts as ("-", "failed")."""
        return Counter(((r.decision.rule if r.decision else "-"), r.action) for r in self.rows)

    @property
    def netsuite_writes(self) -> int:
        return sum(r.writes_netsuite() for r in self.rows)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.decision is not None and r.decision.action not in TERMINAL
                   and not r.writes_stripe and not r.writes_netsuite())

    def summary(self) -> dict[str, Any]:
        """Counts by rule and action, the writes planned and the reads it took (taken when planned)."""
        return dict(self._summary or {})

    def _summarize(self) -> dict[str, Any]:
        return {
            "customers": len(self.rows),
            "by_rule_and_action": [{"rule": rule, "action": action, "customers": n}
                                   for (rule, action), n in sorted(self.counts().items())],
            "stripe_creates": sum(r.creates for r in self.rows),
            "stripe_updates": sum(1 for r in self.rows if r.stripe_diff and not r.creates),
            "netsuite_write_backs": self.netsuite_writes,
            "unchanged": self.unchanged,
            "reads": dict(self.reads),
            "stripe_index": self.index,
            "taken": dict(self.taken),
            "netsuite_status_writes": self.status_writes,
            "status_fields_off": self.status_off,
            "stripe_edits": self._stripe_edits(),
        }

    def _stripe_edits(self) -> dict[str, int]:
        """R10: fields edited in Stripe outside custsync since the last sync, by what the policy does with them."""
        out: Counter[str] = Counter()
        for r in self.rows:
            for e in (r.decision.stripe_edits if r.decision else ()):
                if e.new:
                    out[e.resolution.value] += 1
                    out["conflicts"] += e.kind.value == "conflict"
        return {k: v for k, v in sorted(out.items()) if v}


async def plan_row(row: PlanRow, lookups: Lookups, config: Config) -> Decision:
    """Decide one customer and plan its Stripe write: what `find` learns from `lookups` (the run's index, or
    live requests for single sync), the rules' decision, the fields a push changes. A customer of a run
    (`job.run`) is remembered by it, so those after it see its planned create, link or push."""
    job, sync = row.job, config.sync
    row.found = await find(job, lookups, sync)
    row.decision = decision = decide_for(job, row.found, config)
    if decision.action in TERMINAL:
        return decision
    current = row.found.customers.get(decision.stripe_customer_id or "")
    params = _params(job, row.found, current, sync) if current is not None else None
    sent = without(params, withheld(decision.stripe_edits)) if params is not None else None
    push = planned_push(decision, sent, current)
    if push is not None:
        row.stripe_diff = changed_fields(sent, current)  # type: ignore[arg-type]
    if not row.writes_stripe:
        if current is not None and not current.get("planned") and not job.dry_run:
            # Nothing to write in Stripe: the values as they stand are what custsync confirms (R10's record).
            note_remember(job, decision, current["id"], current, sync, params)
        job.synced = None  # read; a run of 100,000 keeps no more than it needs (a write still needs it)
    if job.run is not None:
        job.run.plan(job.facts, decision, push)
    return decision


async def plan_run(jobs: list[Job], index: Any, config: Config, *, links: dict[str, str] | None,
                   deployment_released: bool) -> list[PlanRow]:
    """Decide every customer of a run, from the index, in the order a one-at-a-time run takes them:
    linked customers first (a push may move a Stripe customer to another mailbox, or tag it for its
    owner), then those matched by email, each in the search's order. `links`: the current portal links
    (None: a dry run, or NetSuite could not give them). Rows come back in the search's order."""
    # Planned creates, links and pushes, seen by those after them.
    view = RunView(True, config.sync.metadata_prefix, config.sync.match_key())
    rows: list[PlanRow] = [None] * len(jobs)  # type: ignore[list-item]  # each filled in its turn
    for k in _one_at_a_time_order(jobs):
        job = jobs[k]
        row = rows[k] = PlanRow(job)
        if job.mapped is None:
            continue  # the read failed; its outcome says why
        job.run = view
        if job.kind is LookupKind.BY_ID:
            job.linked = index.linked(normalize_stripe_id(job.facts.stripe_customer_id))
        decision = await plan_row(row, index, config)
        job.linked, job.run = (None, False), None  # read into `found`; a run of 100,000 keeps no more than it needs
        if decision.action in TERMINAL:
            row.found = None
            _let_go(job)
            continue
        if job.portal:
            row.portal, row.portal_url, row.portal_write = _portal(job, links, deployment_released,
                                                                    config.netsuite.portal_deployment)
        if decision.action in (Action.CREATE, Action.USE_LINKED):
            row.found = None  # executing reads it only to push (update, link existing)
        if not row.needs_requests():
            _let_go(job)
    return rows


def _let_go(job: Job) -> None:
    """A planned row that writes nothing is settled from its decision, its ids and its portal link alone: its
    other values and facts go as soon as it is planned, not when the run ends."""
    job.mapped = job.mapped.ids_only()
    job.facts = None  # type: ignore[assignment]


def _one_at_a_time_order(jobs: list[Job]) -> Iterator[int]:
    """Positions in the order a one-at-a-time run takes the customers: all but those matched by email, then
    those, each in the search's order (generated: a run of 100,000 builds no list of it)."""
    by_email = [j.mapped is not None and j.kind is LookupKind.BY_EMAIL for j in jobs]
    yield from (k for k, later in enumerate(by_email) if not later)
    yield from (k for k, later in enumerate(by_email) if later)


def _portal(job: Job, links: dict[str, str] | None, deployment_released: bool,
            deployment: str) -> tuple[PortalDecision, str | None, bool]:
    """R6 for a planned row: the decision, the link to write (if the field does not hold it already), and whether
    the field is written. A dry run reads the current links as a run does (a read), so its plan counts the
    same write-backs; when NetSuite could not give them, an empty field is still surely written."""
    link = (links or {}).get(job.internal_id)
    if job.dry_run:
        current = holds_link(job.mapped.portal_url, link) if link is not None else None
        writes = not current if current is not None else not job.mapped.portal_url
        return (portal_plan(deployment_released=deployment_released, deployment=deployment, current=current),
                None if current or link is None else link, writes)
    if link is None:
        return PortalDecision("R6", PortalOutcome.FAILED, "portal link not written: NetSuite did not give the "
                              "customer's current link", "Run `custsync portal-link ID`, or sync again later."), None, False
    current = holds_link(job.mapped.portal_url, link)
    return (portal_write(linked=True, current=current, deployment_released=deployment_released, deployment=deployment),
            None if current else link, not current)


def describe(summary: dict[str, Any]) -> list[str]:
    """The plan in a few lines of plain text (the CLI prints them, the TUI shows them before a run)."""
    reads = summary.get("reads") or {}
    lines = [f"{summary['customers']} customers: {summary['unchanged']} unchanged, "
             f"{summary['stripe_creates']} Stripe creates, {summary['stripe_updates']} Stripe updates, "
             f"{summary['netsuite_write_backs']} NetSuite write-backs",
             "by rule and action: " + ", ".join(f"{r['rule']} {r['action']} {r['customers']}"
                                                for r in summary["by_rule_and_action"])]
    taken = describe_sources(summary.get("taken") or {})
    if taken:
        lines.append(taken)
    if summary.get("netsuite_status_writes"):
        lines.append(f"custsync status fields written alone (status or error changed): "
                     f"{summary['netsuite_status_writes']} customers")
    if summary.get("status_fields_off"):
        lines.append(summary["status_fields_off"])
    edits = summary.get("stripe_edits") or {}
    if edits:
        said = {"ask": "wait for a person (both values shown; custsync resolve-edit, or e on the customer in the TUI)",
                "keep-stripe": "keep Stripe's value (keep_stripe)",
                "push": "are overwritten with NetSuite's value (netsuite_wins, as before R10)",
                "write-back": "go back to NetSuite (write_back)"}
        parts = [f"{edits[k]} {said[k]}" for k in said if edits.get(k)]
        conflicts = f", {edits['conflicts']} of them in conflict with NetSuite" if edits.get("conflicts") else ""
        lines.append(f"edited in Stripe outside custsync (R10){conflicts}: " + "; ".join(parts))
    if reads:
        lines.append(f"read to plan it: NetSuite {reads.get('netsuite', 0)} requests, Stripe {reads.get('stripe', 0)} "
                     f"({summary.get('stripe_index') or 'nothing to look up'})")
    return lines
