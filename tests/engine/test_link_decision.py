"""The operator's decision (R2/R3): candidates with what a person chooses by, and `Engine.link`, which
validates the id against Stripe, writes only STRIPE CUSTOMER ID (PAYPACK) and journals the decision."""

from __future__ import annotations

import pytest

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.errors import SyncError
from sync_core.outcome import Status
from sync_core.run.journal import Journal

TWINS = [{"id": "801", "companyName": "Twins Ltd", "email": "billing@twins.test"},
         {"id": "802", "companyName": "Other Co", "email": "other@x.test", ID_FIELD: "cus_twin_old"}]
STRIPE = [{"id": "cus_twin_old", "email": "billing@twins.test", "name": "Twins (old)", "created": 1600000000,
           "metadata": {"netsuite_internal_id": "802"}},
          {"id": "cus_twin_new", "email": "billing@twins.test", "name": "Twins Ltd", "created": 1700000000}]


async def test_candidates_say_who_else_points_at_each(world):
    world.load(TWINS, STRIPE)
    async with world.engine() as engine:
        found = await engine.candidates("801")
    assert [c.id for c in found.candidates] == ["cus_twin_old", "cus_twin_new"]  # oldest first
    old, new = found.candidates
    assert old.pointed_by == ("802",) and old.tagged_for == "802" and old.others("801") == ("802",)
    assert new.others("801") == () and new.name == "Twins Ltd" and new.created == 1700000000
    assert found.name == "Twins Ltd" and found.stored_id is None


async def test_link_writes_only_the_stripe_id_and_journals_it(world, tmp_path):
    world.load(TWINS, STRIPE)
    before = world.ns_customers()["801"]
    stripe_before = world.stripe_customers()
    journal = tmp_path / "journal.sqlite"
    async with world.engine(journal_path=journal) as engine:
        assert (await engine.sync_one("801", dry_run=True)).status is Status.NEEDS_DECISION
        result = await engine.link("801", "cus_twin_new")
        after_sync = await engine.sync_one("801")
    after = world.ns_customers()["801"]
    assert result.written and result.previous is None and result.others == ()
    assert {k for k in after if after.get(k) != before.get(k)} <= {ID_FIELD, "lastModifiedDate", "custentity_paypack_portal_url"}
    assert after[ID_FIELD] == "cus_twin_new"
    assert after_sync.status is Status.OK and after_sync.rule == "R1"
    assert set(world.stripe_customers()) == set(stripe_before)  # nothing created
    with Journal(journal) as log:
        [record] = log.decisions.history("801")
    assert (record.kind, record.stripe_customer_id) == ("link", "cus_twin_new")


@pytest.mark.parametrize("bad, code", [("cus_nobody", "resource_missing"), ("not-an-id", "invalid_stripe_id")])
async def test_link_refuses_an_id_stripe_does_not_have(world, bad, code):
    world.load(TWINS, STRIPE)
    async with world.engine() as engine:
        with pytest.raises(SyncError) as raised:
            await engine.link("801", bad)
    assert raised.value.code == code and raised.value.remedy
    assert not world.ns_customers()["801"].get(ID_FIELD)  # nothing written


async def test_link_reports_another_customer_pointing_at_it(world):
    world.load(TWINS, STRIPE)
    async with world.engine() as engine:
        preview = await engine.check_link("801", "cus_twin_old")
    assert preview.others == ("802",) and not preview.written
    assert "801" in preview.write_sentence() and "cus_twin_old" in preview.write_sentence()


def _cli(world, tmp_path, *args, stdin=None):
    """`custsync --config FILE ARGS`, pointed at the running mocks."""
    from tests.support.cli import custsync
    from tests.support.engine_world import config_file

    path, env = config_file(world, tmp_path)
    return custsync("--config", str(path), *args, env=env, stdin=stdin)


