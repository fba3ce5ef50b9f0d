"""Doctor: the seed's troubleshooting list as checks, each with pass/fail and a remedy; first how custsync signs
in to NetSuite (auth_checks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sync_core.admin import auth_checks
from sync_core.admin.checks import Check
from sync_core.admin.checks import guard as _guard
from sync_core.config import ConfigError, NetSuiteAuth
from sync_core.errors import NetSuiteError
from sync_core.netsuite.portal_links import open_link
from sync_core.rules.catalogue import RULES
from sync_core.rules.decide import LINK_CHECKS, for_deployment, normalize_stripe_id, r8_remedy
from sync_core.rules.mapping import ADDRESS, DIRECT, KNOWN_BODY_COLUMNS, NAME_COLUMNS, stripe_target
from sync_core.rules.stripe_edits import FIELDS as GUARDED_FIELDS
from sync_core.rules.stripe_edits import StripeEditsPolicy
from sync_core.run.configured_ids import FIELDS_REMEDY, configured_fields, missing_deployment, missing_fields, missing_search
from sync_core.run.services import Services
from sync_core.run.status_fields import StatusFields

NO_SUCH_CUSTOMER = "9999999999"  # the largest internal id the RESTlet takes: no account has that many records
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
    stored = [(str(r["id"]), normalize_stripe_id(str(r.get(field) or ""))) for r in rows]
    sampled = [(cid, sid) for cid, sid in stored if sid]
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
                 " ".join([*remedies, f"{'If it is: ' if missing else ''}{RULES['R2'].remedy}"]), "R2")


def _some(items: list[str]) -> str:
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


PORTAL_EDITS_TITLE = "Customer edits in the portal"
POLICY_SAYS = {
    StripeEditsPolicy.ASK: "such an edit is not pushed over; the customer waits for a person, who sees both values "
                           "(custsync resolve-edit, e on the customer in the TUI)",
    StripeEditsPolicy.KEEP_STRIPE: "such an edit stays in Stripe and is reported; NetSuite keeps its own value",
    StripeEditsPolicy.NETSUITE_WINS: "such an edit is overwritten with NetSuite's value at the next sync (the plan "
                                     "names each one)",
    StripeEditsPolicy.WRITE_BACK: "such an edit is written to NetSuite",
}


async def portal_customer_edits(services: Services, configuration: dict | None) -> Check:
    """R10: which of the fields custsync maps customers can change themselves in the portal (the default
    configuration's features.customer_update), and what [sync] stripe_edits does with such an edit."""
    sync = services.config.sync
    if configuration is None:
        return Check("portal-customer-edits", PORTAL_EDITS_TITLE, True,
                     "no default portal configuration: customers cannot open the portal (R7)", rule="R10")
    setting = (configuration.get("features") or {}).get("customer_update") or {}
    columns = await services.netsuite.search_columns(services.config.netsuite.mass_customer_sync_search)
    mapped = {stripe_target(c.name.lower()) for c in columns if not c.join and not c.summary} & set(GUARDED_FIELDS)
    allowed = [f for f in setting.get("allowed_updates") or () if f in mapped] if setting.get("enabled") else []
    if not allowed:
        what = "customer_update is disabled" if not setting.get("enabled") else \
            f"customers may update {', '.join(setting.get('allowed_updates') or ()) or 'nothing'}"
        return Check("portal-customer-edits", PORTAL_EDITS_TITLE, True,
                     f"none: the portal's {what}, none of it a field the mass sync saved search maps", rule="R10")
    policy = sync.stripe_edits
    said = POLICY_SAYS[policy]
    if policy is StripeEditsPolicy.WRITE_BACK:
        asked = [f for f in allowed if f not in sync.write_back_fields]
        said += (f" for {', '.join(f for f in allowed if f in sync.write_back_fields) or 'none of them'}"
                 + (f"; {', '.join(asked)} (not in [sync] write_back_fields) wait for a person" if asked else ""))
    detail = f"{', '.join(allowed)} (the portal's customer_update); [sync] stripe_edits = {policy.value}: {said}"
    return Check("portal-customer-edits", PORTAL_EDITS_TITLE, True, detail, rule="R10")


PORTAL_LINK_TITLE = "Portal link opens for a customer"
DOCTOR_LINK_SAMPLES = 3  # linked customers sampled, in id order; one whose own Stripe id is stale (R2) is skipped
STALE_LINKS_REMEDY = ("Run custsync mass-sync: a run over the whole search writes every customer's current link "
                      "(a scheduled --changed-since last run does the same once NetSuite names the new signing "
                      "key), then run the doctor again. Rotating custsecret_custsync_portal_link makes every link "
                      "stored before answer 'not valid' until then.")


async def check_portal_link(services: Services) -> Check:
    """Open the links *stored* on a sample of linked customers, as the customers would (R6-R8): finds stored links
    signed with a secret no longer in force (a rotation), R7 (Stripe refuses the session), R8 (NetSuite's error)
    and a Suitelet refusing the RESTlet's own signatures, before customers do. A sampled customer with no stored
    link yet gets a freshly signed one. Each link opened makes one Stripe portal session (short-lived, unused)."""
    ns = services.config.netsuite
    rows = (await services.netsuite.suiteql_page(
        f"SELECT id, {ns.portal_url_field} FROM customer WHERE {ns.stripe_id_field} IS NOT NULL ORDER BY id",
        limit=DOCTOR_LINK_SAMPLES))["items"]
    if not rows:
        return Check("portal-link", PORTAL_LINK_TITLE, True, "no linked customer yet: no link to open", rule="R6")
    stored = {str(r["id"]): v.strip() for r in rows[:DOCTOR_LINK_SAMPLES]
              if isinstance(v := r.get(ns.portal_url_field.lower()) or r.get(ns.portal_url_field), str) and v.strip()}
    samples = [str(r["id"]) for r in rows[:DOCTOR_LINK_SAMPLES]]
    unstored = [s for s in samples if s not in stored]
    links = {**(await services.netsuite.portal_links(unstored) if unstored else {}), **stored}
    opened = [(sample, await open_link(links[sample])) for sample in samples]
    refused = [s for s, result in opened if s in stored and result.outcome is LINK_CHECKS["bad-signature"].outcome]
    if refused:
        current = (await services.netsuite.portal_links(refused[:1]))[refused[0]]
        if current != stored[refused[0]]:
            return Check("portal-link", PORTAL_LINK_TITLE, False,
                         f"{len(refused)} of {len(stored)} stored links sampled (customer {', '.join(refused)}) were "
                         "signed with a secret no longer in force: the customers opening them read 'This billing "
                         "link is not valid'", STALE_LINKS_REMEDY, "R6")
    # A customer's own problem (its Stripe id deleted: R2) says nothing of the system: the next one tells.
    sample, result = next(((s, r) for s, r in opened if r.outcome is not LINK_CHECKS["stale-customer"].outcome),
                          opened[-1])
    how = "stored link" if sample in stored else "link (freshly signed: none stored yet)"
    if result.outcome is LINK_CHECKS["ok"].outcome:
        return Check("portal-link", PORTAL_LINK_TITLE, True,
                     f"customer {sample}'s {how} redirects to a Stripe portal session", rule="R6")
    if result.outcome is LINK_CHECKS["bad-signature"].outcome:
        # The link NetSuite signs now refused: the RESTlet and the Suitelet do not share the secret.
        return Check("portal-link", PORTAL_LINK_TITLE, False,
                     f"customer {sample}: the Suitelet refuses a link the RESTlet signs now",
                     "Give the RESTlet and the Suitelet the same API secret (custsecret_custsync_portal_link), "
                     "restricted to both scripts.", "R6")
    result = for_deployment(result, ns.portal_deployment)
    return Check("portal-link", PORTAL_LINK_TITLE, False, f"customer {sample}: {result.message}", result.remedy,
                 result.rule)


async def _after(first: asyncio.Future[dict | None], then: Callable[[dict | None], Awaitable[Check]]) -> Check:
    return await then(await first)


async def run_doctor(services: Services) -> list[Check]:
    cfg = services.config
    ns = cfg.netsuite

    async def netsuite_login() -> Check:
        await services.netsuite.suiteql_page("SELECT id FROM customer", limit=1)
        return Check("netsuite-credentials", "NetSuite credentials", True,
                     f"account {ns.account} answered SuiteQL ({ns.auth_method.value})")

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

    async def status_fields() -> Check:
        title = "custsync status fields"
        fields = StatusFields.of(ns)
        if fields is None:
            return Check("status-fields", title, True, "off ([netsuite] status_fields = false): nothing written")
        ids = ", ".join(fields.ids())
        try:
            await services.netsuite.suiteql_page(f"SELECT id, {ids} FROM customer", limit=1)
        except NetSuiteError as exc:
            if exc.status == 400:
                return Check("status-fields", title, False, f"NetSuite does not know {ids}: {exc.message}",
                             "Deploy the custom fields in deploy/netsuite/Objects (suitecloud project:deploy), set "
                             "[netsuite] status_field / status_time_field / status_error_field to your ids, or "
                             "turn [netsuite] status_fields off.")
            raise
        # A write-back to a customer that cannot exist: the RESTlet checks the fields it may write before the
        # record, so this says whether they are allowed without writing anything.
        refused = (await services.netsuite.write_back([(NO_SUCH_CUSTOMER, {f: "" for f in fields.ids()})]))[
            NO_SUCH_CUSTOMER]
        if refused is not None and refused.code == "FIELD_NOT_ALLOWED":
            return Check("status-fields", title, False, f"the RESTlet may not write {ids}: {refused.message}",
                         "Add them to the RESTlet deployment's parameter custscript_custsync_writeback_fields "
                         "(comma-separated, beside the PayPack fields): until then every write-back fails.")
        return Check("status-fields", title, True, f"{ids} exist and the RESTlet may write them")

    async def deployment() -> Check:
        status = await services.netsuite.deployment_status(ns.portal_deployment)
        if status == "RELEASED":
            return Check("portal-deployment", "Portal-link deployment released", True, f"{ns.portal_deployment} is RELEASED",
                         rule="R8")
        missing = missing_deployment(services, status)
        if missing is not None:
            return Check("portal-deployment", "Portal-link deployment released", False,
                         missing.sentence() + ": portal links cannot work", missing.remedy, "R8")
        return Check("portal-deployment", "Portal-link deployment released", False,
                     f"{ns.portal_deployment} is {status}: portal links answer NetSuite's error",
                     r8_remedy(ns.portal_deployment), "R8")

    default_configuration = asyncio.ensure_future(services.stripe.default_portal_configuration())

    async def portal_configuration() -> Check:
        configuration = await default_configuration
        if configuration and configuration.get("active"):
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

    auth = [await auth_checks.sign_in(ns, services.netsuite)]
    if ns.auth_method is NetSuiteAuth.M2M:
        try:
            auth.append(auth_checks.certificate_expiry(ns))
        except ConfigError as exc:
            auth.append(Check(auth_checks.CERTIFICATE, auth_checks.CERTIFICATE_TITLE, False, str(exc)))
    signed_in = auth[0].ok

    def check(check_id: str, title: str, body: Callable[[], Awaitable[Check]], rule: str | None = None, *,
              netsuite: bool = True) -> Awaitable[Check]:
        if netsuite and not signed_in:
            # It would ask for a token and be refused the same way: said once, in the sign-in check.
            async def not_checked() -> Check:
                return Check(check_id, title, False, "not checked: NetSuite refused custsync's sign-in",
                             "Mend the NetSuite sign-in first (its check says how).", rule)
            return not_checked()
        return _guard(check_id, title, body, rule)

    checks = [
        check("netsuite-credentials", "NetSuite credentials", netsuite_login),
        check("stripe-credentials", "Stripe API key", stripe_login, netsuite=False),
        check("customer-sync-search", "Customer Sync Saved Search",
              search_check("customer-sync-search", "Customer Sync Saved Search", ns.customer_sync_search), "R9"),
        check("mass-sync-search", "Mass Customer Sync Saved Search",
              search_check("mass-sync-search", "Mass Customer Sync Saved Search", ns.mass_customer_sync_search), "R9"),
        check("paypack-fields", "PayPack customer fields", paypack_fields),
        check("status-fields", "custsync status fields", status_fields),
        check("portal-deployment", "Portal-link deployment released", deployment, "R8"),
        check("portal-configuration", "Stripe customer portal activated", portal_configuration, "R7", netsuite=False),
        check("portal-customer-edits", PORTAL_EDITS_TITLE,
              lambda: _after(default_configuration, lambda c: portal_customer_edits(services, c)), "R10", netsuite=False),
        check("stored-stripe-ids", "Stored Stripe ids resolve", lambda: stored_stripe_ids(services), "R2"),
        check("portal-link", PORTAL_LINK_TITLE, lambda: check_portal_link(services), "R6"),
    ]
    results = auth + list(await asyncio.gather(*checks))
    # Probing concurrency alone, after the rest, so the other checks cannot cause its refusals.
    results.append(await check("netsuite-concurrency", "NetSuite concurrency setting", concurrency))
    return results
