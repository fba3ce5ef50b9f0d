"""The Stripe mock against Stripe's OpenAPI spec (github.com/stripe/openapi, openapi/spec3.json; the part the
mock serves is vendored in mock_stripe/spec/stripe-openapi.json at the pinned 2026-10-28.endive, docs/mocks.md):
requests are refused as the spec's schemas say, with Stripe's error body and `param`; responses fit the
spec's object schemas. Each case names the operation (operationId) and the rule it follows."""

from __future__ import annotations

import json

import httpx
import pytest
import stripe

from tests.support.spec_check import errors, list_errors
from tests.support.stripe_helpers import DEMO_KEY


def _post(server, path, data, key=DEMO_KEY):
    return httpx.post(server.url + path, data=data, headers={"Authorization": f"Bearer {key}"})


def _get(server, path, params=None):
    return httpx.get(server.url + path, params=params, headers={"Authorization": f"Bearer {DEMO_KEY}"})


# -- requests: PostCustomers (components of the form body), as the spec types them -------------------------

@pytest.mark.parametrize("data,param,message", [
    # maxLength
    ({"name": "n" * 257}, "name", "must be at most 256 characters"),
    ({"phone": "1" * 21}, "phone", "must be at most 20 characters"),
    ({"description": "d" * 5001}, "description", "must be at most 5000 characters"),
    ({"email": "a" * 506 + "@x.test"}, "email", "must be at most 512 characters"),
    ({"address[line1]": "l" * 5001}, "address[line1]", "must be at most 5000 characters"),
    ({"shipping[name]": "S", "shipping[address][city]": "c" * 5001}, "shipping[address][city]",
     "must be at most 5000 characters"),
    ({"business_name": "b" * 151}, "business_name", "must be at most 150 characters"),
    ({"individual_name": "i" * 151}, "individual_name", "must be at most 150 characters"),
    ({"invoice_settings[custom_fields][0][name]": "n" * 41, "invoice_settings[custom_fields][0][value]": "v"},
     "invoice_settings[custom_fields][0][name]", "must be at most 40 characters"),
    # enums
    ({"tax_exempt": "sometimes"}, "tax_exempt", "Invalid tax_exempt: must be one of exempt, none, or reverse"),
    ({"invoice_settings[rendering_options][amount_tax_display]": "always"},
     "invoice_settings[rendering_options][amount_tax_display]", "must be one of exclude_tax or include_inclusive_tax"),
    ({"tax[validate_location]": "later"}, "tax[validate_location]", "must be one of deferred or immediately"),
    # required inside nested objects
    ({"shipping[address][line1]": "1 Quay"}, "shipping[name]", "Missing required param: shipping[name]."),
    ({"invoice_settings[custom_fields][0][name]": "PO"}, "invoice_settings[custom_fields][0][value]",
     "Missing required param: invoice_settings[custom_fields][0][value]."),
    ({"tax_id_data[0][type]": "eu_vat"}, "tax_id_data[0][value]", "Missing required param: tax_id_data[0][value]."),
    # unknown names, at any depth (additionalProperties: false at the top; nested objects list theirs)
    ({"address[line3]": "x"}, "address[line3]", "Received unknown parameter: address[line3]"),
    ({"coupon": "SAVE10"}, "coupon", "Received unknown parameter: coupon"),  # gone from customers at this version
    # types
    ({"balance": "ten"}, "balance", "Invalid integer: ten"),
    ({"validate": "yes"}, "validate", "Invalid boolean: yes"),
    ({"preferred_locales": "en"}, "preferred_locales", "Invalid array"),
    ({"metadata": "x"}, "metadata", "Invalid hash"),
    ({"expand": "default_source"}, "expand", "Invalid array"),
])
def test_customer_parameters_are_refused_as_the_spec_says(server, client, data, param, message):
    r = _post(server, "/v1/customers", data)
    error = r.json()["error"]
    assert r.status_code == 400 and error["type"] == "invalid_request_error"
    assert error["param"] == param and message in error["message"], error
    assert client.v1.customers.list().data == []  # nothing half-written


