"""Awkward but real NetSuite data through the whole sync: a clear result, and nothing half-written."""

from datetime import UTC, datetime

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
        stripe_requests = engine.stripe.requests
    assert out.status is Status.FAILED and out.rule == "R9"
    assert "name (NetSuite companyname) is 10000 characters, Stripe accepts 256" in out.cause
    assert "Shorten companyname (at most 256 characters) on NetSuite customer 101" in out.remedy
    assert stripe_requests == 0  # refused before Stripe could say no
    assert not world.stripe_customers() and world.ns_customers()["101"].get(ID_FIELD) is None


async def test_values_over_stripes_limits_fail_their_customer_in_a_mass_sync_with_r9(world, tmp_path):
    """Stripe's OpenAPI spec: phone 20, email 512, address parts 5000. Each such customer fails before any
    request with R9 and the NetSuite field to shorten; the others sync."""
    from sync_core.events import CustomerSynced
    from sync_core.run.journal import Journal

    world.load([{"id": "101", "companyName": "Phone Co", "email": "ap@phone.test", "phone": "+1 555 0100 ext 12345"},
                {"id": "102", "companyName": "Street Co", "email": "ap@street.test",
                 "addressBook": {"items": [{"defaultBilling": True, "addressBookAddress": {"addr1": "x" * 5001}}]}},
                {"id": "103", "companyName": "Fine Co", "email": "ap@fine.test"}])
    with Journal(tmp_path / "j.sqlite") as journal:
        async with world.engine() as engine:
            outcomes = {e.outcome.internal_id: e.outcome async for e in engine.mass_sync(journal, portal=False)
                        if isinstance(e, CustomerSynced)}
        steps = {s.internal_id: s for s in journal.steps(journal.runs()[0].id)}
    assert (outcomes["101"].status, outcomes["101"].rule) == (Status.FAILED, "R9")
    assert "phone (NetSuite phone) is 21 characters, Stripe accepts 20" in outcomes["101"].cause
    assert "Shorten phone" in outcomes["101"].remedy
    assert "address.line1 (NetSuite billaddress1) is 5001 characters" in outcomes["102"].cause
    assert steps["102"].rule == "R9" and "billaddress1" in steps["102"].remedy
    assert outcomes["103"].status is Status.OK
    assert [c["name"] for c in world.stripe_customers().values()] == ["Fine Co"]


async def test_a_changed_since_no_filter_can_name_records_no_run(world, tmp_path):
    """0001-01-01 used to be journaled as a run, then crash and leave it "running" for ever."""
    from sync_core.run.changed_since import ChangedSinceError
    from sync_core.run.journal import Journal

    world.load([{"id": "101", "companyName": "Acme", "email": "ap@acme.test"}])
    with Journal(tmp_path / "j.sqlite") as journal:
        async with world.engine() as engine:
            with pytest.raises(ChangedSinceError, match="before 1970"):
                async for _ in engine.mass_sync(journal, changed_since=datetime(1, 1, 1, tzinfo=UTC)):
                    pass
        assert journal.runs() == []
    assert not world.stripe_customers()
