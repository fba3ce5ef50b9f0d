"""The RESTlet's `writeBack` action (R5): record.submitFields per customer, within the call's governance.

Governance (SuiteScript 2.x API Governance, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/
section_157072844224.html; record.submitFields, section_4267283788.html): a RESTlet call has 5,000
usage units and submitFields costs 5 on a customer (a non-transaction record). The script stops
before the remaining usage would fall below a reserve and returns the ids it did not reach as
"unprocessed". The fault `restlet_usage_limit` sets the units a call starts with, and
`writeback_failures` ({"<id>": "<code>"}) fails chosen records (docs/mock-control-api.md).
"""
from __future__ import annotations

import json

from .context import current
from .errors import RestletError
from .faults import RESTLET_USAGE_LIMIT
from .fields import FieldError, canonical_customer_key
from .portal_suitelet import CUSTOMER_ID
from .restlet_parameters import WRITEBACK_FIELDS, writeback_fields

MAX_UPDATES = 500  # 2,500 units of submitFields: half a call's budget, the rest is the margin for slow saves
SUBMIT_FIELDS_UNITS = 5
USAGE_RESERVE = 20
# Messages of NetSuite's own codes that a test may inject; other injected codes get a generic one.
FAILURE_MESSAGES = {
    "RCRD_HAS_BEEN_CHANGED": "Record has been changed",
    # A workflow's Lock Record action (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/
    # section_N2743672.html: a script cannot load or edit the locked record). Code and wording as reported
    # (https://mikebian.co/notes-on-locked-records-in-netsuite); unconfirmed in Oracle's own pages.
    "RCRD_LOCKED_BY_WF": "This record has been locked by a user defined workflow.",
    "RCRD_DSNT_EXIST": "That record does not exist.",
    "INVALID_FLD_VALUE": "You have entered an Invalid Field Value for a field.",
    "USER_ERROR": "An error occurred while saving the record.",
}


def write_back(body: dict) -> dict:
    updates = _updates(body)
    ctx = current()
    settings = ctx.faults.settings()
    remaining = settings.get("restlet_usage_limit")
    remaining = RESTLET_USAGE_LIMIT if remaining is None else remaining
    injected = settings.get("writeback_failures") or {}
    allowed = writeback_fields(ctx.store.config().get("restlet_parameters"))
    results, unprocessed = [], []
    for cid, values in updates:
        if unprocessed or remaining - SUBMIT_FIELDS_UNITS < USAGE_RESERVE:
            unprocessed.append(cid)
            continue
        not_allowed = sorted(name for name in values if name.lower() not in allowed)
        if not_allowed:
            results.append(_failed(cid, "FIELD_NOT_ALLOWED",
                                   f"{not_allowed[0]} is not in the script parameter {WRITEBACK_FIELDS}; "
                                   "nothing of this record was written."))
            continue
        remaining -= SUBMIT_FIELDS_UNITS
        results.append(_submit_fields(cid, values, injected.get(cid)))
    return {"results": results, "unprocessed": unprocessed, "remainingUsage": remaining}


def _submit_fields(cid: str, values: dict, injected: str | None) -> dict:
    store = current().store
    if injected:
        return _failed(cid, injected, FAILURE_MESSAGES.get(injected, f"{injected} (injected by the mock)"))
    custom = store.custom_types()
    unknown = [name for name in values if canonical_customer_key(name, custom) is None]
    if unknown:
        # Unconfirmed wording: submitFields on a field the record does not have.
        return _failed(cid, "INVALID_FLD", f"The field {unknown[0]} does not exist on the customer record.")
    try:
        written = store.update_customer(cid, values)
    except FieldError as exc:
        return _failed(cid, "INVALID_FLD_VALUE", exc.message)
    if written is None:
        return _failed(cid, "RCRD_DSNT_EXIST", FAILURE_MESSAGES["RCRD_DSNT_EXIST"])
    return {"id": cid, "ok": True}


def _failed(cid: str, code: str, message: str) -> dict:
    return {"id": cid, "ok": False, "error": {"code": code, "message": message}}


def _updates(body: dict) -> list[tuple[str, dict]]:
    raw = body.get("updates")
    if raw is None:
        raise RestletError("SSS_MISSING_REQD_ARGUMENT", "Missing a required argument: updates")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_UPDATES:
        raise RestletError("INVALID_REQUEST", f"updates must be a list of 1 to {MAX_UPDATES} records.")
    out, seen = [], set()
    for entry in raw:
        cid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(cid, str) or not CUSTOMER_ID.match(cid):
            shown = json.dumps(cid)[:40]
            raise RestletError("INVALID_CUSTOMER_ID", f"{shown} is not a customer internal id (digits, as a string).")
        values = entry.get("values")
        if not isinstance(values, dict) or not values:
            raise RestletError("INVALID_REQUEST", f"updates for {cid}: values must be an object naming 1 or more fields.")
        if cid in seen:
            raise RestletError("INVALID_REQUEST", f"updates name customer {cid} twice; send each record once a call.")
        seen.add(cid)
        out.append((cid, values))
    return out
