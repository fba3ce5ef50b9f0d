"""The mock account's state: the JSON state document, its validation, and the SQLite store."""
from __future__ import annotations

import copy
import json
import re
import sqlite3
import threading

from . import dates, integrations, search_filters
from .fields import (
    BODY_FIELDS,
    CUSTOM_FIELD_ID,
    CUSTOM_FIELD_TYPES,
    READ_ONLY_FIELDS,
    FieldError,
    apply_changes,
    custom_field_types,
    empty_customer,
    search_column_ids,
)
from .portal_suitelet_config import ConfigError, validate_config
from .restlet_parameters import ParameterError, validate_parameters

# Unconfirmed: the SuiteQL scriptdeployment.status values; the mock allows these three.
DEPLOYMENT_STATUSES = ("RELEASED", "TESTING", "NOTSCHEDULED")

DEFAULT_COLUMNS = [
    {"name": "email", "label": "Email", "join": None, "summary": None},
    {"name": "companyname", "label": "Company Name", "join": None, "summary": None},
    {"name": "phone", "label": "Phone", "join": None, "summary": None},
]

DEFAULT_STATE = {
    "account": "1234567_SB1",
    "custom_fields": [
        {"id": "custentity_paypack_stripe_customer_id", "label": "STRIPE CUSTOMER ID (PAYPACK)", "type": "text"},
        {"id": "custentity_paypack_portal_url", "label": "STRIPE CUSTOMER PORTAL URL (PAYPACK)", "type": "url"},
    ],
    "customers": [],
    "saved_searches": [
        {"id": "customsearch_paypack_customer_sync", "title": "PayPack Customer Sync",
         "recordType": "customer", "columns": DEFAULT_COLUMNS, "criteria": []},
        {"id": "customsearch_paypack_mass_customer_sync", "title": "PayPack Mass Customer Sync",
         "recordType": "customer", "columns": DEFAULT_COLUMNS, "criteria": [["isinactive", "is", "F"]]},
    ],
    "deployments": [
        {"scriptId": "customscript_custsync_search", "deploymentId": "customdeploy_custsync_search",
         "title": "custsync saved search RESTlet", "status": "RELEASED"},
        {"scriptId": "customscript_custsync_portal",
         "deploymentId": "customdeploy_custsync_portal",
         "title": "custsync customer portal link", "status": "RELEASED"},
    ],
}

TOP_KEYS = ("account", "custom_fields", "customers", "saved_searches", "deployments", "portal_suitelet",
            "restlet_parameters", "integrations")
# Stored beside the customers: every key but the customers themselves.
CONFIG_KEYS = tuple(k for k in TOP_KEYS if k != "customers")
ACCOUNT_ID = re.compile(r"^[0-9A-Z]+(_[A-Z0-9]+)?$")


class StateError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def default_state(account: str | None = None) -> dict:
    """The empty account; `account` (a launch setting) replaces the demo account id."""
    state = copy.deepcopy(DEFAULT_STATE)
    if account:
        state["account"] = account
    return state


def _expect(cond: bool, field: str, message: str) -> None:
    if not cond:
        raise StateError(field, message)


def _check_keys(obj: dict, allowed: set[str], path: str) -> None:
    for key in obj:
        _expect(key in allowed, f"{path}.{key}" if path else key, f"unknown key '{key}'")


def _str_or_none(value, field: str) -> str | None:
    _expect(value is None or isinstance(value, str), field, "must be a string or null")
    return value


