"""R9 mapping: search headers choose the fields; values come from the record."""

import pytest

from sync_core.errors import MappingError
from sync_core.mapping import changed_fields, map_record
from sync_core.netsuite import SearchColumn

FIELDS = dict(stripe_id_field="custentity_sid", portal_url_field="custentity_url")


def cols(*names):
    return [SearchColumn(n) for n in names]


RECORD = {
    "id": "7", "companyName": "Acme", "email": " ap@acme.test ", "phone": "+1 555", "entityId": "ACME",
    "subsidiary": {"id": "1", "refName": "Parent Company", "links": []}, "custentity_sid": "cus_X",
    "addressBook": {"items": [{"defaultBilling": False, "addressBookAddress": {"addr1": "wrong"}},
                              {"defaultBilling": True, "addressBookAddress": {"addr1": "1 Main", "city": "Springfield",
                                                                              "country": {"id": "US", "refName": "United States"}}}]},
}


def test_headers_choose_fields_and_the_rest_goes_to_metadata():
    m = map_record(RECORD, cols("email", "companyname", "billaddress1", "billcountry", "entityid", "subsidiary"), **FIELDS)
    assert m.params["email"] == "ap@acme.test" and m.params["name"] == "Acme"
    assert m.params["address"] == {"line1": "1 Main", "country": "United States"}
    assert m.params["metadata"] == {"netsuite_internal_id": "7", "netsuite_entityid": "ACME",
                                    "netsuite_subsidiary": "Parent Company"}
    assert "phone" not in m.params
    assert m.stripe_customer_id == "cus_X"


def test_person_name_from_first_and_last():
    m = map_record({"id": "8", "firstName": "Ada", "lastName": "Lovelace"}, cols("firstname", "lastname"), **FIELDS)
    assert m.params["name"] == "Ada Lovelace"


def test_column_that_names_no_field_is_an_error_naming_it():
    with pytest.raises(MappingError, match="formulatext"):
        map_record(RECORD, cols("email", "formulatext"), **FIELDS)


def test_known_but_empty_fields_are_cleared_on_update():
    m = map_record({"id": "9", "email": "a@b.test"}, cols("email", "phone"), **FIELDS)
    assert m.update_params()["phone"] == ""
    assert changed_fields(m.update_params(), {"email": "a@b.test", "phone": None, "metadata": {"netsuite_internal_id": "9"}}) == []
    assert changed_fields(m.update_params(), {"email": "a@b.test", "phone": "+1"}) [0][0] == "phone"


def test_metadata_values_are_clipped_to_stripes_limit():
    m = map_record({"id": "9", "entityId": "x" * 10_000}, cols("entityid"), **FIELDS)
    assert len(m.params["metadata"]["netsuite_entityid"]) == 500
