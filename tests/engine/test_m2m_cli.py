"""`custsync` with OAuth 2.0 M2M against the mock servers: bad input is exit 2 with nothing sent; refused
credentials are exit 2 after the one token request; a working configuration syncs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from testbed import demo
from tests.support.cli import Ran
from tests.support.cli import custsync as run_custsync
from tests.support.m2m_helpers import m2m_config_file as config_file

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"


def custsync(config: str, env: dict, *args: str) -> Ran:
    return run_custsync("--config", config, *args, env=env)


@pytest.fixture
def demo_world(world):
    world.mocks.load(*demo.generate(5, seed=31))
    for mock in (world.mocks.netsuite, world.mocks.stripe):
        mock.control.clear_requests()
    return world


def sent(world) -> dict[str, list[str]]:
    return {name: [r["path"] for r in getattr(world.mocks, name).control.requests()] for name in ("netsuite", "stripe")}


def key_file(tmp_path, key) -> str:
    path = tmp_path / "other-key.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return str(path)


def test_m2m_sync_works_and_shows_no_token_or_key(demo_world, tmp_path):
    config, env = config_file(demo_world, tmp_path)
    r = custsync(config, env, "sync", "1001", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "ok"
    assert sent(demo_world)["netsuite"][0] == TOKEN_PATH
    key = open(demo_world.mocks.netsuite.info["private_key_file"]).read()
    body = key.split("-----")[2].strip()
    assert body[:40] not in r.stdout + r.stderr and "Bearer" not in r.stdout + r.stderr


@pytest.mark.parametrize("netsuite,words", [
    ({"private_key_file": "/nonexistent/custsync-key.pem"}, "does not exist"),
    ({"private_key_file": "DIRECTORY"}, "cannot read it"),
    ({"private_key_file": "RSA2048"}, "RSA key of 2048 bits"),
    ({"private_key_file": "ED25519"}, "key of type Ed25519"),
    ({"private_key_file": "CERTIFICATE"}, "holds a certificate, not a private key"),
    ({"certificate_id": "Ab3d Ef9"}, "has spaces"),
    ({"account": "1234567-sb1"}, "did you mean 1234567_SB1?"),
    ({"account": "1234567_sb1"}, "in lowercase"),
    ({"certificate_file": "OTHER_CERTIFICATE"}, "is not the certificate of the private key"),
], ids=["missing", "unreadable", "rsa-2048", "ed25519", "a-certificate", "cert-id-spaces", "host-form-account",
        "lowercase-account", "another-keys-certificate"])
def test_bad_m2m_input_is_exit_2_with_nothing_sent(demo_world, tmp_path, netsuite, words):
    value = next(iter(netsuite.values()))
    replacements = {
        "DIRECTORY": str(tmp_path),
        "RSA2048": lambda: key_file(tmp_path, rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "ED25519": lambda: key_file(tmp_path, ed25519.Ed25519PrivateKey.generate()),
        "CERTIFICATE": demo_world.mocks.netsuite.info["certificate_file"],
        "OTHER_CERTIFICATE": lambda: _other_certificate(tmp_path),
    }
    if value in replacements:
        made = replacements[value]
        netsuite = {next(iter(netsuite)): made() if callable(made) else made}
    config, env = config_file(demo_world, tmp_path, **netsuite)
    for args in (["sync", "1001"], ["mass-sync", "--dry-run"]):
        r = custsync(config, env, *args)
        assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
        assert words in r.stderr and "Traceback" not in r.stderr
    assert sent(demo_world) == {"netsuite": [], "stripe": []}


def _other_certificate(tmp_path) -> str:
    from sync_core.netsuite.m2m_keys import new_key_pair

    path = tmp_path / "other-cert.pem"
    path.write_bytes(new_key_pair().certificate_pem)
    return str(path)


def test_a_clock_an_hour_off_is_exit_2_after_the_token_request_alone(demo_world, tmp_path):
    demo_world.mocks.netsuite.control.advance_clock(3600)  # NetSuite's clock an hour ahead of this machine's
    config, env = config_file(demo_world, tmp_path)
    r = custsync(config, env, "sync", "1001")
    assert r.returncode == 2, r.stderr
    assert "clock is 1 h 0 min behind NetSuite's" in r.stderr and "NTP" in r.stderr
    assert sent(demo_world) == {"netsuite": [TOKEN_PATH], "stripe": []}


@pytest.mark.parametrize("change,words", [
    (lambda i: i["certificates"][0].update(revoked=True), "was revoked"),
    (lambda i: i.update(certificates=[]), "a sandbox refresh clears the mappings"),
    (lambda i: i.update(enabled=False), "State is Enabled"),
    (lambda i: i.update(client_credentials=False), "Client Credentials (Machine to Machine) Grant"),
], ids=["revoked", "sandbox-refresh", "blocked", "no-m2m-grant"])
def test_refused_credentials_are_exit_2_with_the_remedy(demo_world, tmp_path, change, words):
    state = demo_world.mocks.netsuite.control.state()
    change(state["integrations"][0])
    demo_world.mocks.netsuite.control.load(state)
    demo_world.mocks.netsuite.control.clear_requests()
    config, env = config_file(demo_world, tmp_path)
    r = custsync(config, env, "mass-sync")
    assert r.returncode == 2, r.stderr
    assert words in r.stderr
    assert sent(demo_world)["netsuite"] == [TOKEN_PATH] and sent(demo_world)["stripe"] == []


def test_doctor_json_on_both_auths(demo_world, tmp_path):
    config, env = config_file(demo_world, tmp_path)
    m2m = json.loads(custsync(config, env, "doctor", "--json").stdout)
    tba_config, tba_env = config_file(demo_world, tmp_path, auth="tba")
    info = demo_world.mocks.netsuite.info
    tba_env.update({f"CUSTSYNC_NETSUITE_{k.upper()}": info[k] for k in ("consumer_key", "consumer_secret",
                                                                        "token_id", "token_secret")})
    tba = json.loads(custsync(tba_config, tba_env, "doctor", "--json").stdout)
    sign_in = {run: next(c for c in doc["checks"] if c["id"] == "netsuite-auth") for run, doc in (("m2m", m2m), ("tba", tba))}
    assert sign_in["m2m"]["ok"] and not sign_in["m2m"]["warning"] and "M2M" in sign_in["m2m"]["detail"]
    assert sign_in["tba"]["ok"] and sign_in["tba"]["warning"] and "2027.1" in sign_in["tba"]["detail"]
    assert m2m["ok"] and tba["ok"]


def test_guided_setup_ends_with_a_doctor_that_passes(demo_world, tmp_path):
    """`custsync setup` against the mocks `custsync mocks` serves: the file written, then every check passes."""
    ns, st = demo_world.mocks.netsuite.info, demo_world.mocks.stripe.info
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}
    env.update({"CUSTSYNC_NETSUITE_CLIENT_ID": ns["client_id"], "CUSTSYNC_NETSUITE_CERTIFICATE_ID": ns["certificate_id"],
                "CUSTSYNC_NETSUITE_PRIVATE_KEY_FILE": ns["private_key_file"], "CUSTSYNC_STRIPE_API_KEY": st["api_key"]})
    r = subprocess.run([sys.executable, "-m", "tui.cli", "setup", "--yes", "--file", str(tmp_path / "c.toml"),
                        "--netsuite-target", "mock", "--netsuite-url", ns["url"], "--stripe-target", "mock",
                        "--stripe-url", st["url"]], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS  NetSuite sign-in: OAuth 2.0 client credentials (M2M)" in r.stdout and "FAIL" not in r.stdout
    assert st["api_key"] not in (tmp_path / "c.toml").read_text()
