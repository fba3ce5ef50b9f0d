"""Keys, certificates, integrations and signed JWTs for the mock's OAuth 2.0 tests, made with PyJWT and
cryptography directly (not with custsync's client), so the mock is not tuned to custsync's own code."""
from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ID = "a" * 64
CERT_ID = "certificate-id-one"

_RSA: dict[int, rsa.RSAPrivateKey] = {}  # RSA keys of 3072+ bits take a while to make: one per size


def make_key(kind: str = "P-256"):
    if kind.startswith("RSA"):
        bits = int(kind[3:] or 3072)
        if bits not in _RSA:
            _RSA[bits] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return _RSA[bits]
    curve = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}[kind]
    return ec.generate_private_key(curve())


def certificate(key, *, days: int = 730, starts: datetime | None = None) -> str:
    start = starts or datetime.now(UTC) - timedelta(minutes=5)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=days)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def integration(key, *, client_id: str = CLIENT_ID, cert_id: str = CERT_ID, cert_pem: str | None = None,
                **fields) -> dict:
    entry = {"name": "custsync", "client_id": client_id, "enabled": True, "client_credentials": True,
             "scopes": ["restlets", "rest_webservices"],
             "certificates": [{"id": cert_id, "certificate": cert_pem or certificate(key), "entity": "Integration User",
                               "role": "custsync role", "revoked": False}]}
    entry.update(fields)
    return entry


def assertion(key, url: str, *, alg: str = "ES256", kid: str = CERT_ID, iss: str = CLIENT_ID,
              scope="restlets,rest_webservices", iat: int | None = None, lifetime: int = 300,
              headers: dict | None = None, drop: tuple[str, ...] = (), **claims) -> str:
    now = int(time.time()) if iat is None else iat
    payload = {"iss": iss, "scope": scope, "aud": url + TOKEN_PATH, "iat": now, "exp": now + lifetime, **claims}
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, **(headers or {})})


def with_header(jwt_text: str, **header) -> str:
    """The same JWT (payload and signature) under another header: what a library would refuse to make."""
    import base64
    import json

    head, payload, sig = jwt_text.split(".")
    old = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    new = base64.urlsafe_b64encode(json.dumps({**old, **header}).encode()).rstrip(b"=").decode()
    return f"{new}.{payload}.{sig}"


def token_form(jwt_text: str, **overrides) -> dict:
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": jwt_text}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def ask_token(control: httpx.Client, form: dict) -> httpx.Response:
    return control.post(TOKEN_PATH, data=form)


def m2m_config_file(world, tmp_path, **netsuite) -> tuple[str, dict]:
    """A config file for the session's mocks signed in with OAuth 2.0 M2M (and the environment without any
    CUSTSYNC_ setting but the Stripe key); `netsuite` overrides [netsuite] settings (None drops one)."""
    ns, st = world.mocks.netsuite.info, world.mocks.stripe.info
    settings = {"target": "mock", "rest_url": ns["url"], "restlet_url": ns["url"], "account": ns["account"],
                "auth": "m2m", "client_id": ns["client_id"], "certificate_id": ns["certificate_id"],
                "private_key_file": ns["private_key_file"], **netsuite}
    lines = ["[netsuite]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items() if v is not None]
    lines += ["[stripe]", 'target = "mock"', f'base_url = "{st["url"]}"', "requests_per_second = 500",
              "operation_requests_per_second = 500",
              "[sync]", f'journal_path = "{tmp_path / "journal.sqlite"}"']
    path = tmp_path / "custsync.toml"
    path.write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
    env["CUSTSYNC_STRIPE_API_KEY"] = st["api_key"]
    return str(path), env
