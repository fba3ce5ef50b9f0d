"""The operator's decisions: which Stripe customer a NetSuite customer is linked to when the rules ask
(R3: several customers share the email) or refuse (R2: the stored id names no Stripe customer).

`candidates` gathers what a person chooses by (name, email, created, metadata, and which other NetSuite
customers already point at each one); `link` validates a Stripe id against Stripe, reports who else points
at it, writes only STRIPE CUSTOMER ID (PAYPACK) and journals the decision (`Journal.decisions`, in the run
journal's file). The Engine's `candidates`, `check_link`, `link` and `unlink` call these.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync_core.errors import SyncError
from sync_core.rules.decide import normalize_email, normalize_stripe_id
from sync_core.rules.ids import is_stripe_customer_id
from sync_core.rules.mapping import MappedCustomer
from sync_core.run import reads
from sync_core.run.journal import DecisionLog, Journal, JournalError
from sync_core.run.live_lookups import LiveLookups
from sync_core.run.services import Services

OTHER_MODE_LINK_REMEDY = ("The id belongs to the other Stripe mode (a test-mode id with a live key, or the reverse; "
                          "often a sandbox id copied into production). Link a customer of this mode, or check that "
                          "the Stripe key is the intended one.")


@dataclass(frozen=True)
class Candidate:
    """A Stripe customer as a person choosing between several sees it."""

    id: str
    name: str | None
    email: str | None
    created: int
    metadata: dict[str, str]
    pointed_by: tuple[str, ...] = ()  # other NetSuite customers whose STRIPE CUSTOMER ID names it
    tagged_for: str | None = None  # metadata.<prefix>internal_id: the NetSuite customer it was made for

    def created_text(self) -> str:
        """When Stripe created it, to the minute (UTC): two customers made the same day are told apart."""
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.created)) if self.created else "unknown"

    def others(self, internal_id: str) -> tuple[str, ...]:
        """NetSuite customers other than `internal_id` that already claim this Stripe customer."""
        claims = list(self.pointed_by)
        if self.tagged_for and self.tagged_for != internal_id and self.tagged_for not in claims:
            claims.append(self.tagged_for)
        return tuple(c for c in claims if c != internal_id)

    def as_dict(self, internal_id: str | None = None) -> dict[str, Any]:
        d = {"id": self.id, "name": self.name, "email": self.email, "created": self.created,
             "metadata": dict(self.metadata), "pointed_by": list(self.pointed_by), "tagged_for": self.tagged_for}
        if internal_id is not None:
            d["other_netsuite_customers"] = list(self.others(internal_id))
        return d


@dataclass(frozen=True)
class Candidates:
    internal_id: str
    name: str
    email: str | None
    stored_id: str | None  # STRIPE CUSTOMER ID (PAYPACK) as stored now
    stored_exists: bool  # the stored id names a live Stripe customer
    candidates: tuple[Candidate, ...]


@dataclass
class LinkResult:
    internal_id: str
    stripe_customer_id: str
    previous: str | None
    field: str
    candidate: Candidate
    written: bool = False
    others: tuple[str, ...] = ()

    @property
    def already_linked(self) -> bool:
        """The customer holds this id already: linking writes nothing."""
        return self.previous == self.stripe_customer_id

    def as_dict(self) -> dict[str, Any]:
        return {"internal_id": self.internal_id, "stripe_customer_id": self.stripe_customer_id,
                "previous": self.previous, "field": self.field, "written": self.written,
                "already_linked": self.already_linked,
                "other_netsuite_customers": list(self.others), "stripe_customer": self.candidate.as_dict()}

    def write_sentence(self) -> str:
        """The NetSuite write, as the confirmation states it."""
        if self.already_linked:
            return (f"nothing: NetSuite customer {self.internal_id} already holds {self.stripe_customer_id} in "
                    f"{self.field} (STRIPE CUSTOMER ID (PAYPACK)).")
        return (f"NetSuite customer {self.internal_id}: {self.field} (STRIPE CUSTOMER ID (PAYPACK)) "
                f"{self.previous or '(empty)'} -> {self.stripe_customer_id}. Nothing else is written, "
                "in NetSuite or in Stripe.")


def candidate_from(customer: dict[str, Any], prefix: str, pointed_by: tuple[str, ...] = ()) -> Candidate:
    metadata = {str(k): str(v) for k, v in (customer.get("metadata") or {}).items()}
    return Candidate(id=customer["id"], name=customer.get("name"), email=customer.get("email"),
                     created=int(customer.get("created") or 0), metadata=metadata, pointed_by=pointed_by,
                     tagged_for=metadata.get(f"{prefix}internal_id"))


async def pointing_at(services: Services, stripe_id: str) -> tuple[str, ...]:
    """Internal ids of the NetSuite customers whose STRIPE CUSTOMER ID (PAYPACK) names `stripe_id`."""
    return (await LiveLookups(services).linked_from([stripe_id])).get(stripe_id, ())


async def read_customer(services: Services, internal_id: str) -> tuple[str, str | None, str | None]:
    """(name, email, stored Stripe id) of a NetSuite customer, as the mapping reads them."""
    name, mapped = await _read_mapped(services, internal_id)
    return name, normalize_email(mapped.email), normalize_stripe_id(mapped.stripe_customer_id)


async def _read_mapped(services: Services, internal_id: str) -> tuple[str, MappedCustomer]:
    record, mapped = await _read_record(services, internal_id)
    return _name(record, mapped), mapped


async def _read_record(services: Services, internal_id: str) -> tuple[dict[str, Any], MappedCustomer]:
    """The customer's record and its mapping, exactly as a sync maps it (R9, the configured lookup field)."""
    ctx = await reads.read_context(services)
    record = await services.netsuite.get_customer(internal_id)
    return record, reads.map_for(services, record, ctx.columns)


