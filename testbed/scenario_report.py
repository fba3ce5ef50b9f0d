"""What a scenario run reports: per step what happened, which rule fired, and each check (expected vs actual)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .scenario_checks import Check


@dataclass
class StepReport:
    index: int  # 1-based, as a person counts the steps of the file
    kind: str
    title: str  # the step as written: "sync 101 (dry run)"
    happened: str = ""  # one line: what custsync did
    rule: str | None = None
    details: list[str] = field(default_factory=list)  # reason, trace, remedy, changes
    note: str | None = None
    checks: list[Check] = field(default_factory=list)
    error: str | None = None  # the step could not run
    elapsed: float = 0.0  # seconds

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "title": self.title, "happened": self.happened,
                "rule": self.rule, "details": self.details, "note": self.note, "ok": self.ok, "error": self.error,
                "checks": [c.as_dict() for c in self.checks]}


@dataclass
class ScenarioReport:
    name: str
    title: str
    path: str
    rules: list[str]
    lesson: str = ""
    steps: list[StepReport] = field(default_factory=list)
    then: list[Check] = field(default_factory=list)  # the scenario's final `then`
    error: str | None = None  # setup failed (mocks unreachable, state refused)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.ok for s in self.steps) and all(c.ok for c in self.then)

    def failures(self) -> list[str]:
        """One line per failed check or error, expected vs actual: for test messages and summaries."""
        lines = [f"setup: {self.error}"] if self.error else []
        for s in self.steps:
            if s.error:
                lines.append(f"step {s.index} ({s.title}): error: {s.error}")
            lines += [f"step {s.index} ({s.title}): {c.what}: expected {c.expected!r}, actual {c.actual!r}"
                      for c in s.checks if not c.ok]
        lines += [f"then: {c.what}: expected {c.expected!r}, actual {c.actual!r}" for c in self.then if not c.ok]
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "path": self.path, "rules": self.rules, "ok": self.ok,
                "error": self.error, "elapsed_s": round(self.elapsed, 3), "steps": [s.as_dict() for s in self.steps],
                "then": [c.as_dict() for c in self.then], "failures": self.failures()}
