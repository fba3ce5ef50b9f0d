"""Record service: /services/rest/record/v1/customer (GET one, GET list with q, PATCH, POST)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from .context import current
from .errors import NsError
from .fields import FieldError, apply_changes, canonical_customer_key, empty_customer, subsidiary_name
from .paging import collection, parse_limit_offset
from .record_query import compile_query

bp = Blueprint("records", __name__)

RECORD_BASE = "/services/rest/record/v1"
SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"

COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany",
                 "FR": "France", "AU": "Australia", "NL": "Netherlands", "IE": "Ireland", "MX": "Mexico"}


def record_url(*parts: str) -> str:
    return request.host_url.rstrip("/") + RECORD_BASE + "".join(f"/{p}" for p in parts)


def self_links(href: str) -> list[dict]:
    return [{"rel": "self", "href": href}]


def not_found() -> NsError:
    return NsError(404, "NONEXISTENT_ID",
                   "The record instance does not exist. Provide a valid record instance ID.")


def json_response(body: dict, content_type: str = SINGULAR) -> Response:
    return Response(json.dumps(body), status=200, content_type=content_type)


def load_customer(cid: str) -> dict:
    """By internal id, or by external id as `eid:VALUE` (Using External IDs,
    https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156335203191.html)."""
    store = current().store
    cust = store.customer_by_external_id(cid[4:]) if cid.startswith("eid:") else store.customer(cid)
    if cust is None:
        raise not_found()
    return cust


def no_content(location: str | None = None) -> Response:
    """204: no body, so no Content-Type either (Flask would otherwise add text/html)."""
    resp = Response(status=204)
    del resp.headers["Content-Type"]
    if location:
        resp.headers["Location"] = location
    return resp


NAME_VALIDATION_HEADER = "X-NetSuite-PropertyNameValidation"
NAME_VALIDATION_MODES = {"error": "Error", "warning": "Warning", "ignore": "Ignore"}


def name_validation() -> str:
    """What to do with unknown property names: Error (refuse), Warning (go on, say so), Ignore.
    The header's values are documented; the default when it is absent is not settled by the pages we
    have: the mock refuses (Error), the stricter choice."""
    raw = request.headers.get(NAME_VALIDATION_HEADER)
    if raw is None:
        return "Error"
    mode = NAME_VALIDATION_MODES.get(raw.strip().lower())
    if mode is None:
        raise NsError(400, "INVALID_HEADER", f"Invalid value '{raw}' for the header {NAME_VALIDATION_HEADER}. "
                      "Use Error, Warning or Ignore.", error_header=NAME_VALIDATION_HEADER)
    return mode


def write_options() -> dict:
    """Keyword arguments for the store's writes: exact names, and unknown ones collected unless refused."""
    return {"exact": True, "unknown": None if name_validation() == "Error" else []}


def warned(resp: Response, unknown: list | None) -> Response:
    if unknown and name_validation() == "Warning":
        # Unconfirmed: how NetSuite reports a Warning; the mock names the ignored properties in a header.
        resp.headers["X-NetSuite-Warning"] = "Unknown properties ignored: " + ", ".join(unknown)
    return resp


def render_address(cid: str, line_no: int, addr: dict) -> dict:
    out = {"links": self_links(record_url("customer", cid, "addressBook", str(line_no), "addressBookAddress"))}
    for key, value in addr.items():
        if value is None:
            continue
        out[key] = {"id": value, "refName": COUNTRY_NAMES.get(value, value)} if key == "country" else value
    lines = [addr.get(k) for k in ("addressee", "attention", "addr1", "addr2", "addr3")]
    city_line = " ".join(x for x in (addr.get("city"), addr.get("state"), addr.get("zip")) if x)
    text = "\n".join(x for x in [*lines, city_line, COUNTRY_NAMES.get(addr.get("country") or "", addr.get("country"))] if x)
    if text:
        out["addrText"] = text
    return out