def _name(record: dict[str, Any], mapped: MappedCustomer) -> str:
    return str(record.get("companyName") or record.get("companyname") or mapped.params.get("name") or "")


@dataclass(frozen=True)
class Comparison:
    """One customer's NetSuite side beside its linked Stripe customer, as a sync would compare them."""

    internal_id: str
    name: str
    columns: tuple[str, ...]  # the saved search's mapped columns (R9)
    params: dict[str, Any]  # what a sync sends: the update to the linked customer, or a create's parameters
    stripe_id: str | None  # STRIPE CUSTOMER ID (PAYPACK) as stored
    customer: dict[str, Any] | None  # the Stripe customer it names (deleted: {"deleted": True}); None: none
    portal_url: str | None  # a bearer link: show it masked only

    @property
    def linked(self) -> bool:
        return self.customer is not None and not self.customer.get("deleted")


async def compare(services: Services, internal_id: str) -> Comparison:
    """The record mapped as a sync maps it, the parameters a sync would send (against the Stripe customer as it
    is, with [sync] blank_clears), and that Stripe customer: the customer screen's comparison is the sync's."""
    internal_id = str(internal_id).strip()
    record, mapped = await _read_record(services, internal_id)
    sid = normalize_stripe_id(mapped.stripe_customer_id)
    customer = await services.stripe.retrieve(sid) if sid else None
    if customer is not None and not customer.get("deleted"):
        params = mapped.update_params(customer, services.config.sync.blank_clears)
    else:
        params = mapped.create_params()
    return Comparison(internal_id, _name(record, mapped), mapped.columns, params, sid, customer, mapped.portal_url)


async def find_candidates(services: Services, internal_id: str) -> Candidates:
    """The Stripe customers a person would choose between: those of the customer's mailbox, in any letter case
    (the ones R3 counted), oldest first, each with who else points at it."""
    internal_id = str(internal_id).strip()
    prefix = services.config.sync.metadata_prefix
    name, mapped = await _read_mapped(services, internal_id)
    email, stored = normalize_email(mapped.email), normalize_stripe_id(mapped.stripe_customer_id)
    value = email if services.mailboxes.key.by_email else mapped.lookup_value  # what R3 matches on
    found: dict[str, dict[str, Any]] = {}
    if value:
        found = {c["id"]: c for c in await services.mailboxes.find(value) if not c.get("deleted")}
    stored_exists = False
    if stored:
        linked = await services.stripe.retrieve(stored)
        stored_exists = linked is not None and not linked.get("deleted")
    pointed = await LiveLookups(services).linked_from(list(found)) if found else {}
    out = [candidate_from(c, prefix, pointed.get(c["id"], ()))
           for c in sorted(found.values(), key=lambda c: (int(c.get("created") or 0), c["id"]))]
    return Candidates(internal_id, name, email, stored, stored_exists, tuple(out))


