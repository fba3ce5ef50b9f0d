"""One typed configuration: a TOML file plus environment variables.

Secrets (NetSuite TBA credentials, the Stripe API key) come only from the
environment or from a secrets file the user names; they are `SecretStr`, so
every repr, log line and error shows them masked. NetSuite's OAuth 2.0 (M2M)
secret is a private key file: the config names the file, never holds the key.

Precedence: defaults < TOML file < CUSTSYNC_* environment variables.
Non-secret keys are overridden as CUSTSYNC_<SECTION>_<KEY> (for example
CUSTSYNC_NETSUITE_CONCURRENCY=15, CUSTSYNC_SYNC_DUPLICATE_EMAIL_POLICY=oldest).
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from sync_core.rules.catalogue import PORTAL_DEPLOYMENT
from sync_core.rules.decide import DuplicateEmailPolicy
from sync_core.rules.match_key import EMAIL, MatchKey
from sync_core.rules.stripe_edits import WRITE_BACK_TARGETS, StripeEditsPolicy
from sync_core.text_files import TextEncodingError, decode_utf8

SECRET_ENV = {
    ("netsuite", "consumer_key"): "CUSTSYNC_NETSUITE_CONSUMER_KEY",
    ("netsuite", "consumer_secret"): "CUSTSYNC_NETSUITE_CONSUMER_SECRET",
    ("netsuite", "token_id"): "CUSTSYNC_NETSUITE_TOKEN_ID",
    ("netsuite", "token_secret"): "CUSTSYNC_NETSUITE_TOKEN_SECRET",
    ("stripe", "api_key"): "CUSTSYNC_STRIPE_API_KEY",
}
SECRETS_FILE_ENV = "CUSTSYNC_SECRETS_FILE"
CONFIG_ENV = "CUSTSYNC_CONFIG"

# STRIPE CUSTOMER ID (PAYPACK)'s script id is not published (reference/netsuite.md):
# these defaults are our choice; real accounts set theirs in the config.
DEFAULT_STRIPE_ID_FIELD = "custentity_paypack_stripe_customer_id"
DEFAULT_PORTAL_URL_FIELD = "custentity_paypack_portal_url"
STRIPE_MOCK_URL = "http://localhost:12111"
# Body fields that may be the lookup field besides the email: identifiers NetSuite holds one per customer.
# Not phone (written in many forms, an exact match misses) nor names (not unique, and they change).
LOOKUP_BODY_FIELDS = ("externalid", "entityid")
STRIPE_METADATA_KEY_LIMIT = 40  # a non-email lookup field is written to Stripe metadata under its id


class BlankClearable(StrEnum):
    """Stripe fields a blank NetSuite value may be configured to clear."""

    EMAIL = "email"
    NAME = "name"
    PHONE = "phone"
    DESCRIPTION = "description"
    ADDRESS = "address"
    METADATA = "metadata"


class ConfigError(Exception):
    """A configuration problem, phrased for the person who has to fix it."""


class NetSuiteTarget(StrEnum):
    MOCK = "mock"
    REAL = "real"


class NetSuiteAuth(StrEnum):
    """How custsync signs in to NetSuite: OAuth 2.0 client credentials (machine to machine), the way for new
    integrations (NetSuite accepts no new TBA integration from 2027.1), or token-based authentication."""

    M2M = "m2m"
    TBA = "tba"


TBA_SECRETS = ("consumer_key", "consumer_secret", "token_id", "token_secret")
M2M_SETTINGS = ("client_id", "certificate_id", "private_key_file")
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"  # OAuth 2.0's token endpoint, on the REST host
M2M_SCOPES = ("restlets", "rest_webservices")  # what custsync calls: the RESTlet, and REST records and SuiteQL
OAUTH_SCOPES = (*M2M_SCOPES, "suite_analytics")
# Account ids as NetSuite writes them (Setup > Company > Company Information): 1234567, 1234567_SB1 (a sandbox),
# 1234567_RP (release preview), TSTDRV1234567. Host names write the same id in lowercase with a hyphen.
ACCOUNT_ID = re.compile(r"^[0-9A-Z]+(_[0-9A-Z]+)?$")
NETSUITE_HOST = re.compile(r"^([0-9a-z]+(?:-[0-9a-z]+)?)\.(suitetalk|restlets)\.api\.netsuite\.com$")


def account_problem(value: str) -> str | None:
    """Why `value` is not an account id as NetSuite writes it, with the form to write instead; None if it is."""
    if ACCOUNT_ID.match(value):
        return None
    guess = value.strip().upper().replace("-", "_")
    hint = f" (did you mean {guess}?)" if ACCOUNT_ID.match(guess) else ""
    if "-" in value or value != value.upper():
        written = "as in a host name" if "-" in value else "in lowercase"
        return (f"{value!r} is written {written}; the account id is uppercase with an underscore, as "
                f"Setup > Company > Company Information shows it: 1234567 or, for a sandbox, 1234567_SB1{hint}")
    return f"{value!r} is not a NetSuite account id (1234567, or 1234567_SB1 for a sandbox){hint}"


class StripeTarget(StrEnum):
    MOCK = "mock"
    STRIPE_MOCK = "stripe-mock"
    REAL = "real"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class NetSuiteConfig(_Section):
    target: NetSuiteTarget = NetSuiteTarget.MOCK
    account: str = Field("1234567_SB1", min_length=1, description="account id, the OAuth realm (1234567_SB1)")
    rest_url: str | None = Field(None, description="base URL of the REST services; derived from the account for real")
    restlet_url: str | None = Field(None, description="base URL of RESTlets; derived from the account for real")
    concurrency: int = Field(5, ge=1, le=100, description="the account's concurrency limit (5/15/20 + 10 per SC+)")
    timeout_seconds: float = Field(30.0, gt=0)
    stripe_id_field: str = Field(DEFAULT_STRIPE_ID_FIELD, pattern=r"^custentity\w+$")
    portal_url_field: str = Field(DEFAULT_PORTAL_URL_FIELD, pattern=r"^custentity\w+$")
    customer_sync_search: str = Field("customsearch_paypack_customer_sync", pattern=r"^customsearch\w+$")
    mass_customer_sync_search: str = Field("customsearch_paypack_mass_customer_sync", pattern=r"^customsearch\w+$")
    restlet_script: str = Field("customscript_custsync_search", pattern=r"^customscript\w+$")
    restlet_deploy: str = Field("customdeploy_custsync_search", pattern=r"^customdeploy\w+$")
    portal_deployment: str = Field(PORTAL_DEPLOYMENT, pattern=r"^customdeploy\w+$")
    write_back_batch: int = Field(200, ge=1, le=1000, description="customers whose PayPack fields a mass sync writes "
                                  "back in one RESTlet call")
    auth: NetSuiteAuth | None = Field(None, description="m2m (OAuth 2.0 client credentials) or tba; empty: tba when "
                                      "only TBA credentials are given (a configuration from before M2M), else m2m")
    client_id: str | None = Field(None, pattern=r"^\S+$", description="M2M: the integration record's client id")
    certificate_id: str | None = Field(None, pattern=r"^\S+$", description="M2M: the Certificate ID NetSuite shows "
                                       "for the mapping (the JWT's kid)")
    private_key_file: Path | None = Field(None, description="M2M: the PEM private key whose certificate was uploaded")
    certificate_file: Path | None = Field(None, description="M2M, optional: the certificate uploaded (its expiry is "
                                          "checked; it must be the private key's)")
    scopes: list[str] = Field(default_factory=lambda: list(M2M_SCOPES), description="M2M: the scopes asked for")
    status_fields: bool = Field(False, description="write custsync's own status fields on each customer a mass sync "
                                "takes (status, last sync, last error), in the same batches as the PayPack fields")
    status_field: str = Field("custentity_custsync_sync_status", pattern=r"^custentity\w+$")
    status_time_field: str = Field("custentity_custsync_last_sync", pattern=r"^custentity\w+$")
    status_error_field: str = Field("custentity_custsync_last_error", pattern=r"^custentity\w+$")
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    token_id: SecretStr | None = None
    token_secret: SecretStr | None = None

    @field_validator("account")
    @classmethod
    def _account_form(cls, value: str) -> str:
        problem = account_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("client_id", "certificate_id", mode="before")
    @classmethod
    def _no_spaces(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and re.search(r"\s", value.strip()):
            raise ValueError(f"{value!r} has spaces: copy the {info.field_name.replace('_', ' ')} again from NetSuite "
                             "(it is one word)")
        return value.strip() if isinstance(value, str) else value

    @field_validator("scopes", mode="before")
    @classmethod
    def _scope_list(cls, value: Any) -> Any:
        # CUSTSYNC_NETSUITE_SCOPES=restlets,rest_webservices
        names = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        if isinstance(names, list):
            unknown = [n for n in names if n not in OAUTH_SCOPES]
            if unknown:
                raise ValueError(f"unknown scope(s) {', '.join(map(str, unknown))}; NetSuite's are {', '.join(OAUTH_SCOPES)}")
            missing = [n for n in M2M_SCOPES if n not in names]
            if missing:
                raise ValueError(f"custsync needs the scope(s) {', '.join(missing)} (it calls the RESTlet, REST records "
                                 "and SuiteQL); the integration record must have them checked too")
        return names

    @property
    def auth_method(self) -> NetSuiteAuth:
        """`auth` when set. Without it: TBA when TBA credentials are given and no M2M setting is (a configuration
        written before custsync spoke M2M keeps working as it did), else M2M, the default for new ones."""
        if self.auth is not None:
            return self.auth
        tba = any(getattr(self, key) is not None for key in TBA_SECRETS)
        m2m = any(getattr(self, key) is not None for key in M2M_SETTINGS)
        return NetSuiteAuth.TBA if tba and not m2m else NetSuiteAuth.M2M

    @property
    def token_url(self) -> str | None:
        """The OAuth 2.0 token endpoint, on the REST host (Oracle: POST .../services/rest/auth/oauth2/v1/token)."""
        rest = self.resolved_rest_url()
        return f"{rest}{TOKEN_PATH}" if rest else None

    @property
    def host_prefix(self) -> str:
        """Sandbox ids are 1234567_SB1 in the realm and 1234567-sb1 in host names."""
        return self.account.lower().replace("_", "-")

    def resolved_rest_url(self) -> str | None:
        if self.rest_url:
            return self.rest_url.rstrip("/")
        if self.target is NetSuiteTarget.REAL:
            return f"https://{self.host_prefix}.suitetalk.api.netsuite.com"
        return None  # the bundled mock, started on demand

    def resolved_restlet_url(self) -> str | None:
        if self.restlet_url:
            return self.restlet_url.rstrip("/")
        if self.target is NetSuiteTarget.REAL:
            return f"https://{self.host_prefix}.restlets.api.netsuite.com"
        return self.resolved_rest_url()

    @model_validator(mode="after")
    def _urls_name_this_account(self) -> NetSuiteConfig:
        """A NetSuite host of another account than [netsuite] account (1234567 for 1234567-sb1, a sandbox):
        tokens would be asked of, and data read from, the wrong account."""
        for key in ("rest_url", "restlet_url"):
            url = getattr(self, key)
            host = (urlsplit(url).hostname or "") if url else ""
            found = NETSUITE_HOST.match(host)
            if found and found.group(1) != self.host_prefix:
                raise ValueError(f"{key} {url!r} is account {found.group(1).upper().replace('-', '_')}'s host, but "
                                 f"account is {self.account!r}: leave {key} out (custsync derives "
                                 f"{self.host_prefix}.{found.group(2)}.api.netsuite.com from the account) or correct "
                                 "the account; a sandbox is 1234567_SB1, its hosts 1234567-sb1")
        return self


class StripeConfig(_Section):
    target: StripeTarget = StripeTarget.MOCK
    base_url: str | None = Field(None, description="API base address; derived from the target when empty")
    api_key: SecretStr | None = None
    # https://docs.stripe.com/rate-limits (sync_core/stripe/limits.py): empty, the key's mode says.
    requests_per_second: float | None = Field(
        None, gt=0, description="the account's limit: Stripe allows 25/s in test mode, 100/s live (the default "
        "for the key's mode); set what Stripe raised it to")
    operation_requests_per_second: float = Field(
        25.0, gt=0, description="each named operation's limit (creates, updates, retrieves... each their own): "
        "Stripe allows 25/s, live mode included")
    # Stripe's search allows 20 reads/s in either mode, counted in one-second windows on Stripe's side:
    # requests spaced for exactly 20/s arrive with jitter and sometimes make 21, so keep a margin.
    search_requests_per_second: float = Field(
        18.0, gt=0, description="search reads per second; Stripe allows 20, besides the account's limit")
    allow_live: bool = Field(False, description="a live key (sk_live_/rk_live_) writes only when this is true")
    portal_return_url: str = Field("https://example.com/account", pattern=r"^https?://")
    timeout_seconds: float = Field(30.0, gt=0)

    @field_validator("api_key")
    @classmethod
    def _key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("sk_", "rk_")):
            raise ValueError("a Stripe secret key starts with sk_ or rk_ (publishable pk_ keys cannot write)")
        return value

    @property
    def is_live(self) -> bool:
        return self.api_key is not None and "_live_" in self.api_key.get_secret_value()[:8]

    def resolved_base_url(self) -> str | None:
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.target is StripeTarget.STRIPE_MOCK:
            return STRIPE_MOCK_URL
        if self.target is StripeTarget.REAL:
            return "https://api.stripe.com"
        return None  # the bundled mock, started on demand


class SyncConfig(_Section):
    duplicate_email_policy: DuplicateEmailPolicy = DuplicateEmailPolicy.ASK
    metadata_prefix: str = Field("netsuite_", pattern=r"^[a-z0-9_]{0,30}$")
    journal_path: Path = Path("custsync-journal.sqlite")
    workers: int | None = Field(None, ge=1, le=256, description="customers in flight in a mass sync; auto when empty")
    max_retries: int = Field(6, ge=0, le=20)
    backoff_base_seconds: float = Field(0.2, ge=0)
    backoff_max_seconds: float = Field(10.0, gt=0)
    blank_clears: list[BlankClearable] = Field(
        default_factory=list,
        description="Stripe fields that a blank NetSuite value clears; by default a blank leaves Stripe's value")

    relist_after_hours: float = Field(
        24.0, ge=0, description="how old the journal's stored listing of the Stripe account may grow before a mass "
        "sync lists the account again instead of reading the events since; 0: list every run, store nothing")

    journal_keep_days: float = Field(
        30.0, ge=0, description="a mass sync forgets runs older than this many days from the journal as it starts, "
        "keeping what later runs still need (customers owed or waiting, the last finished run); 0 keeps every run")
    stripe_edits: StripeEditsPolicy = Field(
        StripeEditsPolicy.ASK, description="R10: what a sync does with a mapped field edited in Stripe outside "
        "custsync since it last wrote it: ask (a person chooses), keep_stripe, netsuite_wins, write_back")
    write_back_fields: list[str] = Field(
        default_factory=list, description="with stripe_edits = write_back: the Stripe fields whose edits are "
        "written to NetSuite (email, phone, description, name); the RESTlet's custscript_custsync_writeback_fields "
        "must allow their NetSuite fields too")

    lookup_field: str = Field(EMAIL, description="what R3 matches on: email, or a customer field id whose value is "
                              "matched against and written to Stripe metadata under that id")

    @field_validator("lookup_field", mode="before")
    @classmethod
    def _lookup_field(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        field = value.strip().lower()
        if field == EMAIL or field in LOOKUP_BODY_FIELDS:
            return field
        if not field.startswith("custentity"):
            raise ValueError(f"{value!r} cannot be the lookup field: use email (the default), "
                             f"{' or '.join(LOOKUP_BODY_FIELDS)}, or a custom entity field id (custentity...)")
        if not field[len("custentity"):] or not all(ch.isalnum() or ch == "_" for ch in field) or not field.isascii():
            raise ValueError(f"{value!r} is not a NetSuite field id: custentity followed by letters, digits and _")
        if len(field) > STRIPE_METADATA_KEY_LIMIT:
            raise ValueError(f"{value!r} is {len(field)} characters: Stripe metadata keys hold at most "
                             f"{STRIPE_METADATA_KEY_LIMIT}, and the value is written under the field id")
        return field

    def match_key(self) -> MatchKey:
        return MatchKey(self.lookup_field)

    @field_validator("write_back_fields", mode="before")
    @classmethod
    def _write_back_fields(cls, value: Any) -> Any:
        if isinstance(value, str):  # CUSTSYNC_SYNC_WRITE_BACK_FIELDS=email,phone
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            return value
        fields = [str(v).strip().lower() for v in value]
        for name in fields:
            if name == "address":
                raise ValueError("address cannot be written back: NetSuite keeps it in the address book, a "
                                 "subrecord the RESTlet's submitFields cannot write; leave it out (an address "
                                 "edited in Stripe then waits for a person)")
            if name not in WRITE_BACK_TARGETS:
                raise ValueError(f"{name!r} cannot be written back: choose from {', '.join(WRITE_BACK_TARGETS)}")
        return list(dict.fromkeys(fields))

    @field_validator("blank_clears", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # CUSTSYNC_SYNC_BLANK_CLEARS=phone,description
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    netsuite: NetSuiteConfig = Field(default_factory=NetSuiteConfig)
    stripe: StripeConfig = Field(default_factory=StripeConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    source: str = Field("defaults (bundled mocks)", exclude=True)

    @model_validator(mode="after")
    def _lookup_field_is_not_a_paypack_field(self) -> Config:
        paypack = {self.netsuite.stripe_id_field.lower(): "stripe_id_field",
                   self.netsuite.portal_url_field.lower(): "portal_url_field"}
        if self.sync.lookup_field in paypack:
            raise ValueError(f"[sync] lookup_field {self.sync.lookup_field!r} is [netsuite] "
                             f"{paypack[self.sync.lookup_field]}, which custsync writes: it cannot be what R3 matches on")
        return self

    @property
    def uses_bundled_mocks(self) -> bool:
        return self.netsuite.resolved_rest_url() is None or self.stripe.resolved_base_url() is None

    def require_credentials(self) -> None:
        """Real targets need their secrets (and, for M2M, the key file and its ids); say which are missing."""
        missing, hints = [], []
        if self.netsuite.target is NetSuiteTarget.REAL or self.netsuite.rest_url:
            if self.netsuite.auth_method is NetSuiteAuth.TBA:
                missing += [SECRET_ENV[("netsuite", key)] for key in TBA_SECRETS if getattr(self.netsuite, key) is None]
            else:
                unset = [key for key in M2M_SETTINGS if getattr(self.netsuite, key) is None]
                missing += [f"[netsuite] {key} (CUSTSYNC_NETSUITE_{key.upper()})" for key in unset]
                if unset:
                    hints.append("NetSuite OAuth 2.0 client credentials (M2M, the default) needs the integration's "
                                 "client id, the mapping's certificate id and the private key file: custsync setup "
                                 "netsuite-m2m makes the key pair and says where each comes from. A configuration "
                                 'that keeps token-based auth says [netsuite] auth = "tba" and sets '
                                 + ", ".join(SECRET_ENV[("netsuite", key)] for key in TBA_SECRETS) + ".")
        if self.stripe.target is not StripeTarget.MOCK or self.stripe.base_url:
            if self.stripe.api_key is None:
                missing.append(SECRET_ENV[("stripe", "api_key")])
        if missing:
            raise ConfigError(
                f"{self.source}: missing credentials {', '.join(missing)}. Set secrets in the environment "
                f"or in a secrets file named by {SECRETS_FILE_ENV} (lines KEY=value). " + " ".join(hints)
            )

def _read_toml(path: Path, named_by: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {path}{named_by} does not exist. Create it (see README) or leave "
                          "--config out to run against the bundled mocks.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return tomllib.loads(decode_utf8(raw, f"config file {path}"))
    except TextEncodingError as exc:
        raise ConfigError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def read_secrets_file(path: Path) -> dict[str, str]:
    """A KEY=value file (blank lines and # comments allowed; `export KEY=value` and shell quoting too, as
    `custsync mocks` prints them). Keys: the secret variables and CUSTSYNC_<SECTION>_<KEY> settings;
    any other key is an error naming its line."""
    values: dict[str, str] = {}
    try:
        text = decode_utf8(path.read_bytes(), f"secrets file {path}")
    except OSError as exc:
        raise ConfigError(f"secrets file {path}: cannot read: {exc.strerror}") from None
    except TextEncodingError as exc:
        raise ConfigError(str(exc)) from None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export"):].strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"secrets file {path}, line {number}: expected KEY=value (or export KEY=value)")
        if key not in _SECRETS_FILE_KEYS and not _is_setting(key):
            raise ConfigError(f"secrets file {path}, line {number}: unknown key {key}. Known: "
                              f"{', '.join(sorted(SECRET_ENV.values()))} and CUSTSYNC_<SECTION>_<KEY> settings.")
        try:
            parts = shlex.split(value.strip(), comments=True)
        except ValueError as exc:
            raise ConfigError(f"secrets file {path}, line {number}: {key}: {exc} (check the quotes)") from None
        values[key] = " ".join(parts)
    return values


_SECTIONS: dict[str, type[BaseModel]] = {"netsuite": NetSuiteConfig, "stripe": StripeConfig, "sync": SyncConfig}
_SECRETS_FILE_KEYS = set(SECRET_ENV.values())


def _is_setting(name: str) -> bool:
    """CUSTSYNC_<SECTION>_<KEY> naming a non-secret key of the configuration."""
    if not name.startswith("CUSTSYNC_"):
        return False
    section, _, key = name[len("CUSTSYNC_"):].lower().partition("_")
    return section in _SECTIONS and key in _SECTIONS[section].model_fields and (section, key) not in SECRET_ENV


def _env_overrides(env: Mapping[str, str], origin: dict[tuple[str, str], str],
                   label: str = "environment variable {name}") -> dict[str, dict[str, str]]:
    """CUSTSYNC_<SECTION>_<KEY> values by section; `origin` learns where each came from (for errors)."""
    secret_names = set(SECRET_ENV.values()) | {SECRETS_FILE_ENV, CONFIG_ENV}
    out: dict[str, dict[str, str]] = {}
    for name, value in env.items():
        if not name.startswith("CUSTSYNC_") or name in secret_names:
            continue
        rest = name[len("CUSTSYNC_"):].lower()
        section, _, key = rest.partition("_")
        if section not in _SECTIONS:
            continue
        if key not in _SECTIONS[section].model_fields:
            raise ConfigError(f"environment variable {name}: [{section}] has no key {key!r}. "
                              f"Known keys: {', '.join(_public_keys(section))}.")
        out.setdefault(section, {})[key] = value
        origin[(section, key)] = label.format(name=name)
    return out


def _public_keys(section: str) -> list[str]:
    return [k for k in _SECTIONS[section].model_fields if (section, k) not in SECRET_ENV]


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load the configuration. With no path (and no CUSTSYNC_CONFIG): the bundled mocks."""
    env = os.environ if env is None else env
    named_by = "" if path else f" (named by {CONFIG_ENV})"
    path = path or env.get(CONFIG_ENV) or None
    data: dict[str, Any] = {}
    source = "defaults (bundled mocks)"
    if path:
        p = Path(path)
        data = _read_toml(p, named_by)
        source = str(p)
        for section, values in data.items():
            if section not in _SECTIONS:
                raise ConfigError(f"{source}: unknown section [{section}]. Known: {', '.join(_SECTIONS)}.")
            if not isinstance(values, dict):
                raise ConfigError(f"{source}: {section} must be a [{section}] table")
            for key in values:
                if (section, key) in SECRET_ENV:
                    raise ConfigError(
                        f"{source}: [{section}] {key} is a secret and is not read from the config file. "
                        f"Set {SECRET_ENV[(section, key)]} in the environment or in a secrets file "
                        f"named by {SECRETS_FILE_ENV}."
                    )
    secrets = dict(env)
    secrets_file = env.get(SECRETS_FILE_ENV)
    origin: dict[tuple[str, str], str] = {}
    if secrets_file:
        from_file = read_secrets_file(Path(secrets_file))
        file_settings = {k: v for k, v in from_file.items() if k not in _SECRETS_FILE_KEYS}
        # Settings in the secrets file (as `custsync mocks` prints them) count as environment, below the real one.
        for section, values in _env_overrides(file_settings, origin, f"secrets file {secrets_file}: {{name}}").items():
            data.setdefault(section, {}).update(values)
        secrets = {**from_file, **{k: v for k, v in env.items() if k in SECRET_ENV.values()}}
    for section, values in _env_overrides(env, origin).items():
        data.setdefault(section, {}).update(values)
    for (section, key), var in SECRET_ENV.items():
        if secrets.get(var):
            data.setdefault(section, {})[key] = secrets[var]

    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source, origin)) from None
    config.source = source
    return config


