"""Integration records and their OAuth 2.0 client credentials (M2M) mappings: the state document's
`integrations` key.

An entry is what an admin sets up in two places:
- Setup > Integration > Manage Integrations: the record (`name`, `client_id`, State Enabled/Blocked as
  `enabled`, the "Client Credentials (Machine to Machine) Grant" box as `client_credentials`, the scope
  boxes RESTLETS / REST WEB SERVICES / SUITEANALYTICS CONNECT as `scopes`);
- Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup: mappings of an
  entity and a role to the application, each with the uploaded public certificate, under the
  Certificate ID NetSuite shows (`certificates[].id`), and the Revoke button (`revoked`).

Certificate requirements, as Oracle's "OAuth 2.0 Client Credentials Setup" page states them: x.509 PEM;
RSA keys of 3072 or 4096 bits, EC keys of 256, 384 or 521 bits; valid at most two years (a longer
validity is shortened to two years); at most five active certificates per integration record (2026.1).
A sandbox refresh clears the mappings (the same page): a state with `certificates: []` plays that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

SCOPES = ("restlets", "rest_webservices", "suite_analytics")
MAX_ACTIVE_CERTIFICATES = 5
MAX_VALIDITY = timedelta(days=730)
RSA_BITS = (3072, 4096)
EC_CURVES = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
NO_SPACE = re.compile(r"^\S+$")


class IntegrationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Mapping:
    """One certificate mapping, with what NetSuite imports from the certificate."""

    id: str
    public_key: object
    not_before: float
    not_after: float  # already shortened to two years
    revoked: bool
    key_kind: str  # "rsa" or the ES algorithm the curve goes with


def _expect(cond: bool, field: str, message: str) -> None:
    if not cond:
        raise IntegrationError(field, message)


def read_certificate(pem: str, field: str) -> tuple[object, float, float, str]:
    """(public key, not before, not after (capped at two years), key kind); IntegrationError as NetSuite's
    upload would refuse it."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, TypeError):
        raise IntegrationError(field, "is not an x.509 certificate in PEM form") from None
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        _expect(key.key_size in RSA_BITS, field, f"is an RSA key of {key.key_size} bits: NetSuite takes 3072 or 4096")
        kind = "rsa"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        _expect(key.curve.name in EC_CURVES, field, f"is an EC key on {key.curve.name}: NetSuite takes P-256, P-384 "
                "or P-521")
        kind = EC_CURVES[key.curve.name]
    else:
        raise IntegrationError(field, f"holds a {type(key).__name__}: NetSuite takes RSA or EC certificates")
    start: datetime = cert.not_valid_before_utc
    end: datetime = min(cert.not_valid_after_utc, start + MAX_VALIDITY)
    return key, start.timestamp(), end.timestamp(), kind


def validate(raw, default: list) -> list[dict]:
    """The normalized `integrations` list (absent: the mock's launch integration, `default`)."""
    if raw is None:
        return [dict(i, certificates=[dict(c) for c in i["certificates"]]) for i in default]
    _expect(isinstance(raw, list), "integrations", "must be a list")
    out: list[dict] = []
    client_ids: set[str] = set()
    cert_ids: set[str] = set()
    for i, entry in enumerate(raw):
        path = f"integrations[{i}]"
        _expect(isinstance(entry, dict), path, "must be an object")
        for key in entry:
            _expect(key in ("name", "client_id", "enabled", "client_credentials", "scopes", "certificates"),
                    f"{path}.{key}", f"unknown key '{key}'")
        client_id = entry.get("client_id")
        _expect(isinstance(client_id, str) and NO_SPACE.match(client_id or ""), f"{path}.client_id",
                "must be a client id without spaces")
        _expect(client_id not in client_ids, f"{path}.client_id", f"duplicate client id {client_id!r}")
        client_ids.add(client_id)
        for flag in ("enabled", "client_credentials"):
            _expect(isinstance(entry.get(flag, True), bool), f"{path}.{flag}", "must be a boolean")
        scopes = entry.get("scopes", ["restlets", "rest_webservices"])
        _expect(isinstance(scopes, list) and all(s in SCOPES for s in scopes), f"{path}.scopes",
                f"must be a list of {', '.join(SCOPES)}")
        certificates = []
        raw_certs = entry.get("certificates", [])
        _expect(isinstance(raw_certs, list), f"{path}.certificates", "must be a list")
        for j, c in enumerate(raw_certs):
            cpath = f"{path}.certificates[{j}]"
            _expect(isinstance(c, dict), cpath, "must be an object")
            for key in c:
                _expect(key in ("id", "certificate", "entity", "role", "revoked"), f"{cpath}.{key}", f"unknown key '{key}'")
            cid = c.get("id")
            _expect(isinstance(cid, str) and NO_SPACE.match(cid or ""), f"{cpath}.id", "must be a certificate id without spaces")
            _expect(cid not in cert_ids, f"{cpath}.id", f"duplicate certificate id {cid!r}")
            cert_ids.add(cid)
            _expect(isinstance(c.get("certificate"), str), f"{cpath}.certificate", "must be a PEM certificate")
            read_certificate(c["certificate"], f"{cpath}.certificate")
            for key in ("entity", "role"):
                _expect(isinstance(c.get(key), str) and c[key].strip(), f"{cpath}.{key}",
                        f"must name the mapped {key}")
            _expect(isinstance(c.get("revoked", False), bool), f"{cpath}.revoked", "must be a boolean")
            certificates.append({"id": cid, "certificate": c["certificate"], "entity": c["entity"], "role": c["role"],
                                 "revoked": c.get("revoked", False)})
        active = sum(1 for c in certificates if not c["revoked"])
        _expect(active <= MAX_ACTIVE_CERTIFICATES, f"{path}.certificates",
                f"has {active} active certificates: NetSuite allows {MAX_ACTIVE_CERTIFICATES} per integration record")
        name = entry.get("name", client_id)
        _expect(isinstance(name, str), f"{path}.name", "must be a string")
        out.append({"name": name, "client_id": client_id, "enabled": entry.get("enabled", True),
                    "client_credentials": entry.get("client_credentials", True), "scopes": list(scopes),
                    "certificates": certificates})
    return out


def mapping(certificate: dict) -> Mapping:
    key, start, end, kind = read_certificate(certificate["certificate"], "certificate")
    return Mapping(certificate["id"], key, start, end, certificate["revoked"], kind)


def launch_integration(client_id: str, certificate_id: str, certificate_pem: str) -> dict:
    """The integration the mock starts with (its launch options), as a state document entry."""
    entry = {"name": "custsync", "client_id": client_id, "enabled": True, "client_credentials": True,
             "scopes": ["restlets", "rest_webservices"],
             "certificates": [{"id": certificate_id, "certificate": certificate_pem, "entity": "custsync integration",
                               "role": "custsync integration role", "revoked": False}]}
    return validate([entry], [])[0]
