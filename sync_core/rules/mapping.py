"""R9: the saved search's column headers decide which record fields go to Stripe.

Only the headers are read from the search; every value comes from the
customer record. Columns with no Stripe counterpart go to metadata under the
configured prefix (default `netsuite_`), next to `netsuite_internal_id`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sync_core.errors import MappingError
from sync_core.rules.compact_params import Compact
from sync_core.rules.decide import normalize_email


@dataclass(frozen=True)
class SearchColumn:
    """One column header of a saved search (R9: headers decide the mapping; values come from the record)."""

    name: str
    label: str | None = None
    join: str | None = None
    summary: str | None = None


# search column id -> Stripe customer parameter
DIRECT = {"email": "email", "phone": "phone", "comments": "description"}
NAME_COLUMNS = ("companyname", "firstname", "lastname")
ADDRESS = {
    "billaddress1": ("addr1", "line1"),
    "billaddress2": ("addr2", "line2"),
    "billcity": ("city", "city"),
    "billstate": ("state", "state"),
    "billzipcode": ("zip", "postal_code"),
    "billcountry": ("country", "country"),
}
# Customer body fields a search column may name although the record omits them when empty.
KNOWN_BODY_COLUMNS = {
    "entityid", "altname", "companyname", "firstname", "middlename", "lastname", "email", "phone", "altphone",
    "mobilephone", "fax", "comments", "url", "isinactive", "isperson", "subsidiary", "salesrep", "terms",
    "currency", "category", "externalid", "title", "altemail",
}
METADATA_VALUE_LIMIT = 500  # Stripe's metadata value limit
# Stripe's length limits on customer strings, as Stripe's OpenAPI spec gives them (github.com/stripe/openapi,
# spec3.json at API version 2026-07-29.dahlia; the part custsync uses is vendored for the Stripe mock): the
# `maxLength` of `name` (256), `email` (512), `phone` (20), `description` (5000) and of every `address` part
# (5000) in the form body of both POST /v1/customers and POST /v1/customers/{customer}. Checked before
# sending, so an over-long value fails its customer with R9 and nothing is written, not a 400 from Stripe.
STRIPE_LENGTH_LIMITS = {"name": 256, "email": 512, "phone": 20, "description": 5000}
ADDRESS_LENGTH_LIMIT = 5000
# Who the customer is, besides `name` (Stripe's customer object since API version 2025-09-30.clover, in the
# pinned 2026-10-28.endive: "You can now save customers' business and individual names", each at most 150
# characters; Stripe fills `name` from them when a create has none). A name from the company name is the
# business's; one from the first and last names is a person's. Sent beside `name`, which invoices, receipts
# and the portal keep showing; left out when longer than Stripe's 150 (the name still goes, whole).
NAME_KINDS = {"companyname": "business_name", "person": "individual_name"}
NAME_KIND_LIMIT = 150
NO_PARAMS = Compact.of({})


@dataclass(slots=True)
class MappedCustomer:
    """One customer's Stripe parameters as mapped. A mass sync holds one per customer until it is planned,
    so they are kept flat (`compact_params.Compact`) and `params` builds the nested dict when asked."""

    internal_id: str
    email: str | None
    stripe_customer_id: str | None
    portal_url: str | None
    compact: Compact = NO_PARAMS  # Stripe create parameters (no empty values)
    columns: tuple[str, ...] = ()
    blank_metadata: tuple[str, ...] = ()  # metadata keys whose column is blank in NetSuite
    lookup_field: str = "email"  # [sync] lookup_field
    lookup_value: str | None = None  # its value, trimmed, when it is not the email

    @property
    def params(self) -> dict[str, Any]:
        return self.compact.nested()

    def ids_only(self) -> MappedCustomer:
        """The customer's ids and portal link: what a planned row that writes nothing still reads."""
        return replace(self, email=None, compact=NO_PARAMS, lookup_value=None)

    def create_params(self) -> dict[str, Any]:
        """What a create sends: every mapped value NetSuite has (blanks are not sent)."""
        return {k: v for k, v in self.compact.nested().items() if v not in (None, "", {})}

    def blank_fields(self) -> list[str]:
        """Mapped Stripe fields that NetSuite leaves blank (a blank is not a value)."""
        out = []
        present = self.compact.top_level()
        for column in self.columns:
            target = _target(column)
            if target in CLEARABLE and target not in present and target not in out:
                out.append(target)
        if self.blank_metadata:
            out.append("metadata")
        return out

    def update_params(self, current: dict[str, Any] | None = None,
                      clear_blanks: Iterable[str] = ()) -> dict[str, Any]:
        """What an update sends: the mapped fields NetSuite has values for.

        A field that is blank in NetSuite is left out, so Stripe keeps its value (a CSV-imported
        link to a customer without an email must not wipe the Stripe email, its receipts and its
        portal login); only the Stripe fields named in `clear_blanks` ([sync] blank_clears) are
        cleared. A compound value is one value: when NetSuite has an address (any mapped line of it), it
        is sent whole, its blank lines as "" (which unsets them in Stripe), so a customer who moved from
        Cupertino, Suite 5, CA to London is not left with London, Suite 5, CA. Only a wholly empty address
        keeps Stripe's (the parts the saved search does not map are Stripe's either way, R9).
        """
        clear = set(clear_blanks)
        params = self.compact.nested()
        out: dict[str, Any] = {}
        for column in self.columns:
            target = _target(column)
            if target in ("email", "phone", "description", "name"):
                if target in params:
                    out[target] = params[target]
                elif target in clear:
                    out[target] = ""
                if target == "name":
                    out.update({k: params[k] for k in NAME_KINDS.values() if k in params})
        address = params.get("address")
        if address:
            mapped = address_parts(self.columns)
            kept = {} if "address" in clear else {k: v for k, v in ((current or {}).get("address") or {}).items()
                                                   if v and k in ADDRESS_TARGETS and k not in mapped}
            out["address"] = {**kept, **{part: address.get(part, "") for part in mapped}}
        elif "address" in clear and any(_target(c) == "address" for c in self.columns):
            out["address"] = ""
        metadata = dict(params.get("metadata", {}))
        if "metadata" in clear:
            metadata.update({k: "" for k in self.blank_metadata})
        out["metadata"] = metadata
        return out

    def kept_blanks(self, current: dict[str, Any], clear_blanks: Iterable[str] = ()) -> list[str]:
        """The blank mapped fields whose Stripe value an update leaves as it is (for the trace)."""
        clear = set(clear_blanks)
        kept = [f for f in self.blank_fields() if f not in clear and f != "metadata" and current.get(f)]
        if "metadata" not in clear:
            meta = current.get("metadata") or {}
            kept += [f"metadata.{k}" for k in self.blank_metadata if meta.get(k)]
        return kept


