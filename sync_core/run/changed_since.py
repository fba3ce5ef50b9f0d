"""`--changed-since`: a mass sync of only the customers modified since a moment.

Meant for schedules: `custsync mass-sync --changed-since last` every few minutes takes the customers whose
`lastmodifieddate` is at or after the start of the last finished run against the same target, so an edit
made in NetSuite (an email, an address) reaches Stripe without anyone pressing a button.

NetSuite keeps `lastmodifieddate` to the second; the moment is taken down to its second (and
CLOCK_MARGIN_SECONDS earlier, for a clock here a little ahead of NetSuite's), so a customer modified in
the same second as a run started is taken again rather than missed. Taking one customer too many costs
a read; missing one leaves Stripe stale until the customer changes again.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync_core.run.journal import Journal, JournalError
from sync_core.run.target import RunTarget

LAST = "last"
CLOCK_MARGIN_SECONDS = 2
_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
FORMS = ("an ISO 8601 time with its time zone (2026-11-27T06:00:00Z, 2026-11-27T07:00+01:00), a time ago "
         "(30m, 2h, 1d), or 'last' (the start of the last finished run against this target)")


# No NetSuite record was modified before this; an earlier moment (0001-01-01, or 800000d ago) names every
# customer, which leaving --changed-since out says plainly, and lies outside what the clocks here can count.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


class ChangedSinceError(ValueError):
    """A --changed-since value that names no usable moment, phrased for the person who typed it."""


def parse_changed_since(text: str, *, now: datetime | None = None) -> datetime | str:
    """The moment (aware, UTC) a --changed-since value names, or LAST; ChangedSinceError if it names none,
    has no time zone, or lies in the future."""
    now = now or datetime.now(UTC)
    value = (text or "").strip()
    if value.lower() == LAST:
        return LAST
    relative = _RELATIVE.match(value)
    if relative:
        try:
            moment = now - timedelta(**{_UNITS[relative.group(2).lower()]: int(relative.group(1))})
        except (OverflowError, ValueError):  # further back than a date (or an int) can be: before EARLIEST anyway
            moment = None
        return _not_too_early(text, moment)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ChangedSinceError(f"{text!r} is not a time: give {FORMS}.") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ChangedSinceError(f"{text!r} has no time zone, so it could name any of 27 hours: add Z (UTC) or "
                                "an offset such as +01:00.")
    moment = moment.astimezone(UTC)
    if moment > now:
        raise ChangedSinceError(f"{text!r} is in the future ({moment:%Y-%m-%dT%H:%M:%SZ}; it is now "
                                f"{now:%Y-%m-%dT%H:%M:%SZ}): no customer can have changed since then.")
    return _not_too_early(text, moment)


def _not_too_early(text: str, moment: datetime | None) -> datetime:
    if moment is None or moment < EARLIEST:
        raise ChangedSinceError(f"{text!r} reaches back before {EARLIEST:%Y-%m-%d}, before any NetSuite record was "
                                "modified: leave --changed-since out to take every customer of the saved search.")
    return moment


def parse_duration(text: str) -> timedelta:
    """A time ago as --changed-since writes it (30m, 2h, 1d); ChangedSinceError otherwise."""
    relative = _RELATIVE.match((text or "").strip())
    if not relative:
        raise ChangedSinceError(f"{text!r} is not a duration: give a number and a unit, such as 30m, 2h or 1d.")
    try:
        return timedelta(**{_UNITS[relative.group(2).lower()]: int(relative.group(1))})
    except OverflowError:
        raise ChangedSinceError(f"{text!r} is longer than any clock can count back.") from None


def since_last_run(journal_path: str | Path, target: RunTarget) -> tuple[datetime, str]:
    """The start of the last finished run against `target` in the journal, and that run's id; JournalError if
    there is none (or no journal)."""
    last = None
    if Path(journal_path).is_file():
        journal = Journal(journal_path, must_exist=True)
        try:
            last = journal.last_finished(target)
        finally:
            journal.close()
    if last is None:
        raise JournalError(
            f"--changed-since last: the journal {journal_path} has no finished run against {target.describe()}. "
            "Run custsync mass-sync without --changed-since once first: its start is where the next "
            "--changed-since last begins.")
    return datetime.fromtimestamp(last.started, UTC), last.id


def query_moment(since: datetime) -> datetime:
    """The moment a filter on `lastmodifieddate` compares with: down to the second, less the clock margin.
    ChangedSinceError for a moment no filter can name (a run checks this before it journals anything)."""
    if since.tzinfo is None or since.utcoffset() is None:
        raise ChangedSinceError(f"changed_since {since.isoformat()} has no time zone.")
    _not_too_early(since.isoformat(), since)
    return datetime.fromtimestamp(math.floor(since.timestamp()) - CLOCK_MARGIN_SECONDS, UTC)
