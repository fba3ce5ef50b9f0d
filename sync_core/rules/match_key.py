"""The match key: what R3 matches a NetSuite customer without a stored Stripe id on ([sync] lookup_field,
PayPack's "Customer Sync Field").

- `email` (the default): the mailbox, whatever the letter case of its spelling (`rules.mailbox`), matched
  against the Stripe customers' email;
- any other NetSuite field F: its value, trimmed, matched exactly (letter case counts) against the Stripe
  customers' `metadata[F]`, which a create or an update writes. Case counts because such a field holds an
  identifier (an external id, an account number) that custsync writes to Stripe exactly as NetSuite holds
  it: two values that differ only in case are two values, and folding them could link one customer's
  payments to another.

Everything that groups customers by "their mailbox" (the planner, the Stripe index, turn keys, a dry run's
planned creates, NetSuite's links) asks a `MatchKey` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync_core.rules.decide import mailbox

EMAIL = "email"


def search_literal(value: str) -> str:
    """A value quoted for Stripe's search language (quotes and backslashes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class MatchKey:
    field: str = EMAIL  # "email" or a NetSuite customer field id (lower case), as [sync] lookup_field says

    @property
    def by_email(self) -> bool:
        return self.field == EMAIL

    @property
    def kind(self) -> str:
        """A prefix for keys that must not collide with other kinds (turn keys)."""
        return "mailbox" if self.by_email else f"key.{self.field}"

    def of_value(self, raw: Any) -> str | None:
        """The key of a NetSuite value: the mailbox of an email; a field's value trimmed."""
        if self.by_email:
            return mailbox(raw)
        text = str(raw).strip() if raw is not None else ""
        return text or None

    def of_customer(self, customer: dict[str, Any] | None) -> str | None:
        """The key of a Stripe customer: its email's mailbox, or its `metadata[field]` trimmed."""
        if not customer:
            return None
        if self.by_email:
            return mailbox(customer.get("email"))
        return self.of_value((customer.get("metadata") or {}).get(self.field))

    def search_query(self, value: str) -> str:
        """Stripe search for this value (eventually consistent: never for read-after-write)."""
        if self.by_email:
            return f"email:{search_literal(value.strip())}"
        return f"metadata[{search_literal(self.field)}]:{search_literal(value.strip())}"

    def suiteql_in(self, keys: list[str]) -> str:
        """A SuiteQL condition true for NetSuite customers whose lookup field has one of these keys."""
        listed = ", ".join(sql_literal(k) for k in keys)
        if self.by_email:
            return f"LOWER(email) IN ({listed})"
        return f"TRIM({self.field}) IN ({listed})"
