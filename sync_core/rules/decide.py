"""decide(): from the facts about one customer to a Decision (rule, action, reason, candidates, trace).

Pure, synchronous decision code over plain data. The engine gathers the facts
(the NetSuite record, what Stripe holds) and asks these functions what to do;
the rule ids and texts come from the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from sync_core.rules.catalogue import PORTAL_DEPLOYMENT, PORTAL_ERROR_TEXT, RULES, Action
from sync_core.rules.stripe_edits import FieldEdit, Resolution


class DuplicateEmailPolicy(StrEnum):
    ASK = "ask"
    OLDEST = "oldest"
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class StripeCustomerRef:
    """What the rules need to know of one Stripe customer."""

    id: str
    email: str | None = None
    created: int = 0
    deleted: bool = False
    netsuite_internal_id: str | None = None  # the tag custsync writes: metadata.netsuite_internal_id
    linked_from: tuple[str, ...] = ()  # other NetSuite customers whose STRIPE CUSTOMER ID names it
    planned: bool = False  # a dry run's stand-in for the customer an earlier row of the run would create

    def others_linking(self, internal_id: str) -> tuple[str, ...]:
        """NetSuite customers other than `internal_id` that this Stripe customer is linked to (field or tag)."""
        others = {i for i in self.linked_from if i != internal_id}
        if self.netsuite_internal_id and self.netsuite_internal_id != internal_id:
            others.add(self.netsuite_internal_id)
        return tuple(sorted(others, key=lambda i: (len(i), i)))  # internal ids in numeric order


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What the rules need to know of one NetSuite customer (raw field values)."""

    internal_id: str
    email: str | None
    stripe_customer_id: str | None
    lookup_field: str = "email"  # [sync] lookup_field: what R3 matches on (match_key.MatchKey)
    lookup_value: str | None = None  # that field's value, when it is not the email

    @property
    def by_email(self) -> bool:
        return self.lookup_field == "email"

    def match_value(self) -> str | None:
        """The value R3 matches on, trimmed: the email, or the lookup field's value."""
        if self.by_email:
            return normalize_email(self.email)
        return normalize_email(self.lookup_value)  # the same trim; the letter case is kept


@dataclass(frozen=True, slots=True)
class TraceStep:
    rule: str
    outcome: str


# Steps every decision of their kind takes word for word: one instance each, shared by a run's decisions.
BLANK_ID = TraceStep("R1", "STRIPE CUSTOMER ID (PAYPACK) is blank")
NO_EMAIL = TraceStep("R4", "no email address either: nothing to match on")
NO_MATCH_CREATE = TraceStep("R3", "no Stripe customer has this email: create one")
FIELDS_DIFFER = TraceStep("R1", "mapped fields differ: push them to the linked customer")
FIELDS_EQUAL = TraceStep("R1", "mapped fields already equal")


@dataclass(frozen=True, slots=True)
class Decision:
    rule: str
    action: Action
    reason: str
    trace: tuple[TraceStep, ...]
    stripe_customer_id: str | None = None
    candidates: tuple[str, ...] = ()
    remedy: str | None = None
    shared_with: tuple[str, ...] = ()  # other NetSuite customers already linked to the chosen Stripe customer
    push: bool = True  # whether this customer pushes its mapped fields (False: another customer owns them)
    recovered: bool = False  # links the customer an interrupted create made for this customer
    stripe_edits: tuple[FieldEdit, ...] = ()  # R10: fields edited in Stripe outside custsync, as resolved

    @property
    def needs_person(self) -> bool:
        """A field edited in Stripe waits for a person's choice (R10, policy ask)."""
        return any(e.resolution is Resolution.ASK for e in self.stripe_edits)

    # What a decision writes is the plan row's to say (`planner.PlanRow.writes_stripe`, `writes_netsuite`): a
    # link-existing pushes the fields that differ, a use-linked writes a stale portal link; the rules know neither.

    @property
    def linked(self) -> bool:
        return self.action in (Action.USE_LINKED, Action.UPDATE, Action.LINK_EXISTING, Action.CREATE)


