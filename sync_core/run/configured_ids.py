"""What the configuration names in the NetSuite account, checked before anything is synced: the customer fields
([netsuite] stripe_id_field, portal_url_field, [sync] lookup_field), the saved searches and the portal
deployment.

A configuration that names what the account lacks would sync wrongly and quietly: a lookup field NetSuite does
not have skips every unlinked customer as R4 with a remedy to fill a field that does not exist; a Stripe id
field it does not have reads as blank, so every linked customer would be matched by email again. So the first
read of a run (and of a single sync) checks each id, once per engine, and the doctor reports them all; the
error names the setting to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync_core.config import ConfigError
from sync_core.errors import NetSuiteError
from sync_core.run.services import Services

FIELDS_REMEDY = ("Customization > Lists, Records, & Fields > Entity Fields lists the customer fields; set the "
                 "setting to the field's ID there (custentity_...), or to a standard field id such as email or "
                 "externalid.")


@dataclass(frozen=True)
class Missing:
    """A configured id the account does not have."""

    setting: str  # "[sync] lookup_field"
    value: str
    what: str  # "no customer field"
    remedy: str

    def sentence(self) -> str:
        return f"{self.setting} = {self.value!r}: the NetSuite account has {self.what} of that id"


class AccountLacks(ConfigError):
    """The configuration names what the account does not have: nothing was synced."""

    def __init__(self, missing: list[Missing]) -> None:
        self.missing = missing
        remedies = list(dict.fromkeys(m.remedy for m in missing))
        super().__init__("; ".join(m.sentence() for m in missing) + ". Nothing was synced. Remedy: "
                         + " ".join(remedies))


def configured_fields(services: Services) -> dict[str, str]:
    """The customer fields the configuration names, by setting."""
    ns, sync = services.config.netsuite, services.config.sync
    fields = {"[netsuite] stripe_id_field": ns.stripe_id_field, "[netsuite] portal_url_field": ns.portal_url_field}
    if not services.config.sync.match_key().by_email:
        fields["[sync] lookup_field"] = sync.lookup_field
    return fields


async def missing_fields(services: Services) -> list[Missing]:
    """The configured customer fields the account lacks: one SuiteQL query naming them all (NetSuite refuses a
    query naming a field it does not have), and, only when it is refused, one per field to tell which."""
    fields = configured_fields(services)

    async def refused(names: list[str]) -> bool:
        try:
            await services.netsuite.suiteql_page(f"SELECT id, {', '.join(names)} FROM customer", limit=1)
        except NetSuiteError as exc:
            if exc.status == 400:
                return True
            raise
        return False

    if not await refused(list(dict.fromkeys(fields.values()))):
        return []
    return [Missing(setting, value, "no customer field", FIELDS_REMEDY)
            for setting, value in fields.items() if await refused([value])]


def missing_deployment(services: Services, status: str | None) -> Missing | None:
    """The portal deployment, from its status as read (None: the account has no deployment of that id)."""
    if status is not None:
        return None
    return Missing("[netsuite] portal_deployment", services.config.netsuite.portal_deployment,
                   "no script deployment", "Set it to the script ID of the portal Suitelet's deployment "
                   "(Customization > Scripting > Script Deployments), or deploy deploy/netsuite's portal Suitelet.")


def missing_search(services: Services, search_id: str, exc: NetSuiteError) -> Missing | None:
    """A saved search the RESTlet says does not exist, as the setting that names it."""
    if exc.code != "INVALID_SEARCH":
        return None
    ns = services.config.netsuite
    setting = ("[netsuite] mass_customer_sync_search" if search_id == ns.mass_customer_sync_search
               else "[netsuite] customer_sync_search")
    return Missing(setting, search_id, "no saved search (shared with the token's role)",
                   "Set it to the saved search's ID (Lists > Search > Saved Searches, column ID), and share the "
                   "search with the role of custsync's token.")


async def check_fields_once(services: Services) -> None:
    """AccountLacks when a configured customer field is missing; asked once per engine and configuration."""
    key = tuple(configured_fields(services).values())
    if key in services.checked:
        return
    missing = await missing_fields(services)
    if missing:
        raise AccountLacks(missing)
    services.checked.add(key)
