"""Capture (mocks -> scenario file -> mocks gives the same state) and anonymization."""

from __future__ import annotations

from testbed.anonymize import Anonymizer
from testbed.capture import capture_given, scenario_document, write_scenario
from testbed.scenario_load import load_scenario, scenario_files
from testbed.scenario_state import apply_overrides


def _comparable(ns, st):
    stripe = st["accounts"][0]["test"]
    customers = [{k: v for k, v in c.items() if k != "invoice_prefix"} for c in stripe["customers"]]
    return ns, customers, stripe["portal_configuration"]


def test_round_trip_keeps_the_state(mock_pair, tmp_path):
    by_name = {p.stem: p for p in scenario_files()}
    for name in ("headers-decide-mapping", "mass-sync", "stale-link", "deployment-not-released"):
        original = load_scenario(by_name[name]).scenario
        config = apply_overrides(mock_pair.config, original.given)
        mock_pair.load(original.given, config)
        before = _comparable(mock_pair.netsuite.state(), mock_pair.stripe.state())

        path = tmp_path / f"captured-{name}.yaml"
        write_scenario(path, scenario_document(path.stem, capture_given(mock_pair.netsuite, mock_pair.stripe, config),
                                               "test"))
        mock_pair.load(load_scenario(path).scenario.given, config)
        assert _comparable(mock_pair.netsuite.state(), mock_pair.stripe.state()) == before, name


def test_a_captured_scenario_holds_no_whole_portal_link_unless_asked(mock_pair, tmp_path):
    """A stored portal link is a bearer link: a scenario file sent to support must not carry it whole."""
    link = "http://127.0.0.1:1/app/site/hosting/scriptlet.nl?script=1&deploy=1&cid=101&sig=SECRETSIGNATURE"
    original = load_scenario(next(p for p in scenario_files() if p.stem == "email-change")).scenario
    given = original.given.model_copy(deep=True)
    given.netsuite.customers[0].portal_url = link
    config = apply_overrides(mock_pair.config, given)
    mock_pair.load(given, config)
    masked = capture_given(mock_pair.netsuite, mock_pair.stripe, config)["netsuite"]["customers"][0]["portal_url"]
    kept = capture_given(mock_pair.netsuite, mock_pair.stripe, config,
                         keep_portal_links=True)["netsuite"]["customers"][0]["portal_url"]
    assert "SECRETSIGNATURE" not in masked and masked.endswith("****")
    assert kept == link


GIVEN = {
    "netsuite": {"customers": [
        {"id": "1", "companyname": "Acme Corp", "email": "Bill@Acme.test", "phone": "+1 555 0100",
         "address": {"addr1": "1 Main St", "city": "Springfield", "zip": "12345", "country": "US"}},
        {"id": "2", "firstname": "Ada", "lastname": "Lovelace", "email": "ada@acme.test"},
        {"id": "3", "companyname": "Other", "email": "bill@acme.test"},
    ]},
    "stripe": {"customers": [
        {"id": "cus_1", "email": "Bill@Acme.test", "name": "Acme Corp", "phone": "+1 555 0100",
         "metadata": {"netsuite_internal_id": "1", "netsuite_phone": "+1 555 0100"}},
        {"id": "cus_2", "email": "ada@acme.test", "name": "Ada Lovelace"},
    ], "portal_configuration": "active"},
}


def test_anonymize_is_consistent_within_a_file():
    out = Anonymizer().given(GIVEN)
    ns, st = out["netsuite"]["customers"], out["stripe"]["customers"]
    assert ns[0]["email"] == st[0]["email"] != GIVEN["netsuite"]["customers"][0]["email"]
    assert ns[0]["companyname"] == st[0]["name"] != "Acme Corp"
    assert ns[0]["phone"] == st[0]["phone"] == st[0]["metadata"]["netsuite_phone"] != "+1 555 0100"
    assert st[0]["metadata"]["netsuite_internal_id"] == "1"
    assert st[1]["name"] == f"{ns[1]['firstname']} {ns[1]['lastname']}"
    # case variants stay case variants; one domain stays one domain
    assert ns[2]["email"] != ns[0]["email"] and ns[2]["email"].lower() == ns[0]["email"].lower()
    assert ns[1]["email"].split("@")[1] == ns[0]["email"].split("@")[1].lower()
    assert ns[0]["address"]["addr1"] != "1 Main St" and ns[0]["address"]["country"] == "US"
    assert Anonymizer().given(GIVEN) == out  # deterministic
    assert GIVEN["netsuite"]["customers"][0]["email"] == "Bill@Acme.test"  # input untouched
