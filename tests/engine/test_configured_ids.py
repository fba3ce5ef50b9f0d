"""A configuration that names what the NetSuite account lacks (a lookup field, the PayPack fields, a saved search,
the portal deployment) is caught before anything is synced, by the first read of a run and by the doctor, each
naming the setting to change; the R8 warning names the configured deployment. Against both mocks as servers."""

from __future__ import annotations

import pytest

from sync_core.admin.doctor import run_doctor
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.run.configured_ids import AccountLacks
from sync_core.run.journal import Journal
from testbed import demo
from tests.support.cli import custsync
from tests.support.engine_world import config_file, customer

NOT_THERE = "custentity_account_no"  # a valid field id the account does not have


def _load(world, *, deployments=None):
    state = demo.netsuite_state([customer("101", email="ap@acme.test"), customer("102", email=None, sid=None)])
    if deployments is not None:
        state["deployments"] = deployments
    world.mocks.load(state, demo.stripe_state([]))


async def _doctor(world, **overrides) -> dict:
    async with world.engine(**overrides) as engine:
        return {c.id: c for c in await run_doctor(engine.services)}


async def test_a_lookup_field_the_account_lacks_stops_the_sync_before_anything_is_written(world, tmp_path):
    """It used to skip every unlinked customer as R4, with a remedy to fill a field that does not exist."""
    _load(world)
    with Journal(tmp_path / "j.sqlite") as journal:
        async with world.engine(lookup_field=NOT_THERE) as engine:
            with pytest.raises(AccountLacks) as single:
                await engine.sync_one("101")
            with pytest.raises(AccountLacks) as mass:
                async for _ in engine.mass_sync(journal):
                    pass
        assert journal.runs() == []  # nothing half-recorded
    for raised in (single, mass):
        assert f"[sync] lookup_field = '{NOT_THERE}'" in str(raised.value) and "no customer field" in str(raised.value)
        assert "Entity Fields" in str(raised.value)
    assert not world.stripe_customers() and not world.ns_customers()["101"].get(ID_FIELD)
    check = (await _doctor(world, lookup_field=NOT_THERE))["paypack-fields"]
    assert not check.ok and "[sync] lookup_field" in check.detail and NOT_THERE in check.detail


async def test_a_stripe_id_field_the_account_lacks_is_named_by_its_setting(world):
    """Read as blank, every linked customer would be matched by email again."""
    _load(world)
    world.config.netsuite.stripe_id_field = "custentity_stripe_id_typo"
    async with world.engine() as engine:
        with pytest.raises(AccountLacks, match=r"\[netsuite\] stripe_id_field = 'custentity_stripe_id_typo'"):
            await engine.sync_one("101")
    check = (await _doctor(world))["paypack-fields"]
    assert not check.ok and "[netsuite] stripe_id_field" in check.detail and "PayPack bundle" in check.remedy
    assert not world.stripe_customers()


async def test_a_saved_search_the_account_lacks_is_named_by_its_setting(world, tmp_path):
    _load(world)
    world.config.netsuite.mass_customer_sync_search = "customsearch_not_here"
    with Journal(tmp_path / "j.sqlite") as journal:
        async with world.engine() as engine:
            with pytest.raises(AccountLacks, match=r"\[netsuite\] mass_customer_sync_search = 'customsearch_not_here'"):
                async for _ in engine.mass_sync(journal):
                    pass
        assert journal.runs() == []
    check = (await _doctor(world))["mass-sync-search"]
    assert not check.ok and "[netsuite] mass_customer_sync_search" in check.detail and "Saved Searches" in check.remedy


async def test_a_portal_deployment_the_account_lacks_is_named_and_the_r8_warning_names_the_configured_one(world):
    deployments = demo.deployments()
    deployments.append({"scriptId": "customscript_acme_portal", "deploymentId": "customdeploy_acme_portal",
                        "title": "Acme portal link", "status": "NOTSCHEDULED"})
    _load(world, deployments=deployments)
    world.config.netsuite.portal_deployment = "customdeploy_acme_portal"  # exists, not released
    async with world.engine() as engine:
        out = await engine.sync_one("101")
    assert out.portal.rule == "R8" and "customdeploy_acme_portal" in out.portal.message
    assert "customdeploy_acme_portal" in out.portal.remedy and "customdeploy_nm_paypack" not in out.portal.remedy
    check = (await _doctor(world))["portal-deployment"]
    assert not check.ok and "customdeploy_acme_portal" in check.remedy

    world.config.netsuite.portal_deployment = "customdeploy_not_here"
    async with world.engine() as engine:
        with pytest.raises(AccountLacks, match=r"\[netsuite\] portal_deployment = 'customdeploy_not_here'.*no "
                                               "script deployment"):
            await engine.sync_one("102")
    check = (await _doctor(world))["portal-deployment"]
    assert not check.ok and "[netsuite] portal_deployment" in check.detail


async def test_the_fields_are_checked_once_per_engine(world):
    _load(world)
    async with world.engine() as engine:
        await engine.sync_one("101", dry_run=True)
        first = engine.netsuite.requests
        await engine.sync_one("101", dry_run=True)
        second = engine.netsuite.requests - first
    assert second == first - 1  # the same reads, less the one field check


def test_cli_exits_2_naming_the_setting(world, tmp_path):
    _load(world)
    path, env = config_file(world, tmp_path)
    r = custsync("--config", str(path), "mass-sync", env={**env, "CUSTSYNC_SYNC_LOOKUP_FIELD": NOT_THERE})
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "configuration error" in r.stderr and "[sync] lookup_field" in r.stderr and "Traceback" not in r.stderr
    assert not world.stripe_customers()
