"""Rich text for a decision and an outcome (the CLI's render.py, for widgets)."""

from __future__ import annotations

from rich.text import Text

from sync_core.masking import mask_url
from sync_core.outcome import Outcome, Status
from sync_core.rules.catalogue import RULES

STATUS_STYLE = {
    Status.OK: "green", Status.PLANNED: "cyan", Status.SKIPPED: "yellow",
    Status.NEEDS_DECISION: "yellow", Status.FAILED: "red",
}


def short_result(o: Outcome) -> str:
    d = o.decision
    return f"{d.rule} {d.action.value} {o.status.value}" if d else o.status.value


def decision_text(o: Outcome) -> Text:
    """What the rules would do now (a dry run's outcome)."""
    t = Text()
    d = o.decision
    if d is None:
        t.append("No decision: ", style="bold red")
        t.append(o.cause or "the customer could not be read")
        if o.remedy:
            t.append("\nRemedy: ", style="bold yellow")
            t.append(o.remedy)
        return t
    t.append(f"{d.rule}", style="bold")
    t.append(f"  action: {d.action.value}", style="bold cyan")
    t.append(f"  ({o.status.value})\n", style=STATUS_STYLE[o.status])
    t.append("Why: ", style="bold")
    t.append(f"{d.reason}\n")
    if d.candidates:
        t.append("Candidates: ", style="bold")
        t.append(", ".join(d.candidates) + "\n")
    if o.stripe_customer_id:
        t.append("Stripe customer: ", style="bold")
        t.append(f"{o.stripe_customer_id}\n")
    for step in d.trace:
        t.append(f"  trace {step.rule}: ", style="dim bold")
        t.append(f"{step.outcome}\n", style="dim")
    if o.remedy and o.status is not Status.OK:
        t.append("Remedy: ", style="bold yellow")
        t.append(f"{o.remedy}\n")
    if o.portal:
        t.append(f"Portal ({o.portal.rule}): ", style="bold")
        t.append(f"{o.portal.outcome.value}: {o.portal.message}\n")
    rule = RULES.get(d.rule)
    if rule is not None:
        t.append(f"\n{rule.id} {rule.name}\n", style="bold cyan")
        t.append(rule.explanation, style="italic")
    return t


def outcome_text(o: Outcome, title: str = "Sync") -> Text:
    """What a sync or a portal-link run did: rule, Stripe id, changes, portal (masked), error and remedy."""
    t = Text()
    t.append(f"{title}: ", style="bold")
    t.append(o.status.value.upper(), style=f"bold {STATUS_STYLE[o.status]}")
    if o.decision:
        t.append(f"  rule {o.decision.rule} {o.decision.action.value}", style="bold")
    t.append("\n")
    if o.stripe_customer_id:
        t.append("Stripe customer id: ", style="bold")
        t.append(f"{o.stripe_customer_id}\n", style="green")
    for c in o.changes:
        before, after = c.before, c.after
        if "portal" in c.field:
            before, after = mask_url(before), mask_url(after)
        t.append(f"  change {c.system} {c.record} {c.field}: {before!r} -> {after!r}\n")
    if o.portal:
        t.append(f"Portal ({o.portal.rule}) {o.portal.outcome.value}: ", style="bold")
        t.append(o.portal.message)
        if o.portal_url:
            t.append(f"  {mask_url(o.portal_url)}", style="dim")
        t.append("\n")
        if o.portal.remedy:
            t.append("Portal remedy: ", style="bold yellow")
            t.append(f"{o.portal.remedy}\n")
    if o.cause and o.status is not Status.OK:
        t.append("Cause: ", style="bold red")
        t.append(f"{o.cause}\n")
    if o.remedy and o.status is not Status.OK:
        t.append("Remedy: ", style="bold yellow")
        t.append(f"{o.remedy}\n")
    if o.timings:
        t.append(f"{o.timings.get('total', 0) * 1000:.0f} ms, retries {o.retries}", style="dim")
    return t
