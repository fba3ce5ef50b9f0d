"""The client's mass-sync RESTlet calls end to end against the NetSuite mock server: customers read in
pages with their mapped values, write-back in batches with a record failing and the usage running low."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    # Three pages, then the one call for what lies between them (nothing: the account stood still).
    assert [p["page"] for p in pages] == [0, 1, 2, 0] and pages[-1]["results"] == []
    assert pages[0]["totalResults"] == len(active)
    rows = [r for p in pages for r in p["results"]]
    assert [r["id"] for r in rows] == [c["id"] for c in active]
    assert rows[0]["values"][ID_FIELD] == "cus_0" and rows[1]["values"][ID_FIELD] is None
    assert rows[0]["values"]["email"] == "ap0@example.test" and rows[0]["lastModifiedDate"] == OLD

    # Each call may write 196 records (1,000 units, 5 a write, a reserve of 20): the rest comes back
    # as unprocessed and is sent again; one record fails on its own.
    world.mocks.netsuite.control.faults(restlet_usage_limit=1000, writeback_failures={"1005": "RCRD_HAS_BEEN_CHANGED"})
    written_from = datetime.now(UTC).replace(microsecond=0)
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


def twenty(inactive: set[int] = frozenset()) -> list[dict]:
    return [{"id": str(i), "companyName": f"Company {i}", "email": f"ap{i}@example.test", "isInactive": i in inactive,
             "dateCreated": OLD, "lastModifiedDate": OLD} for i in range(100, 121)]


async def read_while(client, edit) -> list[str]:
    """Every id the reader gives, with `edit` made by another integration right after page 0 came back."""
    ids, edited = [], False
    async for page in client.customer_rows(MASS, MAPPING, [ID_FIELD], page_size=5):
        ids += [r["id"] for r in page["results"]]
        if not edited:
            await edit()
            edited = True
    return ids


async def test_a_customer_leaving_the_search_mid_read_costs_no_other_customer(world, client):
    # 101..120 in the search, pages of 5. After page 0 (101-105), 103 is made inactive: every later page
    # starts one further on, and 106 would fall between pages 0 and 1 unread.
    world.load(twenty(inactive={100}))
    ids = await read_while(client, lambda: client.patch_customer("103", {"isInactive": True}))
    assert ids[:5] == ["101", "102", "103", "104", "105"]  # 103 was in the search when it was read
    assert sorted(ids, key=int) == [str(i) for i in range(101, 121)]  # 106 too, once


async def test_a_customer_entering_the_search_mid_read_is_no_duplicate_and_pushes_none_out(world, client):
    # 101..120 in the search: 4 full pages. After page 0, 100 becomes active: the later pages start one
    # earlier (105 again) and 120 moves to a fifth page the reader was not told of.
    world.load(twenty(inactive={100}))
    ids = await read_while(client, lambda: client.patch_customer("100", {"isInactive": False}))
    assert sorted(ids, key=int) == [str(i) for i in range(101, 121)]  # each once; 100 came after its turn


async def test_a_search_that_shrinks_a_page_mid_read_ends_early_without_an_error(world, client):
    # 101..115 and 116: 4 pages, the last of one customer. After page 0 it leaves: page 3 is gone.
    world.load(twenty(inactive=set(range(117, 121)) | {100}))

    async def edit():
        await client.patch_customer("116", {"isInactive": True})
    ids = await read_while(client, edit)
    assert sorted(ids, key=int) == [str(i) for i in range(101, 116)]
