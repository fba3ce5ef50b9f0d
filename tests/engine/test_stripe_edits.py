"""R10, end to end against both mocks as servers: a customer fixes their email in the Stripe customer portal
(or someone edits Stripe in the Dashboard, or another integration does), then the mass sync runs. custsync
keeps what it last sent in the journal, compares NetSuite now, Stripe now and last synced per field, and
acts by [sync] stripe_edits: ask (default), keep_stripe, netsuite_wins, write_back. Stripe's customer.updated
events (https://docs.stripe.com/api/events/object: request.id, request.idempotency_key,
data.previous_attributes) say who made the change."""

from __future__ import annotations

import pytest

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.outcome import Status
from sync_core.run.journal import Journal
from tests.support.cli import custsync
from tests.support.engine_world import customer, trace_text
from tests.support.engine_world import planned_run as _run

ADDRESS = {"addr1": "1 Harbour Rd", "city": "Portland", "state": "OR", "zip": "97201", "country": "US"}
WRITEBACK_PARAMETER = "custscript_custsync_writeback_fields"


def _customers():
    return [customer("101", email="ap@harbor.test", companyName="Harbor Supply", sid="cus_harbor",
                     addressBook=[{"label": "Billing", "defaultBilling": True, "addressBookAddress": dict(ADDRESS)}]),
            customer("102", email="ap@ridge.test", companyName="Ridge Tools", sid="cus_ridge")]


STRIPE = [{"id": "cus_harbor", "email": "ap@harbor.test", "name": "Harbor Supply", "phone": "+1 555 0100",
           "address": {"line1": "1 Harbour Rd", "city": "Portland", "state": "OR", "postal_code": "97201",
                       "country": "US"}},
          {"id": "cus_ridge", "email": "ap@ridge.test", "name": "Ridge Tools", "phone": "+1 555 0100"}]


def _load(world, *, writeback_fields: str | None = None):
    from testbed import demo
    ns = demo.netsuite_state(_customers())
    if writeback_fields is not None:
        ns["restlet_parameters"] = {WRITEBACK_PARAMETER: writeback_fields}
    world.mocks.load(ns, demo.stripe_state(STRIPE))
    world.mocks.stripe.control.save_portal_settings(
        customer_update={"enabled": True, "allowed_updates": ["email", "address", "phone"]})


def _netsuite_edit(world, iid, **fields):
    def change(state):
        for c in state["customers"]:
            if c["id"] == iid:
                c.update(fields)
    state = world.mocks.netsuite.control.state()
    change(state)
    world.mocks.netsuite.control.load(state)


async def _baseline(world, tmp_path, **policy):
    """A first run: custsync pushes and records what it sent (R10's last synced values)."""
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine(**policy) as engine:
        _plan, first = await _run(engine, journal)
    assert {o.status for o in first.values()} == {Status.OK}, {i: o.cause for i, o in first.items()}
    return journal


