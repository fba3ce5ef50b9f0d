"""How the NetSuite client signs in: OAuth 2.0 client credentials (M2M, the default) or token-based auth (TBA).

Both are httpx auth flows the NetSuite client sends every request through, so the concurrency limit and
the retries work the same whichever is used. `for_config` builds the one a configuration names, checking
what can be checked before anything is sent (the key file, its type, the certificate it goes with).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import jwt
from oauthlib.common import generate_nonce, generate_timestamp
from oauthlib.oauth1.rfc5849 import parameters, signature

from sync_core.config import TOKEN_PATH, ConfigError, NetSuiteAuth, NetSuiteConfig
from sync_core.errors import NetSuiteError
from sync_core.netsuite.m2m_keys import CertificateInfo, SigningKey, load_signing_key, read_certificate, same_key_pair
from sync_core.netsuite.token_refusals import refusal

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The JWT custsync signs lives five minutes (Oracle allows less than 60 between iat and exp): it is used once.
ASSERTION_LIFETIME_S = 300
RENEW_BEFORE_S = 60  # a token is asked for again this long before NetSuite says it expires

ROLE_PERMISSIONS = ("Setup: Log in using OAuth 2.0 Access Tokens, REST Web Services; Reports: SuiteAnalytics "
                    "Workbook (SuiteQL); Lists: Customers (Edit), Perform Search; Setup: Custom Entity Fields (View); "
                    "and the role in the audience of the custsync RESTlet's deployment")
TBA_REFUSED = ("Check CUSTSYNC_NETSUITE_CONSUMER_KEY/_SECRET and _TOKEN_ID/_SECRET, the account id ([netsuite] "
               "account, the OAuth realm) and that the token's role has REST Web Services and Customer permissions; "
               "NetSuite's Login Audit Trail (Setup > Users/Roles > User Management) shows why.")


class TokenAuth(httpx.Auth):
    """OAuth 1.0a signature for NetSuite TBA (HMAC-SHA256, realm = account id); a fresh nonce and
    timestamp per request.

    Built from oauthlib's RFC 5849 functions rather than its `Client.sign`, which re-validates and
    re-renders the whole request each time: that cost 0.12 ms of the client's 1 ms per request.
    tests/test_token_auth.py checks the header against `Client.sign` itself.
    """

    method = NetSuiteAuth.TBA

    def __init__(self, realm: str, consumer_key: str, consumer_secret: str, token_id: str, token_secret: str) -> None:
        self._realm = realm
        self._consumer_key, self._token_id = consumer_key, token_id
        # What oauthlib's signing function reads from its "client": the two secrets.
        self._secrets = SimpleNamespace(client_secret=consumer_secret, resource_owner_secret=token_secret)

    def __repr__(self) -> str:
        return f"TokenAuth(realm={self._realm!r}, ****)"

    def authorization(self, method: str, url: str, *, nonce: str | None = None, timestamp: str | None = None) -> str:
        oauth = [
            ("oauth_nonce", nonce or generate_nonce()),
            ("oauth_timestamp", timestamp or generate_timestamp()),
            ("oauth_version", "1.0"),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_consumer_key", self._consumer_key),
            ("oauth_token", self._token_id),
        ]
        # JSON bodies are not part of the base string (RFC 5849 3.4.1.3): only the query and the oauth_ parameters.
        query = signature.collect_parameters(uri_query=urlsplit(url).query)
        # types-oauthlib narrows the method to a Literal of verbs and the parameters to a dict; oauthlib takes any
        # method and a list of pairs (a dict would drop repeated query parameters).
        base = signature.signature_base_string(method.upper(), signature.base_string_uri(url),  # type: ignore[arg-type]
                                               signature.normalize_parameters(query + oauth))  # type: ignore[arg-type]
        oauth.append(("oauth_signature", signature.sign_hmac_sha256_with_client(base, self._secrets)))
        return parameters.prepare_headers(oauth, realm=self._realm)["Authorization"]

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = self.authorization(request.method, str(request.url))
        yield request

    def refused_remedy(self, url: str) -> str:
        return TBA_REFUSED


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # by our clock: the moment the request was sent plus NetSuite's expires_in
    renew_at: float

    def fresh(self, now: float) -> bool:
        return now < self.renew_at


class M2MAuth(httpx.Auth):
    """OAuth 2.0 client credentials: a JWT signed with the private key whose certificate is mapped in NetSuite
    (kid = the Certificate ID) buys a bearer token at the token endpoint (Oracle, "POST Request to the Token
    Endpoint and the Access Token Response"); the token is kept until a minute before NetSuite says it expires.

    Requests that find no fresh token wait on one lock, so a hundred concurrent requests make one token
    request. A 401 on a call makes it ask once more (unless another request already did) and send the call
    again. The token goes only into the Authorization header: never into a message, a log or a repr.
    """

    method = NetSuiteAuth.M2M

    def __init__(self, *, token_url: str, account: str, client_id: str, certificate_id: str, key: SigningKey,
                 scopes: list[str], certificate: CertificateInfo | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.token_url = token_url
        self.account = account
        self.client_id = client_id
        self.certificate_id = certificate_id
        self.scopes = list(scopes)
        self.certificate = certificate
        self.clock = clock  # seconds since the epoch; tests move it to play time passing
        self._key = key
        self._http: httpx.AsyncClient | None = None
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()
        self.token_requests = 0
        self.skew: float | None = None  # NetSuite's clock minus ours, from the Date of its last token answer

    def __repr__(self) -> str:
        return f"M2MAuth(client_id={self.client_id!r}, certificate_id={self.certificate_id!r}, {self._key!r})"

    @property
    def algorithm(self) -> str:
        return self._key.algorithm

    def attach(self, http: httpx.AsyncClient) -> None:
        """The client token requests go through (the NetSuite client's own: same timeouts and connections)."""
        self._http = http

    def assertion(self) -> str:
        """The signed JWT of Oracle's "The Request Token Structure"."""
        now = int(self.clock())
        claims = {"iss": self.client_id, "scope": ",".join(self.scopes), "aud": self.token_url,
                  "iat": now, "exp": now + ASSERTION_LIFETIME_S}
        return jwt.encode(claims, self._key.key, algorithm=self._key.algorithm,
                          headers={"typ": "JWT", "kid": self.certificate_id})

    async def access_token(self) -> str:
        """A fresh bearer token: the one held, or one asked for (once, however many requests wait for it)."""
        held = self._token
        if held is not None and held.fresh(self.clock()):
            return held.value
        async with self._lock:
            held = self._token
            if held is None or not held.fresh(self.clock()):
                held = self._token = await self._request_token()
            return held.value

    async def _renew(self, refused: str) -> str:
        """After a 401 with `refused`: a new token, unless another request got one since."""
        async with self._lock:
            held = self._token
            if held is None or held.value == refused or not held.fresh(self.clock()):
                held = self._token = await self._request_token()
            return held.value

    async def _request_token(self) -> AccessToken:
        if self._http is None:
            raise RuntimeError("M2MAuth is not attached to a client")
        sent_at = self.clock()
        self.token_requests += 1
        response = await self._http.post(
            self.token_url, auth=httpx.Auth(), headers={"Accept": "application/json"},
            data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                  "client_assertion": self.assertion()})
        self.skew = _skew(response, self.clock())
        if response.status_code != 200:
            raise refusal(response, self, self.clock())
        try:
            body = response.json()
            value, kind, lifetime = body["access_token"], body.get("token_type", ""), int(body["expires_in"])
        except (ValueError, KeyError, TypeError):
            value, kind, lifetime = None, None, 0
        if not isinstance(value, str) or not value or str(kind).lower() != "bearer" or lifetime <= 0:
            raise NetSuiteError(f"{_host(self.token_url)}'s token endpoint answered 200 without a bearer token and "
                                "its lifetime", status=200,
                                remedy="Check [netsuite] rest_url: it must be NetSuite's REST host "
                                "(https://<account>.suitetalk.api.netsuite.com).")
        return AccessToken(value, sent_at + lifetime, sent_at + lifetime - min(RENEW_BEFORE_S, lifetime / 2))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self._renew(token)}"
            yield request

    def sync_auth_flow(self, request: httpx.Request):  # pragma: no cover - the client is async
        raise RuntimeError("the NetSuite client is async")

    def refused_remedy(self, url: str) -> str:
        """For a call refused (401) with a token NetSuite had just issued."""
        scope = "RESTLETS" if "/restlet.nl" in url else "REST WEB SERVICES"
        return (f"NetSuite refused a token it had just issued for this call. The integration record needs the "
                f"{scope} scope (Setup > Integration > Manage Integrations > the record, Scope), and the role mapped "
                f"to the certificate ({self.certificate_id}) needs: {ROLE_PERMISSIONS}. The Login Audit Trail "
                "(Setup > Users/Roles > User Management > View Login Audit Trail), column Detail, names the cause "
                "(ScopeMismatched, EntityOrRoleDisabled...).")