CLEARABLE = ("email", "phone", "description", "name", "address")
ADDRESS_TARGETS = {target for _, target in ADDRESS.values()}
# Few values, each shared by many customers: one string each (a run of 100,000 holds them all at once).
REPEATED_ADDRESS_PARTS = ("city", "state", "country")


@lru_cache(maxsize=16)
def address_parts(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The Stripe address parts the search's columns map, in Stripe's order: the whole of the address custsync
    sends (a part NetSuite leaves blank is sent blank)."""
    mapped = {ADDRESS[c][1] for c in columns if c in ADDRESS}
    return tuple(t for t in ADDRESS_PART_ORDER if t in mapped)


ADDRESS_PART_ORDER = ("line1", "line2", "city", "state", "postal_code", "country")


def _target(column: str) -> str:
    if column in DIRECT:
        return DIRECT[column]
    if column in NAME_COLUMNS:
        return "name"
    if column in ADDRESS:
        return "address"
    return "metadata"


def stripe_target(column: str) -> str:
    """The Stripe customer field a search column goes to: email, phone, description, name, address or metadata."""
    return _target(column)


@lru_cache(maxsize=256)
def metadata_key(prefix: str, column: str) -> str:
    """One string per key for every customer of a run (Stripe's metadata keys hold 40 characters)."""
    return f"{prefix}{column}"[:40]


def _plain(value: Any, *, code: bool = False) -> str | None:
    """`code`: a reference gives its id (the country's ISO code), not its display text."""
    if value is None:
        return None
    if isinstance(value, dict):  # a reference: {"id", "refName", "links"}
        value = (value.get("id") or value.get("refName")) if code else (value.get("refName") or value.get("id"))
    if isinstance(value, bool):
        return "T" if value else "F"
    text = str(value)
    return text if text.strip() else None


def _body_value(record: dict[str, Any], column: str) -> tuple[bool, str | None]:
    for key, value in record.items():
        if key.lower() == column:
            return True, _plain(value)
    return False, None


def default_billing_address(record: dict[str, Any]) -> dict[str, Any] | None:
    book = record.get("addressBook")
    items = book.get("items") if isinstance(book, dict) else None
    for item in items or []:
        if item.get("defaultBilling"):
            address = item.get("addressBookAddress")
            return address if isinstance(address, dict) else None
    return None


@lru_cache(maxsize=16)
def mapped_columns(columns: tuple[SearchColumn, ...]) -> tuple[str, ...]:
    """The search's body columns, by lower-case id: one tuple every customer of a run shares."""
    return tuple(c.name.lower() for c in columns if not c.join and not c.summary)


def map_record(
    record: dict[str, Any],
    columns: Iterable[SearchColumn],
    *,
    stripe_id_field: str,
    portal_url_field: str,
    metadata_prefix: str = "netsuite_",
    lookup_field: str = "email",
) -> MappedCustomer:
    """`lookup_field` other than the email: its value (trimmed) also goes to metadata under the field id,
    where R3 matches it."""
    internal_id = str(record["id"])
    names = mapped_columns(tuple(columns))
    params: dict[str, Any] = {}
    metadata: dict[str, str] = {metadata_key(metadata_prefix, "internal_id"): internal_id}
    name_parts: dict[str, str | None] = {}
    address: dict[str, str] = {}
    blank_metadata: list[str] = []
    billing = default_billing_address(record)

    for column in names:
        if column in ADDRESS:
            source, target = ADDRESS[column]
            # Stripe documents address.country as an ISO 3166-1 alpha-2 code and Stripe Tax needs one, but the
            # API stores any text it is given (stripe-node#1680): "United States" would pass unnoticed.
            # NetSuite's country id is that code ("US"); its refName is the name.
            value = _plain((billing or {}).get(source), code=target == "country")
            if value:
                address[target] = sys.intern(value) if target in REPEATED_ADDRESS_PARTS else value
            continue
        present, value = _body_value(record, column)
        if not present and column not in KNOWN_BODY_COLUMNS and not column.startswith("custentity"):
            raise MappingError(
                f"saved-search column {column!r} names no field on customer {internal_id}",
                remedy="Remove or correct that column in the saved search (R9): its headers must be customer "
                "record fields.",
            )
        if column in NAME_COLUMNS:
            name_parts[column] = value
        elif column in DIRECT:
            if value:
                params[DIRECT[column]] = value
        elif column not in (stripe_id_field.lower(), portal_url_field.lower()):
            key = metadata_key(metadata_prefix, column)
            if value:
                metadata[key] = value[:METADATA_VALUE_LIMIT]
            else:
                blank_metadata.append(key)

    email = normalize_email(params.get("email"))
    if email:
        params["email"] = email
    else:
        params.pop("email", None)
    company = name_parts.get("companyname")
    name = company or " ".join(p for p in (name_parts.get("firstname"), name_parts.get("lastname")) if p).strip()
    if name:
        params["name"] = name
        if len(name) <= NAME_KIND_LIMIT:
            params[NAME_KINDS["companyname" if company else "person"]] = name
    if address:
        params["address"] = address
    params["metadata"] = metadata

    lookup_value = None
    if lookup_field != "email":
        _, raw = _body_value(record, lookup_field.lower())
        lookup_value = raw.strip() if raw else None
        if lookup_value and len(lookup_value) > METADATA_VALUE_LIMIT:
            raise MappingError(f"customer {internal_id}: the lookup field {lookup_field} is {len(lookup_value)} "
                               f"characters (Stripe metadata values hold {METADATA_VALUE_LIMIT})",
                               remedy="Shorten the value, or choose another [sync] lookup_field.")
        if lookup_value:
            metadata[lookup_field] = lookup_value
        else:
            blank_metadata.append(lookup_field)

    _check_lengths(internal_id, params, "companyname" if name_parts.get("companyname") else "firstname, lastname")
    _, sid = _body_value(record, stripe_id_field.lower())
    _, url = _body_value(record, portal_url_field.lower())
    # The record email is what R3 matches on, even when the search has no email column.
    _, record_email = _body_value(record, "email")
    return MappedCustomer(
        internal_id=internal_id,
        email=record_email,
        stripe_customer_id=sid,
        portal_url=url,
        compact=Compact.of(params),
        columns=names,
        blank_metadata=tuple(blank_metadata),
        lookup_field=lookup_field,
        lookup_value=lookup_value,
    )


def changed_fields(params: dict[str, Any], customer: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    out = []
    for key, value in params.items():
        current = customer.get(key)
        if isinstance(value, dict):
            current = current or {}
            for k, v in value.items():
                if (current.get(k) or "") != (v or ""):
                    out.append((f"{key}.{k}", current.get(k), v))
        elif (current or "") != (value or ""):
            out.append((key, current, value))
    return out


# The NetSuite field each Stripe value comes from (the name's, from the record: a company or a person).
SOURCE_FIELD = {**{target: column for column, target in DIRECT.items()},
                **{f"address.{target}": column for column, (_, target) in ADDRESS.items()}}


def _check_lengths(internal_id: str, params: dict[str, Any], name_source: str) -> None:
    """MappingError (R9) naming the NetSuite field of every value longer than Stripe accepts."""
    too_long = [(k, len(v), limit) for k, limit in STRIPE_LENGTH_LIMITS.items()
                if isinstance(v := params.get(k), str) and len(v) > limit]
    too_long += [(f"address.{k}", len(v), ADDRESS_LENGTH_LIMIT) for k, v in (params.get("address") or {}).items()
                 if len(v) > ADDRESS_LENGTH_LIMIT]
    if too_long:
        sources = {**SOURCE_FIELD, "name": name_source}
        what = "; ".join(f"{k} (NetSuite {sources[k]}) is {n} characters, Stripe accepts {limit}"
                         for k, n, limit in too_long)
        fields = ", ".join(f"{sources[k]} (at most {limit} characters)" for k, _, limit in too_long)
        raise MappingError(f"customer {internal_id}: {what}; nothing was sent to Stripe",
                           remedy=f"Shorten {fields} on NetSuite customer {internal_id}, or remove the column from "
                                  "the saved search (R9).")


def differs(params: dict[str, Any], customer: dict[str, Any]) -> bool:
    """Would pushing `params` change the Stripe customer?"""
    return bool(changed_fields(params, customer))


def record_from_row(internal_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A row of the RESTlet's `customers` page as the record read would give it, so that `map_record`
    maps both alike: body values by column id, the bill* columns as the default billing address."""
    record: dict[str, Any] = {"id": internal_id}
    address: dict[str, Any] = {}
    for column, value in values.items():
        low = column.lower()
        if low in ADDRESS:
            if value is not None:
                address[ADDRESS[low][0]] = value
        else:
            record[column] = value
    if address:
        record["addressBook"] = {"items": [{"defaultBilling": True, "addressBookAddress": address}]}
    return record