def render_address_line(cid: str, line_no: int, line: dict, inline_address: bool) -> dict:
    out = {"links": self_links(record_url("customer", cid, "addressBook", str(line_no)))}
    if inline_address:
        out["addressBookAddress"] = render_address(cid, line_no, line["addressBookAddress"])
    else:
        out["addressBookAddress"] = {"links": self_links(
            record_url("customer", cid, "addressBook", str(line_no), "addressBookAddress"))}
    out.update({"addressId": str(line_no), "defaultBilling": line["defaultBilling"],
                "defaultShipping": line["defaultShipping"], "id": line_no, "internalId": line_no})
    if line.get("label") is not None:
        out["label"] = line["label"]
    return out


def render_customer(cust: dict, *, expand: bool, only: set[str] | None) -> dict:
    cid = cust["id"]
    body: dict = {"links": self_links(record_url("customer", cid))}
    for name in sorted(k for k in cust if k != "id"):
        if only is not None and name.lower() not in only:
            continue
        value = cust[name]
        if name == "addressBook":
            sub = {"links": self_links(record_url("customer", cid, "addressBook"))}
            if expand:
                # Real NetSuite may inline only a link for addressBookAddress and need one more GET
                # for it; the mock inlines the address so a client can do either.
                sub["items"] = [render_address_line(cid, i + 1, line, True) for i, line in enumerate(value)]
            body[name] = sub
        elif value is None:
            continue  # NetSuite leaves empty fields out of the body
        elif name == "subsidiary":
            body[name] = {"links": self_links(record_url("subsidiary", value)), "id": value,
                          "refName": subsidiary_name(value)}
        else:
            body[name] = value
    body["id"] = cid
    return body


