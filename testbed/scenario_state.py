"""A scenario's `given` <-> the mocks' state documents.

Friendly customer keys (companyname, stripe_customer_id, address, ...) become
the mock's record fields, with the PayPack field ids taken from the config.
Capture (testbed/capture.py) uses the reverse direction.
"""

from __future__ import annotations

from typing import Any

from sync_core.config import Config

from . import demo
from .scenario_model import Column, CustomerFields, Given, NetSuiteGiven, SavedSearch, StripeGiven

# friendly key -> the mock's record field (camelCase, as NetSuite's REST record service names them)
BODY = {"entityid": "entityId", "companyname": "companyName", "firstname": "firstName", "lastname": "lastName",
        "isperson": "isPerson", "email": "email", "phone": "phone", "comments": "comments",
        "isinactive": "isInactive"}
ADDRESS_KEYS = ("addr1", "addr2", "city", "state", "zip", "country")
DEPLOYMENT_STATUS = {"released": "RELEASED", "not-released": "NOTSCHEDULED", "testing": "TESTING",
                     "not-scheduled": "NOTSCHEDULED"}
SEARCH_ROLES = ("customer_sync", "mass_customer_sync")
DEFAULT_LABELS = {c["name"]: c["label"] for c in demo.DEMO_SEARCH_COLUMNS}
FIRST_CREATED = 1_700_000_000  # Stripe customers without `created` get ages in file order


def paypack_fields(config: Config) -> dict[str, str]:
    """friendly key -> the configured NetSuite field id"""
    return {"stripe_customer_id": config.netsuite.stripe_id_field, "portal_url": config.netsuite.portal_url_field}


def record_fields(fields: CustomerFields, config: Config) -> dict[str, Any]:
    """The fields the scenario sets (and only those), as record fields."""
    given = fields.model_dump(exclude_unset=True, exclude={"id"})
    paypack = paypack_fields(config)
    out: dict[str, Any] = {}
    for key, value in given.items():
        if key in BODY:
            out[BODY[key]] = value
        elif key in paypack:
            out[paypack[key]] = value
        elif key == "address":
            out["addressBook"] = [] if value is None else [address_line(value)]
        elif key == "custom":
            out.update(value)
    return out


def address_line(address: dict[str, Any]) -> dict[str, Any]:
    return {"label": "Billing", "defaultBilling": True, "defaultShipping": True,
            "addressBookAddress": {k: v for k, v in address.items() if k in ADDRESS_KEYS and v is not None}}


def friendly_value(record: dict[str, Any], key: str, config: Config) -> Any:
    """A record's value under a friendly key (the reverse of record_fields, one key)."""
    if key in BODY:
        return record.get(BODY[key])
    paypack = paypack_fields(config)
    if key in paypack:
        return record.get(paypack[key])
    if key == "address":
        for line in record.get("addressBook") or []:
            if line.get("defaultBilling"):
                return {k: v for k, v in (line.get("addressBookAddress") or {}).items() if v is not None}
        return None
    return record.get(key)


def _custom_type(value: Any) -> str:
    if isinstance(value, bool):
        return "checkbox"
    return "integer" if isinstance(value, int) else "text"


def _custom_fields(ns: NetSuiteGiven, config: Config) -> list[dict[str, Any]]:
    ids = paypack_fields(config)
    fields = [{**f, "id": fid} for f, fid in zip(demo.custom_fields(), (ids["stripe_customer_id"], ids["portal_url"]))]
    known = {f["id"] for f in fields}
    used: dict[str, Any] = {}
    for customer in ns.customers:
        for fid, value in customer.custom.items():
            if value is not None or fid not in used:
                used[fid] = value
    for search in ns.saved_searches.values():
        for column in search.columns or []:
            name = column if isinstance(column, str) else column.name
            if name.startswith("custentity"):
                used.setdefault(name, None)
    fields += [{"id": fid, "label": fid, "type": _custom_type(v)} for fid, v in used.items() if fid not in known]
    return fields


def search_columns(columns: list[str | Column]) -> list[dict[str, Any]]:
    out = []
    for column in columns:
        name, label = (column, DEFAULT_LABELS.get(column)) if isinstance(column, str) else (column.name, column.label)
        out.append({"name": name, "label": label, "join": None, "summary": None})
    return out


def _saved_searches(searches: dict[str, SavedSearch], config: Config) -> list[dict[str, Any]]:
    by_role = dict(zip(SEARCH_ROLES, (config.netsuite.customer_sync_search, config.netsuite.mass_customer_sync_search)))
    docs = {s["id"]: s for s in demo.saved_searches()}
    for key, search in searches.items():
        sid = by_role.get(key, key)
        doc = docs.setdefault(sid, {"id": sid, "title": sid, "recordType": "customer",
                                    "columns": demo.DEMO_SEARCH_COLUMNS, "criteria": []})
        if search.title is not None:
            doc["title"] = search.title
        if search.columns is not None:
            doc["columns"] = search_columns(search.columns)
        if search.criteria is not None:
            doc["criteria"] = search.criteria
    return list(docs.values())


WRITEBACK_PARAMETER = "custscript_custsync_writeback_fields"  # the search RESTlet's (deploy/netsuite)


def netsuite_state(ns: NetSuiteGiven, config: Config) -> dict[str, Any]:
    customers = [{"id": c.id, **record_fields(c, config)} for c in ns.customers]
    state: dict[str, object] = {
             "account": config.netsuite.account, "custom_fields": _custom_fields(ns, config), "customers": customers,
             "saved_searches": _saved_searches(ns.saved_searches, config),
             "deployments": demo.deployments(DEPLOYMENT_STATUS[ns.portal_deployment])}
    if ns.restlet_writeback_fields is not None:
        allowed = [config.netsuite.stripe_id_field, config.netsuite.portal_url_field, *ns.restlet_writeback_fields]
        state["restlet_parameters"] = {WRITEBACK_PARAMETER: ",".join(dict.fromkeys(allowed))}
    return state


def stripe_state(st: StripeGiven, api_key: str | None = None) -> dict[str, Any]:
    customers: list[dict[str, Any]] = []
    elsewhere: list[dict[str, Any]] = []
    for i, c in enumerate(st.customers):
        doc = c.model_dump(exclude_none=True)
        doc.setdefault("created", FIRST_CREATED + 60 * i)
        if not doc.get("metadata"):
            doc.pop("metadata", None)
        (elsewhere if doc.pop("other_mode") else customers).append(doc)
    state = demo.stripe_state(customers, portal=st.portal_configuration, api_key=api_key)
    if elsewhere:  # the mode custsync's key does not reach
        other = "test" if api_key and "_live_" in api_key[:8] else "live"
        account = state["accounts"][0]
        account[other] = {"customers": elsewhere, "portal_configuration": "none", "payment_methods": []}
    return state


def states(given: Given, config: Config, api_key: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    return netsuite_state(given.netsuite, config), stripe_state(given.stripe, api_key)


def apply_overrides(config: Config, given: Given) -> Config:
    """The base config with the scenario's `given.config` keys (only those it sets)."""
    if given.config is None:
        return config
    update: dict[str, Any] = {}
    for section in ("sync", "netsuite"):
        overrides = getattr(given.config, section)
        if overrides is not None:
            update[section] = getattr(config, section).model_copy(
                update={k: getattr(overrides, k) for k in overrides.model_fields_set})
    configured = config.model_copy(update=update)
    configured.source = config.source
    return configured
