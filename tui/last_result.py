"""A customer's last result this session that did not end ok, as its screen shows it: where it came from (a
mass sync run), what happened, the cause and the remedy."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

NO_REMEDY = "mend the cause, then sync again (s here, or f on the mass-sync screen for the run)"


@dataclass(frozen=True)
class LastResult:
    source: str  # "mass sync run run-2026...", "" when unknown
    result: str  # "R2 error failed: ..."
    state: str  # failed, needs-decision, skipped, ok
    cause: str | None
    remedy: str | None

    def text(self) -> Text:
        t = Text()
        t.append(f"Last result{' (' + self.source + ')' if self.source else ''}: ", style="bold")
        failed = self.state == "failed" or "failed" in self.result.split()
        t.append(f"{self.result}\n", style="bold red" if failed else "bold yellow")
        if self.cause:
            t.append("Cause: ", style="bold red" if failed else "bold")
            t.append(f"{self.cause}\n")
        if failed or self.remedy:
            t.append("Remedy: ", style="bold yellow")
            t.append(f"{self.remedy or NO_REMEDY}\n")
        return t
