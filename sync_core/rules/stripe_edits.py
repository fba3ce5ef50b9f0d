"""R10: a mapped field edited in Stripe outside custsync since custsync last wrote it is never overwritten in
silence (a customer in the portal, someone in the Dashboard, another integration).

Per field, three values: NetSuite now (what a push would leave in Stripe), Stripe now, and the last synced
pair (`LastSynced`: Stripe's value as custsync last sent or confirmed it, and NetSuite's where a kept edit
left the two apart). Only NetSuite changed: push, as always. Only Stripe changed: someone edited Stripe;
the field is not pushed unless the policy says NetSuite wins. Both changed to different values: a
conflict, by the same policy. Neither, or both to the same value: nothing. A customer without a last
synced record (never synced by this custsync, or synced before it kept records) has no baseline: its
fields are pushed as before, and the record starts then.

Who made a Stripe change is told by Stripe's customer.updated events, when a run read them (`Seen`):
`request.id` names the API request that caused it ("If null, the event was automatic", docs.stripe.com/
api/events/object) and `request.idempotency_key` its key; custsync's own writes carry keys that begin
with `CUSTSYNC_KEY_PREFIX`. Unconfirmed: what Stripe records as `request` for a change a customer makes in
the portal or a person in the Dashboard (neither is documented); the mock records no request for both. So
the events only name the editor in the trace; the three-way comparison alone decides, except that a
change every event of which was custsync's own request is custsync's (a write whose record was lost).

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The Stripe fields R10 guards: the mapped top-level fields a customer or a person can edit in Stripe.
# Metadata under custsync's prefix is custsync's own bookkeeping and is always rewritten.
FIELDS = ("email", "name", "phone", "description", "address")
ADDRESS_PARTS = ("line1", "line2", "city", "state", "postal_code", "country")
# Stripe fields a write-back may carry into NetSuite, and the NetSuite body field each goes to (the column
# that maps it, R9). An address is a subrecord of the address book, which the RESTlet's submitFields cannot
# write; a name made of first and last name has no one field to take it.
WRITE_BACK_TARGETS = {"email": "email", "phone": "phone", "description": "comments", "name": "companyname"}
CUSTSYNC_KEY_PREFIX = "custsync-"  # every Idempotency-Key custsync sends begins so (creates and updates)

Value = str | dict[str, str] | None


class StripeEditsPolicy(StrEnum):
    """`[sync] stripe_edits`: what a sync does with a field edited in Stripe outside custsync."""

    ASK = "ask"  # not pushed; a person chooses per field (plan, TUI, `custsync resolve-edit`)
    KEEP_STRIPE = "keep_stripe"  # not pushed; Stripe keeps the edit, NetSuite its own value; reported
    NETSUITE_WINS = "netsuite_wins"  # pushed over the edit (what custsync did before R10), stated in the plan
    WRITE_BACK = "write_back"  # the edit goes to NetSuite, for the fields in [sync] write_back_fields


class EditKind(StrEnum):
    STRIPE = "stripe"  # only Stripe changed since the last sync
    CONFLICT = "conflict"  # both changed, to different values
    KEPT = "kept"  # Stripe's value was kept earlier (by the policy or a person); neither changed since


class Resolution(StrEnum):
    PUSH = "push"  # NetSuite's value is pushed over Stripe's
    KEEP = "keep-stripe"  # Stripe's value stays, NetSuite keeps its own
    ASK = "ask"  # waits for a person
    WRITE_BACK = "write-back"  # Stripe's value is written to NetSuite


class Choice(StrEnum):
    """A person's answer for one field (`custsync resolve-edit`, the TUI)."""

    NETSUITE = "netsuite"  # push NetSuite's value to Stripe now
    STRIPE = "stripe"  # keep Stripe's value; NetSuite keeps its own until it changes again


def field_value(name: str, raw: Any) -> Value:
    """One field as the comparison sees it: blank text is no value; an address is one value, its non-empty
    lines (Stripe stores an empty line as null)."""
    if name == "address":
        if not isinstance(raw, Mapping):
            return None
        lines = {k: str(raw[k]) for k in ADDRESS_PARTS if raw.get(k) not in (None, "")}
        return lines or None
    if raw is None:
        return None
    text = str(raw)
    return text if text.strip() else None


def values_of(customer: Mapping[str, Any], fields: Iterable[str] = FIELDS) -> dict[str, Value]:
    return {f: field_value(f, customer.get(f)) for f in fields}


def shown(value: Value) -> str:
    """A value in a trace line: an address on one line."""
    if value is None:
        return "(empty)"
    if isinstance(value, dict):
        return repr(", ".join(value[k] for k in ADDRESS_PARTS if k in value))
    return repr(value)


