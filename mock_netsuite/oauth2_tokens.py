"""OAuth 2.0 client credentials (machine to machine): the token endpoint and the bearer tokens it issues.

Follows Oracle's pages:
- "POST Request to the Token Endpoint and the Access Token Response" (section_162755359851): POST
  /services/rest/auth/oauth2/v1/token, form-encoded grant_type=client_credentials,
  client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion=<JWT>;
  the answer {"access_token", "expires_in": "3600", "token_type": "bearer"}, the token valid 60 minutes.
- "The Request Token Structure" (section_162790605110): header typ JWT, alg PS256/PS384/PS512/ES256/
  ES384/ES512, kid = the Certificate ID of the mapping; payload iss = the integration's client id, scope
  restlets/rest_webservices/suite_analytics (comma-separated; an array is accepted too), aud = the token
  endpoint URL, iat, exp less than 60 minutes after iat.
- "Response Errors in Step Two and in the Refresh Token Response" (subsect_158521832417): errors are
  {"error": "<value>"}; invalid_request (400: parameters missing or malformed, a wrong grant_type),
  invalid_client (401, WWW-Authenticate: Basic realm="<account>"), invalid_grant (400).
- "RESTlets and REST Web Services Error Messages in the Login Audit Trail" (subsect_158324637123): a
  call with an expired token (AccessTokenExpired) or a token whose scope the integration record lacks
  (ScopeMismatched) fails as a login failure.

Unconfirmed (no Oracle page says which error the client credentials flow gives for which cause), our
choice, marked where made: an unknown or blocked integration is invalid_client; a record without the
Client Credentials (M2M) Grant box is unauthorized_client; an unknown, revoked or expired certificate,
a bad signature or algorithm, a wrong aud and iat/exp out of range are invalid_grant; an unknown or empty
scope is invalid_scope. NetSuite says no more than the error value: why is in its Login Audit Trail,
which the mock keeps at /_mock/login-audit.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .integrations import mapping

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
TOKEN_LIFETIME_S = 3600
MAX_ASSERTION_LIFETIME_S = 3600  # "less than 60 minutes greater than the value of the iat parameter"
# Unconfirmed: how far ahead of NetSuite's clock an iat may be; the mock allows what TBA allows for its
# timestamps (plus or minus five minutes, Oracle's "Error Messages for the TBA Authorization Flow").
CLOCK_SKEW_S = 300


class Refusal(Exception):
    """A token request refused: the OAuth error value, and the Login Audit Trail's detail (why)."""

    def __init__(self, error: str, detail: str):
        super().__init__(detail)
        self.error, self.detail = error, detail


class BearerRefused(Exception):
    """A bearer token refused on a REST or RESTlet call; `detail` goes to the Login Audit Trail only."""


@dataclass(frozen=True)
class Issued:
    client_id: str
    scopes: frozenset[str]
    expires_at: float


