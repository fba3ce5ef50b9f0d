import httpx
import pytest
import stripe

from tests.support.stripe_helpers import DEMO_KEY, make_client

TEST_MSG = ("No configuration provided and your test mode default configuration has not been created. "
            "Provide a configuration or create your default by saving your customer portal settings in test "
            "mode at https://dashboard.stripe.com/test/settings/billing/portal.")
LIVE_MSG = ("No configuration provided and your live mode default configuration has not been created. "
            "Provide a configuration or create your default by saving your customer portal settings in live "
            "mode at https://dashboard.stripe.com/settings/billing/portal.")
LIVE_KEY = "sk_live_custsync_demo_0000000000001111"


def test_session_with_active_default(client, server):
    cus = client.v1.customers.create({"email": "p@x.test", "name": "Pat"})
    s = client.v1.billing_portal.sessions.create({"customer": cus.id, "return_url": "https://erp.test/back"})
    assert s.id.startswith("bps_") and s.object == "billing_portal.session"
    assert s.customer == cus.id and s.return_url == "https://erp.test/back" and s.livemode is False
    assert s.configuration.startswith("bpc_")
    assert s.url.startswith(server.url + "/p/session/")
    page = httpx.get(s.url)
    assert page.status_code == 200 and cus.id in page.text and "p@x.test" in page.text


@pytest.mark.parametrize("portal_state", ["none", "inactive"])
def test_session_refused_without_active_default(client, ctl, portal_state):
    r = ctl.post("/_mock/portal", json={"account": "acct_demo", "mode": "test", "state": portal_state})
    assert r.json()["state"] == portal_state
    cus = client.v1.customers.create({"email": "p@x.test"})
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.billing_portal.sessions.create({"customer": cus.id, "return_url": "https://erp.test"})
    e = ei.value
    assert e.http_status == 400 and e.code is None and e.user_message == TEST_MSG
    assert e.json_body["error"]["type"] == "invalid_request_error"


def test_live_mode_message(server, put_state):
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY, LIVE_KEY],
                             "live": {"customers": [{"id": "cus_L"}], "portal_configuration": "none"}}]})
    live = make_client(server, LIVE_KEY)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        live.v1.billing_portal.sessions.create({"customer": "cus_L"})
    assert ei.value.user_message == LIVE_MSG


