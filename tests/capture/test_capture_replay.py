"""`scenario capture` end to end: the source mocks play the company's real account; the captured file is loaded
into fresh mocks and replayed, and must reach the decision custsync made on the source."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from sync_core.engine import Engine
from testbed.capture_real import CaptureError
from testbed.scenario_runner import ScenarioRunner

from .conftest import SITUATIONS, capture_file, comparable, load_source

ORIGINALS = ["Harbour Freight", "HarbourFreight", "harbourfreight", "Gone Fishing", "gonefishing", "Halfway House",
             "halfwayhouse", "Borrowed Link", "borrowedlink", "Owner Holdings", "ownerholdings", "1 Quay Street",
             "Portsmouth", "+1 555 0101", "Billing@", "accounts@", "finance@"]


def _decisions(config, ids):
    async def decide():
        async with Engine.from_config(config) as engine:
            return {i: await engine.sync_one(i, dry_run=True) for i in ids}
    return asyncio.run(decide())


def _key(o):
    d = o.decision
    return (o.status.value, d.rule, d.action.value, d.stripe_customer_id, d.candidates, d.shared_with)


def test_situations_captured_replay_to_the_same_decision(source, replay, tmp_path):
    config = load_source(source, tmp_path)
    ids = ["101", "201", "301", "401"]
    on_source = _decisions(config, ids)
    # What each situation is (so a capture that loses one cannot pass by accident).
    assert _key(on_source["101"])[1:3] == ("R3", "ask") and on_source["101"].decision.candidates == (
        "cus_hf_lower", "cus_hf_upper")
    assert _key(on_source["201"])[1:4] == ("R2", "error", "cus_gone")
    assert _key(on_source["301"])[1:4] == ("R3", "link-existing", "cus_halfway")
    assert _key(on_source["401"])[1:4] == ("R1", "use-linked", "cus_owned") and on_source["401"].decision.shared_with

    result, loaded = capture_file(config, ids, tmp_path / "ticket-4711.yaml")
    assert {i: _key(o) for i, o in result.outcomes.items()} == {i: _key(o) for i, o in on_source.items()}

    report = ScenarioRunner(replay).run(loaded)  # fresh mocks, the file's `given` only
    assert report.ok, report.failures()
    assert [s.rule for s in report.steps] == ["R3", "R2", "R3", "R1"]
    assert all(s.checks for s in report.steps)  # every step compared rule, action, status and ids

    text = (tmp_path / "ticket-4711.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    leaked = [o for o in ORIGINALS if o.lower() in text.lower()]
    assert not leaked, leaked
    ns = {c["id"]: c for c in doc["given"]["netsuite"]["customers"]}
    st = {c["id"]: c for c in doc["given"]["stripe"]["customers"]}
    # the neighbourhood: 102 shares 101's mailbox, 402 owns 401's Stripe customer
    assert sorted(ns, key=int) == ["101", "102", "201", "301", "401", "402"]
    assert set(st) == {"cus_hf_lower", "cus_hf_upper", "cus_gone", "cus_halfway", "cus_owned"}
    assert st["cus_gone"]["deleted"] is True
    # one fake mailbox in three spellings: the lowercase one lowercase, the others distinct
    spellings = [ns["101"]["email"], ns["102"]["email"], st["cus_hf_lower"]["email"], st["cus_hf_upper"]["email"]]
    assert len({s.lower() for s in spellings}) == 1
    assert ns["102"]["email"] == st["cus_hf_lower"]["email"] == spellings[0].lower()
    assert len({ns["101"]["email"], ns["102"]["email"], st["cus_hf_upper"]["email"]}) == 3
    assert ns["101"]["email"].split("@")[1].lower() != ns["201"]["email"].split("@")[1]  # domains kept apart
    assert st["cus_halfway"]["metadata"] == {"netsuite_internal_id": "301"}
    assert doc["captured"]["anonymized"] is True and config.netsuite.account not in doc["captured"]["source"]
    assert any(j["customer"] == "301" and j["state"] == "create-attempted" and j["run_status"] == "running"
               for j in doc["captured"]["journal"])
    assert any("interrupted create" in n for n in doc["captured"]["notes"])
    assert any("cus_gone was deleted" in n for n in doc["captured"]["notes"])
    assert doc["lesson"].startswith("What the customer reported")


def test_capture_writes_nothing_and_costs_a_handful_of_requests(source, tmp_path, capsys):
    config = load_source(source, tmp_path)
    journal = Path(config.sync.journal_path)
    journal_before = journal.read_bytes()
    before = comparable(source)
    source.netsuite.clear_requests()
    source.stripe.clear_requests()

    result, _ = capture_file(config, ["101"], tmp_path / "one.yaml")

    assert comparable(source) == before  # neither service changed
    ns_log, stripe_log = source.netsuite.requests(), source.stripe.requests()
    assert {r["method"] for r in stripe_log} == {"GET"}, stripe_log
    assert {(r["method"], r["path"].split("/record/")[0]) for r in ns_log} <= {
        ("GET", "/services/rest"), ("POST", "/services/rest/query/v1/suiteql"), ("POST", "/app/site/hosting/restlet.nl"),
        ("POST", "/services/rest/auth/oauth2/v1/token")}  # the M2M sign-in: an access token, no change to the account
    assert journal.read_bytes() == journal_before and sorted(p.name for p in tmp_path.iterdir()) == [
        "journal.sqlite", "one.yaml"]  # the journal read without a -wal or -shm file made beside it
    api_calls = [r for r in ns_log if not r["path"].endswith("/oauth2/v1/token")]  # a sign-in is not an API call
    assert result.requests == {"netsuite": len(api_calls), "stripe": len(stripe_log)}
    print(f"capture of one customer (shared mailbox, two Stripe spellings): {result.requests}")
    assert result.requests["netsuite"] <= 12 and result.requests["stripe"] <= 12, result.requests


def test_a_stale_link_to_the_other_mode_is_captured_only_when_asked(source, replay, tmp_path):
    config = load_source(source, tmp_path)
    with pytest.raises(CaptureError, match=r"cus_livemode exists only in live mode.*test-mode key.*--other-mode-ok"):
        capture_file(config, ["501"], tmp_path / "mode.yaml")
    assert not (tmp_path / "mode.yaml").exists()

    result, loaded = capture_file(config, ["501"], tmp_path / "mode.yaml", other_mode_ok=True)
    assert result.outcomes["501"].rule == "R2"
    assert [c.id for c in loaded.scenario.given.stripe.customers if c.other_mode] == ["cus_livemode"]
    report = ScenarioRunner(replay).run(loaded)
    assert report.ok, report.failures()
    assert "exists only in the other Stripe mode" in " ".join(report.steps[0].details)


def test_keep_real_keeps_the_data_but_never_a_link_or_a_key(source, replay, tmp_path):
    given = {**SITUATIONS, "netsuite": {"customers": [
        {**SITUATIONS["netsuite"]["customers"][0], "stripe_customer_id": "cus_hf_upper",
         "portal_url": "https://1234567.extforms.netsuite.com/app/site/hosting/scriptlet.nl?script=9&deploy=1&cid=101"
                       "&sig=" + "ab" * 32}]}}
    config = load_source(source, tmp_path, given)
    _result, loaded = capture_file(config, ["101"], tmp_path / "real.yaml", keep_real=True)
    text = (tmp_path / "real.yaml").read_text(encoding="utf-8")
    assert "Billing@HarbourFreight.test" in text and "BILLING@HarbourFreight.test" in text
    assert "sig=" not in text and "ab" * 32 not in text and "****" in text
    key = config.stripe.api_key.get_secret_value()
    assert key not in text and config.netsuite.token_secret.get_secret_value() not in text
    assert loaded.scenario.captured.anonymized is False and config.netsuite.account in loaded.scenario.captured.source
    report = ScenarioRunner(replay).run(loaded)
    assert report.ok, report.failures()
    assert report.steps[0].rule == "R1"


def test_a_lookup_field_value_stays_equal_to_its_stripe_metadata_when_anonymized(source, replay, tmp_path):
    """[sync] lookup_field = a custom field: its value is matched exactly (case counts) against Stripe metadata;
    the capture keeps the setting, and the fake value stays equal to the metadata holding it."""
    field = "custentity_account_no"
    given = {
        "config": {"sync": {"lookup_field": field, "duplicate_email_policy": "oldest"}},
        "netsuite": {"customers": [
            {"id": 801, "companyname": "Ledger Partners", "email": "x@ledger.test", "custom": {field: "LP-99812"}}],
            "saved_searches": {"customer_sync": {"columns": ["email", "companyname", field]}}},
        "stripe": {"customers": [
            {"id": "cus_lp", "email": "old@ledger.test", "metadata": {field: "LP-99812"}, "created": 1700000000},
            {"id": "cus_lp_case", "email": "x@ledger.test", "metadata": {field: "lp-99812"}, "created": 1600000000}]},
    }
    config = load_source(source, tmp_path, given)
    result, loaded = capture_file(config, ["801"], tmp_path / "lookup.yaml")
    o = result.outcomes["801"]
    assert (o.rule, o.decision.action.value, o.decision.stripe_customer_id) == ("R3", "link-existing", "cus_lp")
    doc = yaml.safe_load((tmp_path / "lookup.yaml").read_text(encoding="utf-8"))
    assert doc["given"]["config"] == {"sync": {"duplicate_email_policy": "oldest", "lookup_field": field}}
    value = doc["given"]["netsuite"]["customers"][0]["custom"][field]
    st = {c["id"]: c for c in doc["given"]["stripe"]["customers"]}
    assert value != "LP-99812" and st["cus_lp"]["metadata"][field] == value
    assert "cus_lp_case" not in st  # another value (case counts): not of this customer's neighbourhood
    report = ScenarioRunner(replay).run(loaded)
    assert report.ok, report.failures()
