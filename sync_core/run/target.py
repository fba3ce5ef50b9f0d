"""The target of a run: which NetSuite account and which Stripe account and mode it writes to.

A mass sync's journal is only true of the accounts it ran against: resuming it against another
NetSuite account, another Stripe account or the other Stripe mode would skip customers it never
synced there and recover "interrupted creates" that were made elsewhere. So each run records its
target, and a resume or `--changed-since last` only takes runs of the same target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync_core.config import Config
    from sync_core.netsuite.client import NetSuiteClient
    from sync_core.stripe.gateway import StripeGateway


@dataclass(frozen=True)
class RunTarget:
    netsuite_account: str
    stripe_account: str
    stripe_mode: str  # "test" | "live"

    def describe(self) -> str:
        return f"NetSuite {self.netsuite_account}, Stripe {self.stripe_account} ({self.stripe_mode} mode)"


def netsuite_account_id(account: str) -> str:
    """One spelling per NetSuite account: the realm's (1234567_SB1), whether written 1234567-sb1 or 1234567_sb1."""
    return account.strip().replace("-", "_").upper()


async def current_target(config: Config, netsuite_client: NetSuiteClient,
                         stripe_gateway: StripeGateway) -> RunTarget:
    """The target this configuration reaches. NetSuite has no "who am I" call; the account is the OAuth
    realm every request is signed for, so a request reaches no other account. Stripe's account id is asked
    of Stripe (one GET /v1/account per gateway), the mode is the key's."""
    del netsuite_client  # the realm signs its requests: nothing to ask
    return RunTarget(netsuite_account_id(config.netsuite.account), await stripe_gateway.account_id(),
                     stripe_gateway.mode)
