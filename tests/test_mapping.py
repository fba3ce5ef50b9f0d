"""R9 mapping: search headers choose the fields; values come from the record."""

import pytest

from sync_core.errors import MappingError
from sync_core.rules.mapping import SearchColumn, changed_fields, map_record

FIELDS = dict(stripe_id_field="custentity_sid", portal_url_field="custentity_url")


def cols(*names):
    return [SearchColumn(n) for n in names]


RECORD = {
    "id": "7", "companyName": "Acme", "email": " ap@acme.test ", "phone": "+1 555", "entityId": "ACME",
    "subsidiary": {"id": "1", "refName": "Parent Company", "links": []}, "custentity_sid": "cus_X",
    "addressBook": {"items": [{"defaultBilling": False, "addressBookAddress": {"addr1": "wrong"}},
                              {"defaultBilling": True, "addressBookAddress": {
                                  "addr1": "1 Main", "city": "Springfield",
                                  "country": {"id": "US", "refName": "United States"}}}]},
}


def test_headers_choose_fields_and_the_rest_goes_to_metadata():
    m = map_record(RECORD, cols("email", "companyname", "billaddress1", "billcountry", "entityid", "subsidiary"), **FIELDS)
    assert m.params["email"] == "ap@acme.test" and m.params["name"] == "Acme"
    assert m.params["address"] == {"line1": "1 Main", "country": "US"}  # Stripe's ISO code, not the name
    assert m.params["metadata"] == {"netsuite_internal_id": "7", "netsuite_entityid": "ACME",
                                    "netsuite_subsidiary": "Parent Company"}
    assert "phone" not in m.params
    assert m.stripe_customer_id == "cus_X"


def test_person_name_from_first_and_last():
    m = map_record({"id": "8", "firstName": "Ada", "lastName": "Lovelace"}, cols("firstname", "lastname"), **FIELDS)
    assert m.params["name"] == "Ada Lovelace"


def test_a_company_fills_business_name_and_a_person_individual_name_beside_name():
    """Stripe's customer has business_name and individual_name (API 2025-09-30.clover on, the pinned
    2026-10-28.endive): custsync sends the one its name comes from, beside name (docs/rules.md)."""
    company = map_record(RECORD, cols("email", "companyname"), **FIELDS)
    assert (company.params["name"], company.params["business_name"]) == ("Acme", "Acme")
    assert "individual_name" not in company.params
    person = map_record({"id": "8", "firstName": "Ada", "lastName": "Lovelace", "companyName": ""},
                        cols("companyname", "firstname", "lastname"), **FIELDS)
    assert (person.params["name"], person.params["individual_name"]) == ("Ada Lovelace", "Ada Lovelace")
    assert "business_name" not in person.params
    assert company.create_params()["business_name"] == "Acme"
    assert company.update_params({})["business_name"] == "Acme"
    unnamed = map_record({"id": "9", "email": "a@b.test"}, cols("email", "companyname"), **FIELDS)
    assert not {"name", "business_name", "individual_name"} & set(unnamed.update_params({}))


def test_a_name_longer_than_stripes_150_for_business_names_goes_to_name_only():
    long_name = "A" * 200  # Stripe: name up to 256, business_name and individual_name up to 150
    m = map_record({**RECORD, "companyName": long_name}, cols("companyname"), **FIELDS)
    assert m.params["name"] == long_name and "business_name" not in m.params


def test_a_stripe_customer_holding_the_names_needs_no_update_and_one_without_them_one():
    m = map_record(RECORD, cols("email", "companyname"), **FIELDS)
    synced = {"email": "ap@acme.test", "name": "Acme", "business_name": "Acme",
              "metadata": {"netsuite_internal_id": "7"}}
    assert changed_fields(m.update_params(synced), synced) == []
    before = {k: v for k, v in synced.items() if k != "business_name"}  # synced by custsync before this mapping
    assert changed_fields(m.update_params(before), before) == [("business_name", None, "Acme")]


