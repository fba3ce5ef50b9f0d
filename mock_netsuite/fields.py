"""The customer record's fields: names, types, validation, and the search/SuiteQL column views."""
from __future__ import annotations

import re

# camelCase body field -> type. "ref" fields hold an internal id (digits) and are rendered as references.
BODY_FIELDS = {
    "entityId": "text",
    "companyName": "text",
    "firstName": "text",
    "lastName": "text",
    "isPerson": "boolean",
    "email": "text",
    "phone": "text",
    "isInactive": "boolean",
    "subsidiary": "ref",
    "comments": "text",
    "externalId": "text",
    "addressBook": "addressbook",
}
BODY_BY_LOWER = {name.lower(): name for name in BODY_FIELDS}
# Kept by the mock on every write; returned in UTC ISO 8601 ("2017-07-21T17:32:28Z",
# https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157305090645.html).
READ_ONLY_FIELDS = {"dateCreated": "datetime", "lastModifiedDate": "datetime"}
READ_ONLY_BY_LOWER = {name.lower(): name for name in READ_ONLY_FIELDS}

ADDRESS_LINE_FIELDS = {"label": "text", "defaultBilling": "boolean", "defaultShipping": "boolean"}
ADDRESS_FIELDS = ["addressee", "attention", "addr1", "addr2", "addr3", "city", "state", "zip", "country"]

CUSTOM_FIELD_TYPES = {"text", "textarea", "url", "email", "phone", "checkbox", "integer"}
CUSTOM_FIELD_ID = re.compile(r"^custentity[a-z0-9_]+$")
# Unconfirmed (no Oracle page in our references): a Free-Form Text custom field holds 300 characters,
# the limit NetSuite administrators commonly cite; the mock refuses longer values on every write.
CUSTOM_FIELD_MAX_LENGTH = {"text": 300}

# Unconfirmed: the mock has no subsidiary records; id 1 is the OneWorld root ("Parent Company").
SUBSIDIARY_NAMES = {"1": "Parent Company"}


def subsidiary_name(sub_id: str) -> str:
    return SUBSIDIARY_NAMES.get(sub_id, f"Subsidiary {sub_id}")


