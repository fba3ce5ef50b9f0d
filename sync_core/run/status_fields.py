"""custsync's own status fields on the NetSuite customer record (optional, `[netsuite] status_fields`): where the
team that lives in NetSuite sees whether a customer is synced, when, and why not.

Three fields (deploy/netsuite/Objects declares them; the ids are configuration): the status (`synced`, `needs
a person`, `failed`), the time of the last sync that changed anything for the customer or its status (ISO 8601,
UTC), and the last error's short text with its rule (empty once synced). A mass sync reads them with the
customers' rows and writes them in the same batched write-back as the PayPack fields (R5), only when the status
or the error changed, or the sync wrote something: an unchanged customer costs no write, and nothing modifies its
record. When the account lacks the fields the run turns them off and says so; the doctor checks them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync_core.outcome import Outcome, Status

if TYPE_CHECKING:
    from sync_core.config import NetSuiteConfig

SYNCED, NEEDS_PERSON, FAILED = "synced", "needs a person", "failed"
TEXT_LIMIT = 300  # a Free-Form Text field holds 300 characters (mock_netsuite/fields.py; unconfirmed by Oracle)
OF_STATUS = {Status.OK: SYNCED, Status.SKIPPED: NEEDS_PERSON, Status.NEEDS_DECISION: NEEDS_PERSON,
             Status.FAILED: FAILED}


@dataclass
class StatusFields:
    status: str
    time: str
    error: str
    off: str | None = None  # why the run writes none (the account lacks a field)

    @classmethod
    def of(cls, ns: NetSuiteConfig) -> StatusFields | None:
        """The configured fields, or None when `[netsuite] status_fields` is off."""
        if not ns.status_fields:
            return None
        return cls(ns.status_field, ns.status_time_field, ns.status_error_field)

    @property
    def on(self) -> bool:
        return self.off is None

    def ids(self) -> list[str]:
        return [self.status, self.time, self.error] if self.on else []

    def names_one(self, message: str) -> bool:
        """NetSuite's refusal names one of these fields (the account lacks it)."""
        return any(f in message.lower() for f in (self.status, self.time, self.error))

    def now(self, record: dict[str, Any]) -> tuple[str, str]:
        """The status and error the record holds (read with the customer's row)."""
        return (str(record.get(self.status) or ""), str(record.get(self.error) or ""))

    def patch(self, held: tuple[str, str] | None, outcome: Outcome, *, wrote: bool) -> dict[str, str]:
        """The fields to write for this outcome: none when neither the status nor the error changed and the sync
        wrote nothing."""
        if outcome.status not in OF_STATUS:
            return {}
        return self.patch_to(held, wanted_for(outcome), wrote=wrote)

    def patch_to(self, held: tuple[str, str] | None, wanted: tuple[str, str], *, wrote: bool) -> dict[str, str]:
        if not self.on or (wanted == (held or ("", "")) and not wrote):
            return {}
        return {self.status: wanted[0], self.time: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                self.error: wanted[1]}


def wanted_for(outcome: Outcome) -> tuple[str, str]:
    """(status, error text with its rule) for a customer's outcome; the error is empty once synced."""
    status = OF_STATUS[outcome.status]
    if status == SYNCED:
        return status, ""
    text = " ".join(p for p in (outcome.rule, outcome.cause) if p)
    return status, text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"