def test_session_for_missing_or_deleted_customer(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.billing_portal.sessions.create({"customer": "cus_nope"})
    assert (ei.value.http_status, ei.value.code, ei.value.param) == (400, "resource_missing", "customer")
    cus = client.v1.customers.create({})
    client.v1.customers.delete(cus.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing_portal.sessions.create({"customer": cus.id})


def test_session_page_expires(client, ctl):
    cus = client.v1.customers.create({"name": "Exp"})
    s = client.v1.billing_portal.sessions.create({"customer": cus.id})
    assert httpx.get(s.url).status_code == 200
    ctl.post("/_mock/clock", json={"advance_seconds": 301})
    page = httpx.get(s.url)
    assert page.status_code == 410 and "expired" in page.text
    assert httpx.get(s.url.rsplit("/", 1)[0] + "/test_nope").status_code == 404
    # The bearer token never reaches the request log.
    assert all("test_" not in e["path"] for e in ctl.get("/_mock/requests").json())


def test_configurations(client, ctl):
    # Stripe: is_default is true only for the configuration "managed in the Dashboard"; one created through
    # the API is never the default (https://docs.stripe.com/api/customer_portal/configurations).
    ctl.post("/_mock/portal", json={"account": "acct_demo", "mode": "test", "state": "none"})
    first = client.v1.billing_portal.configurations.create({
        "business_profile": {"headline": "Hi"},
        "features": {"invoice_history": {"enabled": True}},
        "default_return_url": "https://erp.test"})
    assert first.object == "billing_portal.configuration" and first.is_default is False and first.active is True
    # `features` is required (https://docs.stripe.com/api/customer_portal/configurations/create).
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.billing_portal.configurations.create({})
    assert (ei.value.code, ei.value.param) == ("parameter_missing", "features")
    assert ei.value.user_message == "Missing required param: features."
    second = client.v1.billing_portal.configurations.create({"features": {"invoice_history": {"enabled": True}}})
    assert second.is_default is False
    assert client.v1.billing_portal.configurations.retrieve(first.id).business_profile.headline == "Hi"
    assert client.v1.billing_portal.configurations.list({"is_default": True}).data == []
    assert len(client.v1.billing_portal.configurations.list().data) == 2
    assert ctl.get("/_mock/state").json()["accounts"][0]["test"]["portal_configuration"] == "none"
    cus = client.v1.customers.create({})
    with pytest.raises(stripe.InvalidRequestError) as ei:  # an API-made configuration does not activate the portal
        client.v1.billing_portal.sessions.create({"customer": cus.id})
    assert ei.value.user_message == TEST_MSG
    s = client.v1.billing_portal.sessions.create({"customer": cus.id, "configuration": second.id})
    assert s.configuration == second.id
    off = client.v1.billing_portal.configurations.update(first.id, {"active": False})
    assert off.active is False
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.billing_portal.configurations.retrieve("bpc_nope")
    assert ei.value.http_status == 404 and ei.value.code == "resource_missing"


def test_saving_portal_settings_makes_the_default(client, ctl):
    """The Dashboard step (Settings -> Customer Portal -> Save) is the only way to a default configuration."""
    ctl.post("/_mock/portal", json={"account": "acct_demo", "mode": "test", "state": "none"})
    cus = client.v1.customers.create({})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing_portal.sessions.create({"customer": cus.id})
    r = ctl.post("/_mock/portal/save-settings", json={"account": "acct_demo", "mode": "test"})
    assert r.status_code == 200 and r.json()["state"] == "active"
    defaults = client.v1.billing_portal.configurations.list({"is_default": True}).data
    assert len(defaults) == 1 and defaults[0].active is True
    s = client.v1.billing_portal.sessions.create({"customer": cus.id})
    assert s.configuration == defaults[0].id
    assert ctl.post("/_mock/portal/save-settings", json={"account": "acct_nope"}).status_code == 400


def test_new_account_has_no_default_configuration(server, put_state):
    put_state({"accounts": [{"id": "acct_new", "api_keys": [DEMO_KEY], "test": {"customers": [{"id": "cus_N"}]}}]})
    fresh = make_client(server, DEMO_KEY)
    assert fresh.v1.billing_portal.configurations.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as ei:
        fresh.v1.billing_portal.sessions.create({"customer": "cus_N"})
    assert ei.value.user_message == TEST_MSG


async def test_async_portal(aclient):
    cus = await aclient.v1.customers.create_async({"email": "a@x.test"})
    s = await aclient.v1.billing_portal.sessions.create_async({"customer": cus.id})
    assert s.customer == cus.id
    listed = await aclient.v1.billing_portal.configurations.list_async({"is_default": True})
    assert listed.data[0].active is True


def test_payment_methods(client, put_state):
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY], "test": {
        "customers": [{"id": "cus_A"}, {"id": "cus_B"}],
        "payment_methods": [
            {"id": "pm_1", "customer": "cus_A", "type": "card", "card": {"brand": "visa", "last4": "4242"}},
            {"id": "pm_2", "customer": "cus_A", "type": "card", "card": {"brand": "mastercard", "last4": "4444"}},
            {"id": "pm_3", "customer": "cus_B", "type": "card"}]}}]})
    pms = client.v1.payment_methods.list({"customer": "cus_A", "type": "card"})
    assert {p.id for p in pms.data} == {"pm_1", "pm_2"} and pms.object == "list"
    assert {p.card.last4 for p in pms.data} == {"4242", "4444"}
    assert [p.id for p in client.v1.customers.payment_methods.list("cus_B", {"type": "card"}).data] == ["pm_3"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.payment_methods.list("cus_nope", {"type": "card"})