def test_the_spec_codes_of_unknown_missing_and_integer(server):
    assert _post(server, "/v1/customers", {"address[line3]": "x"}).json()["error"]["code"] == "parameter_unknown"
    assert _post(server, "/v1/customers", {"shipping[address][line1]": "x"}).json()["error"]["code"] == "parameter_missing"
    assert _post(server, "/v1/customers", {"balance": "x"}).json()["error"]["code"] == "parameter_invalid_integer"


def test_values_at_the_limits_pass_typed(client):
    c = client.v1.customers.create({"name": "n" * 256, "phone": "1" * 20, "business_name": "b" * 150,
                                    "balance": -5, "address": {"line1": "l" * 5000}, "tax_exempt": "reverse",
                                    "preferred_locales": ["fr"], "validate": False})
    assert (len(c.name), len(c.phone), len(c.business_name), c.balance) == (256, 20, 150, -5)
    assert c.tax_exempt == "reverse" and c.preferred_locales == ["fr"]


def test_empty_string_unsets_only_where_the_spec_allows_it(server, client):
    """`anyOf [..., {"enum": [""]}]` is Stripe's "unset": metadata and address take it, invoice_settings does not."""
    c = client.v1.customers.create({"address": {"line1": "1 Main"}, "metadata": {"a": "1"}})
    cleared = client.v1.customers.update(c.id, {"address": "", "metadata": ""})
    assert cleared.address is None and cleared.metadata.to_dict() == {}
    r = _post(server, f"/v1/customers/{c.id}", {"invoice_settings": ""})
    assert r.status_code == 400 and r.json()["error"]["param"] == "invoice_settings"


@pytest.mark.parametrize("path,params,param,message", [
    # GetCustomers: query parameters (created is deepObject: an integer or {gt, gte, lt, lte})
    ("/v1/customers", {"limit": "ten"}, "limit", "Invalid integer: ten"),
    ("/v1/customers", {"created[after]": "5"}, "created[after]", "Received unknown parameter: created[after]"),
    ("/v1/customers", {"email": "e" * 513}, "email", "must be at most 512 characters"),
    # GetCustomersSearch: `query` is required
    ("/v1/customers/search", {"limit": "5"}, "query", "Missing required param: query."),
    # GetEvents
    ("/v1/events", {"delivery_success": "maybe"}, "delivery_success", "Invalid boolean: maybe"),
    # GetBillingPortalConfigurations
    ("/v1/billing_portal/configurations", {"is_default": "1"}, "is_default", "Invalid boolean: 1"),
])
def test_list_parameters_are_refused_as_the_spec_says(server, path, params, param, message):
    error = _get(server, path, params).json()["error"]
    assert error["param"] == param and message in error["message"], error


# -- requests: the billing portal ---------------------------------------------------------------------

@pytest.mark.parametrize("data,param,message", [
    # PostBillingPortalConfigurations: features is required, and so is each feature's `enabled`
    ({"business_profile[headline]": "x"}, "features", "Missing required param: features."),
    ({"features[invoice_history][enabled]": "true", "features[customer_update][allowed_updates][0]": "email"},
     "features[customer_update][enabled]", "Missing required param: features[customer_update][enabled]."),
    ({"features[customer_update][enabled]": "true", "features[customer_update][allowed_updates][0]": "birthday"},
     "features[customer_update][allowed_updates][0]", "must be one of address, email, name, phone, shipping, or tax_id"),
    ({"features[invoice_history][enabled]": "true", "business_profile[headline]": "h" * 61},
     "business_profile[headline]", "must be at most 60 characters"),
    ({"features[subscription_pause][enabled]": "true", "features[subscription_pause][duration][type]": "forever"},
     "features[subscription_pause][duration][type]", "must be one of indefinite or interval_options"),
])
def test_portal_configuration_parameters_are_refused_as_the_spec_says(server, data, param, message):
    error = _post(server, "/v1/billing_portal/configurations", data).json()["error"]
    assert error["param"] == param and message in error["message"], error