def _describe(exc: ValidationError, source: str, origin: dict[tuple[str, str], str] | None = None) -> str:
    lines = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        if not loc:  # a check across sections names its keys itself
            lines.append(f"{source}: {err['msg'].removeprefix('Value error, ')}")
            continue
        where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else f"[{loc[0]}]" if loc[0] in _SECTIONS else loc[0]
        pair = (loc[0], loc[1]) if len(loc) > 1 else None
        secret = pair in SECRET_ENV
        # A check across a section's keys names them itself; its input is the whole section.
        whole = len(loc) < 2 or err["type"] in ("extra_forbidden", "missing")
        got = "" if secret or whole else f" (got {err.get('input')!r})"
        err = {**err, "msg": err["msg"].removeprefix("Value error, ")}
        if err["type"] == "extra_forbidden":
            section = loc[0] if len(loc) > 1 else None
            known = f" Known keys: {', '.join(_public_keys(section))}." if section in _SECTIONS else ""
            lines.append(f"{source}: {where}: unknown key.{known}")
        else:
            name = SECRET_ENV[pair] if pair is not None and secret else where
            came_from = (origin or {}).get(pair) if pair is not None else None
            if came_from and not secret:
                lines.append(f"{came_from} ({where}): {err['msg']}{got}")
            else:
                lines.append(f"{source}: {name}: {err['msg']}{got}")
    return "\n".join(lines)
