"""Demo data: a NetSuite account and a Stripe account that show every rule, generated with a fixed seed.

Also used by the benchmarks (larger N) so the mix of cases is realistic:
most customers have an email and no link yet, some are linked already, some
have no email (some of those carry a Stripe id from a CSV import), a few share
an email with several Stripe customers, one link is stale.

The first customer whose email several Stripe customers share (1016 in the demo: R3 asks) has a sister
record right after it: the same company's accounts payable, same mailbox, already linked (R1) to the newer
of those Stripe customers, which a support import made for it (tagged with its internal id). Choosing for
1016, a person sees that one "already linked from NetSuite customer 1017".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from sync_core.config import DEFAULT_PORTAL_URL_FIELD, DEFAULT_STRIPE_ID_FIELD

DEMO_CUSTOMERS = 60  # the demo data the bundled mocks start with

DEMO_SEARCH_COLUMNS = [
    {"name": "email", "label": "Email", "join": None, "summary": None},
    {"name": "companyname", "label": "Company Name", "join": None, "summary": None},
    {"name": "phone", "label": "Phone", "join": None, "summary": None},
    {"name": "billaddress1", "label": "Billing Address 1", "join": None, "summary": None},
    {"name": "billcity", "label": "Billing City", "join": None, "summary": None},
    {"name": "billzipcode", "label": "Billing Zip", "join": None, "summary": None},
    {"name": "billcountry", "label": "Billing Country", "join": None, "summary": None},
]


@dataclass(frozen=True)
class DemoMix:
    """Fractions of the customers in each situation (the rest: email, no link, no Stripe match)."""

    linked: float = 0.15
    no_email: float = 0.04
    no_email_with_id: float = 0.03
    shared_email: float = 0.02
    existing_match: float = 0.08


def saved_searches(columns: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    columns = columns or DEMO_SEARCH_COLUMNS
    return [
        {"id": "customsearch_paypack_customer_sync", "title": "PayPack Customer Sync", "recordType": "customer",
         "columns": columns, "criteria": []},
        {"id": "customsearch_paypack_mass_customer_sync", "title": "PayPack Mass Customer Sync", "recordType": "customer",
         "columns": columns, "criteria": [["isinactive", "is", "F"]]},
    ]


def deployments(portal_status: str = "RELEASED") -> list[dict[str, Any]]:
    return [
        {"scriptId": "customscript_custsync_search", "deploymentId": "customdeploy_custsync_search",
         "title": "custsync saved search RESTlet", "status": "RELEASED"},
        {"scriptId": "customscript_custsync_portal", "deploymentId": "customdeploy_custsync_portal",
         "title": "custsync customer portal link", "status": portal_status},
    ]


def custom_fields() -> list[dict[str, Any]]:
    return [
        {"id": DEFAULT_STRIPE_ID_FIELD, "label": "STRIPE CUSTOMER ID (PAYPACK)", "type": "text"},
        {"id": DEFAULT_PORTAL_URL_FIELD, "label": "STRIPE CUSTOMER PORTAL URL (PAYPACK)", "type": "url"},
    ]


def netsuite_state(customers: list[dict[str, Any]], *, portal_status: str = "RELEASED",
                   columns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"account": "1234567_SB1", "custom_fields": custom_fields(), "customers": customers,
            "saved_searches": saved_searches(columns), "deployments": deployments(portal_status)}


def stripe_state(customers: list[dict[str, Any]], *, portal: str = "active", api_key: str | None = None) -> dict[str, Any]:
    account: dict[str, Any] = {"id": "acct_demo", "test": {"customers": customers, "portal_configuration": portal,
                                                           "payment_methods": []}}
    if api_key:
        account["api_keys"] = [api_key]
    return {"accounts": [account]}


def generate(n: int = 60, *, seed: int = 7, mix: DemoMix = DemoMix(), first_id: int = 1001,
             stripe_api_key: str | None = None, stale_link: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """(netsuite_state, stripe_state) with n NetSuite customers; `stale_link` adds one R2 case."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    ns_customers: list[dict[str, Any]] = []
    stripe_customers: list[dict[str, Any]] = []
    created = 1_700_000_000
    stale_done = not stale_link
    sister: tuple[dict[str, Any], dict[str, Any]] | None = None  # (the R3 ask's record, the duplicate to link)
    sister_done = False

    for i in range(n):
        iid = str(first_id + i)
        company = fake.company()
        domain = company.lower().replace(",", "").replace(" ", "-").replace(".", "")[:20].strip("-") + ".test"
        email = f"billing{i}@{domain}"
        record: dict[str, Any] = {
            "id": iid, "entityId": f"CUST{iid}", "companyName": company, "isPerson": False, "email": email,
            "phone": fake.numerify("+1 555 ### ####"), "isInactive": False, "subsidiary": "1",
            "addressBook": [{"label": "Billing", "defaultBilling": True, "defaultShipping": True, "addressBookAddress": {
                "addr1": fake.street_address(), "city": fake.city(), "state": fake.state_abbr(),
                "zip": fake.postcode(), "country": "US"}}],
        }
        roll = rnd.random()
        edges = [mix.linked, mix.no_email, mix.no_email_with_id, mix.shared_email, mix.existing_match]
        bounds = [sum(edges[: k + 1]) for k in range(len(edges))]
        created += 60
        if sister is not None:
            # The accounts payable record of the company just before: its mailbox, its address, linked to the
            # duplicate a support import made for it (what it draws is drawn all the same: the rest stays put).
            ask, duplicate = sister
            record.update(companyName=duplicate["name"], email=ask["email"],
                          addressBook=[dict(a, addressBookAddress=dict(a["addressBookAddress"]))
                                       for a in ask["addressBook"]])
            record[DEFAULT_STRIPE_ID_FIELD] = duplicate["id"]
            duplicate["metadata"]["netsuite_internal_id"] = iid
            sister, sister_done = None, True
        elif roll < bounds[0]:
            cus = f"cus_demo{iid}"
            if not stale_done:
                record[DEFAULT_STRIPE_ID_FIELD] = "cus_demoDELETED"  # R2: a stale link
                stripe_customers.append({"id": "cus_demoDELETED", "email": email, "created": created, "deleted": True})
                stale_done = True
            else:
                record[DEFAULT_STRIPE_ID_FIELD] = cus
                stripe_customers.append({"id": cus, "email": email, "name": company, "created": created,
                                         "metadata": {"netsuite_internal_id": iid}})
        elif roll < bounds[1]:
            record["email"] = None  # R4
        elif roll < bounds[2]:
            cus = f"cus_demo{iid}"
            record["email"] = None  # R1 with no email: the id came from a CSV import
            record[DEFAULT_STRIPE_ID_FIELD] = cus
            stripe_customers.append({"id": cus, "name": company, "created": created})
        elif roll < bounds[3]:
            # R3 several candidates, told apart as a person would: name, created (days apart, to the minute),
            # and where each came from (metadata)
            for k, (name, later, source) in enumerate(((company, 0, "checkout"),
                                                       (f"{company} (Accounts Payable)", 3 * 86400 + 17 * 60,
                                                        "support import"))):
                stripe_customers.append({"id": f"cus_demo{iid}dup{k}", "email": email, "name": name,
                                         "created": created + later, "metadata": {"created_by": source}})
            if not sister_done:
                sister = (record, stripe_customers[-1])
        elif roll < bounds[4]:
            stripe_customers.append({"id": f"cus_demo{iid}", "email": email, "name": company, "created": created})
        ns_customers.append(record)
    return netsuite_state(ns_customers), stripe_state(stripe_customers, api_key=stripe_api_key)
