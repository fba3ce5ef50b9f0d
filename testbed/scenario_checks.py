"""Scenario expectations against what happened: each check keeps the expected and the actual value."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sync_core.admin.doctor import Check as DoctorCheck
from sync_core.config import Config
from sync_core.masking import mask_url
from sync_core.outcome import Outcome
from sync_core.rules.decide import PortalDecision

from .scenario_model import ANY, DoctorExpect, MassSyncExpect, OpenLinkExpect, OutcomeExpect, StripeThen, Then
from .scenario_state import friendly_value, paypack_fields


@dataclass(frozen=True)
class Check:
    what: str
    expected: Any
    actual: Any
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "expected": self.expected, "actual": self.actual, "ok": self.ok}


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enums as their text


def equal(what: str, expected: Any, actual: Any) -> Check:
    expected, actual = _plain(expected), _plain(actual)
    if expected == ANY:
        return Check(what, "any value", actual, actual not in (None, "", [], {}))
    ok = actual == expected or (expected in (None, "") and actual in (None, ""))
    return Check(what, expected, actual, ok)


def contains(what: str, needle: str, haystack: str | None) -> Check:
    return Check(what, f"contains {needle!r}", haystack, needle.lower() in (haystack or "").lower())


def _message(o: Outcome) -> str:
    parts = [o.decision.reason if o.decision else None, o.cause, o.error.message if o.error else None]
    return " | ".join(dict.fromkeys(p for p in parts if p))


def check_outcome(exp: OutcomeExpect | None, o: Outcome, prefix: str = "") -> list[Check]:
    if exp is None:
        return []
    d = o.decision
    checks: list[Check] = []
    add = checks.append
    if exp.rule is not None:
        add(equal(prefix + "rule", exp.rule, o.rule))
    if exp.action is not None:
        add(equal(prefix + "action", exp.action, d.action if d else None))
    if exp.status is not None:
        add(equal(prefix + "status", exp.status, o.status))
    if exp.stripe_customer_id is not None:
        add(equal(prefix + "stripe_customer_id", exp.stripe_customer_id, o.stripe_customer_id))
    if exp.candidates is not None:
        add(equal(prefix + "candidates", exp.candidates, list(d.candidates) if d else []))
    if exp.message_contains is not None:
        add(contains(prefix + "message", exp.message_contains, _message(o)))
    if exp.remedy_contains is not None:
        add(contains(prefix + "remedy", exp.remedy_contains, o.remedy))
    if exp.trace_contains is not None:
        add(contains(prefix + "trace", exp.trace_contains, " | ".join(s.outcome for s in d.trace) if d else None))
    if exp.shared_with is not None:
        add(equal(prefix + "shared_with", exp.shared_with, list(d.shared_with) if d else []))
    return checks + _portal_checks(exp, o.portal, prefix)


def _portal_checks(exp: OutcomeExpect | OpenLinkExpect, p: PortalDecision | None, prefix: str = "") -> list[Check]:
    checks: list[Check] = []
    add = checks.append
    if exp.portal is not None:
        add(equal(prefix + "portal", exp.portal, p.outcome if p else None))
    if exp.portal_rule is not None:
        add(equal(prefix + "portal rule", exp.portal_rule, p.rule if p else None))
    if exp.portal_message_contains is not None:
        add(contains(prefix + "portal message", exp.portal_message_contains, p.message if p else None))
    if exp.portal_remedy_contains is not None:
        add(contains(prefix + "portal remedy", exp.portal_remedy_contains, p.remedy if p else None))
    return checks


def check_open_link(exp: OpenLinkExpect | None, decision: PortalDecision, new_session: bool) -> list[Check]:
    """A click on the portal link: what the customer got, and whether it was a session not seen before."""
    if exp is None:
        return []
    checks = _portal_checks(exp, decision)
    if exp.new_session is not None:
        checks.append(equal("a new Stripe session", exp.new_session, new_session))
    return checks


def check_mass(exp: MassSyncExpect | None, outcomes: dict[str, Outcome], counts: dict[str, int],
               index_way: str = "") -> list[Check]:
    if exp is None:
        return []
    checks: list[Check] = []
    if exp.stripe_index is not None:
        checks.append(equal("how Stripe was read", exp.stripe_index, index_way or "none"))
    if exp.counts is not None:
        expected = {_plain(k): v for k, v in exp.counts.items() if v}
        checks.append(equal("counts", expected, {k: v for k, v in counts.items() if v}))
    if exp.customers is not None:
        checks.append(equal("customers chosen", sorted(exp.customers, key=int), sorted(outcomes, key=int)))
    for iid, oexp in (exp.outcomes or {}).items():
        if iid not in outcomes:
            checks.append(Check(f"customer {iid}", "synced by this run", "not chosen by the saved search", False))
        else:
            checks.extend(check_outcome(oexp, outcomes[iid], prefix=f"customer {iid} "))
    return checks


def check_doctor(exp: DoctorExpect | None, results: list[DoctorCheck]) -> list[Check]:
    if exp is None:
        return []
    failing = sorted(c.id for c in results if not c.ok)
    checks: list[Check] = []
    if exp.failing is not None:
        checks.append(equal("failing checks", sorted(exp.failing), failing))
    for cid in exp.passing or []:
        checks.append(equal(f"check {cid}", "pass", "fail" if cid in failing else "pass"))
    return checks


# --- then: what both systems hold ------------------------------------------------------


def _stripe_customers(stripe_state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    account = stripe_state["accounts"][0]
    return {c["id"]: c for c in account["test"]["customers"]}


def _check_stripe(what: str, exp: StripeThen, customer: dict[str, Any] | None) -> list[Check]:
    wanted = exp.model_dump(exclude_unset=True)
    if "exists" in wanted:
        exists = customer is not None
        if not wanted.pop("exists") or not exists:
            return [equal(f"{what} exists", exp.exists, exists)]
    if customer is None:
        return [Check(what, "a Stripe customer", "no such Stripe customer", False)]
    checks = []
    for key, value in wanted.items():
        if key == "deleted":
            checks.append(equal(f"{what} deleted", value, bool(customer.get("deleted"))))
        elif key in ("metadata", "address") and value is not None:
            actual = customer.get(key) or {}
            for sub, sub_value in (value or {}).items():
                checks.append(equal(f"{what} {key}.{sub}", sub_value, actual.get(sub)))
        else:
            checks.append(equal(f"{what} {key}", value, customer.get(key)))
    return checks


def check_then(then: Then | None, ns_state: dict[str, Any], stripe_state: dict[str, Any], config: Config) -> list[Check]:
    if then is None:
        return []
    records = {str(c["id"]): c for c in ns_state["customers"]}
    stripe = _stripe_customers(stripe_state)
    sid_field = paypack_fields(config)["stripe_customer_id"]
    checks: list[Check] = []
    for iid, exp in then.netsuite.items():
        record = records.get(iid)
        if record is None:
            checks.append(Check(f"netsuite {iid}", "a NetSuite customer", "no such customer", False))
            continue
        wanted = exp.model_dump(exclude_unset=True)
        linked = wanted.pop("linked_stripe", None)
        for key, value in wanted.pop("custom", {}).items():
            checks.append(equal(f"netsuite {iid} {key}", value, record.get(key)))
        for key, value in wanted.items():
            actual = friendly_value(record, key, config)
            if key == "address":
                actual = {k: (actual or {}).get(k) for k in value or {}}
                value = {k: v for k, v in (value or {}).items()}
            check = equal(f"netsuite {iid} {key}", value, actual)
            if key == "portal_url":  # a bearer link: never shown whole
                check = replace(check, actual=mask_url(check.actual))
            checks.append(check)
        if linked is not None:
            sid = record.get(sid_field)
            checks.extend(_check_stripe(f"netsuite {iid} linked Stripe customer ({sid or 'none'})",
                                        exp.linked_stripe, stripe.get(sid) if sid else None))  # type: ignore[arg-type]
    for sid, sexp in then.stripe.items():
        checks.extend(_check_stripe(f"stripe {sid}", sexp, stripe.get(sid)))
    counts = then.counts
    if counts is not None:
        live = [c for c in stripe.values() if not c.get("deleted")]
        if counts.stripe_customers is not None:
            checks.append(equal("stripe customers", counts.stripe_customers, len(live)))
        for email, n in (counts.stripe_customers_with_email or {}).items():
            checks.append(equal(f"stripe customers with email {email}", n, sum(c.get("email") == email for c in live)))
        if counts.netsuite_linked is not None:
            checks.append(equal("netsuite customers linked", counts.netsuite_linked,
                                sum(bool(r.get(sid_field)) for r in records.values())))
    return checks
