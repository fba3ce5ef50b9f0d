"""The course: the bundled scenarios in the order a new admin learns them.

First the plain cases (R1, then R3: one match links, none creates), the customer without an email (R4) and
the stale link (R2); then the decision a person takes (R3 duplicates), the email change and the rematch;
then the portal (R6-R8), the inactive portal configuration first since every new Stripe account meets it;
then the edges. A scenario file in the directory that the list does not name comes after, by name: QA adds
a scenario by adding a file, and it is in the course at once.
"""

from __future__ import annotations

from collections.abc import Iterable

COURSE = (
    "lookup-priority",              # R1: the stored id wins
    "first-sync",                   # R3: one match links, none creates
    "missing-email",                # R4: nothing to match on
    "stale-link",                   # R2: the stored id names no Stripe customer
    "shared-email",                 # R3: duplicates, and the decision a person takes
    "shared-email-oldest",          # R3: the policy that decides instead
    "cleared-link-asks",
    "email-change",                 # R1/R5: an email change keeps the link
    "rematch",                      # relinking to another Stripe customer
    "inactive-portal",              # R7: what every new Stripe account meets first
    "deployment-not-released",      # R8
    "portal-link-outlives-sessions",
    "rotated-portal-secret",
    "tampered-portal-link",
    "email-case-one-mailbox",       # edges: letter case
    "blank-keeps-stripe-value",     # blanks
    "case-variants-in-one-run",     # customers sharing a mailbox
    "lookup-field-account-number",  # the lookup field
    "markup-in-names",              # markup
    "invalid-email-refused",
    "headers-decide-mapping",
    "stripe-edits-do-not-flow-back",
    "rematch-new-intent",
    "mass-sync",
    "scheduled-sync-reads-stripe-events",
)



def course_order(names: Iterable[str]) -> list[str]:
    """`names` in course order; names the course does not list come after it, by name."""
    names = set(names)
    listed = [n for n in COURSE if n in names]
    return listed + sorted(names - set(listed))