def test_cli_link_json_writes_and_reports(world, tmp_path):
    import json

    world.load(TWINS, STRIPE)
    r = _cli(world, tmp_path, "link", "801", "cus_twin_old", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["written"] and out["other_netsuite_customers"] == ["802"]
    assert world.ns_customers()["801"][ID_FIELD] == "cus_twin_old"


def test_cli_link_refuses_a_missing_id_with_a_remedy_and_without_yes(world, tmp_path):
    world.load(TWINS, STRIPE)
    missing = _cli(world, tmp_path, "link", "801", "cus_nobody", "--yes")
    assert missing.returncode == 1 and "cus_nobody" in missing.stderr and "remedy" in missing.stderr
    no_yes = _cli(world, tmp_path, "link", "801", "cus_twin_new", stdin="")  # no terminal, no --yes
    assert no_yes.returncode == 2 and "--yes" in no_yes.stderr
    assert not world.ns_customers()["801"].get(ID_FIELD)


def test_cli_candidates_lists_names_literally(world, tmp_path):
    world.load([{**TWINS[0]}], [{**STRIPE[0], "name": "[b]x[/b] [link=https://evil.test]y[/link]"}, STRIPE[1]])
    r = _cli(world, tmp_path, "candidates", "801")
    assert r.returncode == 0, r.stderr
    assert "[b]x[/b] [link=https://evil.test]y[/link]" in r.stdout and "already linked from NetSuite customer 802" in r.stdout


async def test_link_to_an_id_of_the_other_mode_says_so(world):
    """As a sync's R2 does: "exists only in the other Stripe mode", not "Stripe has no customer"."""
    world.load(TWINS, STRIPE)
    state = world.mocks.stripe.control.state()
    state["accounts"][0]["live"] = {"customers": [{"id": "cus_LIVE1", "email": "billing@twins.test"}],
                                    "portal_configuration": "active", "payment_methods": []}
    world.mocks.stripe.control.load(state)
    async with world.engine() as engine:
        with pytest.raises(SyncError) as raised:
            await engine.link("801", "cus_LIVE1")
    assert raised.value.code == "other_mode" and "other Stripe mode" in raised.value.message
    assert "test-mode id with a live key" in raised.value.remedy
    assert not world.ns_customers()["801"].get(ID_FIELD)


async def test_linking_the_id_already_held_writes_nothing_and_says_so(world, tmp_path):
    world.load(TWINS, STRIPE)
    journal = tmp_path / "journal.sqlite"
    before = world.ns_customers()["802"]
    async with world.engine(journal_path=journal) as engine:
        result = await engine.link("802", "cus_twin_old")
    assert result.already_linked and not result.written and "nothing" in result.write_sentence()
    assert world.ns_customers()["802"] == before  # not even lastModifiedDate moved
    assert not journal.exists()  # no decision to journal


def test_cli_link_to_the_id_already_held_exits_0_saying_nothing_was_written(world, tmp_path):
    world.load(TWINS, STRIPE)
    r = _cli(world, tmp_path, "link", "802", "cus_twin_old", "--yes")
    assert r.returncode == 0, r.stderr
    assert "already holds cus_twin_old: nothing written" in r.stdout


@pytest.mark.parametrize("args, words", [
    (["link", "abc", "cus_twin_new", "--yes"], "'abc' is not a NetSuite internal id"),
    (["link", "801", "twin_new", "--yes"], "'twin_new' is not a Stripe customer id"),
    (["link", "801", "cus_x'; DROP", "--yes"], "is not a Stripe customer id"),
    (["candidates", "abc"], "'abc' is not a NetSuite internal id"),
    (["candidates", "../customer/1"], "is not a NetSuite internal id"),
])
def test_link_and_candidates_refuse_malformed_ids_with_exit_2(world, tmp_path, args, words):
    """Like every other command: exit 2, the id blamed (not NetSuite), before anything is read or written."""
    world.load(TWINS, STRIPE)
    r = _cli(world, tmp_path, *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert words in r.stderr and "Traceback" not in r.stderr and "NetSuite:" not in r.stderr
    assert not world.ns_customers()["801"].get(ID_FIELD)
