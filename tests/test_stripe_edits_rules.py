"""R10's rules (sync_core/rules/stripe_edits.py), pure: the three-way comparison per field, the policy's answer,
who made a change as Stripe's events tell it, and the record a sync leaves; the policy's configuration."""

from __future__ import annotations

import pytest

from sync_core.config import ConfigError, load_config
from sync_core.rules.stripe_edits import (
    Choice,
    EditKind,
    LastSynced,
    Resolution,
    Seen,
    StripeEditsPolicy,
    chosen,
    field_value,
    remember,
    seen_in,
    three_way,
    who,
    withheld,
)

LAST = LastSynced({"email": "ap@x.test", "phone": "+1 555 0100"})


def _one(netsuite, stripe, last=LAST, policy=StripeEditsPolicy.ASK, **kw):
    return three_way(netsuite, stripe, last, policy=policy, **kw)


def test_only_netsuite_changed_is_no_edit():
    assert _one({"email": "new@x.test"}, {"email": "ap@x.test"}) == ()


def test_only_stripe_changed_is_an_edit_and_both_agreeing_is_none():
    [edit] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"})
    assert (edit.kind, edit.resolution, edit.last) == (EditKind.STRIPE, Resolution.ASK, "ap@x.test")
    assert _one({"email": "fix@x.test"}, {"email": "fix@x.test"}) == ()


def test_both_changed_differently_is_a_conflict_that_write_back_leaves_to_a_person():
    [edit] = _one({"email": "ns@x.test"}, {"email": "fix@x.test"}, policy=StripeEditsPolicy.WRITE_BACK,
                  write_back={"email": "email"})
    assert (edit.kind, edit.resolution) == (EditKind.CONFLICT, Resolution.ASK)
    assert "NetSuite changed too" in edit.note


@pytest.mark.parametrize("policy, resolution", [
    (StripeEditsPolicy.ASK, Resolution.ASK), (StripeEditsPolicy.KEEP_STRIPE, Resolution.KEEP),
    (StripeEditsPolicy.NETSUITE_WINS, Resolution.PUSH), (StripeEditsPolicy.WRITE_BACK, Resolution.WRITE_BACK)])
def test_each_policy(policy, resolution):
    [edit] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, policy=policy, write_back={"email": "email"})
    assert edit.resolution is resolution
    assert withheld([edit]) == (frozenset() if resolution is Resolution.PUSH else {"email"})


def test_write_back_of_a_field_not_allowed_or_without_one_netsuite_field_asks():
    [edit] = _one({"phone": "+1 555 0100"}, {"phone": "+1 555 0111"}, policy=StripeEditsPolicy.WRITE_BACK,
                  write_back={"email": "email"})
    assert edit.resolution is Resolution.ASK and "write_back_fields" in edit.note
    [edit] = _one({"phone": "+1 555 0100"}, {"phone": "+1 555 0111"}, policy=StripeEditsPolicy.WRITE_BACK,
                  write_back={"phone": None})
    assert edit.resolution is Resolution.ASK and "several NetSuite fields" in edit.note


def test_no_record_or_no_value_sent_guards_nothing():
    assert three_way({"email": "ap@x.test"}, {"email": "fix@x.test"}, None, policy=StripeEditsPolicy.ASK) == ()
    assert _one({}, {"email": "fix@x.test"}) == ()  # NetSuite blank: nothing is pushed anyway
    assert _one({"name": "Acme"}, {"name": "Other"}) == ()  # no baseline for the name yet


def test_an_address_is_one_value_and_blank_lines_are_no_value():
    assert field_value("address", {"line1": "1 Main St", "line2": "", "city": None}) == {"line1": "1 Main St"}
    assert field_value("address", {"line1": ""}) is None and field_value("email", "  ") is None
    last = LastSynced({"address": {"line1": "1 Main St", "city": "Oslo"}})
    assert _one({"address": {"line1": "1 Main St", "city": "Oslo"}},
                {"address": {"line1": "1 Main St", "city": "Oslo"}}, last) == ()
    [edit] = _one({"address": {"line1": "1 Main St", "city": "Oslo"}}, {"address": {"line1": "9 Pier St", "city": "Oslo"}}, last)
    assert edit.field == "address" and "'9 Pier St, Oslo'" in edit.describe()


