"""The state document (GET/PUT /_mock/state): validate, load, dump, default."""

from __future__ import annotations

from . import customers, payment_methods, portal
from .auth import mode_of
from .ids import new_id

DEMO_ACCOUNT = "acct_demo"
DEMO_KEY = "sk_test_custsync_demo_4242424242424242"
MODES = ("test", "live")
MODE_KEYS = {"customers", "portal_configuration", "portal_configurations", "payment_methods"}


class StateError(ValueError):
    """A bad state document; `field` names where (e.g. accounts[0].test.customers[2].email)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def default_document(api_keys: list[str] | None = None, account: str | None = None) -> dict:
    """One account (`account`, a launch setting, or acct_demo) with empty test and live modes."""
    return {"accounts": [{"id": account or DEMO_ACCOUNT, "api_keys": list(api_keys or [DEMO_KEY]),
                          "test": {"customers": [], "portal_configuration": "active", "payment_methods": []},
                          "live": {"customers": [], "portal_configuration": "active", "payment_methods": []}}]}


def _expect(cond: bool, field: str, message: str) -> None:
    if not cond:
        raise StateError(field, message)


def _known(doc: dict, allowed, where: str) -> None:
    for key in doc:
        _expect(key in allowed, f"{where}.{key}" if where else key, "unknown field")


def _opt_str(obj: dict, key: str, where: str) -> None:
    if key in obj:
        _expect(obj[key] is None or isinstance(obj[key], str), f"{where}.{key}", "must be a string or null")


def _int(obj: dict, key: str, where: str) -> None:
    if key in obj:
        _expect(isinstance(obj[key], int) and not isinstance(obj[key], bool), f"{where}.{key}",
                "must be an integer (unix seconds)")


def _metadata(obj: dict, where: str) -> dict:
    md = obj.get("metadata", {})
    _expect(isinstance(md, dict), f"{where}.metadata", "must be an object")
    out = {}
    for k, v in md.items():
        # Scenario files often hold numbers (ids); Stripe stores every metadata value as a string.
        _expect(isinstance(v, (str, int, float)) and not isinstance(v, bool),
                f"{where}.metadata.{k}", "must be a string or number")
        out[str(k)] = str(v)
    return out


def customer(raw, where: str, now: int, livemode: bool) -> tuple[dict, bool]:
    """A state document's customer, checked and completed: (the object, whether it is deleted)."""
    _expect(isinstance(raw, dict), where, "must be an object")
    _known(raw, customers.FIELDS | {"deleted"}, where)
    if "id" in raw:
        _expect(isinstance(raw["id"], str) and raw["id"] != "", f"{where}.id", "must be a non-empty string")
    for key in ("email", "name", "phone", "description", "currency", "invoice_prefix", *customers.OPTIONAL_NAMES):
        _opt_str(raw, key, where)
    _int(raw, "created", where)
    _int(raw, "balance", where)
    if "address" in raw:
        addr = raw["address"]
        _expect(addr is None or isinstance(addr, dict), f"{where}.address", "must be an object or null")
        if addr:
            _known(addr, customers.ADDRESS_FIELDS, f"{where}.address")
            for k in addr:
                _opt_str(addr, k, f"{where}.address")
    deleted = raw.get("deleted", False)
    _expect(isinstance(deleted, bool), f"{where}.deleted", "must be true or false")
    obj = customers.defaults(raw.get("id") or new_id("cus_", 14), raw.get("created", now), livemode)
    obj.update({k: v for k, v in raw.items() if k not in ("deleted", "object", "livemode")})
    for key in customers.OPTIONAL_NAMES:  # left out of the object until set, as Stripe does
        if obj.get(key) is None:
            obj.pop(key, None)
    if obj["address"]:
        obj["address"] = {**dict.fromkeys(customers.ADDRESS_FIELDS), **obj["address"]}
    obj["metadata"] = _metadata(raw, where)
    return obj, deleted


def _payment_method(raw, where: str, now: int, livemode: bool, customer_ids: set) -> dict:
    _expect(isinstance(raw, dict), where, "must be an object")
    _known(raw, set(payment_methods.defaults("x", 0, False)) | {"card"}, where)
    if "id" in raw:
        _expect(isinstance(raw["id"], str) and raw["id"] != "", f"{where}.id", "must be a non-empty string")
    _opt_str(raw, "customer", where)
    _expect(raw.get("customer") is None or raw["customer"] in customer_ids, f"{where}.customer",
            "names no customer of this account and mode")
    _expect(isinstance(raw.get("type", "card"), str), f"{where}.type", "must be a string")
    _int(raw, "created", where)
    obj = payment_methods.defaults(raw.get("id") or new_id("pm_"), raw.get("created", now), livemode)
    obj.update({k: v for k, v in raw.items() if k not in ("object", "livemode")})
    obj["metadata"] = _metadata(raw, where)
    if obj["type"] == "card":
        card = raw.get("card", {})
        _expect(isinstance(card, dict), f"{where}.card", "must be an object")
        obj["card"] = {**payment_methods.card_defaults(), **card}
    return obj


def _configuration(raw, where: str, now: int, livemode: bool) -> dict:
    _expect(isinstance(raw, dict), where, "must be an object")
    _known(raw, set(portal.config_defaults("x", 0, False, False)), where)
    for key in ("active", "is_default"):
        if key in raw:
            _expect(isinstance(raw[key], bool), f"{where}.{key}", "must be true or false")
    _int(raw, "created", where)
    obj = portal.config_defaults(raw.get("id") or new_id("bpc_"), raw.get("created", now), livemode,
                                 raw.get("is_default", False))
    obj.update({k: v for k, v in raw.items() if k not in ("object", "livemode")})
    obj["metadata"] = _metadata(raw, where)
    return obj