@dataclass(frozen=True, slots=True)
class LastSynced:
    """What custsync last sent or confirmed for one linked customer: Stripe's value of each field NetSuite
    sends, and NetSuite's value where it differs (a kept Stripe edit, or one still waiting for a person)."""

    stripe: dict[str, Value]
    netsuite: dict[str, Value] = field(default_factory=dict)

    def netsuite_side(self, name: str) -> Value:
        return self.netsuite[name] if name in self.netsuite else self.stripe.get(name)

    def texts(self) -> tuple[str, str | None]:
        """The record as the journal stores it: two compact JSON texts (the second None when both sides agree)."""
        dump = lambda d: json.dumps(d, sort_keys=True, separators=(",", ":"))  # noqa: E731
        return dump(self.stripe), (dump(self.netsuite) if self.netsuite else None)

    @classmethod
    def from_texts(cls, stripe: str, netsuite: str | None) -> LastSynced:
        return cls(json.loads(stripe), json.loads(netsuite) if netsuite else {})


@dataclass(frozen=True, slots=True)
class Seen:
    """A customer.updated event that changed a guarded field: who made the change, as Stripe recorded it."""

    event_id: str
    created: int
    request_id: str | None
    idempotency_key: str | None

    @property
    def by_custsync(self) -> bool:
        return bool(self.idempotency_key and self.idempotency_key.startswith(CUSTSYNC_KEY_PREFIX))

    def describe(self) -> str:
        if self.by_custsync:
            return f"custsync's own request ({self.event_id})"
        if self.request_id:
            return (f"an API request custsync did not make ({self.request_id}, {self.event_id}): another "
                    "integration, or the Dashboard")
        return (f"no API request ({self.event_id}): the customer in the portal, someone in the Dashboard, or "
                "Stripe itself")


def seen_in(event: Mapping[str, Any]) -> tuple[tuple[str, ...], Seen] | None:
    """The guarded fields a customer.updated event changed (its `data.previous_attributes`), and who did."""
    if event.get("type") != "customer.updated":
        return None
    previous = (event.get("data") or {}).get("previous_attributes") or {}
    fields = tuple(f for f in FIELDS if f in previous)
    if not fields:
        return None
    request = event.get("request") or {}
    return fields, Seen(str(event.get("id")), int(event.get("created") or 0), request.get("id"),
                        request.get("idempotency_key"))


NO_EVENTS = "who: not known (this run did not read Stripe's events)"
NO_EVENT_NAMES_IT = "who: no event read names it"


def who(events: tuple[Seen, ...] | None) -> str:
    if events is None:
        return NO_EVENTS
    outside = [s for s in events if not s.by_custsync]
    if not outside:
        return NO_EVENT_NAMES_IT
    newest = max(outside, key=lambda s: s.created)
    return "seen: " + newest.describe()


@dataclass(frozen=True, slots=True)
class FieldEdit:
    """One field edited in Stripe outside custsync since the last sync, and what the policy makes of it."""

    field: str
    kind: EditKind
    netsuite: Value  # what a push would leave in Stripe
    stripe: Value  # Stripe now
    last: Value  # Stripe's value as custsync last left it
    resolution: Resolution
    seen: str  # who made the change, as far as Stripe's events tell
    note: str | None = None  # why a write-back fell back to asking

    @property
    def pushed(self) -> bool:
        return self.resolution is Resolution.PUSH

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "kind": self.kind.value, "netsuite": self.netsuite, "stripe": self.stripe,
                "last_synced": self.last, "resolution": self.resolution.value, "seen": self.seen, "note": self.note}

    @property
    def new(self) -> bool:
        """Edited since the last sync (not a value kept earlier)."""
        return self.kind is not EditKind.KEPT

    def describe(self) -> str:
        if self.kind is EditKind.KEPT:
            if self.pushed:
                return (f"{self.field}: Stripe's {shown(self.stripe)}, kept earlier; "
                        f"{RESOLUTION_TEXT[self.resolution]} ({shown(self.netsuite)})")
            return (f"{self.field}: Stripe's {shown(self.stripe)}, kept earlier, stays; NetSuite holds "
                    f"{shown(self.netsuite)} (pushed once it changes there)")
        if self.kind is EditKind.CONFLICT:
            what = (f"{self.field} changed in Stripe ({shown(self.last)} -> {shown(self.stripe)}) and in NetSuite "
                    f"(now {shown(self.netsuite)}) since custsync last wrote it: a conflict")
        else:
            what = (f"{self.field} changed in Stripe ({shown(self.last)} -> {shown(self.stripe)}) outside custsync "
                    f"since it last wrote it; NetSuite still holds {shown(self.netsuite)}")
        return f"{what}; {self.seen}; {RESOLUTION_TEXT[self.resolution]}" + (f" ({self.note})" if self.note else "")


RESOLUTION_TEXT = {
    Resolution.PUSH: "policy netsuite_wins: NetSuite's value is pushed over it",
    Resolution.KEEP: "policy keep_stripe: Stripe's value is kept, not pushed",
    Resolution.ASK: "not pushed: a person chooses (custsync resolve-edit, or e on the customer in the TUI)",
    Resolution.WRITE_BACK: "policy write_back: Stripe's value is written to NetSuite",
}


