"""The exit codes of every `custsync` command: one home, so the same outcome exits the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from sync_core.outcome import Status

EXIT_OK = 0  # everything done (or, for a dry run, planned)
EXIT_FAILURES = 1  # some customer (or scenario, or check) failed: its cause and remedy are printed
EXIT_USAGE = 2  # bad usage, a bad file or configuration: nothing was written
EXIT_NEEDS_PERSON = 3  # nothing failed, but some customers need a person (R3 ask, R4 skipped)
EXIT_INTERRUPTED = 130  # Ctrl-C

HELP = ("Exit codes: 0 all done; 1 some customers failed; 2 bad usage, file or configuration (nothing "
        "written); 3 nothing failed but some customers need a person (R3 several candidates, R4 no key); "
        "130 interrupted.")


def exit_for(statuses: Iterable[Status]) -> int:
    """The exit code for a run's customers: failures first, then customers that need a person."""
    seen = set(statuses)
    if Status.FAILED in seen:
        return EXIT_FAILURES
    if seen & {Status.NEEDS_DECISION, Status.SKIPPED}:
        return EXIT_NEEDS_PERSON
    return EXIT_OK


def exit_for_counts(counts: dict[str, int]) -> int:
    return exit_for(Status(k) for k, v in counts.items() if v and k in Status._value2member_map_)
