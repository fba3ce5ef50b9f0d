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
"""

from __future__ import annotations

import asyncio
from typing import Any

from .rules import mailbox
from .stripe_gateway import StripeGateway


def search_literal(value: str) -> str:
    """A value quoted for Stripe's search language (quotes and backslashes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class MailboxIndex:
    def __init__(self, stripe: StripeGateway) -> None:
        self._stripe = stripe
        self._made: dict[str, dict[str, dict[str, Any]]] = {}  # mailbox -> id -> customer this process created

    def remember(self, customer: dict[str, Any]) -> None:
        box = mailbox(customer.get("email"))
        if box:
            self._made.setdefault(box, {})[customer["id"]] = customer

    async def find(self, email: str) -> list[dict[str, Any]]:
        box = mailbox(email)
        assert box is not None
        spellings = list(dict.fromkeys((email.strip(), box)))
        answers = await asyncio.gather(
            *(self._stripe.list_by_email(s) for s in spellings),
            self._stripe.search(f"email:{search_literal(email.strip())}"),
        )
        found: dict[str, dict[str, Any]] = {}
        for customers in answers:
            for c in customers:
                found.setdefault(c["id"], c)
        for c in await self.confirm(set(self._made.get(box, {})) - set(found), email):
            found[c["id"]] = c
        return [c for c in found.values() if mailbox(c.get("email")) == box]

    async def confirm(self, stripe_ids: set[str], email: str) -> list[dict[str, Any]]:
        """Those of `stripe_ids` that are live Stripe customers of this mailbox now (one retrieve each)."""
        box = mailbox(email)
        out = []
        for sid in sorted(stripe_ids):
            current = await self._stripe.retrieve(sid)
            if current is not None and not current.get("deleted") and mailbox(current.get("email")) == box:
                out.append(current)
        return out