def normalize(doc, now: int) -> list[dict]:
    """Check the whole document before anything is replaced; return full objects per account/mode."""
    _expect(isinstance(doc, dict), "(document)", "must be a JSON object")
    _known(doc, {"accounts"}, "")
    _expect(isinstance(doc.get("accounts"), list), "accounts", "must be a list")
    seen_accounts, seen_keys, out = set(), set(), []
    for i, acct in enumerate(doc["accounts"]):
        where = f"accounts[{i}]"
        _expect(isinstance(acct, dict), where, "must be an object")
        _known(acct, {"id", "api_keys", "test", "live"}, where)
        _expect(isinstance(acct.get("id"), str) and acct["id"].startswith("acct_"), f"{where}.id",
                "must be a string starting with acct_")
        _expect(acct["id"] not in seen_accounts, f"{where}.id", "duplicate account id")
        seen_accounts.add(acct["id"])
        keys = acct.get("api_keys", [])
        _expect(isinstance(keys, list), f"{where}.api_keys", "must be a list")
        for j, key in enumerate(keys):
            _expect(isinstance(key, str) and mode_of(key) is not None, f"{where}.api_keys[{j}]",
                    "must be a string starting with sk_test_, sk_live_, rk_test_ or rk_live_")
            _expect(key not in seen_keys, f"{where}.api_keys[{j}]", "key already used")
            seen_keys.add(key)
        entry = {"id": acct["id"], "api_keys": keys}
        for mode in MODES:
            mwhere = f"{where}.{mode}"
            mdoc = acct.get(mode, {})
            _expect(isinstance(mdoc, dict), mwhere, "must be an object")
            _known(mdoc, MODE_KEYS, mwhere)
            live = mode == "live"
            custs = mdoc.get("customers", [])
            _expect(isinstance(custs, list), f"{mwhere}.customers", "must be a list")
            parsed, ids = [], set()
            for k, raw in enumerate(custs):
                obj, deleted = customer(raw, f"{mwhere}.customers[{k}]", now, live)
                _expect(obj["id"] not in ids, f"{mwhere}.customers[{k}].id", "duplicate customer id")
                ids.add(obj["id"])
                parsed.append((obj, deleted))
            pms = mdoc.get("payment_methods", [])
            _expect(isinstance(pms, list), f"{mwhere}.payment_methods", "must be a list")
            pm_objs = [_payment_method(raw, f"{mwhere}.payment_methods[{k}]", now, live, ids)
                       for k, raw in enumerate(pms)]
            _expect(len({p["id"] for p in pm_objs}) == len(pm_objs), f"{mwhere}.payment_methods",
                    "duplicate payment method id")
            # A new account has no default portal configuration until its portal settings are saved.
            portal_state = mdoc.get("portal_configuration", "none")
            _expect(portal_state in portal.STATES, f"{mwhere}.portal_configuration",
                    "must be one of active, inactive, none")
            configs = None
            if "portal_configurations" in mdoc:
                _expect(isinstance(mdoc["portal_configurations"], list), f"{mwhere}.portal_configurations",
                        "must be a list")
                configs = [_configuration(raw, f"{mwhere}.portal_configurations[{k}]", now, live)
                           for k, raw in enumerate(mdoc["portal_configurations"])]
                _expect(sum(c["is_default"] for c in configs) <= 1, f"{mwhere}.portal_configurations",
                        "at most one configuration can be the default")
            entry[mode] = {"customers": parsed, "payment_methods": pm_objs, "portal_configuration": portal_state,
                           "portal_configurations": configs}
        out.append(entry)
    return out


def load(store, doc) -> None:
    """Replace everything (but the mock clock) with the document; raise StateError first if it is bad."""
    accounts = normalize(doc, store.now())
    offset = store.clock_offset()
    with store.tx():
        store.clear()
        if offset:
            store.advance_clock(offset)
        for acct in accounts:
            store.add_account(acct["id"], acct["api_keys"])
            for mode in MODES:
                m = acct[mode]
                for obj, deleted in m["customers"]:
                    store.insert(acct["id"], mode, customers.KIND, obj, deleted=deleted)
                for obj in m["payment_methods"]:
                    store.insert(acct["id"], mode, payment_methods.KIND, obj)
                if m["portal_configurations"] is not None:
                    for obj in m["portal_configurations"]:
                        store.insert(acct["id"], mode, portal.KIND, obj)
                else:
                    portal.set_default_state(store, acct["id"], mode, m["portal_configuration"])


def dump(store) -> dict:
    accounts = []
    for account, keys in store.accounts():
        entry = {"id": account, "api_keys": keys}
        for mode in MODES:
            # Oldest first, so that loading the dump back keeps the order.
            custs = [{**r.data, "deleted": r.deleted}
                     for r in reversed(store.all(account, mode, customers.KIND, include_deleted=True))]
            entry[mode] = {
                "customers": custs,
                "portal_configuration": portal.default_state(store, account, mode),
                "portal_configurations": [r.data for r in reversed(store.all(account, mode, portal.KIND))],
                "payment_methods": [r.data for r in reversed(store.all(account, mode, payment_methods.KIND))],
            }
        accounts.append(entry)
    return {"accounts": accounts}
