"""Doctor: stored Stripe ids that name no customer in the key's mode (R2), against both mocks as servers.

Stripe keeps test and live data apart (https://docs.stripe.com/keys#test-live-modes); an id from the
other mode does not resolve, the PayPack error table's most common confusion."""

from sync_core.admin.doctor import STORED_ID_SAMPLE, run_doctor
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from testbed import demo


def _customer(iid: str, sid: str | None = None) -> dict:
    c = {"id": iid, "companyName": f"Co {iid}", "email": f"ap{iid}@x.test"}
    if sid:
        c[ID_FIELD] = sid
    return c


def _load(world, ns_customers, test_ids=(), live_ids=()):
    stripe = demo.stripe_state([{"id": i, "email": f"{i}@x.test"} for i in test_ids])
    stripe["accounts"][0]["live"] = {"customers": [{"id": i} for i in live_ids]}
    world.mocks.load(demo.netsuite_state(ns_customers), stripe)


async def _check(world):
    async with world.engine() as engine:
        before = engine.stripe.requests
        results = {c.id: c for c in await run_doctor(engine.services)}
        return results["stored-stripe-ids"], engine.stripe.requests - before


async def test_ids_from_the_other_mode_are_counted_with_the_r2_remedy(world):
    _load(world, [_customer("101", "cus_testok"), _customer("102", "cus_liveonly"), _customer("103")],
          test_ids=["cus_testok"], live_ids=["cus_liveonly"])
    check, _ = await _check(world)
    assert not check.ok and check.rule == "R2"
    assert "1 of all 2 stored Stripe ids are stale (R2): 1 name no customer in test mode: 102 (cus_liveonly)" \
        in check.detail
    assert "other mode" in check.remedy and "Clear STRIPE CUSTOMER ID" in check.remedy


async def test_resolving_ids_pass(world):
    _load(world, [_customer("101", "cus_testok"), _customer("102")], test_ids=["cus_testok"])
    check, _ = await _check(world)
    assert check.ok and "all 1 stored Stripe ids name test-mode customers" in check.detail


async def test_the_check_samples_at_a_bounded_cost(world):
    n = STORED_ID_SAMPLE + 15
    _load(world, [_customer(str(100 + i), f"cus_x{i:04d}") for i in range(n)],
          test_ids=[f"cus_x{i:04d}" for i in range(n)])
    check, stripe_requests = await _check(world)
    assert check.ok and f"{STORED_ID_SAMPLE} sampled" in check.detail
    assert stripe_requests <= STORED_ID_SAMPLE + 5  # the sample plus the doctor's other Stripe checks


async def test_ids_of_deleted_customers_are_counted_too(world):
    """A deleted Stripe customer is retrieved as {deleted: true}, not a 404: a sync still fails it with R2."""
    _load(world, [_customer("101", "cus_testok"), _customer("102", "cus_gone"), _customer("103", "cus_liveonly")],
          test_ids=["cus_testok", "cus_gone"], live_ids=["cus_liveonly"])
    state = world.mocks.stripe.control.state()
    for c in state["accounts"][0]["test"]["customers"]:
        if c["id"] == "cus_gone":
            c["deleted"] = True
    world.mocks.stripe.control.load(state)
    check, _ = await _check(world)
    assert not check.ok and check.rule == "R2"
    assert "2 of all 3 stored Stripe ids are stale (R2)" in check.detail
    assert "1 name a deleted customer: 102 (cus_gone)" in check.detail
    assert "Clear STRIPE CUSTOMER ID" in check.remedy