@pytest.mark.parametrize("data,param,message", [
    # PostBillingPortalSessions at 2026-10-28.endive: after_expiration[type] is required, an enum
    ({"after_expiration[customer_login][expires_at]": "1900000000"}, "after_expiration[type]",
     "Missing required param: after_expiration[type]."),
    ({"after_expiration[type]": "email_link"}, "after_expiration[type]", "must be one of customer_login"),
    ({"after_expiration[type]": "customer_login", "after_expiration[customer_login][expires_at]": "soon"},
     "after_expiration[customer_login][expires_at]", "Invalid integer: soon"),
    ({"locale": "tlh"}, "locale", "Invalid locale: must be one of auto, bg"),
    ({"flow_data[type]": "subscription_pause"}, "flow_data[subscription_pause]",
     "Missing required param: flow_data[subscription_pause]."),  # a type of this version, which needs its object
    ({"flow_data[type]": "subscription_pause", "flow_data[subscription_pause][subscription]": "sub_1"},
     "flow_data[subscription_pause][subscription]", "No such subscription: 'sub_1'"),  # the mock models none
])
def test_portal_session_parameters_are_refused_as_the_spec_says(server, client, data, param, message):
    customer = client.v1.customers.create({"email": "p@x.test"})
    error = _post(server, "/v1/billing_portal/sessions", {"customer": customer.id, **data}).json()["error"]
    assert error["param"] == param and message in error["message"], error


# -- the pinned version's fields ----------------------------------------------------------------------

def test_business_and_individual_names_are_stored_and_returned(client):
    """Customer at 2026-10-28.endive: business_name and individual_name (maxLength 150), optional properties
    left out until set; "When you create a Customer without specifying the name, it's automatically set to
    either the business_name or individual_name, prioritized in that order" (changelog 2025-09-30.clover)."""
    both = client.v1.customers.create({"business_name": "Acme Ltd", "individual_name": "Ann Lee"})
    assert (both.name, both.business_name, both.individual_name) == ("Acme Ltd", "Acme Ltd", "Ann Lee")
    person = client.v1.customers.create({"individual_name": "Ann Lee"})
    assert person.name == "Ann Lee" and "business_name" not in person.to_dict()
    named = client.v1.customers.create({"name": "Acme", "business_name": "Acme Ltd"})
    assert named.name == "Acme"
    plain = client.v1.customers.create({"email": "plain@x.test"})
    assert plain.name is None and "business_name" not in plain.to_dict()
    updated = client.v1.customers.update(both.id, {"business_name": "", "individual_name": "Ann B. Lee"})
    assert "business_name" not in updated.to_dict() and updated.individual_name == "Ann B. Lee"
    assert updated.name == "Acme Ltd"  # an update never renames
    assert client.v1.customers.retrieve(both.id).individual_name == "Ann B. Lee"


def test_a_portal_session_keeps_after_expiration_and_offers_recovery(server, client, ctl):
    """PostBillingPortalSessions at 2026-10-28.endive: after_expiration (changelog 2026-10-28 "Adds session
    recovery for expired customer portal sessions"); customer_account names an Account, which the mock has none
    of; customer and customer_account exclude each other."""
    customer = client.v1.customers.create({"email": "r@x.test"})
    session = client.v1.billing_portal.sessions.create(
        {"customer": customer.id, "after_expiration": {"type": "customer_login"}})
    assert session.after_expiration.to_dict() == {"customer_login": None, "type": "customer_login"}
    assert session.customer_account is None
    ctl.post("/_mock/clock", json={"advance_seconds": 3600})
    page = httpx.get(session.url)
    assert page.status_code == 410 and 'id="recovery"' in page.text
    plain = client.v1.billing_portal.sessions.create({"customer": customer.id})
    assert plain.after_expiration is None
    ctl.post("/_mock/clock", json={"advance_seconds": 3600})
    assert 'id="recovery"' not in httpx.get(plain.url).text
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.billing_portal.sessions.create({"customer_account": "acct_1Nobody"})
    assert ei.value.param == "customer_account" and ei.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.billing_portal.sessions.create({"customer": customer.id, "customer_account": "acct_1Nobody"})
    assert "customer, customer_account" in ei.value.user_message