def resolve(kind: EditKind, name: str, policy: StripeEditsPolicy,
            write_back: Mapping[str, str | None]) -> tuple[Resolution, str | None]:
    """What the policy does with one edited field. `write_back`: the fields the admin lets custsync write to
    NetSuite, each with its NetSuite field (None: this customer's mapping has no single field for it)."""
    if policy is StripeEditsPolicy.NETSUITE_WINS:
        return Resolution.PUSH, None
    if policy is StripeEditsPolicy.KEEP_STRIPE:
        return Resolution.KEEP, None
    if policy is StripeEditsPolicy.ASK:
        return Resolution.ASK, None
    if kind is EditKind.CONFLICT:
        return Resolution.ASK, "NetSuite changed too: two fresh values, a person chooses"
    if name not in write_back:
        return Resolution.ASK, f"{name} is not in [sync] write_back_fields"
    if write_back[name] is None:
        return Resolution.ASK, f"the saved search maps {name} from several NetSuite fields: none to write it to"
    return Resolution.WRITE_BACK, None


def three_way(netsuite: Mapping[str, Value], stripe: Mapping[str, Value], last: LastSynced | None, *,
              policy: StripeEditsPolicy, write_back: Mapping[str, str | None] | None = None,
              seen: Mapping[str, tuple[Seen, ...]] | None = None) -> tuple[FieldEdit, ...]:
    """The fields edited in Stripe outside custsync since the last sync, each resolved by the policy.

    `netsuite`: the guarded fields a push would send, as it would leave them (a blank NetSuite field is not
    sent, so not here); `stripe`: Stripe now; `last`: the record (None: no baseline, nothing is guarded);
    `seen`: per field, the customer.updated events read since the last sync (None: no events read)."""
    if last is None:
        return ()
    edits = []
    for name in FIELDS:
        if name not in netsuite or name not in last.stripe:
            continue  # NetSuite sends nothing for it, or it has no baseline yet
        ns, st = netsuite[name], stripe.get(name)
        if ns == st:
            continue  # nothing to push
        ns_changed = ns != last.netsuite_side(name)
        if st == last.stripe[name]:
            if not ns_changed:  # a Stripe value kept earlier stays until NetSuite changes (or NetSuite wins)
                kept = Resolution.PUSH if policy is StripeEditsPolicy.NETSUITE_WINS else Resolution.KEEP
                edits.append(FieldEdit(name, EditKind.KEPT, ns, st, st, kept, "kept earlier"))
            continue  # else only NetSuite changed: pushed as always
        events = None if seen is None else seen.get(name, ())
        if events and all(s.by_custsync for s in events):
            continue  # custsync's own write, whose record was lost: not an edit
        kind = EditKind.CONFLICT if ns_changed else EditKind.STRIPE
        resolution, note = resolve(kind, name, policy, write_back or {})
        edits.append(FieldEdit(name, kind, ns, st, last.stripe[name], resolution, who(events), note))
    return tuple(edits)


def withheld(edits: Iterable[FieldEdit]) -> frozenset[str]:
    """The fields a push leaves out: every edit the policy does not push over."""
    return frozenset(e.field for e in edits if not e.pushed)


def remember(previous: LastSynced | None, netsuite: Mapping[str, Value], after: Mapping[str, Value],
             edits: Iterable[FieldEdit], *, netsuite_written: bool = True) -> LastSynced:
    """The record after a sync: for each field NetSuite sends, Stripe's value as the sync left it (`after`),
    NetSuite's beside it where a kept edit leaves them apart. A field waiting for a person keeps its old
    record, so the next sync asks again; so does a written-back field whose NetSuite write failed."""
    by_field = {e.field: e for e in edits}
    stripe: dict[str, Value] = {}
    kept: dict[str, Value] = {}
    for name, ns in netsuite.items():
        if name not in FIELDS:
            continue
        edit = by_field.get(name)
        resolution = edit.resolution if edit is not None else Resolution.PUSH
        if resolution is Resolution.ASK or (resolution is Resolution.WRITE_BACK and not netsuite_written):
            if previous is not None and name in previous.stripe:
                stripe[name] = previous.stripe[name]
                if name in previous.netsuite:
                    kept[name] = previous.netsuite[name]
            continue
        stripe[name] = after.get(name)
        if resolution is Resolution.KEEP and ns != stripe[name]:
            kept[name] = ns
    return LastSynced(stripe, kept)


def chosen(previous: LastSynced | None, name: str, choice: Choice, netsuite: Value, stripe: Value) -> LastSynced:
    """The record after a person chose for one field: NetSuite's value pushed (both sides hold it), or
    Stripe's kept (NetSuite keeps its own beside it)."""
    base_stripe = dict(previous.stripe) if previous else {}
    base_ns = dict(previous.netsuite) if previous else {}
    base_ns.pop(name, None)
    if choice is Choice.NETSUITE:
        base_stripe[name] = netsuite
    else:
        base_stripe[name] = stripe
        if netsuite != stripe:
            base_ns[name] = netsuite
    return LastSynced(base_stripe, base_ns)
