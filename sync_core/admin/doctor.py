"""Doctor: the seed's troubleshooting list as checks, each with pass/fail and a remedy."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from sync_core.run.configured_ids import (FIELDS_REMEDY, configured_fields, missing_deployment, missing_fields,
                                          missing_search)
from sync_core.run.services import Services
from sync_core.errors import NetSuiteError, SyncError
from sync_core.rules.mapping import ADDRESS, DIRECT, KNOWN_BODY_COLUMNS, NAME_COLUMNS
from sync_core.netsuite.portal_links import open_link
from sync_core.rules.decide import LINK_CHECKS, for_deployment, normalize_stripe_id, r8_remedy
from sync_core.rules.catalogue import RULES


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    ok: bool
    detail: str
    remedy: str | None = None
    rule: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "ok": self.ok, "detail": self.detail,
                "remedy": self.remedy, "rule": self.rule}


async def _guard(check_id: str, title: str, body: Callable[[], Awaitable[Check]], rule: str | None = None) -> Check:
    try:
        return await body()
    except SyncError as exc:
        return Check(check_id, title, False, exc.message, exc.remedy, rule)


STORED_ID_SAMPLE = 20  # Stripe retrieves the stored-id check spends at most


async def stored_stripe_ids(services: Services) -> Check:
    """R2: stored Stripe ids that name no customer in the key's mode, sampled at a bounded cost (one
    SuiteQL page, at most STORED_ID_SAMPLE Stripe retrieves). The PayPack error table's most common
    confusion: sandbox (test) ids imported into production, or the reverse."""
    check_id, title = "stored-stripe-ids", "Stored Stripe ids resolve"
    field = services.config.netsuite.stripe_id_field
    mode = "live" if services.stripe.live else "test"
    query = f"SELECT id, {field} FROM customer WHERE {field} IS NOT NULL ORDER BY id"
    rows = (await services.netsuite.suiteql_page(query, limit=STORED_ID_SAMPLE))["items"]
    sampled = [(str(r["id"]), normalize_stripe_id(str(r.get(field) or ""))) for r in rows]
    sampled = [(cid, sid) for cid, sid in sampled if sid]
    if not sampled:
        return Check(check_id, title, True, "no NetSuite customer stores a Stripe id yet", rule="R2")
    found = await asyncio.gather(*(services.stripe.retrieve(sid) for _, sid in sampled))
    # A sync fails every one of these with R2: an id Stripe does not know here, and one of a deleted customer.
    missing = [f"{cid} ({sid})" for (cid, sid), obj in zip(sampled, found) if obj is None]
    deleted = [f"{cid} ({sid})" for (cid, sid), obj in zip(sampled, found) if obj is not None and obj.get("deleted")]
    scope = f"{len(sampled)} sampled" if len(rows) >= STORED_ID_SAMPLE else f"all {len(sampled)}"
    if not missing and not deleted:
        return Check(check_id, title, True, f"{scope} stored Stripe ids name {mode}-mode customers", rule="R2")
    parts = []
    if missing:
        parts.append(f"{len(missing)} name no customer in {mode} mode: {_some(missing)}")
    if deleted:
        parts.append(f"{len(deleted)} name a deleted customer: {_some(deleted)}")
    remedies = []
    if missing:
        remedies.append(f"Ids from the other mode (sandbox ids imported into production, or the reverse) or from "
                        f"another account: check that CUSTSYNC_STRIPE_API_KEY is the {mode} key of the right account.")
    return Check(check_id, title, False,
                 f"{len(missing) + len(deleted)} of {scope} stored Stripe ids are stale (R2): {'; '.join(parts)}",
                 " ".join(remedies + [f"{'If it is: ' if missing else ''}{RULES['R2'].remedy}"]), "R2")


def _some(items: list[str]) -> str:
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
PORTAL_LINK_TITLE = "Portal link opens for a customer"
DOCTOR_LINK_SAMPLES = 3  # linked customers tried, in id order, until one is not a stale link of its own (R2)


async def check_portal_link(services: Services) -> Check:
    """Open a freshly signed link of one linked customer, as the customer would (R6-R8): finds R7 (Stripe
    refuses the session), R8 (NetSuite's error), a Suitelet refusing its own signatures, before customers do.
    Opening a link makes one Stripe portal session (short-lived, unused)."""
    ns = services.config.netsuite
    field = ns.stripe_id_field
    rows = (await services.netsuite.suiteql_page(f"SELECT id FROM customer WHERE {field} IS NOT NULL ORDER BY id",
                                               limit=DOCTOR_LINK_SAMPLES))["items"]
    if not rows:
        return Check("portal-link", PORTAL_LINK_TITLE, True, "no linked customer yet: no link to open", rule="R6")
    samples = [str(r["id"]) for r in rows[:DOCTOR_LINK_SAMPLES]]
    links = await services.netsuite.portal_links(samples)
    for sample in samples:
        result = await open_link(links[sample])
        # A customer's own problem (its Stripe id deleted: R2) says nothing of the system: try the next one.
        if result.outcome is not LINK_CHECKS["stale-customer"].outcome:
            break
    if result.outcome is LINK_CHECKS["ok"].outcome:
        return Check("portal-link", PORTAL_LINK_TITLE, True,
                     f"customer {sample}'s link redirects to a Stripe portal session", rule="R6")
    if result.outcome is LINK_CHECKS["bad-signature"].outcome:
        # A link signed a moment ago refused: the RESTlet and the Suitelet do not share the secret.
        return Check("portal-link", PORTAL_LINK_TITLE, False,
                     f"customer {sample}: the Suitelet refuses a link the RESTlet just signed",
                     "Give the RESTlet and the Suitelet the same API secret (custsecret_custsync_portal_link), "
                     "restricted to both scripts.", "R6")
    result = for_deployment(result, ns.portal_deployment)
    return Check("portal-link", PORTAL_LINK_TITLE, False, f"customer {sample}: {result.message}", result.remedy,
                 result.rule)


async def run_doctor(services: Services) -> list[Check]:
    cfg = services.config
    ns = cfg.netsuite

    async def netsuite_login() -> Check:
        await services.netsuite.suiteql_page("SELECT id FROM customer", limit=1)
        return Check("netsuite-credentials", "NetSuite token credentials", True, f"account {ns.account} accepted the token")

    async def stripe_login() -> Check:
        await services.stripe.check_key()
        mode = "live" if services.stripe.live else "test"
        detail = f"{mode}-mode key accepted by {services.stripe.base_url}"
        if services.stripe.live and not services.stripe.allow_writes_live:
            return Check("stripe-credentials", "Stripe API key", True, detail + "; live writes are locked (--yes-live unlocks)")
        return Check("stripe-credentials", "Stripe API key", True, detail)

    def search_check(check_id: str, title: str, search_id: str) -> Callable[[], Awaitable[Check]]:
        async def body() -> Check:
            try:
                columns = await services.netsuite.search_columns(search_id)
            except NetSuiteError as exc:
                missing = missing_search(services, search_id, exc)
                if missing is None:
                    raise
                return Check(check_id, title, False, missing.sentence(), missing.remedy, "R9")
            mappable = set(DIRECT) | set(NAME_COLUMNS) | set(ADDRESS)
            names = [c.name for c in columns]
            unknown = [n for n in names if n not in mappable | KNOWN_BODY_COLUMNS and not n.startswith("custentity")]
            if not names:
                return Check(check_id, title, False, f"{search_id} has no columns: nothing would go to Stripe",
                             RULES["R9"].remedy, "R9")
            if unknown:
                return Check(check_id, title, False, f"{search_id}: column(s) {', '.join(unknown)} name no customer field",
                             RULES["R9"].remedy, "R9")
            to_stripe = [n for n in names if n in mappable]
            return Check(check_id, title, True, f"{search_id}: {len(names)} columns; to Stripe: {', '.join(to_stripe) or 'none'}"
                         f"; the rest to metadata", rule="R9")
        return body

    async def paypack_fields() -> Check:
        """The customer fields the configuration names (the PayPack fields, the lookup field) exist."""
        fields = configured_fields(services)
        missing = await missing_fields(services)
        if missing:
            paypack = any(m.setting.startswith("[netsuite]") for m in missing)
            return Check("paypack-fields", "PayPack customer fields", False,
                         "; ".join(m.sentence() for m in missing),
                         ("Install the PayPack bundle, or set [netsuite] stripe_id_field / portal_url_field to the "
                          "script ids of STRIPE CUSTOMER ID (PAYPACK) and the portal URL field. " if paypack else "")
                         + FIELDS_REMEDY)
        return Check("paypack-fields", "PayPack customer fields", True,
                     f"{', '.join(fields.values())} exist on the customer record")

    async def deployment() -> Check:
        status = await services.netsuite.deployment_status(ns.portal_deployment)
        if status == "RELEASED":
            return Check("portal-deployment", "Portal-link deployment released", True, f"{ns.portal_deployment} is RELEASED", rule="R8")
        missing = missing_deployment(services, status)
        if missing is not None:
            return Check("portal-deployment", "Portal-link deployment released", False,
                         missing.sentence() + ": portal links cannot work", missing.remedy, "R8")
        return Check("portal-deployment", "Portal-link deployment released", False,
                     f"{ns.portal_deployment} is {status}: portal links answer NetSuite's error",
                     r8_remedy(ns.portal_deployment), "R8")

    async def portal_configuration() -> Check:
        if await services.stripe.default_portal_configuration_active():
            return Check("portal-configuration", "Stripe customer portal activated", True,
                         "a default portal configuration is active", rule="R7")
        return Check("portal-configuration", "Stripe customer portal activated", False,
                     "no active default customer-portal configuration: 'Getting error while generating customer "
                     "portal Session URL'", RULES["R7"].remedy, "R7")

    async def concurrency() -> Check:
        n = ns.concurrency
        probe = [services.netsuite.suiteql_page("SELECT id FROM customer", limit=1) for _ in range(n)]
        retries_before = services.retries
        await asyncio.gather(*probe)
        if services.retries > retries_before:
            return Check("netsuite-concurrency", "NetSuite concurrency setting", False,
                         f"{n} requests at once drew {services.retries - retries_before} concurrency refusal(s)",
                         "Lower [netsuite] concurrency to your account's limit (5 standard, 15 premium, 20 "
                         "enterprise, +10 per SuiteCloud Plus licence), or stop other integrations while syncing.")
        return Check("netsuite-concurrency", "NetSuite concurrency setting", True, f"{n} requests at once were accepted")

    checks = [
        _guard("netsuite-credentials", "NetSuite token credentials", netsuite_login),
        _guard("stripe-credentials", "Stripe API key", stripe_login),
        _guard("customer-sync-search", "Customer Sync Saved Search",
               search_check("customer-sync-search", "Customer Sync Saved Search", ns.customer_sync_search), "R9"),
        _guard("mass-sync-search", "Mass Customer Sync Saved Search",
               search_check("mass-sync-search", "Mass Customer Sync Saved Search", ns.mass_customer_sync_search), "R9"),
        _guard("paypack-fields", "PayPack customer fields", paypack_fields),
        _guard("portal-deployment", "Portal-link deployment released", deployment, "R8"),
        _guard("portal-configuration", "Stripe customer portal activated", portal_configuration, "R7"),
        _guard("stored-stripe-ids", "Stored Stripe ids resolve", lambda: stored_stripe_ids(services), "R2"),
        _guard("portal-link", PORTAL_LINK_TITLE, lambda: check_portal_link(services), "R6"),
    ]
    results = list(await asyncio.gather(*checks))
    # Probing concurrency alone, after the rest, so the other checks cannot cause its refusals.
    results.append(await _guard("netsuite-concurrency", "NetSuite concurrency setting", concurrency))
    return results
