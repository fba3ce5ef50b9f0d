"""The bundled mocks, started on demand: what custsync runs against when no config names real targets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import SecretStr

from sync_core.config import SECRET_ENV, Config, NetSuiteTarget, StripeTarget

from .launcher import MockProcess, start_mock
from .portal_wiring import new_signing_secret, wire_portal


class BundledMocks:
    """Both mocks as real servers; `configure(config)` points a config at them with their demo credentials."""

    def __init__(self, netsuite_args: tuple[str, ...] = (), stripe_args: tuple[str, ...] = ()) -> None:
        self._args = {"netsuite": netsuite_args, "stripe": stripe_args}
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


def mock_environment(config: Config) -> dict[str, str]:
    """The CUSTSYNC_* variables that point custsync (a CLI run, a child process) at the mocks `config` names,
    with their fake credentials: for loopback mocks only, never for a real account."""
    ns, st = config.netsuite, config.stripe
    env = {"CUSTSYNC_NETSUITE_TARGET": "mock", "CUSTSYNC_NETSUITE_ACCOUNT": ns.account,
           "CUSTSYNC_NETSUITE_REST_URL": ns.rest_url or "", "CUSTSYNC_NETSUITE_RESTLET_URL": ns.restlet_url or "",
           "CUSTSYNC_STRIPE_TARGET": "mock", "CUSTSYNC_STRIPE_BASE_URL": st.base_url or ""}
    for (section, key), var in SECRET_ENV.items():
        value = getattr(getattr(config, section), key)
        env[var] = value.get_secret_value() if value is not None else ""
    if config.sync.duplicate_email_policy.value != "ask":
        env["CUSTSYNC_SYNC_DUPLICATE_EMAIL_POLICY"] = config.sync.duplicate_email_policy.value
    return env


def _stop_quietly(future: Any) -> None:
    try:
        future.result().stop()
    except Exception:  # noqa: BLE001 - already failing; the first error is the one to report
        pass
    return None