def validate_document(doc, loaded_at: str | None = None, default_integrations: list | None = None,
                      default_account: str | None = None) -> dict:
    """Return the normalized state document, or raise StateError naming the bad field.
    Customers given without dates get `loaded_at` (the mock's start: the same on every load, so a
    captured state loads back unchanged). A document without `integrations` gets `default_integrations`
    (the mock's launch integration), as one without `deployments` gets the default deployments."""
    _expect(isinstance(doc, dict), "", "the state document must be a JSON object")
    _check_keys(doc, set(TOP_KEYS), "")
    base = default_state(default_account)
    account = doc.get("account", base["account"])
    _expect(isinstance(account, str) and ACCOUNT_ID.match(account or ""), "account",
            "must be an account id like 1234567 or 1234567_SB1 (uppercase, underscore)")

    custom_fields = []
    raw_fields = doc.get("custom_fields", base["custom_fields"])
    _expect(isinstance(raw_fields, list), "custom_fields", "must be a list")
    for i, f in enumerate(raw_fields):
        path = f"custom_fields[{i}]"
        _expect(isinstance(f, dict), path, "must be an object")
        _check_keys(f, {"id", "label", "type"}, path)
        fid = f.get("id")
        _expect(isinstance(fid, str) and CUSTOM_FIELD_ID.match(fid), f"{path}.id",
                "must be a lowercase script id starting with custentity")
        _expect(fid.lower() not in {n.lower() for n in BODY_FIELDS}, f"{path}.id", "clashes with a body field")
        _expect(fid not in [c["id"] for c in custom_fields], f"{path}.id", f"duplicate custom field '{fid}'")
        ftype = f.get("type", "text")
        _expect(ftype in CUSTOM_FIELD_TYPES, f"{path}.type", f"must be one of {sorted(CUSTOM_FIELD_TYPES)}")
        custom_fields.append({"id": fid, "label": _str_or_none(f.get("label"), f"{path}.label"), "type": ftype})
    custom = custom_field_types(custom_fields)

    customers = []
    seen, external_ids = set(), set()
    raw_customers = doc.get("customers", [])
    _expect(isinstance(raw_customers, list), "customers", "must be a list")
    for i, c in enumerate(raw_customers):
        path = f"customers[{i}]"
        _expect(isinstance(c, dict), path, "must be an object")
        cid = c.get("id")
        if isinstance(cid, int) and not isinstance(cid, bool):
            cid = str(cid)
        _expect(isinstance(cid, str) and cid.isdigit() and int(cid) > 0, f"{path}.id",
                "must be a positive internal id (a string of digits)")
        cid = str(int(cid))
        _expect(cid not in seen, f"{path}.id", f"duplicate customer id {cid}")
        seen.add(cid)
        changes = {k: v for k, v in c.items() if k != "id" and k not in READ_ONLY_FIELDS}
        try:
            cust = apply_changes(empty_customer(cid, custom), changes, custom)
        except FieldError as exc:
            raise StateError(f"{path}.{exc.path}", exc.message) from None
        if cust["entityId"] is None:
            cust["entityId"] = f"CUST{cid}"
        loaded = loaded_at or dates.now_iso()
        for name in READ_ONLY_FIELDS:
            value = c.get(name, loaded)
            _expect(dates.parse_iso(value) is not None, f"{path}.{name}",
                    'must be a UTC ISO 8601 datetime like "2024-05-01T09:30:00Z"')
            cust[name] = value
        _expect(cust["lastModifiedDate"] >= cust["dateCreated"], f"{path}.lastModifiedDate",
                "cannot be before dateCreated")
        if cust["externalId"] is not None:
            _expect(cust["externalId"] not in external_ids, f"{path}.externalId",
                    f"duplicate externalId {cust['externalId']!r}")
            external_ids.add(cust["externalId"])
        customers.append(cust)
    customers.sort(key=lambda c: int(c["id"]))

    columns_known = search_column_ids(custom)
    searches = []
    raw_searches = doc.get("saved_searches", base["saved_searches"])
    _expect(isinstance(raw_searches, list), "saved_searches", "must be a list")
    for i, s in enumerate(raw_searches):
        path = f"saved_searches[{i}]"
        _expect(isinstance(s, dict), path, "must be an object")
        _check_keys(s, {"id", "title", "recordType", "columns", "criteria"}, path)
        sid = s.get("id")
        _expect(isinstance(sid, str) and sid.startswith("customsearch"), f"{path}.id",
                "must be a script id starting with customsearch")
        _expect(sid not in [x["id"] for x in searches], f"{path}.id", f"duplicate saved search '{sid}'")
        _expect(s.get("recordType", "customer") == "customer", f"{path}.recordType",
                "only customer searches are supported by the mock")
        cols = []
        raw_cols = s.get("columns", [])
        _expect(isinstance(raw_cols, list), f"{path}.columns", "must be a list")
        for j, col in enumerate(raw_cols):
            cpath = f"{path}.columns[{j}]"
            if isinstance(col, str):
                col = {"name": col}
            _expect(isinstance(col, dict), cpath, "must be an object or a column name")
            _check_keys(col, {"name", "label", "join", "summary"}, cpath)
            name = col.get("name")
            _expect(isinstance(name, str) and name.lower() in columns_known, f"{cpath}.name",
                    f"unknown search column {name!r}")
            _expect(col.get("join") is None, f"{cpath}.join", "joined columns are not supported by the mock")
            _expect(col.get("summary") is None, f"{cpath}.summary",
                    "summary columns are not supported by the mock")
            cols.append({"name": name.lower(), "label": _str_or_none(col.get("label"), f"{cpath}.label"),
                         "join": None, "summary": None})
        criteria = s.get("criteria", [])
        try:
            search_filters.validate(criteria, columns_known)
        except search_filters.CriteriaError as exc:
            raise StateError(f"{path}.criteria", str(exc)) from None
        searches.append({"id": sid, "title": _str_or_none(s.get("title"), f"{path}.title") or sid,
                         "recordType": "customer", "columns": cols, "criteria": copy.deepcopy(criteria)})

    deployments = []
    raw_deps = doc.get("deployments", base["deployments"])
    _expect(isinstance(raw_deps, list), "deployments", "must be a list")
    for i, d in enumerate(raw_deps):
        path = f"deployments[{i}]"
        _expect(isinstance(d, dict), path, "must be an object")
        _check_keys(d, {"scriptId", "deploymentId", "title", "status", "isDeployed", "scriptNumber",
                        "deployNumber"}, path)
        for key, prefix in (("scriptId", "customscript"), ("deploymentId", "customdeploy")):
            _expect(isinstance(d.get(key), str) and d[key].startswith(prefix), f"{path}.{key}",
                    f"must be a script id starting with {prefix}")
        _expect(d["deploymentId"] not in [x["deploymentId"] for x in deployments], f"{path}.deploymentId",
                "duplicate deployment id")
        status = d.get("status", "RELEASED")
        _expect(status in DEPLOYMENT_STATUSES, f"{path}.status", f"must be one of {list(DEPLOYMENT_STATUSES)}")
        is_deployed = d.get("isDeployed", True)
        _expect(isinstance(is_deployed, bool), f"{path}.isDeployed", "must be a boolean")
        # The numbers a deployment's URL shows (restlet.nl?script=NUMBER&deploy=NUMBER): the script's
        # internal id (one per script) and the deployment's number within it. Defaults: scripts
        # numbered from 101 in order of appearance, deployments from 1 within their script.
        same_script = [x for x in deployments if x["scriptId"] == d["scriptId"]]
        script_number = d.get("scriptNumber", same_script[0]["scriptNumber"] if same_script else
                              101 + len({x["scriptId"] for x in deployments}))
        deploy_number = d.get("deployNumber", 1 + max((x["deployNumber"] for x in same_script), default=0))
        for key, number in (("scriptNumber", script_number), ("deployNumber", deploy_number)):
            _expect(isinstance(number, int) and not isinstance(number, bool) and number > 0, f"{path}.{key}",
                    "must be a positive integer")
        _expect(all(x["scriptNumber"] == script_number for x in same_script), f"{path}.scriptNumber",
                "differs from the number of the script's other deployments")
        _expect(all(x["scriptId"] == d["scriptId"] for x in deployments if x["scriptNumber"] == script_number),
                f"{path}.scriptNumber", "already the number of another script")
        _expect(deploy_number not in [x["deployNumber"] for x in same_script], f"{path}.deployNumber",
                "duplicate deployment number within the script")
        deployments.append({"scriptId": d["scriptId"], "deploymentId": d["deploymentId"],
                            "title": _str_or_none(d.get("title"), f"{path}.title") or d["deploymentId"],
                            "status": status, "isDeployed": is_deployed, "scriptNumber": script_number,
                            "deployNumber": deploy_number})

    try:
        portal_suitelet = validate_config(doc.get("portal_suitelet"))
    except ConfigError as exc:
        raise StateError(exc.field, exc.message) from None
    try:
        restlet_parameters = validate_parameters(doc.get("restlet_parameters"))
    except ParameterError as exc:
        raise StateError(exc.field, exc.message) from None
    try:
        oauth_integrations = integrations.validate(doc.get("integrations"), default_integrations or [])
    except integrations.IntegrationError as exc:
        raise StateError(exc.field, exc.message) from None
    return {"account": account, "custom_fields": custom_fields, "customers": customers,
            "saved_searches": searches, "deployments": deployments, "portal_suitelet": portal_suitelet,
            "restlet_parameters": restlet_parameters, "integrations": oauth_integrations}


