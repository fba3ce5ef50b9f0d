"""The client's mass-sync RESTlet calls end to end against the NetSuite mock server: customers read in
pages with their mapped values, write-back in batches with a record failing and the usage running low."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sync_core.config import DEFAULT_PORTAL_URL_FIELD as PORTAL_FIELD
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD

MASS, MAPPING = "customsearch_paypack_mass_customer_sync", "customsearch_paypack_customer_sync"
OLD = "2026-01-01T00:00:00Z"


@pytest.fixture
def client(world):
    engine = world.engine()
    yield engine.netsuite
    world.mocks.netsuite.control.faults(restlet_usage_limit=None, writeback_failures={})


def customers(n: int) -> list[dict]:
    return [{"id": str(1000 + i), "companyName": f"Company {i}", "email": f"ap{i}@example.test",
             "isInactive": i % 10 == 9, "dateCreated": OLD, "lastModifiedDate": OLD,
             **({ID_FIELD: f"cus_{i}"} if i % 4 == 0 else {})} for i in range(n)]


async def test_mass_read_then_write_back_then_read_only_the_changed(world, client):
    world.load(customers(2300))
    active = [c for c in customers(2300) if not c["isInactive"]]
    pages = [p async for p in client.customer_rows(MASS, MAPPING, [ID_FIELD, PORTAL_FIELD], page_size=1000)]
    assert [p["page"] for p in pages] == [0, 1, 2] and pages[0]["totalResults"] == len(active)
    rows = [r for p in pages for r in p["results"]]
    assert [r["id"] for r in rows] == [c["id"] for c in active]
    assert rows[0]["values"][ID_FIELD] == "cus_0" and rows[1]["values"][ID_FIELD] is None
    assert rows[0]["values"]["email"] == "ap0@example.test" and rows[0]["lastModifiedDate"] == OLD

    # Each call may write 196 records (1,000 units, 5 a write, a reserve of 20): the rest comes back
    # as unprocessed and is sent again; one record fails on its own.
    world.mocks.netsuite.control.faults(restlet_usage_limit=1000, writeback_failures={"1005": "RCRD_HAS_BEEN_CHANGED"})
    written_from = datetime.now(timezone.utc).replace(microsecond=0)
    unlinked = [r["id"] for r in rows if r["values"][ID_FIELD] is None][:600]
    outcome = await client.write_back([(cid, {ID_FIELD: f"cus_new_{cid}", PORTAL_FIELD: f"https://portal.test/{cid}"})
                                       for cid in unlinked])
    failed = {cid: e for cid, e in outcome.items() if e is not None}
    assert set(outcome) == set(unlinked) and list(failed) == ["1005"]
    assert failed["1005"].code == "RCRD_HAS_BEEN_CHANGED" and "customer 1005" in failed["1005"].message
    stored = world.ns_customers()
    assert all(stored[cid][ID_FIELD] == f"cus_new_{cid}" for cid in unlinked if cid != "1005")
    assert stored["1005"][ID_FIELD] is None

    since = written_from - timedelta(seconds=1)  # the mock's dates have whole seconds
    changed = [r["id"] async for p in client.customer_rows(MASS, MAPPING, [ID_FIELD], modified_after=since,
                                                           page_size=250) for r in p["results"]]
    assert changed == sorted(set(unlinked) - {"1005"}, key=int)


async def test_a_field_outside_the_write_back_parameter_is_refused_per_customer(world, client):
    world.load(customers(3))
    outcome = await client.write_back([("1000", {"email": "new@example.test"}), ("1001", {ID_FIELD: "cus_x"})])
    assert outcome["1001"] is None and outcome["1000"].code == "FIELD_NOT_ALLOWED"
    assert "custscript_custsync_writeback_fields" in outcome["1000"].remedy
    assert world.ns_customers()["1000"]["email"] == "ap0@example.test"
