"""The bundled mocks, started on demand: what custsync runs against when no config names real targets."""

from __future__ import annotations

import copy
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import SecretStr

from sync_core.config import Config, NetSuiteTarget, StripeTarget

from .launcher import MockProcess, start_mock
from .portal_wiring import new_signing_secret, wire_portal


DEMO_ACCOUNTS = ("1234567_SB1", "acct_demo")  # what testbed's state documents name (benchmarks load them as is)


def new_account_ids() -> tuple[str, str]:
    """(NetSuite account, Stripe account) ids of their own for a mock set: a journal's run of one set is then
    never resumed against another (their targets differ), and the header tells two sets apart."""
    return f"{secrets.randbelow(9_000_000) + 1_000_000}_SB1", f"acct_{secrets.token_hex(4)}"


def with_accounts(netsuite_state: dict[str, Any] | None, stripe_state: dict[str, Any] | None,
                  netsuite_account: str | None, stripe_account: str | None
                  ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Copies of testbed's state documents (written for 1234567_SB1 and acct_demo) for these mocks' own
    accounts: the NetSuite account, and the Stripe state's first account."""
    if netsuite_state is not None and netsuite_account:
        netsuite_state = {**netsuite_state, "account": netsuite_account}
    if stripe_state is not None and stripe_account and stripe_state.get("accounts"):
        stripe_state = copy.copy(stripe_state)
        first, *rest = stripe_state["accounts"]
        stripe_state["accounts"] = [{**first, "id": stripe_account}, *rest]
    return netsuite_state, stripe_state


class BundledMocks:
    """Both mocks as real servers; `configure(config)` points a config at them with their demo credentials.

    Each set answers as accounts of its own (`accounts`, else new ids): NetSuite's realm and Stripe's account id.
    """

    def __init__(self, netsuite_args: tuple[str, ...] = (), stripe_args: tuple[str, ...] = (), *,
                 accounts: tuple[str, str] | None = None) -> None:
        self.netsuite_account, self.stripe_account = accounts or new_account_ids()
        self._args = {"netsuite": ("--account", self.netsuite_account, *netsuite_args),
                      "stripe": ("--account", self.stripe_account, *stripe_args)}
        self.netsuite: MockProcess | None = None
        self.stripe: MockProcess | None = None
        self.portal_secret = new_signing_secret()  # the portal Suitelet's, for as long as these mocks run

    def start(self) -> "BundledMocks":
        with ThreadPoolExecutor(2) as pool:
            ns = pool.submit(start_mock, "netsuite", args=self._args["netsuite"])
            st = pool.submit(start_mock, "stripe", args=self._args["stripe"])
            try:
                self.netsuite = ns.result()
            finally:
                self.stripe = st.result() if ns.exception() is None else _stop_quietly(st)
        return self

    def stop(self) -> None:
        for mock in (self.netsuite, self.stripe):
            if mock is not None:
                mock.stop()

    def __enter__(self) -> "BundledMocks":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def load(self, netsuite_state: dict[str, Any] | None = None, stripe_state: dict[str, Any] | None = None,
             *, portal_return_url: str = "https://example.com/account") -> None:
        assert self.netsuite and self.stripe
        netsuite_state, stripe_state = with_accounts(netsuite_state, stripe_state, self.netsuite_account,
                                                     self.stripe_account)
        if netsuite_state is not None:
            self.netsuite.control.load(netsuite_state)
            if "portal_suitelet" not in netsuite_state:
                wire_portal(self.netsuite.control, stripe_url=self.stripe.url, stripe_key=self.stripe.info["api_key"],
                            return_url=portal_return_url, signing_secret=self.portal_secret)
        if stripe_state is not None:
            for account in stripe_state.get("accounts", []):
                # A state written without keys keeps the key the mock was launched with.
                account.setdefault("api_keys", [self.stripe.info["api_key"]])
            self.stripe.control.load(stripe_state)

    def configure(self, config: Config) -> Config:
        assert self.netsuite and self.stripe
        return configure_for(config, self.netsuite.info, self.stripe.info)


def configure_for(config: Config, ns: dict[str, Any], st: dict[str, Any]) -> Config:
    """`config` pointed at running mocks described by their launch info (another process's mocks too)."""
    netsuite = config.netsuite.model_copy(update={
        "target": NetSuiteTarget.MOCK, "rest_url": ns["url"], "restlet_url": ns["url"], "account": ns["account"],
        **{k: SecretStr(ns[k]) for k in ("consumer_key", "consumer_secret", "token_id", "token_secret")},
    })
    stripe = config.stripe.model_copy(update={
        "target": StripeTarget.MOCK, "base_url": st["url"], "api_key": SecretStr(st["api_key"]),
    })
    configured = config.model_copy(update={"netsuite": netsuite, "stripe": stripe})
    configured.source = f"bundled mocks (NetSuite {ns['url']}, Stripe {st['url']})"
    return configured


def _stop_quietly(future: Any) -> None:
    try:
        future.result().stop()
    except Exception:  # noqa: BLE001 - already failing; the first error is the one to report
        pass
    return None
