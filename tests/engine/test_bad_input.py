"""Awkward but real NetSuite data through the whole sync: a clear result, and nothing half-written."""

from datetime import datetime, timezone

import pytest

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.outcome import Status


@pytest.mark.parametrize("email", ["josé.müller@bücher.test", "ap+billing@acme.test", "O'Brien@acme.test"])
async def test_unicode_and_plus_addressed_emails_sync(world, email):
    world.load([{"id": "101", "companyName": "Acme", "email": email}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert out.status is Status.OK, out.cause
    assert world.stripe_customers()[out.stripe_customer_id]["email"] == email


@pytest.mark.parametrize("email, words", [("ap @acme.test", "contains spaces"), ("acme.test", "no local part")])
async def test_malformed_email_is_an_error_and_writes_nothing(world, email, words):
    world.load([{"id": "101", "companyName": "Acme", "email": email}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert (out.status, out.rule) == (Status.FAILED, "R3") and words in out.cause and "Correct the email" in out.remedy
    assert not world.stripe_customers() and world.ns_customers()["101"].get(ID_FIELD) is None


async def test_ten_thousand_character_name_fails_cleanly(world):
    world.load([{"id": "101", "companyName": "A" * 10_000, "email": "ap@acme.test"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert out.status is Status.FAILED and "name is 10000 characters" in out.cause
    assert not world.stripe_customers() and world.ns_customers()["101"].get(ID_FIELD) is None


async def test_a_changed_since_no_filter_can_name_records_no_run(world, tmp_path):
    """0001-01-01 used to be journaled as a run, then crash and leave it "running" for ever."""
    from sync_core.run.changed_since import ChangedSinceError
    from sync_core.run.journal import Journal

    world.load([{"id": "101", "companyName": "Acme", "email": "ap@acme.test"}])
    with Journal(tmp_path / "j.sqlite") as journal:
        async with world.engine() as engine:
            with pytest.raises(ChangedSinceError, match="before 1970"):
                async for _ in engine.mass_sync(journal, changed_since=datetime(1, 1, 1, tzinfo=timezone.utc)):
                    pass
        assert journal.runs() == []
    assert not world.stripe_customers()
