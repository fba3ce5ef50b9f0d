"""R10 as a property (hypothesis, derandomized unless HYPOTHESIS_RANDOM is set): whatever NetSuite holds, Stripe
holds and custsync last synced, no policy but netsuite_wins ever overwrites a Stripe value changed outside
custsync since the last sync, and a value only NetSuite changed is always pushed. Checked on what the
planner plans and the executor sends (`planner.plan_row`, `planner.push_params`), with no server."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_core.config import DEFAULT_PORTAL_URL_FIELD, DEFAULT_STRIPE_ID_FIELD, Config
from sync_core.rules.mapping import SearchColumn, map_record
from sync_core.rules.stripe_edits import FIELDS, LastSynced, Resolution, StripeEditsPolicy, values_of
from sync_core.run.job import Job
from sync_core.run.journal.synced import SyncedRow
from sync_core.run.planner import PlanRow, plan_row, push_params
from sync_core.run.reads import set_facts
from sync_core.run.view import pushed

DERANDOMIZE = os.environ.get("HYPOTHESIS_RANDOM") is None
COLUMNS = tuple(SearchColumn(c) for c in ("companyname", "email", "phone", "comments", "billaddress1", "billcity",
                                          "billcountry"))
# A few values per field, so that equal and different values both come up often.
EMAILS = st.sampled_from([None, "ap@acme.test", "billing@acme.test", "fix@acme.test"])
NAMES = st.sampled_from([None, "Acme", "Acme Ltd", "ACME Inc"])
PHONES = st.sampled_from([None, "+1 555 0100", "+1 555 0199"])
NOTES = st.sampled_from([None, "net 30", "net 60"])
ADDRESSES = st.sampled_from([None, {"line1": "1 Main St", "city": "Oslo", "country": "NO"},
                             {"line1": "9 Pier St", "city": "Oslo", "country": "NO"},
                             {"line1": "1 Main St", "city": "Bergen", "country": "NO"}])
SIDE = st.fixed_dictionaries({"email": EMAILS, "name": NAMES, "phone": PHONES, "description": NOTES,
                              "address": ADDRESSES})


class NoEvents:
    """planner.Lookups for a linked customer: no other NetSuite customer links it, no events were read."""

    def seen(self, stripe_id: str) -> None:
        return None

    async def linked_from(self, *a: Any, **k: Any) -> dict[str, tuple[str, ...]]:
        return {}


def _record(ns: dict[str, Any]) -> dict[str, Any]:
    address = ns["address"]
    book = [{"defaultBilling": True, "addressBookAddress": {"addr1": address["line1"], "city": address["city"],
                                                            "country": address["country"]}}] if address else []
    return {"id": "101", "companyName": ns["name"], "email": ns["email"], "phone": ns["phone"],
            "comments": ns["description"], "addressBook": {"items": book}, DEFAULT_STRIPE_ID_FIELD: "cus_A",
            DEFAULT_PORTAL_URL_FIELD: None}


def _stripe(now: dict[str, Any]) -> dict[str, Any]:
    return {"id": "cus_A", "created": 1, "metadata": {"netsuite_internal_id": "101"}, **now}


async def _plan(config: Config, ns: dict[str, Any], stripe_now: dict[str, Any], record: LastSynced) -> tuple[Any, dict]:
    job = Job("101", dry_run=False, portal=False)
    set_facts(job, map_record(_record(ns), COLUMNS, stripe_id_field=DEFAULT_STRIPE_ID_FIELD,
                              portal_url_field=DEFAULT_PORTAL_URL_FIELD))
    current = _stripe(stripe_now)
    job.linked = (current, False)
    job.synced = SyncedRow("cus_A", *record.texts())
    row = PlanRow(job)
    await plan_row(row, NoEvents(), config)
    sent = push_params(job, current, config.sync, row.decision.stripe_edits) if row.stripe_diff else {}
    return row.decision, values_of(pushed(current, sent))


@settings(max_examples=400, deadline=None, derandomize=DERANDOMIZE)
@given(ns=SIDE, stripe_now=SIDE, last_stripe=SIDE,
       kept=st.dictionaries(st.sampled_from(FIELDS), SIDE.map(lambda s: s["email"]), max_size=1),
       policy=st.sampled_from(list(StripeEditsPolicy)), write_back=st.sets(st.sampled_from(["email", "phone", "name"])))
async def test_only_netsuite_wins_overwrites_a_stripe_edit(ns, stripe_now, last_stripe, kept, policy, write_back):
    config = Config()
    config.sync.stripe_edits, config.sync.write_back_fields = policy, sorted(write_back)
    last = LastSynced(values_of(last_stripe), {k: v for k, v in kept.items() if k != "address"})
    decision, after = await _plan(config, ns, stripe_now, last)
    before = values_of(stripe_now)
    sent = values_of(_record_as_stripe(ns))
    for field in FIELDS:
        if sent[field] is None:
            assert after[field] == before[field]  # a blank in NetSuite is not a value: never sent
            continue
        edited_in_stripe = before[field] != last.stripe[field]
        netsuite_changed = sent[field] != last.netsuite_side(field)
        if edited_in_stripe and policy is not StripeEditsPolicy.NETSUITE_WINS:
            assert after[field] == before[field], (field, decision.trace)  # never overwritten
            if sent[field] != before[field]:
                edit = next(e for e in decision.stripe_edits if e.field == field)
                assert edit.resolution is not Resolution.PUSH and decision.rule == "R10"
        elif edited_in_stripe:
            assert after[field] == sent[field]  # netsuite_wins: pushed over it, and the plan says so
            if sent[field] != before[field]:
                assert any(e.field == field and e.resolution is Resolution.PUSH for e in decision.stripe_edits)
        elif netsuite_changed:
            assert after[field] == sent[field]  # only NetSuite changed: pushed, whatever the policy
        elif sent[field] != before[field]:  # a Stripe value kept earlier: stays unless NetSuite wins
            expected = sent[field] if policy is StripeEditsPolicy.NETSUITE_WINS else before[field]
            assert after[field] == expected


def _record_as_stripe(ns: dict[str, Any]) -> dict[str, Any]:
    """What NetSuite's values become in Stripe (the mapping: the name from companyname, description from comments)."""
    return dict(ns)
