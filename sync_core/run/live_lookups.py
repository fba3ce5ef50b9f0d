"""`planner.Lookups`, live: what single sync (and the operator's decisions) ask Stripe and NetSuite as they
need it, where a mass sync answers from its index (`stripe_index.StripeIndex`)."""

from __future__ import annotations

from typing import Any

from sync_core.run import reads
from sync_core.run.interrupted import made_since
from sync_core.run.services import Services
from sync_core.run.stripe_index import holders
from sync_core.run.view import RunView


class LiveLookups:
    def __init__(self, services: Services) -> None:
        self._services = services

    def seen(self, stripe_id: str) -> None:
        """Single sync reads no events (that would cost a request): who edited a field is not known."""
        return None

    async def same_mailbox(self, value: str) -> list[dict[str, Any]]:
        return await self._services.mailboxes.find(value)

    async def confirm(self, stripe_ids: set[str], value: str) -> list[dict[str, Any]]:
        return await self._services.mailboxes.confirm(stripe_ids, value)

    async def made_since(self, internal_id: str, attempted_at: float) -> list[dict[str, Any]]:
        prefix = self._services.config.sync.metadata_prefix
        return (await made_since(self._services.stripe, prefix, {internal_id: attempted_at})).get(internal_id, [])

    async def linked_from(self, stripe_ids: list[str], internal_id: str | None = None,
                          run: RunView | None = None, *, mailbox_of: str | None = None) -> dict[str, tuple[str, ...]]:
        """For each Stripe id, the NetSuite customers (other than `internal_id`) whose STRIPE CUSTOMER ID
        names it, in one SuiteQL query, with the links a dry run has planned. With `mailbox_of` (a value of the
        lookup field), the same query also returns the Stripe ids that linked NetSuite customers with the same
        match key (mailbox, or lookup-field value) hold."""
        box = self._services.config.sync.match_key().of_value(mailbox_of)
        links, by_key = await reads.netsuite_links(self._services, set(stripe_ids), {box} if box else set())
        return holders(links, by_key, stripe_ids, internal_id, run, box)
