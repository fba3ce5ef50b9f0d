"""Portal links (R6-R8) end to end: both mocks as real servers, the NetSuite mock's Suitelet calling the
Stripe mock over HTTP, links opened with a plain GET that does not follow the redirect (as a browser's
first request)."""

from __future__ import annotations

import json

import httpx
import pytest

from sync_core.admin.doctor import check_portal_link
from sync_core.config import DEFAULT_PORTAL_URL_FIELD as URL_FIELD
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.errors import NetSuiteError
from sync_core.outcome import Status
from sync_core.rules.decide import PortalOutcome
from testbed import demo
from tests.support.cli import custsync
from tests.support.engine_world import config_file

PORTAL_SENTENCE = "Getting error while generating customer portal Session URL"


def customer(iid="101", email="ap@acme.test", sid=None):
    c = {"id": iid, "companyName": "Acme Ltd", "email": email}
    if sid:
        c[ID_FIELD] = sid
    return c


def cli(config, env, *args):
    return custsync("--config", str(config), *args, env=env)


def test_mass_sync_then_every_linked_link_redirects_to_a_new_session_each_time(world, tmp_path):
    """The issue's 'done when': custsync mass-sync, then a plain GET of each linked customer's portal field."""
    world.mocks.load(*demo.generate(30, seed=5))
    config, env = config_file(world, tmp_path)
    r = cli(config, env, "mass-sync")
    assert r.returncode in (0, 3), r.stderr  # 3: some customers need a person (R4 skips)
    linked = {iid: c for iid, c in world.ns_customers().items() if c.get(ID_FIELD)}
    with_link = [c for c in linked.values() if c.get(URL_FIELD)]
    assert len(with_link) >= 20
    session_prefix = world.mocks.stripe.url + "/p/session/"
    opened = 0
    for c in with_link:
        if c[ID_FIELD] == "cus_demoDELETED":  # the demo's R2 case: its link says so (below)
            continue
        first = httpx.get(c[URL_FIELD], follow_redirects=False)
        second = httpx.get(c[URL_FIELD], follow_redirects=False)
        assert first.status_code == second.status_code == 302, first.text
        assert first.headers["location"].startswith(session_prefix)
        assert second.headers["location"].startswith(session_prefix)
        assert first.headers["location"] != second.headers["location"]  # the link outlives sessions
        opened += 1
    assert opened >= 20


