"""Record dates: stored and returned as UTC ISO 8601, read in NetSuite's user formats.

REST returns datetimes as "2017-07-21T17:32:28Z" (Using Datetime Fields,
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157305090645.html).
`q=` and SuiteQL take dates as the user's date preference writes them; Oracle's examples use
M/D/YY and M/D/YYYY ("createddate AFTER \"2/14/23\"", section_0224115754.html). The mock's user
preference is M/D/YYYY, its time zone UTC (a real account uses the company's: unconfirmed).
"""
from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from functools import lru_cache

ISO = "%Y-%m-%dT%H:%M:%SZ"
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_US_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]m)?$", re.I)


def now_iso() -> str:
    return time.strftime(ISO, time.gmtime())


def parse_iso(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    return _parse_iso(text)


@lru_cache(maxsize=4096)  # a bulk load repeats few dates: strptime was a third of loading 100,000 customers
def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, ISO).replace(tzinfo=UTC)
    except ValueError:
        return None


def _year(raw: str) -> int:
    year = int(raw)
    return year + 2000 if len(raw) == 2 else year


def parse_user(text: str) -> tuple[datetime, bool] | None:
    """A date as a user writes it: (the moment, whether a time of day was given); None if not a date."""
    text = text.strip()
    m = _US.match(text)
    try:
        if m:
            return datetime(_year(m.group(3)), int(m.group(1)), int(m.group(2)), tzinfo=UTC), False
        m = _US_TIME.match(text)
        if m:
            hour = int(m.group(4))
            if m.group(7):
                hour = hour % 12 + (12 if m.group(7).lower() == "pm" else 0)
            return datetime(_year(m.group(3)), int(m.group(1)), int(m.group(2)), hour, int(m.group(5)),
                            int(m.group(6) or 0), tzinfo=UTC), True
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC), False
        parsed = parse_iso(text)
        if parsed:
            return parsed, True
    except ValueError:
        return None
    return None


def user_date(moment: datetime | date) -> str:
    """M/D/YYYY: how SuiteQL returns a date column without TO_CHAR."""
    return f"{moment.month}/{moment.day}/{moment.year}"
