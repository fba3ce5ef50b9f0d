"""A mass sync asks NetSuite what its plan needs besides the pages (the customers' portal links, the links of
the mailboxes matched by email) a full batch at a time while the pages are still read
(sync_core/run/early_reads.py), so the first Stripe write waits for the last page's batch only; the run sends
no more requests than when it asked after the last page. Batches and pages are made small here (10 links, 5
mailboxes, 10 customers a page: NetSuite's are 1,000, 500 and 1,000) so that a few customers show it."""

from __future__ import annotations

import asyncio

import pytest

from sync_core.config import DEFAULT_PORTAL_URL_FIELD as URL_FIELD
from sync_core.errors import NetSuiteError
from sync_core.outcome import Status
from sync_core.rules.decide import PortalOutcome
from sync_core.run import early_reads, reads
from sync_core.run.journal import Journal
from tests.support.engine_world import assert_exactly_once, planned_run, shop_customers

CUSTOMERS = 45


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(early_reads, "PORTAL_LINKS_BATCH", 10)
    monkeypatch.setattr(reads, "LINK_QUERY_BATCH", 5)


def watched(engine, seen: list[tuple[str, int]], *, refuse_links: int | None = None, refuse_page: int | None = None,
            links_never_answer: bool = False):
    """Record, in the order the run asks them, each page handed to it (10 customers a page), each portal-links
    call and each query of the mailboxes' links, with its size. `refuse_links`: that portal-links call (1 the
    first) fails as NetSuite would; `refuse_page`: reading stops with NetSuite's error after that many pages;
    `links_never_answer`: the portal-links calls wait for ever (until cancelled)."""
    ns = engine.netsuite
    rows, links, suiteql = ns.customer_rows, ns.portal_links, ns.suiteql_all

    async def customer_rows(*args, **kwargs):
        async for page in rows(*args, **{**kwargs, "page_size": 10}):
            if refuse_page is not None and sum(kind == "page" for kind, _ in seen) == refuse_page:
                raise NetSuiteError("503 Service Unavailable", status=503)
            seen.append(("page", len(page["results"])))
            yield page

    async def portal_links(ids, **kwargs):
        seen.append(("portal links", len(ids)))
        if sum(kind == "portal links" for kind, _ in seen) == refuse_links:
            raise NetSuiteError("the custsync RESTlet gave no portal link for customer(s) 111")
        if links_never_answer:
            await asyncio.get_running_loop().create_future()
        return await links(ids, **kwargs)

    async def suiteql_all(query, **kwargs):
        if "@shop.test" in query:
            seen.append(("mailboxes", query.count("@shop.test")))
        return await suiteql(query, **kwargs)

    ns.customer_rows, ns.portal_links, ns.suiteql_all = customer_rows, portal_links, suiteql_all


def sizes(seen: list[tuple[str, int]], kind: str) -> list[int]:
    return [n for k, n in seen if k == kind]


async def test_links_are_asked_a_full_batch_at_a_time_while_the_pages_are_read(world, tmp_path, small_batches):
    world.load(shop_customers(CUSTOMERS))  # each with a mailbox of its own, none in Stripe yet
    seen: list[tuple[str, int]] = []
    async with world.engine() as engine:
        watched(engine, seen)
        plan, outcomes = await planned_run(engine, Journal(tmp_path / "j.sqlite"))
    assert sizes(seen, "page") == [10, 10, 10, 10, 5, 0]  # and the check for customers that moved meanwhile
    # As many calls as asking after the last page, each full but the last.
    assert sizes(seen, "portal links") == [10, 10, 10, 10, 5]
    assert sizes(seen, "mailboxes") == [5] * 9
    last_page = max(k for k, (kind, _) in enumerate(seen) if kind == "page")
    assert seen.index(("portal links", 10)) < last_page and seen.index(("mailboxes", 5)) < last_page
    assert plan.summary()["stripe_creates"] == CUSTOMERS
    assert {o.status for o in outcomes.values()} == {Status.OK}
    assert all(o.portal.outcome is PortalOutcome.WRITTEN for o in outcomes.values())
    written = world.ns_customers()
    assert all(written[i][URL_FIELD] == o.portal_url for i, o in outcomes.items())
    assert_exactly_once(world)


async def test_a_batch_of_links_refused_leaves_every_link_unwritten_and_stripe_synced(world, tmp_path, small_batches):
    """As when NetSuite refused the one call made after the last page: each customer's portal decision says
    the link was not given, with the remedy; the Stripe side and the Stripe id still go."""
    world.load(shop_customers(CUSTOMERS))
    seen: list[tuple[str, int]] = []
    async with world.engine() as engine:
        watched(engine, seen, refuse_links=2)
        _plan, outcomes = await planned_run(engine, Journal(tmp_path / "j.sqlite"))
    assert len(sizes(seen, "portal links")) == 5  # the others were asked, and answered
    assert {o.status for o in outcomes.values()} == {Status.OK}
    assert all(o.portal.outcome is PortalOutcome.FAILED and "did not give" in o.portal.message for o in outcomes.values())
    assert not any(c.get(URL_FIELD) for c in world.ns_customers().values())
    assert_exactly_once(world)


async def test_a_run_whose_reading_fails_leaves_no_read_behind(world, tmp_path, small_batches):
    world.load(shop_customers(CUSTOMERS))
    seen: list[tuple[str, int]] = []
    async with world.engine() as engine:
        watched(engine, seen, refuse_page=2, links_never_answer=True)
        with pytest.raises(NetSuiteError, match="503"):
            await planned_run(engine, Journal(tmp_path / "j.sqlite"))
        assert not asyncio.all_tasks() - {asyncio.current_task()}  # the reads asked early were cancelled
    assert sizes(seen, "page") == [10, 10] and sizes(seen, "portal links") == [10, 10]
    assert world.stripe_customers() == {}