class TokenService:
    """Issued access tokens (in memory: they are not part of the account's state document)."""

    def __init__(self, store) -> None:
        self._store = store
        self._tokens: dict[str, Issued] = {}
        self._lock = threading.Lock()
        self._mappings: tuple[int, dict[str, dict]] | None = None

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _integrations(self) -> dict[str, dict]:
        """Integrations by client id, their certificates read once per loaded state document."""
        store = self._store
        cached = self._mappings
        if cached is None or cached[0] != store.config_generation:
            by_client = {}
            for entry in store.oauth_integrations():
                by_client[entry["client_id"]] = dict(entry, mappings={c["id"]: mapping(c) for c in entry["certificates"]})
            cached = self._mappings = (store.config_generation, by_client)
        return cached[1]

    # --- the token endpoint ---------------------------------------------------------------

    def issue(self, form: dict[str, list[str]], endpoint: str, now: float) -> dict:
        for name, values in form.items():
            if len(values) > 1:  # RFC 6749 3.2: "Request and response parameters MUST NOT be included more than once"
                raise Refusal("invalid_request", f"MissingRequiredParameter: {name} given {len(values)} times")
        one = {name: values[0] for name, values in form.items()}
        if one.get("grant_type") != "client_credentials":
            raise Refusal("invalid_request", "UnsupportedGrantType")  # Oracle: a wrong grant_type is invalid_request
        if one.get("client_assertion_type") != ASSERTION_TYPE:
            raise Refusal("invalid_request", "MissingRequiredParameter: client_assertion_type")
        assertion = one.get("client_assertion")
        if not assertion:
            raise Refusal("invalid_request", "MissingRequiredParameter: client_assertion")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Refusal("invalid_request", "MalformedToken") from None

        integration = self._integrations().get(claims.get("iss")) if isinstance(claims.get("iss"), str) else None
        if integration is None:
            raise Refusal("invalid_client", "InvalidIntegration")
        if not integration["enabled"]:
            raise Refusal("invalid_client", "IntegrationBlocked")  # unconfirmed: the error value for a blocked record
        if not integration["client_credentials"]:
            raise Refusal("unauthorized_client", "ClientCredentialsGrantRequired")  # unconfirmed

        if header.get("typ") != "JWT":
            raise Refusal("invalid_grant", "InvalidTokenType")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Refusal("invalid_grant", f"UnsupportedAlgorithm: {alg}")
        found = integration["mappings"].get(header.get("kid")) if isinstance(header.get("kid"), str) else None
        if found is None:
            raise Refusal("invalid_grant", "UnknownCertificate")  # never mapped, or cleared by a sandbox refresh
        if found.revoked:
            raise Refusal("invalid_grant", "CertificateRevoked")
        if not found.not_before <= now < found.not_after:
            raise Refusal("invalid_grant", "CertificateExpired" if now >= found.not_after else "CertificateNotYetValid")
        if not _fits(alg, found.public_key):
            raise Refusal("invalid_grant", f"InvalidSignature: {alg} does not go with the certificate's key")
        try:
            jwt.decode(assertion, key=found.public_key, algorithms=[alg],
                       options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False,
                                "verify_iss": False})
        except jwt.PyJWTError:
            raise Refusal("invalid_grant", "InvalidSignature") from None

        if claims.get("aud") != endpoint and claims.get("aud") != [endpoint]:
            raise Refusal("invalid_grant", "InvalidAudience")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (iat, exp)):
            raise Refusal("invalid_grant", "MissingRequiredParameter: iat and exp")
        if exp <= iat or exp - iat > MAX_ASSERTION_LIFETIME_S:
            raise Refusal("invalid_grant", "InvalidTimestamp: exp must be after iat, within 60 minutes")
        if iat > now + CLOCK_SKEW_S:
            raise Refusal("invalid_grant", "InvalidTimestamp: iat is ahead of NetSuite's clock")
        if exp <= now:
            raise Refusal("invalid_grant", "InvalidTimestamp: the token expired by NetSuite's clock")

        scopes = _scopes(claims.get("scope"))
        if not scopes:
            raise Refusal("invalid_scope", "InvalidScope")  # unconfirmed: the error value for a bad scope

        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens = {k: v for k, v in self._tokens.items() if v.expires_at > now}
            self._tokens[token] = Issued(integration["client_id"], frozenset(scopes), now + TOKEN_LIFETIME_S)
        return {"access_token": token, "expires_in": str(TOKEN_LIFETIME_S), "token_type": "bearer"}

    # --- REST and RESTlet calls -------------------------------------------------------------

    def check_bearer(self, token: str, surface: str, now: float) -> None:
        """Raise BearerRefused unless `token` is live and both it and its integration record carry `surface`
        ("restlets" or "rest_webservices")."""
        issued = self._tokens.get(token)
        if issued is None:
            raise BearerRefused("InvalidToken")
        if now >= issued.expires_at:
            raise BearerRefused("AccessTokenExpired")
        integration = self._integrations().get(issued.client_id)
        if integration is None:
            raise BearerRefused("InvalidIntegration")
        if not integration["enabled"]:
            raise BearerRefused("IntegrationBlocked")
        if surface not in issued.scopes or surface not in integration["scopes"]:
            raise BearerRefused("ScopeMismatched")


def _fits(alg: str, key: object) -> bool:
    """PS* with an RSA key; ES256/384/512 with the curve each goes with (Oracle's table: P-256 with SHA-256...)."""
    if isinstance(key, rsa.RSAPublicKey):
        return alg.startswith("PS")
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}.get(key.curve.name) == alg
    return False


def _scopes(raw) -> set[str] | None:
    """The scope claim: "restlets,rest_webservices" (Oracle's form) or a JSON array; None when empty or unknown."""
    if isinstance(raw, str):
        names = [s.strip() for s in raw.split(",")]
    elif isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        names = [s.strip() for s in raw]
    else:
        return None
    known = {"restlets", "rest_webservices", "suite_analytics"}
    if not names or any(n not in known for n in names):
        return None
    return set(names)
