"""Each rule's path through sync_one, against both mocks as real HTTP servers."""

from __future__ import annotations

from sync_core.config import DEFAULT_PORTAL_URL_FIELD as URL_FIELD
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.events import RunFinished
from sync_core.outcome import Status
from sync_core.rules.catalogue import Action
from sync_core.rules.decide import PortalOutcome
from sync_core.run.journal import Journal


def customer(iid="101", email="ap@acme.test", sid=None, **extra):
    c = {"id": iid, "companyName": "Acme Ltd", "email": email, "phone": "+1 555 0100", **extra}
    if sid:
        c[ID_FIELD] = sid
    return c


async def test_r3_create_links_writes_back_and_stores_portal_link(world):
    world.load([customer()])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert (out.status, out.rule, out.decision.action) == (Status.OK, "R3", Action.CREATE)
    stripe = world.stripe_customers()
    assert list(stripe) == [out.stripe_customer_id]
    created = stripe[out.stripe_customer_id]
    assert created["email"] == "ap@acme.test" and created["name"] == "Acme Ltd"
    assert created["metadata"]["netsuite_internal_id"] == "101"
    ns = world.ns_customers()["101"]
    assert ns[ID_FIELD] == out.stripe_customer_id
    # R6: the field holds the durable Suitelet link (not a session URL), written with no Stripe session made.
    assert ns[URL_FIELD].startswith(world.mocks.netsuite.url + "/app/site/hosting/scriptlet.nl?")
    assert out.portal.outcome is PortalOutcome.WRITTEN
    assert "****" in out.as_dict()["portal_url"] and ns[URL_FIELD] not in str(out.as_dict())


