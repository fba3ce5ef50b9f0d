"""Issue 24: the demo's duplicate Stripe customers can be told apart by what a person would use, other NetSuite
customers pointing at them included. In the demo, 1016 shares its mailbox with two Stripe customers (R3 asks);
1017, the same company's accounts payable record, is already linked to the newer one (made for it by a support
import). Choosing for 1016 shows that; the rules keep 1017's link and 1016's question; linking 1016 to the
shared one anyway leaves 1017's customer as 1017 keeps it. Against both mocks, through the CLI."""

from __future__ import annotations

import json

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from testbed import demo
from tests.support.cli import custsync
from tests.support.engine_world import config_file

DUP0, DUP1 = "cus_demo1016dup0", "cus_demo1016dup1"


def demo_world(world, tmp_path):
    world.mocks.load(*demo.generate(demo.DEMO_CUSTOMERS))
    return config_file(world, tmp_path)


def test_the_demo_s_sister_record_holds_the_newer_duplicate():
    ns_state, stripe_state = demo.generate(demo.DEMO_CUSTOMERS)
    ns = {c["id"]: c for c in ns_state["customers"]}
    stripe = {c["id"]: c for c in stripe_state["accounts"][0]["test"]["customers"]}
    assert len(ns) == demo.DEMO_CUSTOMERS
    assert ns["1017"][ID_FIELD] == DUP1 and ns["1017"]["email"] == ns["1016"]["email"] == stripe[DUP1]["email"]
    assert not ns["1016"].get(ID_FIELD)
    assert stripe[DUP1]["metadata"]["netsuite_internal_id"] == "1017" and "netsuite_internal_id" not in stripe[DUP0]["metadata"]
    assert [i for i, c in ns.items() if c.get(ID_FIELD) in (DUP0, DUP1)] == ["1017"]  # the only sister record


def test_the_candidates_say_which_is_already_linked_from_another_netsuite_customer(world, tmp_path):
    config, env = demo_world(world, tmp_path)
    r = custsync("--config", str(config), "candidates", "1016", "--json", env=env)
    assert r.returncode == 0, r.stderr
    found = {c["id"]: c for c in json.loads(r.stdout)["candidates"]}
    assert found[DUP0]["other_netsuite_customers"] == []
    assert found[DUP1]["other_netsuite_customers"] == ["1017"] and found[DUP1]["pointed_by"] == ["1017"]
    text = custsync("--config", str(config), "candidates", "1016", env=env)
    line = next(ln for ln in text.stdout.splitlines() if DUP1 in ln)
    assert "already linked from NetSuite customer 1017" in line
    assert "already linked" not in next(ln for ln in text.stdout.splitlines() if DUP0 in ln)


def test_a_mass_sync_keeps_the_sister_s_link_and_1016_s_question(world, tmp_path):
    config, env = demo_world(world, tmp_path)
    r = custsync("--config", str(config), "mass-sync", "--json", "--no-portal", env=env)
    assert r.returncode in (1, 3), r.stderr  # the demo leaves customers for a person
    rows = {c["internal_id"]: c for c in json.loads(r.stdout)["customers"]}
    assert rows["1016"]["status"] == "needs-decision" and rows["1016"]["rule"] == "R3"
    assert rows["1017"]["status"] == "ok" and rows["1017"]["rule"] == "R1"
    assert rows["1017"]["stripe_customer_id"] == DUP1
    dup1 = world.stripe_customers()[DUP1]
    assert dup1["email"] == world.ns_customers()["1016"]["email"]  # still 1016's mailbox: still two candidates
    again = custsync("--config", str(config), "sync", "1016", "--dry-run", "--json", env=env)
    assert json.loads(again.stdout)["candidates"] == [DUP0, DUP1]


def test_linking_1016_to_the_sister_s_customer_shares_it_and_pushes_nothing_over_1017_s(world, tmp_path):
    config, env = demo_world(world, tmp_path)
    link = custsync("--config", str(config), "link", "1016", DUP1, "--yes", env=env)
    assert link.returncode == 0, link.stderr
    assert "Already linked from NetSuite customer 1017" in link.stdout
    r = custsync("--config", str(config), "sync", "1016", "--no-portal", "--json", env=env)
    assert r.returncode == 0, r.stderr
    outcome = json.loads(r.stdout)
    assert outcome["status"] == "ok" and outcome["rule"] == "R1" and outcome["action"] == "use-linked"
    assert "shared with NetSuite customer 1017; nothing pushed from this customer" in outcome["reason"]
    assert world.stripe_customers()[DUP1]["name"] == "Rivera-Hanson (Accounts Payable)"  # 1017's, as it was
    sister = custsync("--config", str(config), "sync", "1017", "--no-portal", "--json", env=env)
    assert sister.returncode == 0, sister.stderr
    assert json.loads(sister.stdout)["status"] == "ok" and json.loads(sister.stdout)["stripe_customer_id"] == DUP1
    ns = world.ns_customers()
    assert ns["1016"][ID_FIELD] == ns["1017"][ID_FIELD] == DUP1
