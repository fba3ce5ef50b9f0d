"""--changed-since TIME|last: what a TIME may be, and the refusals (exit 2, before anything starts)."""

from datetime import UTC, datetime, timedelta

import pytest

from sync_core.run.changed_since import LAST, ChangedSinceError, parse_changed_since, query_moment
from tests.support.cli import custsync

NOW = datetime(2026, 11, 27, 6, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-27T05:00:00Z", datetime(2026, 11, 27, 5, 0, tzinfo=UTC)),
    ("2026-11-27T06:30+01:00", datetime(2026, 11, 27, 5, 30, tzinfo=UTC)),
    ("15m", NOW - timedelta(minutes=15)),
    ("2h", NOW - timedelta(hours=2)),
    ("1d", NOW - timedelta(days=1)),
    ("last", LAST),
    (" LAST ", LAST),
])
def test_the_forms_a_time_takes(text, expected):
    got = parse_changed_since(text, now=NOW)
    assert got == expected
    if isinstance(got, datetime):
        assert got.tzinfo is UTC


@pytest.mark.parametrize("text, words", [
    ("yesterday", "is not a time"),
    ("", "is not a time"),
    ("15 minutes", "is not a time"),
    ("-5m", "is not a time"),
    ("2026-11-27T05:00:00", "no time zone"),
    ("2026-11-27", "no time zone"),
    ("2026-11-27T07:00:00Z", "in the future"),
])
def test_bad_times_are_refused_in_words(text, words):
    with pytest.raises(ChangedSinceError, match=words):
        parse_changed_since(text, now=NOW)


def test_the_query_moment_is_the_second_less_the_clock_margin():
    assert query_moment(datetime(2026, 11, 27, 5, 0, 7, 900000, tzinfo=UTC)) == \
        datetime(2026, 11, 27, 5, 0, 5, tzinfo=UTC)


def run(*args):
    return custsync("mass-sync", *args)


@pytest.mark.parametrize("value, words", [("soon", "is not a time"), ("2026-01-01T00:00:00", "no time zone"),
                                          ("2999-01-01T00:00:00Z", "in the future"),
                                          ("1000000000d", "before 1970"), ("800000d", "before 1970"),
                                          ("0001-01-01T00:00:00Z", "before 1970"), ("9" * 5000 + "s", "before 1970")])
def test_cli_refuses_a_bad_time_with_exit_2(tmp_path, value, words):
    r = run("--changed-since", value, "--journal", str(tmp_path / "j.sqlite"))
    assert r.returncode == 2 and words in r.stderr and "--changed-since" in r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["1000000000d", "800000d", "99999999999w", "0001-01-01T00:00:00Z",
                                  "1969-12-31T23:59:59Z"])
def test_a_moment_before_any_netsuite_record_is_refused(text):
    with pytest.raises(ChangedSinceError, match="leave --changed-since out"):
        parse_changed_since(text, now=NOW)


def test_the_query_moment_refuses_a_moment_no_filter_can_name():
    """The engine's own guard, for callers that do not parse text (the TUI, scripts)."""
    with pytest.raises(ChangedSinceError):
        query_moment(datetime(1, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("other", [["--resume", "run-x"], ["--list", "run-x"]])
def test_cli_refuses_changed_since_with_a_resume_or_a_list(tmp_path, other):
    r = run("--changed-since", "last", *other, "--journal", str(tmp_path / "j.sqlite"))
    assert r.returncode == 2 and "not both" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_explains_it_is_meant_for_schedules():
    r = run("--help")
    assert "--changed-since" in r.stdout and "schedules" in r.stdout and "last" in r.stdout
