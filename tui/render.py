"""Plain-text rendering of outcomes and checks for the CLI (the TUI has its own widgets)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from sync_core.admin.doctor import Check
from sync_core.masking import mask_url
from sync_core.outcome import Outcome, Status
from sync_core.rules.decide import Decision
from sync_core.rules.stripe_edits import shown

STATUS_STYLE = {
    Status.OK: "green", Status.PLANNED: "cyan", Status.SKIPPED: "yellow",
    Status.NEEDS_DECISION: "yellow", Status.FAILED: "red",
}


def outcome_line(o: Outcome) -> Text:
    d = o.decision
    what = f"{d.rule} {d.action.value}" if d else "no decision"
    target = f" -> {o.stripe_customer_id}" if o.stripe_customer_id else ""
    return Text.assemble(f"customer {o.internal_id}{target}  ", (what, "bold"), "  ",
                         (o.status.value, STATUS_STYLE[o.status]))


def labelled(indent: str, label: str, style: str, value: object) -> Text:
    """`label` styled, `value` literal: remedies name config sections like "[netsuite] rest_url"."""
    return Text.assemble(indent, (label, style), " ", str(value))


def edit_lines(decision: Decision | None, indent: str = "  ") -> list[str]:
    """R10: each field edited in Stripe outside custsync, both values side by side, and what happens to it."""
    out = []
    for e in decision.stripe_edits if decision else ():
        if not e.new:
            continue
        out.append(f"{indent}{e.field:<12} NetSuite {shown(e.netsuite)} | Stripe {shown(e.stripe)} "
                   f"(last synced {shown(e.last)}): {e.kind.value}, {e.resolution.value}")
    return out


def print_outcome(console: Console, o: Outcome, *, verbose: bool = True) -> None:
    console.print(outcome_line(o))
    if o.cause:
        console.print(f"  cause:  {o.cause}", markup=False)
    elif o.decision:
        console.print(f"  why:    {o.decision.reason}", markup=False)
    if o.decision and o.decision.candidates:
        console.print(f"  candidates: {', '.join(o.decision.candidates)}", markup=False)
    lines = edit_lines(o.decision, "    ")
    if lines:
        console.print("  edited in Stripe (R10):", markup=False)
        for line in lines:
            console.print(line, markup=False)
    if o.remedy and o.status is not Status.OK:
        console.print(labelled("  ", "remedy:", "yellow", o.remedy))
    if not verbose:
        return
    if o.decision:
        for step in o.decision.trace:
            console.print(f"  trace:  {step.rule}  {step.outcome}", markup=False)
    for c in o.changes:
        before, after = c.before, c.after
        if "portal" in c.field:
            before, after = mask_url(before), mask_url(after)
        console.print(f"  change: {c.system} {c.record} {c.field}: {before!r} -> {after!r}", markup=False)
    if o.portal:
        line = f"  portal: {o.portal.rule} {o.portal.outcome.value}: {o.portal.message}"
        if o.portal_url:
            line += f" ({mask_url(o.portal_url)})"
        console.print(line, markup=False)
        if o.portal.remedy:
            console.print(labelled("  ", "portal remedy:", "yellow", o.portal.remedy))
    if o.timings:
        console.print(f"  time:   {o.timings.get('total', 0) * 1000:.0f} ms, retries: {o.retries}", style="dim")


CHECK_STYLE = {"PASS": "green", "WARN": "yellow", "FAIL": "red"}


def print_checks(console: Console, checks: list[Check]) -> None:
    for c in checks:
        rule = f" ({c.rule})" if c.rule else ""
        console.print(Text.assemble((c.mark, CHECK_STYLE[c.mark]), "  ", (c.title, "bold"), f"{rule}: ", str(c.detail)))
        if (not c.ok or c.warning) and c.remedy:
            console.print(labelled("      ", "remedy:", "yellow", c.remedy))