def normalize_email(raw: str | None) -> str | None:
    """Trim the spaces a CSV import or a paste leaves; keep the letter case (it is what Stripe stores)."""
    if raw is None:
        return None
    email = raw.strip()
    return email or None


def mailbox(email: str | None) -> str | None:
    """The mailbox an address names, whatever its spelling: `Billing@X.test` and `billing@x.test` are one.

    RFC 5321 lets a server treat the local part case-sensitively, but mail systems do not, and a
    person who typed the address in other letters means the same mailbox. `lower()`, not
    `casefold()`: casefold maps `ß` to `ss`, which would make two different addresses one.
    """
    email = normalize_email(email)
    if not email:
        return None
    lowered = email.lower()
    # The address itself when it is written in lower case already: a run keys its mailboxes by them, and
    # 100,000 customers would otherwise hold a second copy of each.
    return email if lowered == email else lowered


def email_problem(email: str) -> str | None:
    """Why a trimmed address cannot be sent to Stripe, or None. Unicode and plus-addressing are fine."""
    if any(ch.isspace() for ch in email):
        return "contains spaces"
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return "has no local part, @ and domain"
    if "@" in local.replace('"', ""):
        return "has more than one @"
    return None


def normalize_stripe_id(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip()
    return value or None


class LookupKind(StrEnum):
    BY_ID = "by-id"
    BY_EMAIL = "by-email"
    NONE = "none"


def lookup_needed(facts: CustomerFacts) -> LookupKind:
    """The lookup-priority order: STRIPE CUSTOMER ID (PAYPACK) first, then EMAIL ADDRESS (or the configured
    lookup field; BY_EMAIL then means "by that field")."""
    if normalize_stripe_id(facts.stripe_customer_id):
        return LookupKind.BY_ID
    if facts.match_value():
        return LookupKind.BY_EMAIL
    return LookupKind.NONE


def _remedy(rule_id: str) -> str | None:
    return RULES[rule_id].remedy


OTHER_MODE_REMEDY = ("The stored id belongs to the other Stripe mode (a test-mode id with a live key, or the "
                     "reverse; often sandbox ids imported into production). Clear STRIPE CUSTOMER ID (PAYPACK) "
                     "and sync again to rematch in this mode, or check that the Stripe key is the intended one.")


def decide(
    facts: CustomerFacts,
    *,
    linked: StripeCustomerRef | None = None,
    linked_other_mode: bool = False,
    same_mailbox: tuple[StripeCustomerRef, ...] = (),
    interrupted_create: StripeCustomerRef | None = None,
    fields_differ: bool = True,
    policy: DuplicateEmailPolicy = DuplicateEmailPolicy.ASK,
) -> Decision:
    """Decide what a sync of this customer does.

    - `linked`: the retrieve of the stored id (None when it does not exist;
      `deleted=True` when Stripe reports it deleted). Only read for BY_ID.
      `linked_other_mode`: Stripe said the id exists in the other mode.
    - `same_mailbox`: every Stripe customer whose email is the NetSuite email's
      mailbox, in any letter case (Stripe's list filter is case-sensitive, so
      the engine looks up several ways); several spellings are several candidates.
    - `interrupted_create`: the Stripe customer that an interrupted create for
      this customer made (the journal says a create was sent and never
      recorded; the customer is tagged for it and created since), whatever its
      data now: linked and brought up to date. A customer merely tagged with
      this internal id by an earlier, finished create (the guide's rematch) is
      an ordinary candidate in `same_mailbox`.
    - `fields_differ`: whether the mapped fields differ from the linked Stripe
      customer's (decides update vs use-linked).
    """
    trace: list[TraceStep] = []
    stored_id = normalize_stripe_id(facts.stripe_customer_id)
    email = normalize_email(facts.email)

    if stored_id:
        return _linked(facts, stored_id, linked, linked_other_mode, fields_differ, trace)

    trace.append(BLANK_ID)
    if not facts.by_email:
        return _by_field(facts, same_mailbox, interrupted_create, policy, trace)
    if not email:
        trace.append(NO_EMAIL)
        return Decision(
            rule="R4",
            action=Action.SKIP,
            reason="No Stripe customer id and no email address.",
            trace=tuple(trace),
            remedy=_remedy("R4"),
        )

    if facts.email is not None and facts.email != email:
        trace.append(TraceStep("R3", f"email trimmed of surrounding spaces to {email!r}"))
    problem = email_problem(email)
    if problem:
        trace.append(TraceStep("R3", f"email {email!r} {problem}: not looked up, nothing created"))
        return Decision(
            rule="R3",
            action=Action.ERROR,
            reason=f"The email address {email!r} {problem}.",
            trace=tuple(trace),
            remedy=INVALID_EMAIL_REMEDY,
        )

    if interrupted_create is not None and not interrupted_create.deleted:
        return _recovered(interrupted_create, trace)

    box = mailbox(email)
    live = tuple(c for c in same_mailbox if not c.deleted and mailbox(c.email) == box)
    spellings = sorted({c.email for c in live if c.email})
    other = [s for s in spellings if s != email]
    trace.append(TraceStep("R3", f"Stripe customers with mailbox {email!r} (any letter case): {len(live)}"
                                 + (f"; spelled {', '.join(repr(s) for s in other)}" if other else "")))
    if len(live) == 1:
        return _link_existing(facts, live[0], f"One Stripe customer has this email: {live[0].id}.", trace)
    if len(live) > 1:
        return _several(facts, live, email, policy, trace)

    trace.append(NO_MATCH_CREATE)
    return Decision(
        rule="R3",
        action=Action.CREATE,
        reason="No Stripe customer has this email; one will be created and linked.",
        trace=tuple(trace),
    )


def _recovered(interrupted_create: StripeCustomerRef, trace: list[TraceStep]) -> Decision:
    trace.append(TraceStep("R3", f"{interrupted_create.id} was made for this customer by an interrupted create "
                                 "(the run journal has the attempt): recovered, its fields brought up to date, not "
                                 "created again"))
    return Decision(
        rule="R3",
        action=Action.LINK_EXISTING,
        reason=f"Recovered {interrupted_create.id}, which an interrupted create made for this customer.",
        trace=tuple(trace),
        stripe_customer_id=interrupted_create.id,
        recovered=True,
    )


def no_key_remedy(field: str) -> str:
    """R4's remedy when the lookup field is not the email."""
    return (f"Populate STRIPE CUSTOMER ID (PAYPACK), e.g. from a Stripe customer export imported with custsync "
            f"import-stripe-ids FILE, or fill in the lookup field {field} ([sync] lookup_field) on the customer.")


def _by_field(facts: CustomerFacts, candidates: tuple[StripeCustomerRef, ...],
              interrupted_create: StripeCustomerRef | None, policy: DuplicateEmailPolicy,
              trace: list[TraceStep]) -> Decision:
    """R3/R4 with a lookup field other than the email: its value, trimmed, matched exactly (letter case
    counts) against the Stripe customers' metadata under the field id. `candidates` are the Stripe
    customers that hold it (the lookups match; see match_key)."""
    field, value = facts.lookup_field, facts.match_value()
    if not value:
        trace.append(TraceStep("R4", f"no value in the lookup field {field} either: nothing to match on"))
        return Decision(rule="R4", action=Action.SKIP,
                        reason=f"No Stripe customer id and no value in the lookup field {field}.",
                        trace=tuple(trace), remedy=no_key_remedy(field))
    if facts.lookup_value != value:
        trace.append(TraceStep("R3", f"{field} trimmed of surrounding spaces to {value!r}"))
    if interrupted_create is not None and not interrupted_create.deleted:
        return _recovered(interrupted_create, trace)
    live = tuple(c for c in candidates if not c.deleted)
    trace.append(TraceStep("R3", f"Stripe customers with metadata {field} = {value!r} (exact): {len(live)}"))
    if len(live) == 1:
        return _link_existing(facts, live[0], f"One Stripe customer holds {field} {value!r}: {live[0].id}.", trace)
    if len(live) > 1:
        return _several(facts, live, value, policy, trace, what=f"hold {field} {value!r}")
    trace.append(TraceStep("R3", f"no Stripe customer holds {field} {value!r}: create one (with it in metadata)"))
    return Decision(rule="R3", action=Action.CREATE,
                    reason=f"No Stripe customer holds {field} {value!r}; one will be created with it and linked.",
                    trace=tuple(trace))


INVALID_EMAIL_REMEDY = ("Correct the email address on the NetSuite customer, or enter the Stripe customer id in "
                        "STRIPE CUSTOMER ID (PAYPACK).")


def _linked(facts: CustomerFacts, stored_id: str, linked: StripeCustomerRef | None, other_mode: bool,
            fields_differ: bool, trace: list[TraceStep]) -> Decision:
    trace.append(TraceStep("R1", f"STRIPE CUSTOMER ID (PAYPACK) is {stored_id}: use it, no email lookup"))
    if linked is None or linked.deleted:
        if linked is not None:
            why = "was deleted in Stripe"
        elif other_mode:
            why = "exists only in the other Stripe mode (test vs live)"
        else:
            why = "does not exist in this Stripe account/mode"
        trace.append(TraceStep("R2", f"{stored_id} {why}: not relinking"))
        return Decision(
            rule="R2",
            action=Action.ERROR,
            reason=f"Stored Stripe customer {stored_id} {why}.",
            trace=tuple(trace),
            stripe_customer_id=stored_id,
            remedy=OTHER_MODE_REMEDY if other_mode and linked is None else _remedy("R2"),
        )
    owner = linked.netsuite_internal_id
    if owner and owner != facts.internal_id:
        if owner in linked.linked_from:
            # Two NetSuite customers share one Stripe customer: only the one it was made for
            # pushes, or each run would rewrite the other's values (and the tag) back and forth.
            trace.append(TraceStep("R1", f"{stored_id} belongs to NetSuite customer {owner} (its tag), which still "
                                         "links it: shared, fields are pushed by that customer only"))
            return Decision(rule="R1", action=Action.USE_LINKED,
                            reason=f"Linked to {stored_id}, shared with NetSuite customer {owner}; nothing pushed "
                                   "from this customer.",
                            trace=tuple(trace), stripe_customer_id=stored_id,
                            shared_with=linked.others_linking(facts.internal_id), push=False)
        trace.append(TraceStep("R1", f"{stored_id} is tagged for NetSuite customer {owner}, which no longer links "
                                     f"it: this customer takes it over"))
    if fields_differ:
        trace.append(FIELDS_DIFFER)
        action, reason = Action.UPDATE, f"Linked to {stored_id}; mapped fields will be pushed to it."
    else:
        trace.append(FIELDS_EQUAL)
        action, reason = Action.USE_LINKED, f"Linked to {stored_id}; nothing to push."
    shared = tuple(i for i in linked.linked_from if i != facts.internal_id)
    return Decision(rule="R1", action=action, reason=reason, trace=tuple(trace), stripe_customer_id=stored_id,
                    shared_with=shared)


def _link_existing(facts: CustomerFacts, chosen: StripeCustomerRef, reason: str, trace: list[TraceStep],
                   candidates: tuple[str, ...] = ()) -> Decision:
    others = chosen.others_linking(facts.internal_id)
    owner = chosen.netsuite_internal_id
    owned_by_other = bool(owner and owner != facts.internal_id and owner in chosen.linked_from)
    if chosen.planned:
        trace.append(TraceStep("R3", f"{chosen.id} is the Stripe customer this run creates for NetSuite customer "
                                     f"{chosen.netsuite_internal_id}: link it"))
    if others:
        whose = (f"fields stay NetSuite customer {owner}'s" if owned_by_other
                 else "this customer's fields are pushed to it")
        trace.append(TraceStep("R3", f"{chosen.id} is already linked to NetSuite customer(s) {', '.join(others)}: "
                                     f"this customer will share it ({whose})"))
        reason = f"{reason} It is already linked to NetSuite customer(s) {', '.join(others)}: shared."
    return Decision(
        rule="R3",
        action=Action.LINK_EXISTING,
        reason=reason,
        trace=tuple(trace),
        stripe_customer_id=chosen.id,
        candidates=candidates,
        shared_with=others,
        push=not owned_by_other,
    )


def _several(
    facts: CustomerFacts,
    candidates: tuple[StripeCustomerRef, ...],
    email: str,
    policy: DuplicateEmailPolicy,
    trace: list[TraceStep],
    what: str | None = None,
) -> Decision:
    """Several candidates: ask, or let the policy pick. `what` says what they share (default: the email)."""
    said = what or f"share the email {email} (any letter case)"
    what = what or "share this email (any letter case)"
    ordered = tuple(sorted(candidates, key=lambda c: (c.created, c.id)))
    ids = tuple(c.id for c in ordered)
    if policy is DuplicateEmailPolicy.ASK:
        trace.append(TraceStep("R3", f"{len(ids)} candidates {what}: not guessing (policy: ask)"))
        return Decision(
            rule="R3",
            action=Action.ASK,
            reason=f"{len(ids)} Stripe customers {said}: {', '.join(ids)}.",
            trace=tuple(trace),
            candidates=ids,
            remedy=_remedy("R3"),
        )
    chosen = ordered[0] if policy is DuplicateEmailPolicy.OLDEST else ordered[-1]
    trace.append(TraceStep("R3", f"{len(ids)} candidates {what}: policy {policy.value} picks {chosen.id}"))
    return _link_existing(facts, chosen, f"{len(ids)} Stripe customers {what}; the {policy.value} one, "
                                         f"{chosen.id}, is linked.", trace, candidates=ids)


# --- Portal links (R6-R8) -------------------------------------------------


class PortalOutcome(StrEnum):
    # what a sync or `portal-link` did with the field
    WRITTEN = "written"  # the current link was written
    CURRENT = "current"  # the field already holds the current link
    PLANNED = "planned"  # dry run: the link is written if the field is empty or stale
    NOT_LINKED = "not-linked"  # no Stripe customer is linked: no link
    FAILED = "failed"  # NetSuite could not give or take the link
    # what opening the link gave (`portal-link --check`, doctor)
    OK = "ok"  # a redirect to a Stripe portal session
    NO_LINK = "no-link"  # the field is empty
    STALE_LINK = "stale-link"  # the Suitelet refused the signature: an old secret or an altered link
    STALE_CUSTOMER = "stale-customer"  # R2: the stored Stripe id names no Stripe customer
    NOT_ACTIVATED = "not-activated"  # R7
    NOT_RELEASED = "not-released"  # R8
    STRIPE_REFUSED = "stripe-refused"  # Stripe refused for another reason (see the Suitelet's log)
    UNREACHABLE = "unreachable"  # the Suitelet could not reach Stripe, or custsync the Suitelet


@dataclass(frozen=True, slots=True)
class PortalDecision:
    rule: str
    outcome: PortalOutcome
    message: str
    remedy: str | None = None


def r8_remedy(deployment: str = PORTAL_DEPLOYMENT) -> str:
    """R8's remedy, naming the deployment the configuration names ([netsuite] portal_deployment)."""
    return (_remedy("R8") or "").replace(PORTAL_DEPLOYMENT, deployment)


def for_deployment(decision: PortalDecision, deployment: str) -> PortalDecision:
    """An R8 answer with the remedy naming the configured deployment (a link check's, from LINK_CHECKS)."""
    if decision.rule != "R8" or deployment == PORTAL_DEPLOYMENT:
        return decision
    return PortalDecision(decision.rule, decision.outcome, decision.message.replace(PORTAL_DEPLOYMENT, deployment),
                          (decision.remedy or "").replace(PORTAL_DEPLOYMENT, deployment) or None)


def _not_released(message: str, deployment: str) -> PortalDecision:
    return PortalDecision("R8", PortalOutcome.NOT_RELEASED, f"{message} It answers NetSuite's error until the "
                          f"deployment {deployment} is released.", remedy=r8_remedy(deployment))


@cache  # a few answers, shared by every customer of a run (a decision is a value)
def portal_write(*, linked: bool, current: bool, deployment_released: bool,
                 deployment: str = PORTAL_DEPLOYMENT) -> PortalDecision:
    """What a sync does with the portal field (R6); R8 when the links it writes cannot work yet (`deployment`:
    the configured portal deployment)."""
    if not linked:
        return PortalDecision("R6", PortalOutcome.NOT_LINKED, "No Stripe customer is linked; no portal link.")
    if current:
        done = PortalDecision("R6", PortalOutcome.CURRENT, "The portal field already holds the current link.")
    else:
        done = PortalDecision("R6", PortalOutcome.WRITTEN, "The current portal link was written.")
    if not deployment_released:
        return _not_released(done.message, deployment)
    return done


@cache
def portal_plan(*, deployment_released: bool, deployment: str = PORTAL_DEPLOYMENT,
                current: bool | None = None) -> PortalDecision:
    """Dry run: say what a real run would do. `current`: whether the field holds the current link (None: the
    current link is not known, so neither is whether it is written)."""
    if current:
        done = PortalDecision("R6", PortalOutcome.CURRENT, "The portal field already holds the current link.")
    elif current is None:
        done = PortalDecision("R6", PortalOutcome.PLANNED, "The portal link is written if the field is empty or stale.")
    else:
        done = PortalDecision("R6", PortalOutcome.PLANNED, "The current portal link would be written (the field is "
                                                           "empty or stale).")
    if not deployment_released:
        return _not_released(done.message, deployment)
    return done


# What opening a link can give: the Suitelet's page reason (or the redirect, or NetSuite's error) -> decision.
LINK_CHECKS: dict[str, PortalDecision] = {
    "ok": PortalDecision("R6", PortalOutcome.OK, "The link redirects to a Stripe billing-portal session."),
    "no-link": PortalDecision("R6", PortalOutcome.NO_LINK, "The portal field is empty.", _remedy("R6")),
    "bad-signature": PortalDecision(
        "R6", PortalOutcome.STALE_LINK,
        "Stale link: the Suitelet refuses its signature (the signing secret was rotated, or the link was "
        "altered); the customer reads 'This billing link is not valid or is out of date'.",
        "Re-sync: custsync portal-link ID (or --all) writes the current link."),
    "not-linked": PortalDecision(
        "R6", PortalOutcome.NOT_LINKED,
        "The Suitelet finds no STRIPE CUSTOMER ID on the customer; the customer reads 'Online billing is not "
        "set up for your account yet'.", "Sync the customer (custsync sync ID) to link it."),
    "stale-customer": PortalDecision(
        "R2", PortalOutcome.STALE_CUSTOMER,
        "The stored STRIPE CUSTOMER ID names no Stripe customer (deleted, or another account); the customer "
        "reads 'This billing link is not valid or is out of date'.", _remedy("R2")),
    "portal-not-activated": PortalDecision(
        "R7", PortalOutcome.NOT_ACTIVATED,
        f"The customer reads '{PORTAL_ERROR_TEXT}': Stripe has no default portal configuration.", _remedy("R7")),
    "stripe-refused": PortalDecision(
        "R7", PortalOutcome.STRIPE_REFUSED,
        f"The customer reads '{PORTAL_ERROR_TEXT}': Stripe refused the session for another reason.",
        "Read the Suitelet's execution log (Customization -> Scripting -> Script Deployments -> the "
        "deployment -> Execution Log): it has Stripe's message; check the Stripe key API secret."),
    "stripe-unreachable": PortalDecision(
        "R6", PortalOutcome.UNREACHABLE,
        "The Suitelet could not reach Stripe (or Stripe failed); the customer reads 'The billing portal "
        "cannot be reached right now'.", "Try again later; if it lasts, read the Suitelet's execution log."),
    "not-released": PortalDecision(
        "R8", PortalOutcome.NOT_RELEASED,
        "The link answers NetSuite's error instead of a redirect: the portal Suitelet's deployment is not "
        "released (or not available without login).", _remedy("R8")),
}


def is_portal_not_activated(status: int | None, message: str | None) -> bool:
    """Recognise Stripe's refusal for a missing default portal configuration.

    Stripe documents no error code for it (reference/stripe.md), so the
    message is the only signal: 'No configuration provided and your ... default
    configuration has not been created'.
    """
    if status != 400 or not message:
        return False
    text = message.lower()
    return "default configuration" in text and ("not been created" in text or "customer portal" in text)
