"""The operator's choice for a field edited in Stripe outside custsync (R10, policy ask): push NetSuite's value
now, or keep Stripe's. `custsync resolve-edit ID FIELD netsuite|stripe` and `c` in the TUI call it.

The choice is carried out at once and recorded in the journal's file: the last synced record of the field
(so the next sync sees nothing new: a kept Stripe value stays until NetSuite changes), and the decision log
(so a retried run takes the customer again).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync_core.errors import SyncError
from sync_core.rules.catalogue import RULES
from sync_core.rules.decide import normalize_stripe_id
from sync_core.rules.ids import internal_id as require_internal_id
from sync_core.rules.stripe_edits import FIELDS, Choice, Value, chosen, values_of
from sync_core.run import reads
from sync_core.run.executor import update_key
from sync_core.run.journal import Journal
from sync_core.run.last_synced import netsuite_now, records_scope
from sync_core.run.services import Services


@dataclass(frozen=True)
class EditChoice:
    internal_id: str
    stripe_customer_id: str
    field: str
    choice: Choice
    netsuite: Value
    stripe: Value
    written: bool  # a Stripe update was sent (NetSuite's value differed)

    def as_dict(self) -> dict[str, Any]:
        return {"internal_id": self.internal_id, "stripe_customer_id": self.stripe_customer_id, "field": self.field,
                "choice": self.choice.value, "netsuite": self.netsuite, "stripe": self.stripe,
                "stripe_written": self.written}

    def describe(self) -> str:
        if self.choice is Choice.NETSUITE:
            done = "pushed to Stripe" if self.written else "already in Stripe"
            return f"customer {self.internal_id}: {self.field} {self.netsuite!r} from NetSuite {done} ({self.stripe_customer_id})"
        return (f"customer {self.internal_id}: Stripe's {self.field} {self.stripe!r} kept; NetSuite keeps "
                f"{self.netsuite!r} (a change in NetSuite is pushed again)")


async def resolve_edit(services: Services, internal_id: str, field: str, choice: Choice | str,
                       journal_path: str | Path) -> EditChoice:
    """Carry out a person's choice for one field of a linked customer and record it; SyncError (with a remedy)
    when the customer is not linked, its Stripe customer is gone, or NetSuite has no value for the field."""
    iid = require_internal_id(str(internal_id).strip())
    if field not in FIELDS:
        raise SyncError(f"{field!r} is not a field custsync guards in Stripe",
                        remedy=f"Choose one of {', '.join(FIELDS)}.")
    choice = Choice(choice)
    ctx = await reads.read_context(services)
    mapped = reads.map_for(services, await services.netsuite.get_customer(iid), ctx.columns)
    sid = normalize_stripe_id(mapped.stripe_customer_id)
    if not sid:
        raise SyncError(f"customer {iid} is not linked to a Stripe customer: there is no Stripe value to choose",
                        remedy="Sync the customer first (custsync sync ID).")
    customer = await services.stripe.retrieve(sid)
    if customer is None or customer.get("deleted"):
        raise SyncError(f"customer {iid}'s Stripe customer {sid} does not exist in this account and mode",
                        remedy=RULES["R2"].remedy)
    params = mapped.update_params(customer, services.config.sync.blank_clears)
    netsuite = netsuite_now(params)
    if field not in netsuite:
        raise SyncError(f"customer {iid} has no {field} in NetSuite (blank, or not a column of the saved search): "
                        "nothing custsync would push, so nothing to choose",
                        remedy="Give the customer a value in NetSuite, or leave Stripe's as it is.")
    stripe = values_of(customer)[field]
    written = False
    if choice is Choice.NETSUITE and netsuite[field] != stripe:
        services.stripe.guard_write("push NetSuite's value to Stripe")
        customer = await services.stripe.update(sid, {field: params[field]}, idempotency_key=update_key(services, iid))
        written = True
    scope = records_scope(services.config)
    with Journal(journal_path) as journal:
        record = chosen(journal.synced.get(scope, iid, sid), field, choice, netsuite[field],
                        values_of(customer)[field] if written else stripe)
        journal.synced.put_many(scope, [(iid, sid, record.texts())])
        journal.decisions.record(iid, f"stripe-edit {field}: {choice.value}", sid, None)
    return EditChoice(iid, sid, field, choice, netsuite[field], stripe, written)