class Store:
    """State in SQLite. One connection guarded by a lock: safe under waitress's worker threads."""

    def __init__(self, path: str | None = None, *, default_integrations: list | None = None,
                 account: str | None = None):
        self._lock = threading.RLock()
        self.default_integrations = default_integrations or []
        self.default_account = account  # the launch's account id: a reset, and a document without one, keep it
        self.started_at = dates.now_iso()
        self.generation = 0  # moves on every write: SuiteQL rebuilds its tables when it changed
        self.config_generation = 0  # moves when the whole document is replaced (integrations, searches...)
        self._snapshot: tuple[int, list[dict]] | None = None
        self._custom_types: dict[str, str] | None = None  # read on every write; changes only with replace()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        self._db.execute("CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS customer (id INTEGER PRIMARY KEY, data TEXT NOT NULL)")
        with self._lock:
            if self._db.execute("SELECT COUNT(*) FROM config").fetchone()[0] == 0:
                self.replace(default_state(self.default_account))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- whole document
    def replace(self, doc: dict) -> None:
        doc = validate_document(doc, self.started_at, self.default_integrations, self.default_account)
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute("DELETE FROM config")
                self._db.execute("DELETE FROM customer")
                for key in CONFIG_KEYS:
                    self._db.execute("INSERT INTO config VALUES (?, ?)", (key, json.dumps(doc[key])))
                self._db.executemany("INSERT INTO customer VALUES (?, ?)",
                                     [(int(c["id"]), json.dumps(c)) for c in doc["customers"]])
                self._db.execute("COMMIT")
                self.generation += 1
                self.config_generation += 1
                self._custom_types = None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def reset(self) -> None:
        self.replace(default_state(self.default_account))

    def document(self) -> dict:
        with self._lock:
            doc = self.config()
            doc["customers"] = self.customers()
        return {k: doc[k] for k in TOP_KEYS if k in doc}

    # -- parts
    def config(self) -> dict:
        with self._lock:
            stored = {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM config")}
        stored.setdefault("integrations", [])  # a state file written before the mock knew integrations
        return stored

    def oauth_integrations(self) -> list[dict]:
        return self.config()["integrations"]

    def custom_types(self) -> dict[str, str]:
        with self._lock:
            if self._custom_types is None:
                self._custom_types = custom_field_types(self.config()["custom_fields"])
            return dict(self._custom_types)

    def customers(self) -> list[dict]:
        with self._lock:
            return [json.loads(d) for (d,) in self._db.execute("SELECT data FROM customer ORDER BY id")]

    def snapshot(self) -> tuple[int, list[dict]]:
        """(generation, customers), read once per generation: paging a large account reads it once,
        not once a page. Callers must not change the list or its customers."""
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != self.generation:
                self._snapshot = (self.generation, self.customers())
            return self._snapshot

    def customer(self, cid: str) -> dict | None:
        if not cid.isdigit():
            return None
        with self._lock:
            row = self._db.execute("SELECT data FROM customer WHERE id = ?", (int(cid),)).fetchone()
        return json.loads(row[0]) if row else None

    def customer_by_external_id(self, external_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM customer WHERE json_extract(data, '$.externalId') = ?",
                                   (external_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def _check_external_id(self, cust: dict) -> None:
        eid = cust.get("externalId")
        if eid is not None:
            other = self.customer_by_external_id(eid)
            if other is not None and other["id"] != cust["id"]:
                # Unconfirmed wording; NetSuite keeps external ids unique per record type.
                raise FieldError("externalId", f"A customer with the external ID {eid!r} already exists.")

    def update_customer(self, cid: str, changes: dict, *, exact: bool = False,
                        unknown: list | None = None) -> dict | None:
        """Apply field changes; raises FieldError. Returns None when the customer does not exist.
        Every write moves lastModifiedDate."""
        with self._lock:
            cust = self.customer(cid)
            if cust is None:
                return None
            cust = apply_changes(cust, changes, self.custom_types(), exact=exact, unknown=unknown)
            self._check_external_id(cust)
            cust["lastModifiedDate"] = dates.now_iso()
            self._db.execute("UPDATE customer SET data = ? WHERE id = ?", (json.dumps(cust), int(cid)))
            self.generation += 1
            return cust

    def create_customer(self, fields: dict, *, exact: bool = False, unknown: list | None = None) -> dict:
        with self._lock:
            custom = self.custom_types()
            next_id = (self._db.execute("SELECT MAX(id) FROM customer").fetchone()[0] or 100) + 1
            cid = str(next_id)
            cust = apply_changes(empty_customer(cid, custom), fields, custom, exact=exact, unknown=unknown)
            if cust["entityId"] is None:
                # Unconfirmed: as if auto-generated customer numbers are on.
                cust["entityId"] = f"CUST{cid}"
            self._check_external_id(cust)
            cust["dateCreated"] = cust["lastModifiedDate"] = dates.now_iso()
            self._db.execute("INSERT INTO customer VALUES (?, ?)", (next_id, json.dumps(cust)))
            self.generation += 1
            return cust

    def delete_customer(self, cid: str) -> bool:
        if not cid.isdigit():
            return False
        with self._lock:
            self.generation += 1
            return self._db.execute("DELETE FROM customer WHERE id = ?", (int(cid),)).rowcount > 0