def test_column_that_names_no_field_is_an_error_naming_it():
    with pytest.raises(MappingError, match="formulatext"):
        map_record(RECORD, cols("email", "formulatext"), **FIELDS)


def test_a_blank_field_leaves_the_stripe_value_unless_configured_to_clear_it():
    m = map_record({"id": "9", "email": "a@b.test", "comments": " "}, cols("email", "phone", "comments", "title"), **FIELDS)
    stripe = {"email": "a@b.test", "phone": "+1", "description": "VIP", "metadata": {"netsuite_title": "Dr"}}
    assert "phone" not in m.update_params(stripe) and changed_fields(m.update_params(stripe), stripe) == [
        ("metadata.netsuite_internal_id", None, "9")]
    assert m.kept_blanks(stripe) == ["phone", "description", "metadata.netsuite_title"]
    cleared = m.update_params(stripe, ["phone", "metadata"])
    assert cleared["phone"] == "" and cleared["metadata"]["netsuite_title"] == "" and "description" not in cleared
    assert m.kept_blanks(stripe, ["phone", "metadata"]) == ["description"]


ALL_ADDRESS = ("billaddress1", "billaddress2", "billcity", "billstate", "billzipcode", "billcountry")


def _billing(**parts):
    return {"id": "9", "addressBook": {"items": [{"defaultBilling": True, "addressBookAddress": parts}]}}


def test_an_address_is_one_value_sent_whole_with_its_blank_lines():
    """Cupertino, Suite 5, CA, US becomes London, no second line, no state, GB: Stripe must not be left with
    London, Suite 5, state CA (an address that exists nowhere, used by invoices and Stripe Tax)."""
    stripe = {"address": {"line1": "1 Infinite Loop", "line2": "Suite 5", "city": "Cupertino", "state": "CA",
                          "postal_code": "95014", "country": "US"}}
    m = map_record(_billing(addr1="10 Downing St", city="London", zip="SW1A 2AA", country={"id": "GB"}),
                   cols(*ALL_ADDRESS), **FIELDS)
    sent = m.update_params(stripe)["address"]
    assert sent == {"line1": "10 Downing St", "line2": "", "city": "London", "state": "", "postal_code": "SW1A 2AA",
                    "country": "GB"}
    assert ("address.line2", "Suite 5", "") in changed_fields(m.update_params(stripe), stripe)
    assert m.kept_blanks(stripe) == []  # nothing of the old address is kept


def test_a_wholly_empty_address_keeps_stripes_and_the_trace_says_so():
    stripe = {"address": {"line1": "1 Main St", "city": "Bergen"}}
    m = map_record({"id": "9", "email": "a@b.test"}, cols("email", *ALL_ADDRESS), **FIELDS)
    assert "address" not in m.update_params(stripe)
    assert m.kept_blanks(stripe) == ["address"]
    assert m.update_params(stripe, ["address"])["address"] == ""


def test_address_parts_the_search_does_not_map_stay_stripes():
    """R9: only the mapped lines are NetSuite's; a mapped line left blank is sent blank."""
    m = map_record(_billing(city="Oslo"), cols("billaddress1", "billcity"), **FIELDS)
    stripe = {"address": {"line1": "1 Main St", "city": "Bergen", "country": "NO"}}
    assert m.update_params(stripe)["address"] == {"country": "NO", "line1": "", "city": "Oslo"}
    assert m.update_params(stripe, ["address"])["address"] == {"line1": "", "city": "Oslo"}


def test_a_name_in_parts_is_one_value():
    """First and last name make one Stripe name: a blank last name is not filled from Stripe's old name."""
    m = map_record({"id": "8", "firstName": "Ada", "lastName": " "}, cols("firstname", "lastname"), **FIELDS)
    assert m.update_params({"name": "Ada Lovelace"})["name"] == "Ada"


def test_metadata_values_are_clipped_to_stripes_limit():
    m = map_record({"id": "9", "entityId": "x" * 10_000}, cols("entityid"), **FIELDS)
    assert len(m.params["metadata"]["netsuite_entityid"]) == 500
