"""Every Stripe customer of one mailbox, whatever the letter case of its email (R3).

Stripe's `email` list filter is exact and case-sensitive, and search, which
matches any letter case, is eventually consistent (never for read-after-write).
So one mailbox is looked up three ways and the answers are merged:

- list by the NetSuite spelling and by its lowercase form: consistent, and
  between them they find the common spellings, including a customer created a
  moment ago;
- search `email:'…'`: any spelling, once Stripe has indexed it (usually under a
  minute). Stripe's docs do not say in words that the exact-match operator
  ignores letter case; its behaviour, as widely reported, and our mock's is
  that it does (unconfirmed by a primary source: if it did not, the lists
  above still hold the common cases and the memory below the run's own);
- the customers this process created or moved, which neither list nor search may
  show yet in another spelling; each is retrieved again to confirm it still lives.
  (The engine adds the Stripe customers that linked NetSuite customers of the
  mailbox hold: NetSuite is consistent, so that covers other processes too.)

With another lookup field ([sync] lookup_field, `match_key.MatchKey`), its value is looked up in the Stripe
customers' metadata under the field id: Stripe's list has no metadata filter, so search
`metadata['F']:'value'` (eventually consistent, 20/s), the customers this process created or moved, and
(the engine again) those that NetSuite customers with the same value hold, each confirmed by a retrieve.
Search's answer is filtered to the exact value (letter case counts), whatever search itself matches.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sync_core.rules.match_key import MatchKey
from sync_core.stripe.gateway import StripeGateway


class MailboxIndex:
    def __init__(self, stripe: StripeGateway, key: MatchKey | None = None) -> None:
        self._stripe = stripe
        self.key = key or MatchKey()
        self._made: dict[str, set[str]] = {}  # match key -> ids of the customers this process created or moved there

    def remember(self, customer: dict[str, Any]) -> None:
        box = self.key.of_customer(customer)
        if box:
            self._made.setdefault(box, set()).add(customer["id"])  # ids only: confirmed by a retrieve when asked

    def spellings(self, value: str) -> list[str]:
        """The spellings the list filter is asked for (none for a metadata field: the list has no such filter)."""
        if not self.key.by_email:
            return []
        return list(dict.fromkeys(s for s in (value.strip(), self.key.of_value(value)) if s is not None))

    async def find(self, email: str) -> list[dict[str, Any]]:
        """Every Stripe customer of this match key (`email`: the lookup field's value, the email by default)."""
        key = self.key
        box = key.of_value(email)
        assert box is not None
        answers = await asyncio.gather(
            *(self._stripe.list_by_email(s) for s in self.spellings(email)),
            self._stripe.search(key.search_query(email)),
        )
        found: dict[str, dict[str, Any]] = {}
        for customers in answers:
            for c in customers:
                found.setdefault(c["id"], c)
        for c in await self.confirm(self._made.get(box, set()) - set(found), email):
            found[c["id"]] = c
        return [c for c in found.values() if key.of_customer(c) == box]

    async def confirm(self, stripe_ids: set[str], email: str) -> list[dict[str, Any]]:
        """Those of `stripe_ids` that are live Stripe customers of this match key now (one retrieve each)."""
        box = self.key.of_value(email)
        out = []
        for sid in sorted(stripe_ids):
            current = await self._stripe.retrieve(sid)
            if current is not None and not current.get("deleted") and self.key.of_customer(current) == box:
                out.append(current)
        return out