def test_a_portal_configuration_is_whole_and_takes_the_versions_features(client):
    """billing_portal.configuration at 2026-10-28.endive requires subscription_cancel.cancellation_reason,
    subscription_update.schedule_at_period_end and trial_update_behavior, and features.subscription_pause."""
    cfg = client.v1.billing_portal.configurations.create({"features": {
        "invoice_history": {"enabled": True},
        "subscription_pause": {"enabled": True, "duration": {"type": "interval_options", "interval_options": [
            {"interval": "week", "interval_count": 2}]}},
        "subscription_cancel": {"enabled": True, "cancellation_reason": {"enabled": True, "options": ["unused"]}}}})
    features = cfg.features.to_dict()
    assert features["subscription_pause"] == {"enabled": True, "duration": {
        "type": "interval_options", "interval_options": [{"interval": "week", "interval_count": 2}]}}
    assert features["subscription_cancel"]["cancellation_reason"]["options"] == ["unused"]
    assert features["subscription_update"]["trial_update_behavior"] == "end_trial"
    assert features["subscription_update"]["schedule_at_period_end"] == {"conditions": []}
    updated = client.v1.billing_portal.configurations.update(cfg.id, {
        "features": {"customer_update": {"allowed_updates": ""}}, "login_page": {"enabled": True}})
    assert updated.features.customer_update.allowed_updates == [] and updated.login_page.enabled is True
    assert errors(updated.to_dict(), "billing_portal.configuration") == []


# -- responses: each object as the spec's schema describes it ------------------------------------------

def test_responses_fit_the_specs_schemas(server, client, ctl, put_state):
    """components.schemas: customer, deleted_customer, billing_portal.configuration, billing_portal.session,
    event, account; lists and search results of them."""
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY], "test": {"portal_configuration": "active"}}]})
    ctl.put("/_mock/faults", json={"search_lag_seconds": 0})
    full = _post(server, "/v1/customers", {
        "email": "full@x.test", "name": "Full", "business_name": "Full Ltd", "phone": "+1 555", "description": "d",
        "address[line1]": "1 Main", "address[country]": "US", "shipping[name]": "Dock",
        "shipping[address][line1]": "2 Quay", "metadata[a]": "1", "preferred_locales[0]": "en",
        "invoice_settings[footer]": "f", "invoice_settings[custom_fields][0][name]": "PO",
        "invoice_settings[custom_fields][0][value]": "42", "tax_exempt": "exempt", "balance": "3"}).json()
    empty = _post(server, "/v1/customers", {}).json()
    for body in (full, empty, _get(server, f"/v1/customers/{full['id']}").json(),
                 _post(server, f"/v1/customers/{empty['id']}", {"phone": "+1 556", "address": ""}).json()):
        assert errors(body, "customer") == [], body
    assert list_errors(_get(server, "/v1/customers").json(), "customer") == []
    search = _get(server, "/v1/customers/search", {"query": "email:'full@x.test'"}).json()
    assert search["data"] and list_errors(search, "customer") == []
    deleted = httpx.delete(server.url + f"/v1/customers/{empty['id']}", headers={"Authorization": f"Bearer {DEMO_KEY}"})
    assert errors(deleted.json(), "deleted_customer") == []
    configs = _get(server, "/v1/billing_portal/configurations").json()
    assert configs["data"] and list_errors(configs, "billing_portal.configuration") == []
    session = _post(server, "/v1/billing_portal/sessions", {
        "customer": full["id"], "return_url": "https://example.com",
        "after_expiration[type]": "customer_login", "after_expiration[customer_login][expires_at]": "1900000000"}).json()
    assert errors(session, "billing_portal.session") == [], session
    flow = _post(server, "/v1/billing_portal/sessions", {
        "customer": full["id"], "flow_data[type]": "payment_method_update",
        "flow_data[after_completion][type]": "redirect",
        "flow_data[after_completion][redirect][return_url]": "https://example.com/done"}).json()
    assert flow["flow"]["type"] == "payment_method_update" and errors(flow, "billing_portal.session") == [], flow
    events = _get(server, "/v1/events").json()
    assert events["data"] and list_errors(events, "event") == []
    account = _get(server, "/v1/account").json()
    assert errors(account, "account") == [], json.dumps(account)


def test_the_vendored_spec_is_the_pinned_version(server):
    """The spec the mock validates with is of the API version it answers as (the one stripe-python pins)."""
    from mock_stripe.validation import spec

    assert spec()["info"]["version"] == stripe.api_version
    assert _get(server, "/v1/customers").headers["Stripe-Version"] == stripe.api_version
    provenance = spec()["x-custsync-provenance"]
    assert "stripe/openapi" in provenance["base"]["source"] and provenance["endive_additions"]["added"]
