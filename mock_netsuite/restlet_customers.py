"""The RESTlet's `customers` action: the mass sync's customers a page at a time, with the values the sync maps.

Values are what the record read (REST GET) gives, in search form: text as a string, a checkbox as a
boolean, a reference as its display text (getText on a real account: the record's refName), blank as
null. bill* columns read the default billing address, as the customer search's own columns do;
billstate and billcountry as their values (getValue): the state as typed, the country's ISO code.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from . import dates, portal_suitelet
from .context import current
from .errors import RestletError
from .fields import READ_ONLY_BY_LOWER, search_column_ids, search_value, subsidiary_name
from .restlet_search import describe_columns, find_search, matching_customers, page_args, page_of, search_id_of


def customers(body: dict) -> dict:
    search_id = search_id_of(body)
    columns_from = search_id_of(body, "columnsFrom")
    fields = _fields(body)
    modified_after = _modified_after(body)
    ranges = _id_ranges(body)
    page, page_size = page_args(body)
    search = find_search(search_id)
    mapping = find_search(columns_from)
    unknown = [f for f in fields if f.lower() not in _customer_field_ids()]
    if unknown:
        raise RestletError("INVALID_FIELD", f"{json.dumps(unknown[0])[:60]} is not a customer field.")
    columns = describe_columns(mapping)
    names = list(dict.fromkeys([c["name"] for c in columns] + [f.lower() for f in fields]))
    matching = matching_customers(search["criteria"],
                                  lambda c: _changed_after(c, modified_after) and _in_ranges(c, ranges),
                                  (modified_after, ranges))
    paged = page_of(matching, page, page_size)
    results = [{"id": c["id"], "lastModifiedDate": c["lastModifiedDate"],
                "values": {name: display_value(c, name) for name in names}} for c in paged.pop("rows")]
    echo = {"idRanges": [list(r) for r in ranges]} if ranges else {}
    return {"searchId": search_id, "columnsFrom": columns_from, "columns": columns, "fields": fields, **echo,
            # The key the portal links are signed with now: a scheduled read learns of a rotation without a call.
            **paged, "signingKeyId": portal_suitelet.current_signing_key_id(), "results": results}


def display_value(customer: dict, name: str):
    """One column's value as the RESTlet returns it (see the module docstring)."""
    if name in READ_ONLY_BY_LOWER:
        value = customer.get(READ_ONLY_BY_LOWER[name])
    else:
        value = search_value(customer, name)
        if name == "subsidiary" and value is not None:
            value = subsidiary_name(value)
    return None if value == "" else value


def _customer_field_ids() -> set[str]:
    return search_column_ids(current().store.custom_types()) | set(READ_ONLY_BY_LOWER)


def _fields(body: dict) -> list[str]:
    fields = body.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields):
        raise RestletError("INVALID_REQUEST", "fields must be a list of customer field ids.")
    return fields


def _modified_after(body: dict) -> datetime | None:
    raw = body.get("modifiedAfter")
    if raw is None:
        return None
    moment = _parse_instant(raw)
    if moment is None:
        raise RestletError("INVALID_DATE", f"modifiedAfter must be an ISO 8601 date and time with a time zone, "
                                           f"e.g. 2026-11-27T05:00:00Z; got {json.dumps(raw)[:60]}.")
    return moment


MAX_ID_RANGES = 1000


def _id_ranges(body: dict) -> tuple[tuple[int, int | None], ...] | None:
    """idRanges: [after, before] pairs of internal ids, before greater or null (none); None when absent."""
    raw = body.get("idRanges")
    if raw is None:
        return None

    def bound(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_ID_RANGES or not all(
            isinstance(r, list) and len(r) == 2 and bound(r[0]) and (r[1] is None or (bound(r[1]) and r[1] > r[0]))
            for r in raw):
        raise RestletError("INVALID_REQUEST", f"idRanges must be a list of 1 to {MAX_ID_RANGES} [after, before] pairs "
                                              "of internal ids, before greater than after or null (no upper bound).")
    return tuple((after, before) for after, before in raw)


def _in_ranges(customer: dict, ranges: tuple[tuple[int, int | None], ...] | None) -> bool:
    """Strictly between the ids of one pair, as internalidnumber greaterthan / lessthan compare."""
    if ranges is None:
        return True
    number = int(customer["id"])
    return any(after < number and (before is None or number < before) for after, before in ranges)


# The script's ISO_INSTANT: extended format, a time of day, and a zone (Z or ±HH:MM).
ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def _parse_instant(raw) -> datetime | None:
    if not isinstance(raw, str) or not ISO_INSTANT.match(raw):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _changed_after(customer: dict, moment: datetime | None) -> bool:
    """NetSuite's `after` operator: strictly later."""
    return moment is None or dates.parse_iso(customer["lastModifiedDate"]) > moment