async def check_link(services: Services, internal_id: str, stripe_id: str) -> LinkResult:
    """Validate `stripe_id` against Stripe and say what linking would write; writes nothing."""
    internal_id = str(internal_id).strip()
    sid = normalize_stripe_id(stripe_id) or ""
    if not is_stripe_customer_id(sid):
        raise SyncError(f"{stripe_id!r} is not a Stripe customer id",
                        remedy="A Stripe customer id starts with cus_ (Stripe Dashboard -> Customers, the id "
                               "under the customer's name).", code="invalid_stripe_id")
    customer, other_mode = await services.stripe.retrieve_linked(sid)
    if customer is None and other_mode:  # as a sync's R2 says it
        raise SyncError(f"Stripe customer {sid} exists only in the other Stripe mode (test vs live), not in the "
                        f"{services.stripe.mode} mode custsync uses", remedy=OTHER_MODE_LINK_REMEDY, code="other_mode")
    if customer is None:
        raise SyncError(f"Stripe has no customer {sid} in this account",
                        remedy="Check the id in the Stripe Dashboard (Customers), and that custsync uses the "
                               "same account and the same mode (test or live) as the Dashboard.",
                        code="resource_missing")
    if customer.get("deleted"):
        raise SyncError(f"Stripe customer {sid} was deleted",
                        remedy="Link a customer that exists: pick another candidate, or clear the field so the "
                               "next sync matches by email (R3).", code="customer_deleted")
    _name, _email, previous = await read_customer(services, internal_id)
    candidate = candidate_from(customer, services.config.sync.metadata_prefix, await pointing_at(services, sid))
    return LinkResult(internal_id, sid, previous, services.config.netsuite.stripe_id_field, candidate,
                      others=candidate.others(internal_id))


async def write_link(services: Services, result: LinkResult, log: DecisionLog | None) -> LinkResult:
    """Write only STRIPE CUSTOMER ID (PAYPACK), then journal the decision."""
    await services.netsuite.patch_customer(result.internal_id, {result.field: result.stripe_customer_id})
    result.written = True
    if log is not None:
        log.record(result.internal_id, "link", result.stripe_customer_id, result.previous, result.others)
    return result


def decision_journal(path: str | Path) -> Journal:
    """The journal a decision is recorded in; a file that is no journal fails as a sync does, with its remedy."""
    try:
        return Journal(path)
    except JournalError as exc:
        raise SyncError(str(exc)) from None


async def link(services: Services, internal_id: str, stripe_id: str, journal_path: str | Path) -> LinkResult:
    """Validate `stripe_id` against Stripe, write only STRIPE CUSTOMER ID (PAYPACK), journal the decision. The id
    the customer already holds is not written again (`LinkResult.already_linked`, `written` False)."""
    result = await check_link(services, internal_id, stripe_id)
    if result.already_linked:
        return result
    with decision_journal(journal_path) as journal:
        return await write_link(services, result, journal.decisions)


async def unlink(services: Services, internal_id: str, journal_path: str | Path) -> str | None:
    """Empty STRIPE CUSTOMER ID (PAYPACK) so the next sync matches by email (R3); journaled. Returns the id it
    held."""
    _name, _email, previous = await read_customer(services, internal_id)
    await services.netsuite.patch_customer(internal_id, {services.config.netsuite.stripe_id_field: None})
    with decision_journal(journal_path) as journal:
        journal.decisions.record(internal_id, "unlink", None, previous)
    return previous
