"""An internal id that is not a whole number fails the customer in words and never reaches NetSuite's URL."""

import pytest

from sync_core.outcome import Status


@pytest.mark.parametrize("bad", ["../customer/1002", "1002?x=1", "abc", ""])
async def test_sync_one_with_a_bad_id_fails_before_any_customer_request(world, bad):
    world.load([{"id": "1002", "companyName": "Acme", "email": "ap@acme.test"}])
    world.mocks.netsuite.control.clear_requests()
    async with world.engine() as engine:
        out = await engine.sync_one(bad)
        portal = await engine.portal_link(bad)
    for o in (out, portal):
        assert o.status is Status.FAILED and "is not a NetSuite internal id" in o.cause and "digits only" in o.remedy
    paths = [r["path"] for r in world.mocks.netsuite.control.requests()]
    assert not [p for p in paths if "/record/v1/customer" in p], paths
    assert not world.stripe_customers()
