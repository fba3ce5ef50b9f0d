"""`custsync mass-sync --changed-since TIME|last`: parsing the value, and turning "last" into a moment."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from sync_core.engine import Engine
from sync_core.run.changed_since import FORMS, LAST, ChangedSinceError, parse_changed_since, since_last_run
from sync_core.run.target import current_target

HELP = (f"only the customers modified in NetSuite since TIME: {FORMS}. Meant for schedules (cron, a "
        "scheduled task): 'custsync mass-sync --changed-since last' every few minutes propagates edits, such as "
        "an email change, without a button press. Not with --resume")


def changed_since_value(text: str) -> datetime | str:
    """argparse type: a bad, zone-less or future TIME is refused (exit 2) before anything starts."""
    try:
        return parse_changed_since(text)
    except ChangedSinceError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def resolve(engine: Engine, value: datetime | str | None, journal_path: Path) -> tuple[datetime | None, str | None]:
    """The moment to pass to the mass sync, and the run it comes from ("last"); JournalError when "last" names
    no finished run against this configuration's target (sync_core.run.journal.JournalError)."""
    if value is None or isinstance(value, datetime):
        return value, None
    assert value == LAST
    target = await current_target(engine.config, engine.netsuite, engine.stripe)
    return since_last_run(journal_path, target)