class FieldError(ValueError):
    """A bad value or name; `path` names the offending field."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message


def custom_field_types(custom_fields: list[dict]) -> dict[str, str]:
    return {f["id"]: f["type"] for f in custom_fields}


def canonical_customer_key(key: str, custom: dict[str, str], exact: bool = False) -> str | None:
    """Field name as sent -> canonical name, or None if unknown. `exact`: the record service's
    names only as NetSuite spells them (camelCase body fields, lowercase custom field ids);
    otherwise any case (search and query ids, state documents)."""
    if exact:
        return key if key in BODY_FIELDS or key in READ_ONLY_FIELDS or key in custom else None
    low = key.lower()
    if low in BODY_BY_LOWER:
        return BODY_BY_LOWER[low]
    if low in READ_ONLY_BY_LOWER:
        return READ_ONLY_BY_LOWER[low]
    if low in custom:
        return low
    return None


def field_type(name: str, custom: dict[str, str]) -> str:
    return BODY_FIELDS.get(name) or READ_ONLY_FIELDS.get(name) or custom[name]


def check_value(path: str, ftype: str, value):
    """Validate one scalar value for a field type; returns the normalized value."""
    if value is None:
        return None
    if ftype in ("boolean", "checkbox"):
        if not isinstance(value, bool):
            raise FieldError(path, f"Invalid value for field {path}: expected a boolean.")
        return value
    if ftype == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(path, f"Invalid value for field {path}: expected an integer.")
        return value
    if ftype == "ref":
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.isdigit():
            raise FieldError(path, f"Invalid value for field {path}: expected a reference with a numeric id.")
        return value
    if not isinstance(value, str):
        raise FieldError(path, f"Invalid value for field {path}: expected a string.")
    if ftype == "email" and value and "@" not in value:
        raise FieldError(path, f"Invalid value for field {path}: not an email address.")
    return value


def check_address_book(path: str, value) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, dict):
        # REST writes send {"items": [...]}; the mock replaces the whole sublist with them.
        if set(value) - {"items", "links"}:
            bad = sorted(set(value) - {"items", "links"})[0]
            raise FieldError(f"{path}.{bad}", f"Unknown field {path}.{bad}.")
        value = value.get("items", [])
    if not isinstance(value, list):
        raise FieldError(path, f"Invalid value for field {path}: expected a list of address lines.")
    lines = []
    line_keys = {k.lower(): k for k in ADDRESS_LINE_FIELDS}
    addr_keys = {k.lower(): k for k in ADDRESS_FIELDS}
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise FieldError(ipath, f"Invalid value for {ipath}: expected an object.")
        line = {"label": None, "defaultBilling": False, "defaultShipping": False,
                "addressBookAddress": {k: None for k in ADDRESS_FIELDS}}
        for key, val in item.items():
            low = key.lower()
            if low in ("links", "id", "internalid", "addressid"):
                continue
            if low in line_keys:
                name = line_keys[low]
                line[name] = check_value(f"{ipath}.{name}", ADDRESS_LINE_FIELDS[name], val)
                if name != "label" and line[name] is None:
                    line[name] = False
            elif low == "addressbookaddress":
                if val is None:
                    continue
                if not isinstance(val, dict):
                    raise FieldError(f"{ipath}.addressBookAddress", "Invalid value: expected an object.")
                for akey, aval in val.items():
                    alow = akey.lower()
                    if alow in ("links", "addrtext", "override"):
                        continue
                    if alow not in addr_keys:
                        raise FieldError(f"{ipath}.addressBookAddress.{akey}", f"Unknown field {akey}.")
                    if alow == "country" and isinstance(aval, dict):
                        aval = aval.get("id")
                    name = addr_keys[alow]
                    line["addressBookAddress"][name] = check_value(
                        f"{ipath}.addressBookAddress.{name}", "text", aval)
            else:
                raise FieldError(f"{ipath}.{key}", f"Unknown field {ipath}.{key}.")
        lines.append(line)
    return lines


def empty_customer(cid: str, custom: dict[str, str]) -> dict:
    cust = {"id": cid}
    for name, ftype in BODY_FIELDS.items():
        cust[name] = False if ftype == "boolean" else ([] if ftype == "addressbook" else None)
    cust["subsidiary"] = "1"
    for name, ftype in custom.items():
        cust[name] = False if ftype == "checkbox" else None
    return cust


def apply_changes(cust: dict, changes: dict, custom: dict[str, str], path_prefix: str = "", *,
                  exact: bool = False, unknown: list | None = None) -> dict:
    """Apply {fieldname: value} to a customer; raises FieldError naming the bad field.
    `exact`: names as the record service spells them. `unknown`: a list collecting unknown names
    instead of raising (X-NetSuite-PropertyNameValidation Warning / Ignore)."""
    out = dict(cust)
    for key, value in changes.items():
        name = canonical_customer_key(key, custom, exact)
        if name is None:
            if unknown is not None:
                unknown.append(key)
                continue
            raise FieldError(path_prefix + key, f"Unknown field '{key}' for record type customer.")
        if name in READ_ONLY_FIELDS:
            raise FieldError(path_prefix + name, f"The field {name} is read-only.")
        ftype = field_type(name, custom)
        if ftype == "addressbook":
            out[name] = check_address_book(path_prefix + name, value)
        else:
            value = check_value(path_prefix + name, ftype, value)
            limit = CUSTOM_FIELD_MAX_LENGTH.get(ftype) if name in custom else None
            if limit is not None and isinstance(value, str) and len(value) > limit:
                raise FieldError(path_prefix + name, f"Invalid value for field {name}: {len(value)} characters; "
                                                     f"the field holds at most {limit}.")
            if value is None and ftype in ("boolean", "checkbox"):
                value = False
            if value is None and name == "subsidiary":
                raise FieldError(path_prefix + name, "Please enter value(s) for: Subsidiary")
            out[name] = value
    return out


def default_billing(cust: dict) -> dict | None:
    lines = cust.get("addressBook") or []
    for line in lines:
        if line.get("defaultBilling"):
            return line["addressBookAddress"]
    return None


BILL_COLUMNS = {"billaddress1": "addr1", "billaddress2": "addr2", "billcity": "city",
                "billstate": "state", "billzipcode": "zip", "billcountry": "country"}


def search_column_ids(custom: dict[str, str]) -> set[str]:
    names = {n.lower() for n in BODY_FIELDS if n != "addressBook"}
    return names | set(custom) | set(BILL_COLUMNS) | {"internalid"}


def search_value(cust: dict, column: str):
    """A saved-search column value as the RESTlet returns it: string, boolean (checkbox) or null."""
    if column == "internalid":
        return cust["id"]
    if column in BILL_COLUMNS:
        addr = default_billing(cust)
        return (addr or {}).get(BILL_COLUMNS[column])
    name = BODY_BY_LOWER.get(column, column)
    value = cust.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


SUITEQL_BODY_COLUMNS = ["id", "entityid", "companyname", "firstname", "lastname", "email", "phone",
                        "isinactive", "isperson", "subsidiary", "comments", "externalid", "datecreated",
                        "lastmodifieddate"]


def suiteql_columns(custom: dict[str, str]) -> list[str]:
    return SUITEQL_BODY_COLUMNS + list(custom)
