"""A realistic account for the mass-sync benchmark: N NetSuite customers in the situations a live account has.

Generated without Faker (100,000 customers in about a second) and loaded through the mocks' control API
in one request each, never by N HTTP creates. "Linked and unchanged" is exact: the Stripe customer holds
what the mapping (sync_core.rules.mapping.map_record) would send, and NetSuite holds its id and the current
portal link (fetched from the RESTlet's portalLinks action, where the signing secret lives).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sync_core.config import DEFAULT_PORTAL_URL_FIELD, DEFAULT_STRIPE_ID_FIELD
from sync_core.rules.mapping import SearchColumn, map_record
from testbed import demo

SEEDED_AT = "2026-01-05T08:00:00Z"  # every seeded record's dateCreated/lastModifiedDate: before any run


@dataclass(frozen=True)
class Mix:
    """Fractions of the customers in each situation; "new" takes the rest."""

    linked_unchanged: float = 0.55
    linked_changed: float = 0.10  # edited in NetSuite since the last sync (phone, email or city)
    email_match: float = 0.05  # no link yet, one Stripe customer with that email (a third in another case)
    no_email: float = 0.03
    shared_email: float = 0.02  # pairs of NetSuite customers with one email, no Stripe customer yet

    def counts(self, n: int) -> dict[str, int]:
        out = {k: round(getattr(self, k) * n) for k in
               ("linked_unchanged", "linked_changed", "email_match", "no_email", "shared_email")}
        out["shared_email"] -= out["shared_email"] % 2
        out["new"] = n - sum(out.values())
        if out["new"] < 0:
            raise ValueError(f"the mix's fractions add up to more than 1 for n={n}")
        return out


WORDS = ("Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne",
         "Soylent", "Hooli", "Vandelay", "Pied", "Gringotts", "Oscorp", "Monarch", "Aperture", "Massive", "Dunder")
KINDS = ("Labs", "Supply", "Foods", "Logistics", "Studio", "Works", "Partners", "Systems", "Textiles", "Dental")
STREETS = ("Main St", "Oak Ave", "Pine Rd", "Market St", "Cedar Ln", "Elm St", "Harbor Way", "Hill Rd")
CITIES = ("Springfield", "Riverton", "Fairview", "Greenville", "Madison", "Georgetown", "Salem", "Franklin")
COLUMNS = [SearchColumn(name=c["name"], label=c["label"]) for c in demo.DEMO_SEARCH_COLUMNS]


def _record(i: int, iid: str, rnd: random.Random) -> dict[str, Any]:
    company = f"{rnd.choice(WORDS)} {rnd.choice(KINDS)} {i}"
    return {
        "id": iid, "entityId": f"CUST{iid}", "companyName": company, "isPerson": False,
        "email": f"billing{i}@{company.split()[0].lower()}{i % 97}.test",
        "phone": f"+1 555 {rnd.randrange(1000):03d} {rnd.randrange(10000):04d}", "isInactive": False,
        "subsidiary": "1", "dateCreated": SEEDED_AT, "lastModifiedDate": SEEDED_AT,
        "addressBook": [{"label": "Billing", "defaultBilling": True, "defaultShipping": True, "addressBookAddress": {
            "addr1": f"{rnd.randrange(1, 9999)} {rnd.choice(STREETS)}", "city": rnd.choice(CITIES),
            "state": "CA", "zip": f"{rnd.randrange(10000, 99999)}", "country": "US"}}],
    }


def mapped_stripe_customer(record: dict[str, Any], stripe_id: str, created: int) -> dict[str, Any]:
    """The Stripe customer exactly as the mapping would write it for this NetSuite record."""
    # As the REST record reads: the sublist under "items", the country a reference ({"id", "refName"}).
    items = [{**item, "addressBookAddress": {**item["addressBookAddress"],
                                             "country": {"id": "US", "refName": "United States"}}}
             for item in record["addressBook"]]
    as_read = {**record, "addressBook": {"items": items}}
    mapped = map_record(as_read, COLUMNS, stripe_id_field=DEFAULT_STRIPE_ID_FIELD,
                        portal_url_field=DEFAULT_PORTAL_URL_FIELD)
    return {"id": stripe_id, "created": created, **mapped.create_params()}


def _change_in_netsuite(record: dict[str, Any], k: int) -> None:
    """An edit made in NetSuite after the last sync: what the next sync must carry to Stripe."""
    if k % 3 == 0:
        record["phone"] = record["phone"][:-4] + f"{(int(record['phone'][-4:]) + 1) % 10000:04d}"
    elif k % 3 == 1:
        record["email"] = "new." + record["email"]
    else:
        record["addressBook"][0]["addressBookAddress"]["city"] += " Heights"


def _other_case(email: str) -> str:
    local, domain = email.split("@")
    return f"{local.capitalize()}@{domain.upper()}"


def generate(n: int, links: Callable[[list[str]], dict[str, str]], *, mix: Mix = Mix(), seed: int = 42,
             first_id: int = 1001) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(netsuite_state, stripe_state, internal ids by situation). `links(ids)` gives the current portal links."""
    rnd = random.Random(seed)
    situations = [s for s, c in mix.counts(n).items() for _ in range(c)]
    rnd.shuffle(situations)
    ids = [str(first_id + i) for i in range(n)]
    linked = [iid for iid, s in zip(ids, situations) if s in ("linked_unchanged", "linked_changed")]
    portal = links(linked) if linked else {}
    ns_customers, stripe_customers = [], []
    by_situation: dict[str, list[str]] = {}
    created = 1_700_000_000
    shared_waiting: str | None = None
    for i, (iid, situation) in enumerate(zip(ids, situations)):
        record = _record(i, iid, rnd)
        created += 7
        by_situation.setdefault(situation, []).append(iid)
        if situation in ("linked_unchanged", "linked_changed"):
            stripe_id = f"cus_b{iid}"
            stripe_customers.append(mapped_stripe_customer(record, stripe_id, created))
            record[DEFAULT_STRIPE_ID_FIELD] = stripe_id
            record[DEFAULT_PORTAL_URL_FIELD] = portal[iid]
            if situation == "linked_changed":
                _change_in_netsuite(record, len(by_situation[situation]))
        elif situation == "email_match":
            stripe_customers.append({"id": f"cus_m{iid}", "created": created, "email": record["email"],
                                     "name": record["companyName"]})
            if len(by_situation[situation]) % 3 == 0:
                record["email"] = _other_case(record["email"])
        elif situation == "no_email":
            record["email"] = None
        elif situation == "shared_email":
            if shared_waiting is None:
                shared_waiting = record["email"]
            else:
                record["email"], shared_waiting = shared_waiting, None
        ns_customers.append(record)
    return demo.netsuite_state(ns_customers), demo.stripe_state(stripe_customers), by_situation
