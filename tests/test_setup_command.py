"""`custsync setup` and `custsync setup netsuite-m2m` without a terminal: answers from flags and stdin, files
written whole or not at all, never a secret in the configuration, never an existing file replaced unasked."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sync_core.config import load_config
from sync_core.netsuite.auth import for_config

ROOT = Path(__file__).resolve().parents[1]


def custsync(*args: str, stdin: str = "", cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env={**base, **(env or {})}, timeout=120)


def test_netsuite_m2m_makes_an_owner_only_key_and_prints_what_to_upload_and_do(tmp_path):
    r = custsync("setup", "netsuite-m2m", "--account", "1234567_SB1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    key_file, cert_file = tmp_path / "netsuite-m2m-key.pem", tmp_path / "netsuite-m2m-cert.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(key_file.read_bytes(), None)
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"  # ES256
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 730  # NetSuite's most: two years
    out = r.stdout
    assert cert_file.read_text().strip() in out  # the certificate to upload
    assert "PRIVATE KEY" not in out
    for words in ("Client Credentials (Machine to Machine) Grant", "OAuth 2.0 Client Credentials (M2M) Setup",
                  "Log in using OAuth 2.0 Access Tokens", "RESTLETS and REST WEB SERVICES", "copy the Client ID",
                  "Certificate ID", "sandbox", 'auth = "m2m"', f'private_key_file = "{key_file}"',
                  'account = "1234567_SB1"'):
        assert words in out, words


def test_netsuite_m2m_never_replaces_a_key_unasked(tmp_path):
    assert custsync("setup", "netsuite-m2m", cwd=tmp_path).returncode == 0
    first = (tmp_path / "netsuite-m2m-key.pem").read_bytes()
    again = custsync("setup", "netsuite-m2m", cwd=tmp_path)
    assert again.returncode == 2 and "already exist" in again.stderr and "--force" in again.stderr
    assert (tmp_path / "netsuite-m2m-key.pem").read_bytes() == first
    forced = custsync("setup", "netsuite-m2m", "--force", "--algorithm", "PS256", "--json", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    doc = json.loads(forced.stdout)
    assert doc["algorithm"] == "PS256" and doc["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    key = serialization.load_pem_private_key((tmp_path / "netsuite-m2m-key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 3072  # NetSuite takes 3072 or 4096
    assert sorted(p.name for p in tmp_path.iterdir()) == ["netsuite-m2m-cert.pem", "netsuite-m2m-key.pem"]


def test_netsuite_m2m_refuses_an_account_in_host_form(tmp_path):
    r = custsync("setup", "netsuite-m2m", "--account", "1234567-sb1", cwd=tmp_path)
    assert r.returncode == 2 and "1234567_SB1" in r.stderr and list(tmp_path.iterdir()) == []


REAL_ANSWERS = "\n".join(["real", "1234567_SB1", "m2m", "", "", "", "", "", "", "", "real", ""]) + "\n"


def test_guided_setup_from_stdin_writes_a_config_without_secrets_and_says_where_they_go(tmp_path):
    r = custsync("setup", stdin=REAL_ANSWERS, cwd=tmp_path)
    config_file = tmp_path / "custsync.toml"
    written = tomllib.loads(config_file.read_text())
    assert written["netsuite"] == {
        "target": "real", "account": "1234567_SB1", "auth": "m2m",
        "stripe_id_field": "custentity_paypack_stripe_customer_id", "portal_url_field": "custentity_paypack_portal_url",
        "customer_sync_search": "customsearch_paypack_customer_sync",
        "mass_customer_sync_search": "customsearch_paypack_mass_customer_sync",
        "private_key_file": str(tmp_path / "netsuite-m2m-key.pem"),
        "certificate_file": str(tmp_path / "netsuite-m2m-cert.pem")}
    assert written["stripe"] == {"target": "real"}
    assert "# client_id =" in config_file.read_text() and "# certificate_id =" in config_file.read_text()
    assert "PRIVATE KEY" not in config_file.read_text()
    assert "CUSTSYNC_STRIPE_API_KEY" in r.stdout and "chmod 600" in r.stdout
    # It ends with the doctor, which says what is still missing (exit 2) before anything is sent.
    assert r.returncode == 2 and "custsync doctor cannot run yet" in r.stderr
    assert "CUSTSYNC_NETSUITE_CLIENT_ID" in r.stderr and "CUSTSYNC_STRIPE_API_KEY" in r.stderr
    # Filled in, the configuration is one custsync signs in with.
    env = {"CUSTSYNC_NETSUITE_CLIENT_ID": "c" * 64, "CUSTSYNC_NETSUITE_CERTIFICATE_ID": "kid",
           "CUSTSYNC_STRIPE_API_KEY": "sk_test_x"}
    config = load_config(config_file, env=env)
    config.require_credentials()
    assert type(for_config(config.netsuite, config.netsuite.resolved_rest_url())).__name__ == "M2MAuth"


def test_guided_setup_with_tba_names_the_four_secrets_and_makes_no_key(tmp_path):
    r = custsync("setup", "--yes", "--account", "7654321", "--auth", "tba", cwd=tmp_path)
    assert r.returncode == 2, r.stderr  # the doctor: secrets missing
    for name in ("CUSTSYNC_NETSUITE_CONSUMER_KEY", "CUSTSYNC_NETSUITE_TOKEN_SECRET"):
        assert name in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["custsync.toml"]
    assert tomllib.loads((tmp_path / "custsync.toml").read_text())["netsuite"]["auth"] == "tba"


def test_guided_setup_keeps_an_existing_config_unless_forced(tmp_path):
    config_file = tmp_path / "custsync.toml"
    config_file.write_text("[netsuite]\n# mine\n")
    r = custsync("setup", "--yes", "--account", "1234567", cwd=tmp_path)
    assert r.returncode == 2 and "already exists" in r.stderr and "--force" in r.stderr
    assert config_file.read_text() == "[netsuite]\n# mine\n"
    forced = custsync("setup", "--yes", "--account", "1234567", "--force", cwd=tmp_path)
    assert "# mine" not in config_file.read_text() and forced.returncode == 2  # written; the doctor needs secrets


def test_guided_setup_names_the_global_config_file(tmp_path):
    target = tmp_path / "etc" / "custsync.toml"
    target.parent.mkdir()
    custsync("--config", str(target), "setup", "--yes", "--account", "1234567", "--auth", "tba", cwd=tmp_path)
    assert target.exists() and not (tmp_path / "custsync.toml").exists()


def test_a_bad_answer_without_a_terminal_is_exit_2_and_writes_nothing(tmp_path):
    r = custsync("setup", stdin="real\n1234567-sb1\n", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 1234567_SB1?" in r.stderr and "Nothing was written" in r.stderr
    assert list(tmp_path.iterdir()) == []
    r = custsync("setup", "--yes", cwd=tmp_path)  # the account has no default
    assert r.returncode == 2 and "account: an answer is needed" in r.stderr and list(tmp_path.iterdir()) == []
    r = custsync("setup", "--yes", "--account", "1234567", "--certificate-id", "a b", cwd=tmp_path)
    assert r.returncode == 2 and "has spaces" in r.stderr and list(tmp_path.iterdir()) == []
    r = custsync("setup", "--yes", "--account", "1234567", "--stripe-id-field", "stripe_id", cwd=tmp_path)
    assert r.returncode == 2 and "stripe-id-field" in r.stderr and list(tmp_path.iterdir()) == []
