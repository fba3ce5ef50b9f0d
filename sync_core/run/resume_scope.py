"""What a resumed mass sync takes: the customers its journal says it took and did not finish, never more.

A resumed (or retried) run reads the saved search again, as it stands now. Customers the search chooses now
that the run never took (added since, or another data set altogether) are not the run's: a new run takes them,
after its plan is seen. Only a run that stopped before it journaled its customers (while reading the search)
takes the search as it is now, as it would have.
"""

from __future__ import annotations

from typing import Collection, Iterator

from sync_core.run import run_status
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


def resumed_scope(journal: Journal, run_id: str, *, retry_failed: bool) -> LeftAlone:
    """What resuming `run_id` leaves alone. A retry (`retry_failed`) first sets the customers decided since the
    run back to pending (run_status.reopen_decided), so it redoes exactly the run's failed, decided and
    unfinished customers."""
    taken = run_status.journaled_ids(journal.path, run_id)
    if retry_failed:
        if not taken:
            raise JournalError(
                f"run {run_id} journaled no customers (it stopped while reading the saved search), so it has no "
                f"failures to retry. Resume it (custsync mass-sync --resume {run_id}) to take the search as it is "
                "now, or start a new run (custsync mass-sync --dry-run shows its plan first).")
        run_status.reopen_decided(journal.path, run_id)
    return LeftAlone(journal.finished_ids(run_id, include_failed=not retry_failed), taken)