async def test_ask_a_customers_portal_fix_is_not_overwritten_and_waits_for_a_person(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    async with world.engine() as engine:
        plan, second = await _run(engine, journal)
        stripe_requests = engine.stripe.requests
    o = second["101"]
    assert (o.rule, o.status) == ("R10", Status.NEEDS_DECISION)
    assert world.stripe_customers()["cus_harbor"]["email"] == "payables@harbor.test"  # the customer's fix stays
    assert world.ns_customers()["101"]["email"] == "ap@harbor.test"  # nothing flows back without the policy
    edit = o.as_dict()["stripe_edits"][0]
    assert edit | {"seen": None} == {"field": "email", "kind": "stripe", "netsuite": "ap@harbor.test",
                                     "stripe": "payables@harbor.test", "last_synced": "ap@harbor.test",
                                     "resolution": "ask", "seen": None, "note": None}
    assert "no API request" in edit["seen"] and "portal" in edit["seen"]  # what the event said
    assert "resolve-edit" in o.remedy
    assert plan.summary()["stripe_edits"] == {"ask": 1}
    # The plan's own reads, nothing per customer: the run's target and one page of events.
    assert stripe_requests == 2 and second["102"].status is Status.OK
    # Until a person chooses, every run asks again.
    async with world.engine() as engine:
        _plan, third = await _run(engine, journal)
    assert (third["101"].rule, third["101"].status) == ("R10", Status.NEEDS_DECISION)


async def test_keep_stripe_keeps_the_fix_and_reports_it_once(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    async with world.engine(stripe_edits="keep_stripe") as engine:
        plan, second = await _run(engine, journal)
    o = second["101"]
    assert (o.rule, o.status, o.changes) == ("R10", Status.OK, [])
    assert "kept" in trace_text(o) and plan.summary()["stripe_edits"] == {"keep-stripe": 1}
    assert world.stripe_customers()["cus_harbor"]["email"] == "payables@harbor.test"
    async with world.engine(stripe_edits="keep_stripe") as engine:
        _plan, third = await _run(engine, journal)
    # Nothing new: the kept value stays (said in the trace), no write, no R10 count.
    assert (third["101"].rule, third["101"].decision.action.value, third["101"].changes) == ("R1", "use-linked", [])
    assert "kept earlier" in trace_text(third["101"])
    # Once NetSuite's team changes the email, NetSuite's new value goes to Stripe (only NetSuite changed).
    _netsuite_edit(world, "101", email="billing@harbor.test")
    async with world.engine(stripe_edits="keep_stripe") as engine:
        _plan, fourth = await _run(engine, journal)
    assert (fourth["101"].rule, fourth["101"].status) == ("R1", Status.OK)
    assert world.stripe_customers()["cus_harbor"]["email"] == "billing@harbor.test"


async def test_netsuite_wins_overwrites_as_before_and_says_so(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    async with world.engine(stripe_edits="netsuite_wins") as engine:
        plan, second = await _run(engine, journal)
    o = second["101"]
    assert (o.rule, o.decision.action.value, o.status) == ("R10", "update", Status.OK)
    assert "netsuite_wins" in trace_text(o) and plan.summary()["stripe_edits"] == {"push": 1}
    assert world.stripe_customers()["cus_harbor"]["email"] == "ap@harbor.test"
    # custsync's own push is not an edit the next time (the event names custsync's idempotency key).
    async with world.engine() as engine:
        _plan, third = await _run(engine, journal)
    assert (third["101"].rule, third["101"].status) == ("R1", Status.OK)


async def test_write_back_sends_the_customers_correction_to_netsuite(world, tmp_path):
    _load(world, writeback_fields="custentity_paypack_stripe_customer_id,custentity_paypack_portal_url,email")
    policy = {"stripe_edits": "write_back", "write_back_fields": ["email"]}
    journal = await _baseline(world, tmp_path, **policy)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    async with world.engine(**policy) as engine:
        plan, second = await _run(engine, journal)
    o = second["101"]
    assert (o.rule, o.status) == ("R10", Status.OK)
    assert world.ns_customers()["101"]["email"] == "payables@harbor.test"
    assert [(c.system, c.field, c.before, c.after) for c in o.changes] == [
        ("netsuite", "email", "ap@harbor.test", "payables@harbor.test")]
    assert plan.summary()["stripe_edits"] == {"write-back": 1}
    async with world.engine(**policy) as engine:
        _plan, third = await _run(engine, journal)
    assert (third["101"].rule, third["101"].decision.action.value, third["101"].changes) == ("R1", "use-linked", [])


async def test_write_back_refused_by_the_restlet_keeps_the_correction_owed(world, tmp_path):
    _load(world)  # the RESTlet's script parameter allows only the PayPack fields
    policy = {"stripe_edits": "write_back", "write_back_fields": ["email"]}
    journal = await _baseline(world, tmp_path, **policy)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    async with world.engine(**policy) as engine:
        _plan, second = await _run(engine, journal)
    assert second["101"].status is Status.FAILED and "FIELD_NOT_ALLOWED" in str(second["101"].error.code)
    assert world.ns_customers()["101"]["email"] == "ap@harbor.test"
    assert world.stripe_customers()["cus_harbor"]["email"] == "payables@harbor.test"  # never overwritten
    async with world.engine(**policy) as engine:  # the next run tries again: nothing was lost
        _plan, third = await _run(engine, journal)
    assert third["101"].rule == "R10" and third["101"].status is Status.FAILED


@pytest.mark.parametrize("policy, status, stripe_line1", [
    ("ask", Status.NEEDS_DECISION, "9 Pier St"),
    ("keep_stripe", Status.OK, "9 Pier St"),
    ("write_back", Status.NEEDS_DECISION, "9 Pier St"),  # a conflict: two fresh values, a person chooses
    ("netsuite_wins", Status.OK, "400 Dock Ave"),
])
async def test_a_customer_and_the_netsuite_team_change_the_address_the_same_day(world, tmp_path, policy, status,
                                                                              stripe_line1):
    _load(world)
    settings = {"stripe_edits": policy, **({"write_back_fields": ["email"]} if policy == "write_back" else {})}
    journal = await _baseline(world, tmp_path, **settings)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"address": {
        "line1": "9 Pier St", "city": "Portland", "state": "OR", "postal_code": "97209", "country": "US"}})
    _netsuite_edit(world, "101", addressBook=[{"label": "Billing", "defaultBilling": True, "addressBookAddress": {
        **ADDRESS, "addr1": "400 Dock Ave"}}])
    async with world.engine(**settings) as engine:
        _plan, second = await _run(engine, journal)
    o = second["101"]
    assert (o.rule, o.status) == ("R10", status)
    edit = o.as_dict()["stripe_edits"][0]
    assert (edit["field"], edit["kind"]) == ("address", "conflict")
    assert edit["netsuite"]["line1"] == "400 Dock Ave" and edit["stripe"]["line1"] == "9 Pier St"
    assert edit["last_synced"]["line1"] == "1 Harbour Rd"
    assert world.stripe_customers()["cus_harbor"]["address"]["line1"] == stripe_line1


async def test_a_change_by_another_integration_is_named_by_its_request(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    async with world.engine() as other:  # another integration: an API request without custsync's key
        await other.stripe.update("cus_ridge", {"phone": "+1 555 0199"})
    async with world.engine() as engine:
        _plan, second = await _run(engine, journal)
    o = second["102"]
    assert (o.rule, o.status) == ("R10", Status.NEEDS_DECISION)
    assert "an API request custsync did not make (req_" in o.as_dict()["stripe_edits"][0]["seen"]


async def test_only_netsuite_changed_is_pushed_as_always(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    _netsuite_edit(world, "101", email="billing@harbor.test")
    async with world.engine() as engine:
        _plan, second = await _run(engine, journal)
    assert (second["101"].rule, second["101"].decision.action.value, second["101"].status) == ("R1", "update", Status.OK)
    assert world.stripe_customers()["cus_harbor"]["email"] == "billing@harbor.test"


async def test_a_dry_run_shows_each_edited_field_and_writes_nothing(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test", "phone": "+1 555 0111"})
    async with world.engine() as engine:
        plan, planned = await _run(engine, journal, dry_run=True)
    o = planned["101"]
    assert o.status is Status.NEEDS_DECISION and o.rule == "R10"  # as the run would end it
    assert [e.field for e in o.decision.stripe_edits] == ["email", "phone"]
    assert plan.summary()["stripe_edits"] == {"ask": 2}
    assert world.stripe_customers()["cus_harbor"]["email"] == "payables@harbor.test"


async def test_single_sync_with_the_journal_guards_the_edit(world, tmp_path):
    _load(world)
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine() as engine:
        first = await engine.sync_one("101", portal=False, journal=journal)
        assert first.status is Status.OK
        world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
        again = await engine.sync_one("101", portal=False, journal=journal)
    assert (again.rule, again.status) == ("R10", Status.NEEDS_DECISION)
    # A single sync reads no events (that would cost a request): who made the change is not known.
    assert "not known" in again.as_dict()["stripe_edits"][0]["seen"]
    assert world.stripe_customers()["cus_harbor"]["email"] == "payables@harbor.test"
    assert world.ns_customers()["101"][ID_FIELD] == "cus_harbor"


async def test_without_a_record_the_fields_are_pushed_as_before(world, tmp_path):
    """A customer custsync never synced has no baseline: nothing tells an edit from an old value."""
    _load(world)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    async with world.engine() as engine:
        _plan, first = await _run(engine, Journal(tmp_path / "j.sqlite"))
    assert (first["101"].rule, first["101"].status) == ("R1", Status.OK)
    assert world.stripe_customers()["cus_harbor"]["email"] == "ap@harbor.test"


async def test_a_person_chooses_per_field_and_the_next_run_asks_no_more(world, tmp_path):
    _load(world)
    journal = await _baseline(world, tmp_path)
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test", "phone": "+1 555 0111"})
    async with world.engine() as engine:
        _plan, second = await _run(engine, journal)
        assert [e.field for e in second["101"].decision.stripe_edits] == ["email", "phone"]
        kept = await engine.resolve_edit("101", "email", "stripe", journal_path=str(tmp_path / "j.sqlite"))
        pushed = await engine.resolve_edit("101", "phone", "netsuite", journal_path=str(tmp_path / "j.sqlite"))
    assert (kept.written, kept.stripe, kept.netsuite) == (False, "payables@harbor.test", "ap@harbor.test")
    assert (pushed.written, pushed.netsuite) == (True, "+1 555 0100")
    after = world.stripe_customers()["cus_harbor"]
    assert (after["email"], after["phone"]) == ("payables@harbor.test", "+1 555 0100")
    assert [d.kind for d in journal.decisions.history("101")] == ["stripe-edit email: stripe", "stripe-edit phone: netsuite"]
    async with world.engine() as engine:
        _plan, third = await _run(engine, journal)
    o = third["101"]
    assert (o.rule, o.status, o.changes) == ("R1", Status.OK, [])
    assert "kept earlier" in trace_text(o)  # the kept email is still said, not asked


async def test_a_choice_for_a_customer_without_a_link_is_refused_with_a_remedy(world, tmp_path):
    from sync_core.errors import SyncError
    world.load([customer("101", email="ap@new.test")])
    async with world.engine() as engine:
        with pytest.raises(SyncError, match="not linked") as refused:
            await engine.resolve_edit("101", "email", "stripe", journal_path=str(tmp_path / "j.sqlite"))
    assert "custsync sync" in refused.value.remedy


def test_the_cli_carries_both_values_in_json_and_in_the_plan(world, tmp_path):
    import json

    from tests.support.engine_world import config_file

    def cli(config, env, *args):
        return custsync("--config", str(config), *args, env={**env, "TTY_COMPATIBLE": "0", "COLUMNS": "200"})

    _load(world)
    config, env = config_file(world, tmp_path)
    first = cli(config, env, "mass-sync", "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    world.mocks.stripe.control.portal_edit("cus_harbor", {"email": "payables@harbor.test"})
    _netsuite_edit(world, "101", email="billing@harbor.test")  # the same day: a conflict

    planned = cli(config, env, "mass-sync", "--dry-run", "--json")
    assert planned.returncode == 3, planned.stderr[-2000:]  # a person is needed
    doc = json.loads(planned.stdout)
    assert doc["plan"]["stripe_edits"] == {"ask": 1, "conflicts": 1}
    row = next(c for c in doc["customers"] if c["internal_id"] == "101")
    assert row["rule"] == "R10" and row["stripe_edits"][0] | {"seen": "-"} == {
        "field": "email", "kind": "conflict", "netsuite": "billing@harbor.test", "stripe": "payables@harbor.test",
        "last_synced": "ap@harbor.test", "resolution": "ask", "seen": "-", "note": None}

    text = cli(config, env, "mass-sync", "--dry-run")
    assert "edited in Stripe outside custsync (R10), 1 of them in conflict with NetSuite: 1 wait for a person" in text.stdout
    assert "email        NetSuite 'billing@harbor.test' | Stripe 'payables@harbor.test' (last synced " \
           "'ap@harbor.test'): conflict, ask" in text.stdout, text.stdout

    one = cli(config, env, "sync", "101", "--dry-run", "--json")
    assert json.loads(one.stdout)["stripe_edits"][0]["stripe"] == "payables@harbor.test"

    chose = cli(config, env, "resolve-edit", "101", "email", "netsuite", "--json")
    assert chose.returncode == 0, chose.stderr
    assert json.loads(chose.stdout)["stripe_written"] is True
    assert world.stripe_customers()["cus_harbor"]["email"] == "billing@harbor.test"
    bad = cli(config, env, "resolve-edit", "101", "metadata", "netsuite")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    again = cli(config, env, "mass-sync", "--json")
    assert again.returncode == 0, again.stdout[-2000:]


async def test_the_doctor_says_which_mapped_fields_customers_can_edit_and_what_the_policy_does(world, tmp_path):
    from sync_core.admin.doctor import run_doctor

    _load(world)  # the portal lets customers update email, address and phone
    async with world.engine(stripe_edits="write_back", write_back_fields=["email"]) as engine:
        checks = {c.id: c for c in await run_doctor(engine.services)}
    check = checks["portal-customer-edits"]
    assert check.ok and check.rule == "R10"
    assert check.detail.startswith("email, address, phone (the portal's customer_update); [sync] stripe_edits = "
                                   "write_back: such an edit is written to NetSuite for email; address, phone (not "
                                   "in [sync] write_back_fields) wait for a person"), check.detail
    world.mocks.stripe.control.save_portal_settings(customer_update={"enabled": False, "allowed_updates": ["email"]})
    async with world.engine() as engine:
        checks = {c.id: c for c in await run_doctor(engine.services)}
    assert "customer_update is disabled" in checks["portal-customer-edits"].detail
    assert checks["portal-configuration"].ok


async def test_single_sync_writes_the_correction_back_on_the_record(world, tmp_path):
    _load(world)  # single sync writes the record itself (a PATCH), not through the RESTlet's writeBack
    policy = {"stripe_edits": "write_back", "write_back_fields": ["email", "phone"]}
    journal = Journal(tmp_path / "j.sqlite")
    async with world.engine(**policy) as engine:
        assert (await engine.sync_one("101", portal=False, journal=journal)).status is Status.OK
        world.mocks.stripe.control.portal_edit("cus_harbor", {"phone": "+1 555 0111"})
        again = await engine.sync_one("101", portal=False, journal=journal)
    assert (again.rule, again.status) == ("R10", Status.OK)
    assert [(c.system, c.field, c.after) for c in again.changes] == [("netsuite", "phone", "+1 555 0111")]
    assert world.ns_customers()["101"]["phone"] == "+1 555 0111"
