"""The rule catalogue R1-R10: ids, names, explanations and remedies (their one home).

Pure, synchronous decision code over plain data. The engine gathers the facts
(the NetSuite record, what Stripe holds) and asks these functions what to do;
the TUI, the CLI, the scenarios and the trainers all show the same rule ids and
texts. Wording may improve; the meaning of an id must not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    USE_LINKED = "use-linked"  # linked, nothing to push
    UPDATE = "update"  # linked, push the mapped fields
    LINK_EXISTING = "link-existing"  # write an existing Stripe id back to NetSuite
    CREATE = "create"  # create a Stripe customer and link it
    SKIP = "skip"  # nothing can be done without the operator
    ERROR = "error"  # the link is broken; the remedy says how to mend it
    ASK = "ask"  # several candidates: the operator chooses


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    explanation: str
    remedy: str | None = None


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "R1",
            "Linked customer: the stored Stripe id wins",
            "When STRIPE CUSTOMER ID (PAYPACK) is populated, the NetSuite customer uses that "
            "Stripe customer and is never looked up by email. A sync pushes the mapped fields "
            "(email included) to it, so changing the email in NetSuite never relinks: run Sync "
            "to Stripe again to update the Stripe customer's email.",
        ),
        Rule(
            "R2",
            "Stale link: the stored id names no Stripe customer",
            "The stored Stripe customer id names no customer in this Stripe account (deleted, "
            "another account, or test vs live mode). custsync never relinks silently: a wrong "
            "guess would send this customer's payments to someone else.",
            remedy="Clear STRIPE CUSTOMER ID (PAYPACK) on the NetSuite customer to rematch by "
            "email, or enter the right Stripe customer id.",
        ),
        Rule(
            "R3",
            "Match by email when no id is stored",
            "When STRIPE CUSTOMER ID (PAYPACK) is blank and the customer has an email, Stripe "
            "customers with that mailbox are looked up, in any letter case (Billing@X.test and "
            "billing@x.test are one mailbox). One found: it is linked and its id written back. None: a "
            "Stripe customer is created (tagged metadata.netsuite_internal_id) and linked. Several "
            "(several spellings count as several): custsync does not guess; it lists the candidates (a "
            "configured policy may pick the oldest or newest). A Stripe customer already linked to "
            "another NetSuite customer is shared, and the plan says so; only the customer it was made "
            "for pushes fields to it.",
            remedy="Choose the right Stripe customer and enter its id in STRIPE CUSTOMER ID "
            "(PAYPACK) (custsync candidates ID, then custsync link ID STRIPE_ID; or l on the customer in "
            "the TUI), or set the duplicate-email policy to oldest/newest.",
        ),
        Rule(
            "R4",
            "No key: no Stripe id and no email",
            "With neither a Stripe customer id nor an email there is nothing to match on, so the "
            "customer is skipped rather than linked to a new, empty Stripe customer.",
            remedy="Populate STRIPE CUSTOMER ID (PAYPACK), e.g. from a Stripe customer export "
            "(Dashboard -> Customers -> Export) imported with NetSuite's CSV import "
            "(custsync import-stripe-ids FILE), or add an email address.",
        ),
        Rule(
            "R5",
            "One way: NetSuite to Stripe",
            "Nothing changed in Stripe flows back to NetSuite except the two PayPack fields: the "
            "Stripe customer id and the portal link, and, only where the admin chose [sync] stripe_edits = "
            "write_back, a customer's own correction of a field listed in [sync] write_back_fields (R10). A "
            "field that is blank in NetSuite leaves the Stripe value as it is (unless [sync] blank_clears "
            "names that field).",
        ),
        Rule(
            "R6",
            "Portal link: a durable, signed link to the portal Suitelet",
            "The portal-URL field holds a link to the external portal Suitelet (as PayPack's: "
            "'The NetSuite Suitelet link redirect to the Stripe Customer Portal session'). It names "
            "the customer and carries a signature made with a secret that stays in NetSuite; when "
            "the customer opens it, the Suitelet creates a billing-portal session and redirects to "
            "it. Session URLs are short-lived and never stored. A sync writes the link when the "
            "customer is linked and the field is empty or not the current link, without asking "
            "Stripe anything. Anyone holding the link reaches the billing details, so it is masked "
            "in logs and screens.",
            remedy="Write the current link: custsync portal-link ID (or --all), or sync the customer.",
        ),
        Rule(
            "R7",
            "Portal not activated in Stripe",
            "When the link is opened, Stripe refuses the session because no default customer-portal "
            "configuration is saved (only saving the portal settings in the Dashboard makes one; "
            "a configuration created through the API is never the default), and the customer "
            "reads 'Getting error while generating customer portal Session URL'. The link itself "
            "stays good: it works as soon as the portal is activated, without a re-sync.",
            remedy="In the Stripe Dashboard go to Settings -> Customer Portal and click Activate "
            "link (save the default configuration). custsync never changes this through the API.",
        ),
        Rule(
            "R8",
            "Portal deployment not released",
            "The portal Suitelet's deployment ([netsuite] portal_deployment, custsync's "
            "customdeploy_custsync_portal by default) is not released, so every portal link answers "
            "NetSuite's error instead of redirecting to the Stripe portal. Links written meanwhile work "
            "once it is released.",
            remedy="In NetSuite open Customization -> Scripting -> Script Deployments, edit "
            "the portal Suitelet's deployment (customdeploy_custsync_portal by default) and set Status "
            "to Released (and Available Without Login), or deploy deploy/netsuite again "
            "(suitecloud project:deploy), which releases it.",
        ),
        Rule(
            "R9",
            "Saved-search headers decide the mapping",
            "Which NetSuite columns go to Stripe is decided by the column headers of the "
            "configured saved search (single sync: the Customer Sync Saved Search; mass sync: the "
            "Mass Customer Sync Saved Search, whose criteria also choose the customers). Values "
            "always come from the customer record, never from the search. A blank field is not a "
            "value and leaves Stripe's, but an address is one value: when NetSuite has one it is sent "
            "whole, its blank lines included; only a wholly empty address keeps Stripe's. A value "
            "longer than Stripe accepts fails that customer before anything is sent.",
            remedy="Edit the saved search's columns, or the saved search ids in the configuration.",
        ),
        Rule(
            "R10",
            "Edited in Stripe: never overwritten in silence",
            "A mapped field (email, name, phone, description, address) that changed in Stripe outside "
            "custsync since custsync last wrote it (a customer in the portal, someone in the Dashboard, "
            "another integration) is not pushed over without the admin's say. custsync keeps, per linked "
            "customer, the values it last sent or confirmed, and compares three values per field: NetSuite "
            "now, Stripe now, last synced. Only NetSuite changed: pushed. Only Stripe changed: an edit in "
            "Stripe. Both changed to different values: a conflict. [sync] stripe_edits decides: ask (the "
            "default: the field is not pushed and waits for a person, who sees both values), keep_stripe "
            "(Stripe keeps the edit; reported), netsuite_wins (pushed over it, as custsync did before R10; "
            "the plan says so), write_back (the edit is written to NetSuite for the fields in [sync] "
            "write_back_fields; conflicts still ask). Stripe's customer.updated events, when a run reads "
            "them, say who made the change. A customer never synced by custsync has no baseline: its "
            "fields are pushed, and the record starts then.",
            remedy="Choose per field: custsync resolve-edit ID FIELD netsuite (push NetSuite's value) or "
            "stripe (keep Stripe's; to carry it into NetSuite, edit NetSuite or use write_back); or e on "
            "the customer in the TUI. Or set [sync] stripe_edits to keep_stripe, netsuite_wins or "
            "write_back.",
        ),
    )
}

PORTAL_ERROR_TEXT = "Getting error while generating customer portal Session URL"
PORTAL_DEPLOYMENT = "customdeploy_custsync_portal"  # custsync's own (deploy/netsuite), as R8 names it ([netsuite] default)


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
