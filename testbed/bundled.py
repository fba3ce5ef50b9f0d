"""The bundled mocks, started on demand: what custsync runs against when no config names real targets."""

from __future__ import annotations

import copy
import secrets
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from sync_core.config import SECRET_ENV, TBA_SECRETS, Config, NetSuiteTarget, StripeTarget
from sync_core.netsuite.m2m_keys import new_key_pair, write_private

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
        self._key_dir: Path | None = None

    def start(self) -> BundledMocks:
        m2m_args, m2m_files = self._m2m_key_pair()
        with ThreadPoolExecutor(2) as pool:
            ns = pool.submit(start_mock, "netsuite", args=self._args["netsuite"] + m2m_args)
            st = pool.submit(start_mock, "stripe", args=self._args["stripe"])
            try:
                self.netsuite = ns.result()
            finally:
                if ns.exception() is None:
                    self.stripe = st.result()
                else:
                    _stop_quietly(st)
        self.netsuite.info.update(m2m_files)
        return self

    def _m2m_key_pair(self) -> tuple[tuple[str, ...], dict[str, str]]:
        """A key pair made for these mocks (never reused): the NetSuite mock starts with its certificate mapped
        to an integration, as an admin maps one; the private key stays here, readable by its owner only."""
        self._key_dir = Path(tempfile.mkdtemp(prefix="custsync-mock-m2m-"))
        pair = new_key_pair(common_name="custsync bundled mock")
        key, cert = self._key_dir / "custsync-m2m-key.pem", self._key_dir / "custsync-m2m-cert.pem"
        write_private(key, pair.private_pem)
        cert.write_bytes(pair.certificate_pem)
        # Shaped like NetSuite's: a client id of 64 hex digits, a certificate id of 43 base64url characters.
        # Given as --option=value: a base64url id may begin with "-", which argparse would take for an option.
        args = ("--m2m-certificate", str(cert), f"--m2m-client-id={secrets.token_hex(32)}",
                f"--m2m-certificate-id={secrets.token_urlsafe(32)}")
        return args, {"private_key_file": str(key), "certificate_file": str(cert)}

    def stop(self) -> None:
        for mock in (self.netsuite, self.stripe):
            if mock is not None:
                mock.stop()
        if self._key_dir is not None:
            shutil.rmtree(self._key_dir, ignore_errors=True)
            self._key_dir = None

    def __enter__(self) -> BundledMocks:
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
    """`config` pointed at running mocks described by their launch info (another process's mocks too), with
    both sets of NetSuite credentials: OAuth 2.0 M2M unless `config` says [netsuite] auth = "tba"."""
    m2m: dict[str, Any] = {k: ns[k] for k in ("client_id", "certificate_id") if k in ns}
    m2m.update({k: Path(ns[k]) for k in ("private_key_file", "certificate_file") if k in ns})
    netsuite = config.netsuite.model_copy(update={
        "target": NetSuiteTarget.MOCK, "rest_url": ns["url"], "restlet_url": ns["url"], "account": ns["account"],
        **{k: SecretStr(ns[k]) for k in TBA_SECRETS}, **m2m,
    })
    stripe = config.stripe.model_copy(update={
        "target": StripeTarget.MOCK, "base_url": st["url"], "api_key": SecretStr(st["api_key"]),
    })
    configured = config.model_copy(update={"netsuite": netsuite, "stripe": stripe})
    configured.source = f"bundled mocks (NetSuite {ns['url']}, Stripe {st['url']})"
    return configured


def mock_environment_groups(config: Config) -> dict[str, dict[str, str]]:
    """The CUSTSYNC_* variables that point custsync (a CLI run, a child process) at the mocks `config` names,
    with their fake credentials, by group: the targets ("common", with the NetSuite auth in use), NetSuite's
    OAuth 2.0 M2M settings ("m2m"), its TBA secrets ("tba") and Stripe's ("stripe"). For loopback mocks only,
    never for a real account."""
    ns, st = config.netsuite, config.stripe

    def secret(section: str, key: str) -> str:
        value = getattr(getattr(config, section), key)
        return value.get_secret_value() if value is not None else ""

    common = {"CUSTSYNC_NETSUITE_TARGET": "mock", "CUSTSYNC_NETSUITE_ACCOUNT": ns.account,
              "CUSTSYNC_NETSUITE_REST_URL": ns.rest_url or "", "CUSTSYNC_NETSUITE_RESTLET_URL": ns.restlet_url or "",
              "CUSTSYNC_NETSUITE_AUTH": ns.auth_method.value}
    m2m = {f"CUSTSYNC_NETSUITE_{key.upper()}": str(getattr(ns, key) or "")
           for key in ("client_id", "certificate_id", "private_key_file", "certificate_file")}
    tba = {SECRET_ENV[("netsuite", key)]: secret("netsuite", key) for key in TBA_SECRETS}
    stripe = {"CUSTSYNC_STRIPE_TARGET": "mock", "CUSTSYNC_STRIPE_BASE_URL": st.base_url or "",
              SECRET_ENV[("stripe", "api_key")]: secret("stripe", "api_key")}
    if config.sync.duplicate_email_policy.value != "ask":
        stripe["CUSTSYNC_SYNC_DUPLICATE_EMAIL_POLICY"] = config.sync.duplicate_email_policy.value
    return {"common": common, "m2m": m2m, "tba": tba, "stripe": stripe}


def mock_environment(config: Config) -> dict[str, str]:
    """Every variable of `mock_environment_groups`, in one mapping (for a child process's environment)."""
    return {k: v for group in mock_environment_groups(config).values() for k, v in group.items()}


def _stop_quietly(future: Any) -> None:
    try:
        future.result().stop()
    except Exception:
        pass
    return None
