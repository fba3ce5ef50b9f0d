"""Mapped Stripe parameters held flat give back exactly what was mapped, and customers of one shape share
their keys (what lets a mass sync of 100,000 customers hold them all)."""

from sync_core.rules.compact_params import Compact

PARAMS = {"email": "ap@acme.test", "phone": "+1 555", "name": "Acme",
          "address": {"line1": "1 Main", "city": "Springfield", "country": "US"},
          "metadata": {"netsuite_internal_id": "7", "netsuite_entityid": "ACME"}}


def test_the_parameters_come_back_as_mapped_in_their_order():
    back = Compact.of(PARAMS).nested()
    assert back == PARAMS
    assert list(back) == list(PARAMS) and list(back["address"]) == list(PARAMS["address"])


def test_changing_what_came_back_changes_nothing_held():
    compact = Compact.of(PARAMS)
    back = compact.nested()
    back["metadata"]["netsuite_entityid"] = ""
    back["address"].clear()
    assert compact.nested() == PARAMS


def test_an_empty_group_stays_a_parameter():
    assert Compact.of({"metadata": {}, "email": None}).nested() == {"metadata": {}, "email": None}


def test_customers_of_one_shape_share_their_keys():
    other = {**PARAMS, "email": "b@acme.test", "metadata": {"netsuite_internal_id": "8", "netsuite_entityid": "B"}}
    assert Compact.of(PARAMS).layout is Compact.of(other).layout
    assert Compact.of(PARAMS).top_level() == {"email", "phone", "name", "address", "metadata"}
