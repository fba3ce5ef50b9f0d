"""A customer editing their own details in the customer portal (the mock's control endpoint), and the portal
configuration's `features.customer_update` that allows it.

Followed: the portal configuration object (https://docs.stripe.com/api/customer_portal/configurations/object,
features.customer_update: `enabled`, `allowed_updates` of address, email, name, phone, shipping, tax_id; both
required in Stripe's OpenAPI spec, schema PortalCustomerUpdate) and the event object
(https://docs.stripe.com/api/events/object: data.previous_attributes; request.id "If null, the event was
automatic"). Unconfirmed, and chosen: the portal's own requests are no API request of the account, so the
event's request is null, as for a Dashboard edit."""

from __future__ import annotations

from tests.support.stripe_helpers import events, get


def _allow(ctl, *fields, enabled=True):
    r = ctl.post("/_mock/portal/save-settings", json={"customer_update": {"enabled": enabled,
                                                                         "allowed_updates": list(fields)}})
    assert r.status_code == 200, r.text
    return r.json()


def _customer(ctl, **fields):
    r = ctl.post("/_mock/customers", json={"customer": {"id": "cus_P", "email": "old@p.test", **fields}})
    assert r.status_code == 200, r.text


def test_the_configuration_says_what_customers_may_change(server, ctl):
    assert _allow(ctl, "email", "address")["customer_update"] == {"allowed_updates": ["email", "address"],
                                                                   "enabled": True}
    listed = get(server, "/v1/billing_portal/configurations", {"is_default": "true"}).json()["data"][0]
    assert listed["features"]["customer_update"] == {"allowed_updates": ["email", "address"], "enabled": True}


def test_a_portal_edit_changes_the_customer_with_an_event_and_no_request(server, ctl):
    _allow(ctl, "email", "address")
    _customer(ctl, address={"line1": "1 Old Rd", "line2": "Suite 5", "city": "Oslo", "country": "NO"})
    r = ctl.post("/_mock/customers/cus_P/portal-edit", json={"changes": {
        "email": "new@p.test", "address": {"line1": "9 New St", "city": "Bergen", "country": "NO"}}})
    assert r.status_code == 200, r.text
    after = get(server, "/v1/customers/cus_P").json()
    assert after["email"] == "new@p.test"
    # The form sends the whole address: a line the customer left empty is empty now.
    assert after["address"] == {"line1": "9 New St", "line2": None, "city": "Bergen", "state": None,
                                "postal_code": None, "country": "NO"}
    event = events(server, limit=1)["data"][0]
    assert event["type"] == "customer.updated" and event["request"] == {"id": None, "idempotency_key": None}
    assert event["data"]["previous_attributes"] == {
        "email": "old@p.test", "address": {"line1": "1 Old Rd", "line2": "Suite 5", "city": "Oslo"}}


def test_the_portal_refuses_what_the_configuration_does_not_allow(ctl):
    _allow(ctl, "email")
    _customer(ctl)
    r = ctl.post("/_mock/customers/cus_P/portal-edit", json={"changes": {"phone": "+1 555 0100"}})
    assert r.status_code == 400 and "does not allow customers to update phone" in r.json()["error"]
    r = ctl.post("/_mock/customers/cus_P/portal-edit", json={"changes": {"metadata": {"a": "1"}}})
    assert r.status_code == 400 and "cannot change metadata" in r.json()["error"]
    r = ctl.post("/_mock/customers/cus_P/portal-edit", json={"changes": {"email": "not an address"}})
    assert r.status_code == 400 and "Invalid email address" in r.json()["error"]
    _allow(ctl, "email", enabled=False)
    r = ctl.post("/_mock/customers/cus_P/portal-edit", json={"changes": {"email": "new@p.test"}})
    assert r.status_code == 400 and "customer_update is disabled" in r.json()["error"]
    assert ctl.post("/_mock/customers/cus_none/portal-edit", json={"changes": {"email": "a@b.test"}}).status_code == 404


def test_no_portal_no_edit(ctl):
    _customer(ctl)
    assert ctl.post("/_mock/portal", json={"state": "none"}).status_code == 200
    r = ctl.post("/_mock/customers/cus_P/portal-edit", json={"changes": {"email": "new@p.test"}})
    assert r.status_code == 400 and "not activated" in r.json()["error"]


def test_a_bad_customer_update_setting_is_refused_naming_the_field(ctl):
    r = ctl.post("/_mock/portal/save-settings", json={"customer_update": {"enabled": True,
                                                                          "allowed_updates": ["email", "metadata"]}})
    assert r.status_code == 400 and r.json()["field"] == "customer_update.allowed_updates"
    r = ctl.post("/_mock/portal/save-settings", json={"customer_update": {"allowed_updates": []}})
    assert r.status_code == 400 and r.json()["field"] == "customer_update.enabled"