async def test_r3_one_match_is_linked_not_duplicated(world):
    world.load([customer()], [{"id": "cus_EXIST", "email": "ap@acme.test", "name": "Acme Ltd"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert (out.rule, out.decision.action, out.stripe_customer_id) == ("R3", Action.LINK_EXISTING, "cus_EXIST")
    assert list(world.stripe_customers()) == ["cus_EXIST"]
    assert world.ns_customers()["101"][ID_FIELD] == "cus_EXIST"


async def test_r3_several_matches_ask_and_write_nothing(world):
    world.load([customer()], [{"id": "cus_A1", "email": "ap@acme.test", "created": 1},
                              {"id": "cus_A2", "email": "ap@acme.test", "created": 2}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert out.status is Status.NEEDS_DECISION and out.decision.candidates == ("cus_A1", "cus_A2")
    assert world.ns_customers()["101"].get(ID_FIELD) is None


async def test_r3_policy_newest_links_the_newest(world):
    world.load([customer()], [{"id": "cus_A1", "email": "ap@acme.test", "created": 1},
                              {"id": "cus_A2", "email": "ap@acme.test", "created": 2}])
    async with world.engine(duplicate_email_policy="newest") as engine:
        out = await engine.sync_one("101")
    assert out.stripe_customer_id == "cus_A2" and world.ns_customers()["101"][ID_FIELD] == "cus_A2"


async def test_r3_email_case_and_spaces_name_one_mailbox(world):
    # One mailbox, any spelling: the Stripe customer spelled in lowercase is this customer's, not a reason
    # to create a second one (Stripe's email filter is case-sensitive; custsync looks up every spelling).
    world.load([customer(email="  AP@Acme.test ")], [{"id": "cus_lower", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert (out.status, out.decision.action, out.stripe_customer_id) == (Status.OK, Action.LINK_EXISTING, "cus_lower")
    assert any("spelled 'ap@acme.test'" in s.outcome for s in out.decision.trace)
    assert len(world.stripe_customers()) == 1


async def test_r1_email_change_updates_stripe_and_keeps_link(world):
    world.load([customer(email="new@acme.test", sid="cus_A")],
               [{"id": "cus_A", "email": "old@acme.test", "name": "Acme Ltd"}, {"id": "cus_B", "email": "new@acme.test"}])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert (out.rule, out.decision.action, out.stripe_customer_id) == ("R1", Action.UPDATE, "cus_A")
    assert world.stripe_customers()["cus_A"]["email"] == "new@acme.test"
    assert world.ns_customers()["101"][ID_FIELD] == "cus_A"
    assert any(c.field == "email" and c.before == "old@acme.test" for c in out.changes)


async def test_r2_deleted_and_missing_links_are_errors_that_change_nothing(world):
    world.load([customer(sid="cus_GONE"), customer(iid="102", sid="cus_NEVER")],
               [{"id": "cus_GONE", "email": "ap@acme.test", "deleted": True}, {"id": "cus_B", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        gone = await engine.sync_one("101")
        never = await engine.sync_one("102")
    for out, sid in ((gone, "cus_GONE"), (never, "cus_NEVER")):
        assert (out.status, out.rule) == (Status.FAILED, "R2")
        assert "Clear STRIPE CUSTOMER ID" in out.remedy
        assert world.ns_customers()[out.internal_id][ID_FIELD] == sid
    assert "deleted" in gone.cause and "does not exist" in never.cause


async def test_r4_no_email_no_id_is_skipped(world):
    world.load([customer(email=None)])
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert (out.status, out.rule) == (Status.SKIPPED, "R4") and not world.stripe_customers()


async def test_r7_portal_not_activated_still_writes_the_link(world):
    """R7 shows at click time (tests/engine/test_portal_links.py), not at sync time: no session is made."""
    world.load([customer()], portal="none")
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert out.status is Status.OK and out.portal.rule == "R6" and out.portal.outcome is PortalOutcome.WRITTEN
    ns = world.ns_customers()["101"]
    assert ns[ID_FIELD] == out.stripe_customer_id and ns[URL_FIELD] == out.portal_url


async def test_r8_deployment_not_released_writes_the_link_and_warns(world):
    world.load([customer()], portal_status="TESTING")
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert out.status is Status.OK and out.portal.rule == "R8" and out.portal.outcome is PortalOutcome.NOT_RELEASED
    assert "Script Deployments" in out.portal.remedy
    assert world.ns_customers()["101"][URL_FIELD] == out.portal_url


async def test_r9_headers_decide_what_goes_to_stripe(world):
    columns = [{"name": "email", "label": "Email"}, {"name": "entityid", "label": "ID"}]
    world.load([customer(entityId="ACME-1")], columns=columns)
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    created = world.stripe_customers()[out.stripe_customer_id]
    assert created.get("phone") is None and created.get("name") is None
    assert created["metadata"]["netsuite_entityid"] == "ACME-1"


async def test_dry_run_writes_nothing(world):
    world.load([customer(), customer(iid="102", email="b@b.test", sid="cus_B")], [{"id": "cus_B", "email": "old@b.test"}])
    before = (world.mocks.netsuite.control.state(), world.mocks.stripe.control.state())
    async with world.engine() as engine:
        plans = [await engine.sync_one(i, dry_run=True) for i in ("101", "102")]
    assert [(p.status, p.decision.action) for p in plans] == [(Status.PLANNED, Action.CREATE), (Status.PLANNED, Action.UPDATE)]
    assert (world.mocks.netsuite.control.state(), world.mocks.stripe.control.state()) == before


async def test_missing_customer_is_a_clear_netsuite_error(world):
    world.load([customer()])
    async with world.engine() as engine:
        out = await engine.sync_one("999")
    assert out.status is Status.FAILED and out.error.code == "NONEXISTENT_ID" and "internal id" in out.remedy


async def test_second_sync_after_create_uses_the_link(world):
    world.load([customer()])
    async with world.engine() as engine:
        first = await engine.sync_one("101")
        second = await engine.sync_one("101")
    assert second.rule == "R1" and second.decision.action is Action.USE_LINKED
    assert second.stripe_customer_id == first.stripe_customer_id and len(world.stripe_customers()) == 1


async def test_portal_link_for_existing_customer(world):
    world.load([customer(sid="cus_A")], [{"id": "cus_A", "email": "ap@acme.test"}])
    async with world.engine() as engine:
        out = await engine.portal_link("101")
    assert out.status is Status.OK and world.ns_customers()["101"][URL_FIELD] == out.portal_url


async def test_the_billing_country_reaches_stripe_as_its_iso_code_on_both_paths(world, tmp_path):
    # Stripe's address.country is "Two-letter country code (ISO 3166-1 alpha-2)"
    # (https://docs.stripe.com/api/customers/object#customer_object-address-country); the API keeps any
    # text, so a country name would only show later, in Stripe Tax and on invoices.
    billing = [{"defaultBilling": True, "addressBookAddress": {"addr1": "1 High Street", "city": "London",
                                                              "zip": "EC1A 1AA", "country": "GB"}}]
    world.load([customer("101", addressBook=billing), customer("102", email="ap@beta.test", addressBook=billing)])
    async with world.engine() as engine:
        single = await engine.sync_one("101")
        journal = Journal(tmp_path / "j.sqlite")
        [finished] = [e async for e in engine.mass_sync(journal, portal=False) if isinstance(e, RunFinished)]
    assert single.status is Status.OK and finished.counts.get("ok") == 2
    stripe = world.stripe_customers()
    assert {c["address"]["country"] for c in stripe.values()} == {"GB"}
    world.mocks.stripe.control.clear_requests()
    async with world.engine() as engine:
        [e async for e in engine.mass_sync(journal, portal=False)]
    seen = world.mocks.stripe.control.requests()
    assert seen and not [r for r in seen if r["method"] == "POST"]  # read, and nothing to correct
    journal.close()
