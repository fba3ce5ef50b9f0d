"""Token-based authentication: OAuth 1.0a with HMAC-SHA256, verified per RFC 5849."""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

# Unconfirmed: NetSuite's exact clock-skew window; the mock allows 5 minutes either way
# and remembers nonces for as long.
TIMESTAMP_WINDOW_S = 300

DEMO_CREDENTIALS = {
    "consumer_key": "demo-consumer-key-0000000000000000000000000000000000000000000000",
    "consumer_secret": "demo-consumer-secret-00000000000000000000000000000000000000000000",
    "token_id": "demo-token-id-000000000000000000000000000000000000000000000000000",
    "token_secret": "demo-token-secret-0000000000000000000000000000000000000000000000",
}


@dataclass
class Credentials:
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


class AuthError(Exception):
    """Why a request was refused; never shown to the client (NetSuite says only 'Invalid login attempt')."""


def enc(value: str) -> str:
    return quote(value, safe="-._~")


def parse_authorization(header: str) -> dict[str, str]:
    if not header or not header[:6].lower() == "oauth ":
        raise AuthError("missing OAuth Authorization header")
    params = {}
    for part in header[6:].split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise AuthError("malformed OAuth header")
        key, value = part.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        key = unquote(key.strip())
        if key in params:
            raise AuthError(f"duplicate OAuth parameter {key}")
        params[key] = unquote(value)
    return params


def base_string(method: str, base_url: str, params: list[tuple[str, str]]) -> str:
    normalized = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in params))
    return "&".join([method.upper(), enc(base_url), enc(normalized)])


def signature(base: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{enc(consumer_secret)}&{enc(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()


PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def normalize_base_url(scheme: str, host: str, path: str) -> str:
    scheme = scheme.lower()
    host = host.lower()
    if (scheme, host.rsplit(":", 1)[-1]) in (("http", "80"), ("https", "443")) and ":" in host:
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}{quote(path, safe=PATH_SAFE)}"


class Verifier:
    def __init__(self, account: callable, creds: Credentials, clock=time.time):
        self._account = account
        self._creds = creds
        self._clock = clock
        self._nonces: set[tuple[str, str, str]] = set()
        self._nonce_expiry: deque[tuple[float, tuple[str, str, str]]] = deque()
        self._lock = threading.Lock()

    def verify(self, *, method: str, scheme: str, host: str, path: str, query_string: str,
               authorization: str | None, content_type: str, body: bytes) -> None:
        """Raise AuthError unless the request carries a valid HMAC-SHA256 signature."""
        params = parse_authorization(authorization or "")
        if params.get("realm") != self._account():
            raise AuthError("wrong realm")
        if params.get("oauth_signature_method") != "HMAC-SHA256":
            raise AuthError("signature method must be HMAC-SHA256")
        if params.get("oauth_version", "1.0") != "1.0":
            raise AuthError("oauth_version must be 1.0")
        for needed in ("oauth_consumer_key", "oauth_token", "oauth_nonce", "oauth_timestamp", "oauth_signature"):
            if not params.get(needed):
                raise AuthError(f"missing {needed}")
        if not hmac.compare_digest(params["oauth_consumer_key"].encode(), self._creds.consumer_key.encode()):
            raise AuthError("unknown consumer key")
        if not hmac.compare_digest(params["oauth_token"].encode(), self._creds.token_id.encode()):
            raise AuthError("unknown token")
        try:
            ts = int(params["oauth_timestamp"])
        except ValueError:
            raise AuthError("bad timestamp") from None
        now = self._clock()
        if abs(now - ts) > TIMESTAMP_WINDOW_S:
            raise AuthError("timestamp outside the allowed window")

        signed = [(k, v) for k, v in params.items() if k.startswith("oauth_") and k != "oauth_signature"]
        signed += parse_qsl(query_string, keep_blank_values=True)
        if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            signed += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        elif "oauth_body_hash" in params:
            # The body-hash draft says "same hash as the signature method" (SHA-256 here), but
            # Authlib always sends SHA-1; either is accepted, and it must match the body.
            got = params["oauth_body_hash"].encode()
            ok = any(hmac.compare_digest(got, base64.b64encode(h(body).digest()))
                     for h in (hashlib.sha256, hashlib.sha1))
            if not ok:
                raise AuthError("oauth_body_hash does not match the body")
        base = base_string(method, normalize_base_url(scheme, host, path), signed)
        expected = signature(base, self._creds.consumer_secret, self._creds.token_secret)
        if not hmac.compare_digest(expected.encode(), params["oauth_signature"].encode()):
            raise AuthError("bad signature")

        key = (params["oauth_consumer_key"], params["oauth_token"], params["oauth_nonce"])
        with self._lock:
            while self._nonce_expiry and self._nonce_expiry[0][0] < now:
                self._nonces.discard(self._nonce_expiry.popleft()[1])
            if key in self._nonces:
                raise AuthError("nonce already used")
            self._nonces.add(key)
            # A nonce only needs remembering while its timestamp could still be accepted.
            self._nonce_expiry.append((now + 2 * TIMESTAMP_WINDOW_S, key))