def test_a_kept_value_stays_until_netsuite_changes_unless_netsuite_wins():
    kept = LastSynced({"email": "fix@x.test"}, {"email": "ap@x.test"})
    [edit] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, kept, policy=StripeEditsPolicy.ASK)
    assert (edit.kind, edit.resolution, edit.new) == (EditKind.KEPT, Resolution.KEEP, False)
    [edit] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, kept, policy=StripeEditsPolicy.NETSUITE_WINS)
    assert edit.resolution is Resolution.PUSH
    assert _one({"email": "new@x.test"}, {"email": "fix@x.test"}, kept) == ()  # NetSuite changed: pushed


def test_the_events_name_who_and_custsyncs_own_write_is_no_edit():
    portal = Seen("evt_1", 10, None, None)
    other = Seen("evt_2", 11, "req_9", None)
    ours = Seen("evt_3", 12, "req_8", "custsync-1234567_SB1-101-update-abc")
    assert "no API request" in who((portal,)) and "req_9" in who((portal, other)) and "not known" in who(None)
    assert _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, seen={"email": (ours,)}) == ()
    [edit] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, seen={"email": (ours, portal)})
    assert "no API request (evt_1)" in edit.seen


def test_seen_in_reads_previous_attributes_and_the_request():
    event = {"id": "evt_1", "type": "customer.updated", "created": 5,
             "data": {"object": {"id": "cus_A"}, "previous_attributes": {"email": "a@x.test", "metadata": {}}},
             "request": {"id": None, "idempotency_key": None}}
    assert seen_in(event) == (("email",), Seen("evt_1", 5, None, None))
    assert seen_in({**event, "type": "customer.created"}) is None
    assert seen_in({**event, "data": {"previous_attributes": {"metadata": {"a": None}}}}) is None


def test_the_record_after_a_sync():
    [ask] = _one({"email": "ap@x.test", "phone": "+1 555 0199"}, {"email": "fix@x.test", "phone": "+1 555 0100"})
    after = remember(LAST, {"email": "ap@x.test", "phone": "+1 555 0199"},
                     {"email": "fix@x.test", "phone": "+1 555 0199"}, [ask])
    assert after == LastSynced({"email": "ap@x.test", "phone": "+1 555 0199"})  # the asked field keeps its record
    [keep] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, policy=StripeEditsPolicy.KEEP_STRIPE)
    assert remember(LAST, {"email": "ap@x.test"}, {"email": "fix@x.test"}, [keep]) == LastSynced(
        {"email": "fix@x.test"}, {"email": "ap@x.test"})
    [back] = _one({"email": "ap@x.test"}, {"email": "fix@x.test"}, policy=StripeEditsPolicy.WRITE_BACK,
                  write_back={"email": "email"})
    assert remember(LAST, {"email": "ap@x.test"}, {"email": "fix@x.test"}, [back]).stripe == {"email": "fix@x.test"}
    assert remember(LAST, {"email": "ap@x.test"}, {"email": "fix@x.test"}, [back], netsuite_written=False) == \
        LastSynced({"email": "ap@x.test"})  # the write-back failed: still owed
    assert LastSynced.from_texts(*LAST.texts()) == LAST and LAST.texts()[1] is None


def test_a_persons_choice():
    assert chosen(LAST, "email", Choice.NETSUITE, "ap@x.test", "fix@x.test").stripe["email"] == "ap@x.test"
    kept = chosen(LAST, "email", Choice.STRIPE, "ap@x.test", "fix@x.test")
    assert (kept.stripe["email"], kept.netsuite) == ("fix@x.test", {"email": "ap@x.test"})


def test_the_policy_is_configured_and_an_address_cannot_be_written_back(tmp_path):
    config = load_config(env={"CUSTSYNC_SYNC_STRIPE_EDITS": "write_back", "CUSTSYNC_SYNC_WRITE_BACK_FIELDS": "Email, phone"})
    assert (config.sync.stripe_edits, config.sync.write_back_fields) == (StripeEditsPolicy.WRITE_BACK, ["email", "phone"])
    assert load_config(env={}).sync.stripe_edits is StripeEditsPolicy.ASK
    with pytest.raises(ConfigError, match="address cannot be written back"):
        load_config(env={"CUSTSYNC_SYNC_WRITE_BACK_FIELDS": "address"})
    with pytest.raises(ConfigError, match="stripe_edits"):
        load_config(env={"CUSTSYNC_SYNC_STRIPE_EDITS": "always"})
