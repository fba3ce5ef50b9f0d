"""What a sync did (or would do): the decision, the changes on each side, the portal link, timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sync_core.errors import SyncError
from sync_core.masking import mask_url
from sync_core.rules.decide import Decision, PortalDecision


class Status(StrEnum):
    OK = "ok"  # linked (and pushed) as the rules say
    PLANNED = "planned"  # dry run: what would happen
    SKIPPED = "skipped"  # R4: nothing to match on
    NEEDS_DECISION = "needs-decision"  # R3 several candidates: the operator chooses
    FAILED = "failed"  # an error (R2, a service error, a mapping error)


@dataclass(frozen=True, slots=True)
class Change:
    system: str  # "netsuite" | "stripe"
    record: str  # "customer 101" | "cus_..."
    field: str
    before: Any
    after: Any


@dataclass(slots=True)
class Outcome:
    internal_id: str
    status: Status
    decision: Decision | None = None
    stripe_customer_id: str | None = None
    changes: list[Change] = field(default_factory=list)
    portal: PortalDecision | None = None
    portal_url: str | None = None  # a bearer link: shown masked unless asked for
    error: SyncError | None = None
    timings: dict[str, float] = field(default_factory=dict)
    retries: int = 0

    @property
    def rule(self) -> str | None:
        if self.decision is not None:
            return self.decision.rule
        return self.error.rule if self.error is not None else None

    @property
    def cause(self) -> str | None:
        if self.error is not None:
            return self.error.message
        if self.decision is not None and self.status is not Status.OK:
            return self.decision.reason
        return None

    @property
    def remedy(self) -> str | None:
        if self.error is not None and self.error.remedy:
            return self.error.remedy
        return self.decision.remedy if self.decision is not None else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the portal URL masked and no secrets."""
        d = self.decision
        return {
            "internal_id": self.internal_id,
            "status": self.status.value,
            "rule": self.rule,
            "action": d.action.value if d else None,
            "reason": d.reason if d else None,
            "trace": [{"rule": s.rule, "outcome": s.outcome} for s in d.trace] if d else [],
            "candidates": list(d.candidates) if d else [],
            # R10: each field edited in Stripe outside custsync, with both values, the last synced and the policy's answer
            "stripe_edits": [e.as_dict() for e in d.stripe_edits] if d else [],
            "stripe_customer_id": self.stripe_customer_id,
            "changes": [{"system": c.system, "record": c.record, "field": c.field,
                         "before": _masked(c.field, c.before), "after": _masked(c.field, c.after)} for c in self.changes],
            "portal": None if self.portal is None else {
                "rule": self.portal.rule, "outcome": self.portal.outcome.value,
                "message": self.portal.message, "remedy": self.portal.remedy},
            "portal_url": mask_url(self.portal_url),
            "error": self.error.as_dict() if self.error else None,
            "remedy": self.remedy,
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()},
            "retries": self.retries,
        }


def _masked(field_name: str, value: Any) -> Any:
    if isinstance(value, str) and "portal" in field_name.lower() and value.startswith("http"):
        return mask_url(value)
    return value
