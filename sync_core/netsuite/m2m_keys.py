"""The key pair of NetSuite's OAuth 2.0 client credentials (M2M) flow: read, checked, and made.

NetSuite's certificate requirements (Oracle, "OAuth 2.0 Client Credentials Setup"): an x.509 certificate
in PEM form; RSA keys of 3072 or 4096 bits, EC keys of 256, 384 or 521 bits; valid at most two years.
The JWT's algorithm follows the key: RSA signs PS256 (RSASSA-PSS; NetSuite takes no RS256), an EC key
the ES algorithm of its curve (P-256 ES256, P-384 ES384, P-521 ES512: Oracle's table for ECDSA).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from sync_core.config import ConfigError

RSA_BITS = (3072, 4096)
EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
EC_CURVES: dict[str, ec.EllipticCurve] = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
MAX_VALIDITY_DAYS = 730  # NetSuite shortens a longer validity to two years
KEY_TYPES = "RSA of 3072 or 4096 bits (PS256), or EC on P-256, P-384 or P-521 (ES256, ES384, ES512)"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SigningKey:
    """The private key and the JWT algorithm it signs with. Its repr never shows the key."""

    key: PrivateKey
    algorithm: str

    def __repr__(self) -> str:
        return f"SigningKey({self.algorithm}, ****)"


def algorithm_for(key: object) -> str:
    """PS256 for RSA (3072 or 4096 bits), ES256/384/512 for EC by curve; ValueError naming what is wrong."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size not in RSA_BITS:
            raise ValueError(f"an RSA key of {key.key_size} bits: NetSuite takes RSA keys of 3072 or 4096 bits")
        return "PS256"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name not in EC_ALGORITHMS:
            raise ValueError(f"an EC key on {key.curve.name}: NetSuite takes P-256, P-384 or P-521")
        return EC_ALGORITHMS[key.curve.name]
    kind = type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")
    raise ValueError(f"a key of type {kind}: NetSuite takes {KEY_TYPES}")


def load_signing_key(path: Path) -> SigningKey:
    """The PEM private key at `path`; ConfigError naming the file and what to do when it cannot serve."""
    setting = "[netsuite] private_key_file (CUSTSYNC_NETSUITE_PRIVATE_KEY_FILE)"
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{setting} {path} does not exist. Give the path of the private key whose certificate "
                          "was uploaded to NetSuite (custsync setup netsuite-m2m makes one).") from None
    except OSError as exc:
        raise ConfigError(f"{setting} {path}: cannot read it ({exc.strerror}). The key must be readable by the "
                          "user custsync runs as (and by nobody else: chmod 600).") from None
    if b"-----BEGIN CERTIFICATE-----" in data and b"PRIVATE KEY-----" not in data:
        raise ConfigError(f"{setting} {path} holds a certificate, not a private key: the certificate is what is "
                          "uploaded to NetSuite; custsync signs with the private key made with it.")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigError(f"{setting} {path} is encrypted with a passphrase; custsync reads an unencrypted key "
                          "(keep it readable by the service user only: chmod 600). Decrypt it with: openssl pkey "
                          f"-in {path} -out KEY.pem") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(f"{setting} {path} is not a PEM private key (-----BEGIN PRIVATE KEY-----). custsync "
                          "setup netsuite-m2m makes a key pair NetSuite takes.") from None
    try:
        algorithm = algorithm_for(key)
    except ValueError as exc:
        raise ConfigError(f"{setting} {path} is {exc}. Make a key NetSuite takes ({KEY_TYPES}): custsync setup "
                          "netsuite-m2m, then upload its certificate in a new mapping.") from None
    return SigningKey(key, algorithm)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CertificateInfo:
    not_before: datetime
    not_after: datetime  # as NetSuite holds it: at most two years after not_before
    public_key: object


def read_certificate(path: Path) -> CertificateInfo:
    setting = "[netsuite] certificate_file (CUSTSYNC_NETSUITE_CERTIFICATE_FILE)"
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{setting} {path}: cannot read it ({exc.strerror}). Name the certificate uploaded to "
                          "NetSuite, or leave the setting out.") from None
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ConfigError(f"{setting} {path} is not an x.509 certificate in PEM form (-----BEGIN CERTIFICATE-----).") from None
    start = cert.not_valid_before_utc
    end = min(cert.not_valid_after_utc, start + timedelta(days=MAX_VALIDITY_DAYS))
    return CertificateInfo(start, end, cert.public_key())


def same_key_pair(key: SigningKey, certificate: CertificateInfo) -> bool:
    der = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.key.public_key().public_bytes(*der) == certificate.public_key.public_bytes(*der)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NewKeyPair:
    private_pem: bytes
    certificate_pem: bytes
    algorithm: str
    not_after: datetime


def new_key_pair(*, algorithm: str = "ES256", common_name: str = "custsync", days: int = MAX_VALIDITY_DAYS,
                 now: datetime | None = None) -> NewKeyPair:
    """A private key and its self-signed certificate, as NetSuite takes them (`algorithm`: ES256, ES384, ES512
    or PS256; PS256 makes an RSA key of 3072 bits)."""
    if algorithm == "PS256":
        key: PrivateKey = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        digest: hashes.SHA256 | hashes.SHA384 | hashes.SHA512 = hashes.SHA256()
    elif algorithm in EC_CURVES:
        key = ec.generate_private_key(EC_CURVES[algorithm])
        digests: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
            "ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}
        digest = digests[algorithm]
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}: PS256, ES256, ES384 or ES512")
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)  # a clock a little behind NetSuite's
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=days)).sign(key, digest))
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    return NewKeyPair(private_pem, cert.public_bytes(serialization.Encoding.PEM), algorithm, cert.not_valid_after_utc)


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only (0600 from the first byte); FileExistsError if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def others_can_read(path: Path) -> bool:
    return bool(Path(path).stat().st_mode & 0o077)
