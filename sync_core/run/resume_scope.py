"""What a resumed mass sync takes: the customers its journal says it took and did not finish, never more.

A resumed (or retried) run reads the saved search again, as it stands now. Customers the search chooses now
that the run never took (added since, or another data set altogether) are not the run's: a new run takes them,
after its plan is seen. Only a run that stopped before it journaled its customers (while reading the search)
takes the search as it is now, as it would have.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from sync_core.run.journal import Journal, JournalError


class LeftAlone(Collection[str]):
    """The customers a resumed run leaves alone: those it finished, and any it never took."""

    def __init__(self, finished: set[str], taken: set[str]) -> None:
        self.finished = finished
        self.taken = taken  # empty: the run journaled none, so the search decides what it takes

    def __contains__(self, internal_id: object) -> bool:
        return internal_id in self.finished or (bool(self.taken) and internal_id not in self.taken)

    def __len__(self) -> int:
        return len(self.finished)  # CustomersFound.already_done: what the run had finished

    def __iter__(self) -> Iterator[str]:
        return iter(self.finished)


def resumed_scope(journal: Journal, run_id: str, *, retry_failed: bool, preview: bool = False) -> LeftAlone:
    """What resuming `run_id` leaves alone. A retry (`retry_failed`) first sets the customers decided since the
    run back to pending (`Journal.reopen_decided`), so it redoes exactly the run's failed, decided and
    unfinished customers. `preview`: the same scope for a dry run of the resume, the journal left as it is."""
    taken = journal.journaled_ids(run_id)
    reopened: list[str] = []
    if retry_failed:
        if not taken:
            raise JournalError(
                f"run {run_id} journaled no customers (it stopped while reading the saved search), so it has no "
                f"failures to retry. Resume it (custsync mass-sync --resume {run_id}) to take the search as it is "
                "now, or start a new run (custsync mass-sync --dry-run shows its plan first).")
        reopened = journal.decided_since(run_id) if preview else journal.reopen_decided(run_id)
    finished = journal.finished_ids(run_id, include_failed=not retry_failed) - set(reopened)
    return LeftAlone(finished, taken)


@dataclass(frozen=True)
class RetryScope:
    """What retrying a run redoes, by why: nothing the run did not take."""

    failed: list[str]  # failed, not counting R2 stale links decided since (those are in `decided`)
    decided: list[str]  # left for a person, with a link decision since the run
    unfinished: list[str]  # never reached (a stopped or interrupted run): pending or create-attempted
    journaled: int  # every customer the run took

    @property
    def total(self) -> int:
        return len(self.failed) + len(self.decided) + len(self.unfinished)

    def describe(self) -> str:
        """"3 failed (1004, 1009, 1013); 1 decided since the run (1016)": what a retry redoes, by why."""
        parts = []
        for ids, what in ((self.failed, "failed"), (self.decided, "decided since the run"),
                          (self.unfinished, "not reached before it stopped")):
            if ids:
                shown = ", ".join(ids[:5]) + (f", and {len(ids) - 5} more" if len(ids) > 5 else "")
                parts.append(f"{len(ids)} {what} ({shown})")
        return "; ".join(parts) or "nothing"

    @property
    def reads_the_search(self) -> bool:
        """The run journaled no customers (it stopped while reading the search): resuming it takes the search as
        it is now, as a new run would."""
        return self.journaled == 0

    def asks_first(self, *, retry: bool) -> bool:
        """Whether continuing the run takes more than a person asked for, so its plan is shown and a yes awaited
        (the TUI's r and f, `custsync mass-sync --resume RUN [--retry-failed]`). A retry redoes the run's failed
        and decided customers without asking; customers it never reached (a stopped or interrupted run) are
        more. A resume finishes the run's unfinished customers without asking, unless it reads the search."""
        return self.reads_the_search or (retry and bool(self.unfinished))

    def plan_text(self, run_id: str, *, retry: bool) -> str:
        """What continuing the run would do, by why, before it is done (the plan a person says yes to)."""
        if self.reads_the_search:
            return (f"Run {run_id} journaled no customers: it stopped while reading the saved search. Resuming it "
                    "takes every customer the search chooses now, as a new run would.")
        what = self.describe() if retry else RetryScope([], [], self.unfinished, self.journaled).describe()
        return f"Run {run_id} {'retries' if retry else 'resumes'}: {what}. No other customer is taken."

    def as_dict(self) -> dict[str, object]:
        return {"failed": self.failed, "decided_since": self.decided, "not_reached": self.unfinished,
                "journaled": self.journaled}


def retry_scope(journal: Journal, run_id: str) -> RetryScope:
    """What `--resume RUN --retry-failed` (f in the TUI) would redo, read without changing the journal."""
    decided = journal.decided_since(run_id)
    by_state: dict[str, list[str]] = {}
    steps = journal.steps(run_id)
    for step in steps:
        by_state.setdefault(step.state, []).append(step.internal_id)
    chosen = set(decided)
    return RetryScope([i for i in by_state.get("failed", []) if i not in chosen], decided,
                      by_state.get("pending", []) + by_state.get("create-attempted", []), len(steps))