async def test_sync_writes_once_then_leaves_the_current_link(world):
    world.load([customer(sid="cus_A")], [{"id": "cus_A", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        first = await engine.sync_one("101")
        world.mocks.netsuite.control.clear_requests()
        world.mocks.stripe.control.clear_requests()
        second = await engine.sync_one("101")
    assert first.portal.outcome is PortalOutcome.WRITTEN and second.portal.outcome is PortalOutcome.CURRENT
    assert not [c for c in second.changes if c.field == URL_FIELD]
    ns_requests = world.mocks.netsuite.control.requests()
    assert not [r for r in ns_requests if r["method"] == "PATCH"]  # nothing to write back
    assert not [r for r in world.mocks.stripe.control.requests() if "billing_portal" in r["path"]]


async def test_a_stale_field_is_rewritten(world):
    world.load([customer(sid="cus_A") | {URL_FIELD: "https://old.example.com/portal/expired-session"}],
               [{"id": "cus_A", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        out = await engine.portal_link("101")
    assert out.status is Status.OK and out.portal.outcome is PortalOutcome.WRITTEN
    assert world.ns_customers()["101"][URL_FIELD] == out.portal_url != "https://old.example.com/portal/expired-session"


async def test_check_reports_each_failure_page(world):
    world.load([customer(sid="cus_A"), customer("102", "b@b.test", sid="cus_GONE"), customer("103", "c@c.test")],
               [{"id": "cus_A", "email": "ap@acme.test"}, {"id": "cus_GONE", "email": "b@b.test", "deleted": True}])
    async with world.engine() as engine:
        await engine.portal_link("101")
        refused = await engine.portal_link("102")  # the stored Stripe customer was deleted: R2, no link written
        assert (refused.status, refused.rule, refused.changes) == (Status.FAILED, "R2", [])
        assert "Clear STRIPE CUSTOMER ID" in refused.remedy
        # A link written before the Stripe customer was deleted:
        await engine.netsuite.patch_customer("102", {URL_FIELD: (await engine.netsuite.portal_links(["102"]))["102"]})
        ok = await engine.portal_check("101")
        assert (ok.status, ok.portal.outcome) == (Status.OK, PortalOutcome.OK)
        gone = await engine.portal_check("102")  # stored Stripe id deleted: R2
        assert (gone.portal.rule, gone.portal.outcome) == ("R2", PortalOutcome.STALE_CUSTOMER)
        unlinked = await engine.portal_check("103")
        assert unlinked.portal.outcome is PortalOutcome.NOT_LINKED and unlinked.status is Status.SKIPPED
        world.mocks.netsuite.control.load({**world.mocks.netsuite.control.state(), "customers": [
            c | ({ID_FIELD: "cus_A"} if c["id"] == "103" else {}) for c in world.mocks.netsuite.control.state()["customers"]]})
        empty = await engine.portal_check("103")  # linked, but no link written yet
        assert empty.portal.outcome is PortalOutcome.NO_LINK and empty.status is Status.FAILED

        world.mocks.stripe.control.set_portal("none")  # R7 at click time
        world.mocks.stripe.control.clear_requests()
        r7 = await engine.portal_check("101")
        assert r7.portal.rule == "R7" and PORTAL_SENTENCE in r7.portal.message
        assert "Settings -> Customer Portal" in r7.portal.remedy
        await engine.sync_one("101")
        await check_portal_link(engine.services)
        # custsync never "fixes" R7 through the API: no configuration is created or changed.
        assert not [r for r in world.mocks.stripe.control.requests()
                    if r["method"] == "POST" and r["path"].startswith("/v1/billing_portal/configurations")]
        assert world.mocks.stripe.control.state()["accounts"][0]["test"]["portal_configuration"] == "none"
        world.mocks.stripe.control.save_portal_settings()  # activated: the same link works, no re-sync
        assert (await engine.portal_check("101")).status is Status.OK

        world.mocks.netsuite.control.configure_portal_suitelet(signing_secret="rotated-secret-0123456789abcdef")
        stale = await engine.portal_check("101")
        assert (stale.portal.rule, stale.portal.outcome) == ("R6", PortalOutcome.STALE_LINK)
        assert "portal-link" in stale.portal.remedy
        rewritten = await engine.portal_link("101")  # the re-sync writes the link signed with the new secret
        assert rewritten.portal.outcome is PortalOutcome.WRITTEN
        assert (await engine.portal_check("101")).status is Status.OK


async def test_check_reports_r8_and_the_doctor_opens_a_link(world):
    world.load([customer(sid="cus_A")], [{"id": "cus_A", "email": "ap@acme.test"}], portal="none",
               portal_status="TESTING")
    async with world.engine() as engine:
        await engine.portal_link("101")
        r8 = await engine.portal_check("101")
        assert (r8.portal.rule, r8.portal.outcome) == ("R8", PortalOutcome.NOT_RELEASED)
        check = await check_portal_link(engine.services)
        assert not check.ok and check.rule == "R8" and "Script Deployments" in check.remedy
        world.mocks.netsuite.control.load({**world.mocks.netsuite.control.state(), "deployments": demo.deployments()})
        check = await check_portal_link(engine.services)
        assert not check.ok and check.rule == "R7" and PORTAL_SENTENCE in check.detail


def test_cli_check_json_is_masked(world, tmp_path):
    world.load([customer("1001", sid="cus_A")], [{"id": "cus_A", "email": "ap@acme.test"}], portal="none")
    config, env = config_file(world, tmp_path)
    assert cli(config, env, "portal-link", "1001").returncode == 0
    r = cli(config, env, "portal-link", "1001", "--check", "--json")
    assert r.returncode == 1
    [out] = json.loads(r.stdout)
    assert out["portal"]["rule"] == "R7" and out["portal"]["outcome"] == "not-activated"
    link = world.ns_customers()["1001"][URL_FIELD]
    assert link not in r.stdout and out["portal_url"].endswith("/app/site/hosting/****")
    r = cli(config, env, "portal-link", "--all", "--check")
    assert r.returncode == 1 and PORTAL_SENTENCE in r.stdout and "sig=" not in r.stdout


async def test_ids_that_are_not_numbers_are_refused_cleanly(world):
    world.load([customer(sid="cus_A")], [{"id": "cus_A", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        for bad in ("10x", "1 OR 1=1", "../101", "1" * 5000):
            out = await engine.portal_check(bad)
            assert out.status is Status.FAILED and "is not a NetSuite internal id" in out.error.message
            assert "digits" in out.remedy
            written = await engine.portal_link(bad)
            assert written.status is Status.FAILED and written.error is not None
        assert world.ns_customers()["101"].get(URL_FIELD) is None  # nothing half-written
        with pytest.raises(NetSuiteError) as e:  # the RESTlet refuses to sign them
            await engine.netsuite.portal_links(["10x"])
        assert e.value.code == "INVALID_CUSTOMER_ID"


async def test_doctor_skips_a_customer_whose_own_stripe_id_is_stale(world):
    world.load([customer("101", sid="cus_GONE"), customer("102", "b@b.test", sid="cus_B")]
               + [customer(str(200 + i), f"c{i}@c.test", sid="cus_B") for i in range(20)],
               [{"id": "cus_GONE", "email": "ap@acme.test", "deleted": True}, {"id": "cus_B", "email": "b@b.test"}])
    async with world.engine() as engine:
        world.mocks.netsuite.control.clear_requests()
        check = await check_portal_link(engine.services)
    assert check.ok and "customer 102" in check.detail  # 101's R2 is its own problem, not the system's
    suiteql = [r for r in world.mocks.netsuite.control.requests() if r["path"].endswith("/suiteql")]
    assert len(suiteql) == 1  # one page of samples, not every linked customer