def read_json_object() -> dict:
    raw = request.get_data()
    try:
        data = json.loads(raw.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise NsError(400, "INVALID_CONTENT", f"Invalid content in the request body: not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise NsError(400, "INVALID_CONTENT", "Invalid content in the request body: expected a JSON object.")
    return data


def strip_meta(data: dict, cid: str | None) -> dict:
    data = dict(data)
    data.pop("links", None)
    if "id" in data:
        if cid is None or str(data["id"]) != cid:
            raise NsError(400, "INVALID_CONTENT", "The id field is read-only.", error_path="id")
        del data["id"]
    return data


def field_error(exc: FieldError) -> NsError:
    return NsError(400, "INVALID_CONTENT", exc.message, error_path=exc.path)


def truthy(value: str | None) -> bool:
    return (value or "").lower() == "true"


@bp.get(f"{RECORD_BASE}/customer/<cid>")
def get_customer(cid: str):
    cust = load_customer(cid)
    only = None
    if request.args.get("fields"):
        custom = current().store.custom_types()
        only = set()
        for raw in request.args["fields"].split(","):
            raw = raw.strip()
            if not raw:
                continue
            name = canonical_customer_key(raw, custom, exact=True)
            if name is None and raw != "id":
                raise NsError(400, "INVALID_PARAMETER", f"Field '{raw}' for record 'customer' was not found.",
                              query_param="fields")
            only.add(raw.lower())
    return json_response(render_customer(cust, expand=truthy(request.args.get("expandSubResources")), only=only))


@bp.get(f"{RECORD_BASE}/customer/<cid>/addressBook")
def get_address_book(cid: str):
    cust = load_customer(cid)
    lines = cust.get("addressBook") or []
    items = [{"links": self_links(record_url("customer", cid, "addressBook", str(i + 1)))} for i in range(len(lines))]
    body = {"links": self_links(record_url("customer", cid, "addressBook")), "items": items,
            "totalResults": len(items), "count": len(items), "hasMore": False, "offset": 0}
    return json_response(body, COLLECTION)


def _line(cid: str, line: str) -> dict:
    lines = load_customer(cid).get("addressBook") or []
    if not line.isdigit() or not 1 <= int(line) <= len(lines):
        raise not_found()
    return lines[int(line) - 1]


@bp.get(f"{RECORD_BASE}/customer/<cid>/addressBook/<line>")
def get_address_line(cid: str, line: str):
    return json_response(render_address_line(cid, int(line) if line.isdigit() else 0, _line(cid, line),
                                             truthy(request.args.get("expandSubResources"))))


@bp.get(f"{RECORD_BASE}/customer/<cid>/addressBook/<line>/addressBookAddress")
def get_address(cid: str, line: str):
    return json_response(render_address(cid, int(line), _line(cid, line)["addressBookAddress"]))


def _update(cust: dict, data: dict) -> Response:
    options = write_options()
    try:
        updated = current().store.update_customer(cust["id"], data, **options)
    except FieldError as exc:
        raise field_error(exc) from None
    if updated is None:
        raise not_found()
    return warned(no_content(record_url("customer", cust["id"])), options["unknown"])


@bp.patch(f"{RECORD_BASE}/customer/<cid>")
def patch_customer(cid: str):
    cust = load_customer(cid)
    return _update(cust, strip_meta(read_json_object(), cust["id"]))


def _create(data: dict) -> Response:
    store = current().store
    options = write_options()
    try:
        probe = apply_changes(empty_customer("0", store.custom_types()), data, store.custom_types(),
                              exact=True, unknown=[] if options["unknown"] is not None else None)
    except FieldError as exc:
        raise field_error(exc) from None
    required = ["firstName", "lastName"] if probe["isPerson"] else ["companyName"]
    missing = [name for name in required if not probe.get(name)]
    if missing:
        labels = {"companyName": "Company Name", "firstName": "First Name", "lastName": "Last Name"}
        raise NsError(400, "USER_ERROR", f"Please enter value(s) for: {', '.join(labels[m] for m in missing)}",
                      error_path=missing[0])
    try:
        cust = store.create_customer(data, **options)
    except FieldError as exc:
        raise field_error(exc) from None
    return warned(no_content(record_url("customer", cust["id"])), options["unknown"])


@bp.post(f"{RECORD_BASE}/customer")
def create_customer():
    return _create(strip_meta(read_json_object(), None))


@bp.put(f"{RECORD_BASE}/customer/<cid>")
def upsert_customer(cid: str):
    """Upsert: PUT with an external id only (Using the Upsert Operation,
    https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156335203191.html)."""
    if not cid.startswith("eid:") or len(cid) == 4:
        # Unconfirmed wording; the documented rule: "only when you use an external ID in the request URL".
        raise NsError(400, "INVALID_REQUEST", "The upsert operation (PUT) needs an external ID in the URL: "
                      "/record/v1/customer/eid:VALUE.")
    external_id = cid[4:]
    data = read_json_object()
    data.pop("links", None)
    if "id" in data:
        raise NsError(400, "INVALID_CONTENT", "The upsert operation does not accept an internal ID.",
                      error_path="id")
    if data.get("externalId", external_id) != external_id:
        raise NsError(400, "INVALID_CONTENT", "The externalId in the body differs from the one in the URL.",
                      error_path="externalId")
    data["externalId"] = external_id
    existing = current().store.customer_by_external_id(external_id)
    return _update(existing, data) if existing is not None else _create(data)


@bp.get(f"{RECORD_BASE}/customer")
def list_customers():
    limit, offset = parse_limit_offset(request.args)
    store = current().store
    customers = store.customers()
    q = request.args.get("q")
    if q is not None and q.strip():
        predicate = compile_query(q, store.custom_types())
        customers = [c for c in customers if predicate(c)]
    page = customers[offset:offset + limit]
    items = [{"links": self_links(record_url("customer", c["id"])), "id": c["id"]} for c in page]
    extra = {"q": q} if q else {}
    return json_response(collection(record_url("customer"), extra, items, len(customers), limit, offset),
                         COLLECTION)


@bp.delete(f"{RECORD_BASE}/customer/<cid>")
def delete_customer(cid: str):
    if not current().store.delete_customer(load_customer(cid)["id"]):
        raise not_found()
    return no_content()


@bp.route(f"{RECORD_BASE}/<rtype>", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
@bp.route(f"{RECORD_BASE}/<rtype>/<path:rest>", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
def other_record(rtype: str, rest: str = ""):
    if rtype == "customer":
        raise NsError(405, "INVALID_REQUEST", f"The {request.method} method is not supported for this resource.")
    # Unconfirmed wording/code; the mock implements only the customer record.
    raise NsError(400, "INVALID_PARAMETER", f"Record type '{rtype}' is not supported by this service.")