def for_config(ns: NetSuiteConfig, rest_url: str) -> httpx.Auth:
    """The auth the configuration names; ConfigError (nothing sent) when its key cannot serve."""
    if ns.auth_method is NetSuiteAuth.TBA:
        secrets = (ns.consumer_key, ns.consumer_secret, ns.token_id, ns.token_secret)
        return TokenAuth(ns.account, *(s.get_secret_value() for s in secrets))  # type: ignore[union-attr]
    key = load_signing_key(ns.private_key_file)  # type: ignore[arg-type]
    certificate = read_certificate(ns.certificate_file) if ns.certificate_file else None
    if certificate is not None:
        if not same_key_pair(key, certificate):
            raise ConfigError(f"[netsuite] certificate_file {ns.certificate_file} is not the certificate of the private "
                              f"key {ns.private_key_file}: NetSuite checks signatures with the certificate uploaded, "
                              "so name the two files made together (custsync setup netsuite-m2m writes both).")
        now = datetime.now(UTC)
        if certificate.not_after <= now:
            raise ConfigError(f"the certificate {ns.certificate_file} (certificate id {ns.certificate_id}) expired on "
                              f"{certificate.not_after:%Y-%m-%d}: NetSuite refuses its tokens. Make a new key pair "
                              "(custsync setup netsuite-m2m), map its certificate in NetSuite (OAuth 2.0 Client "
                              "Credentials (M2M) Setup > Create New) and set the new certificate id and files.")
    return M2MAuth(token_url=f"{rest_url}{TOKEN_PATH}", account=ns.account,
                   client_id=ns.client_id, certificate_id=ns.certificate_id, key=key,  # type: ignore[arg-type]
                   scopes=ns.scopes, certificate=certificate)


def _skew(response: httpx.Response, now: float) -> float | None:
    """NetSuite's clock minus ours, from the answer's Date (with several Date headers, the last)."""
    dates = response.headers.get_list("date")
    try:
        return parsedate_to_datetime(dates[-1]).timestamp() - now
    except (IndexError, TypeError, ValueError):
        return None


def _host(url: str) -> str:
    return httpx.URL(url).host or url
