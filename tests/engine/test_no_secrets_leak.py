"""No API key, token secret, signing secret, signed portal link or session URL appears in output, --json,
the journal or error text."""

import re

from testbed import demo
from tests.support.cli import custsync
from tests.support.engine_world import config_file
from tests.support.m2m_helpers import m2m_config_file


def test_cli_outputs_and_journal_hold_no_secrets(world, tmp_path):
    world.mocks.load(*demo.generate(30, seed=3))
    config, env = config_file(world, tmp_path)
    secrets = [env[k] for k in env if k.startswith("CUSTSYNC_") and ("SECRET" in k or "KEY" in k or "TOKEN" in k)]
    assert len(secrets) == 5
    runs = [
        ["sync", "1001"], ["sync", "1001", "--json"], ["mass-sync"], ["mass-sync", "--json"], ["doctor", "--json"],
        ["portal-link", "1001", "--json"], ["portal-link", "1001", "--check"], ["portal-link", "1001", "--check", "--json"],
        ["portal-link", "--all", "--check", "--json"],
    ]
    texts = []
    for args in runs:
        r = custsync("--config", str(config), *args, env=env)
        assert r.returncode in (0, 1, 3), r.stderr  # 3: some customers need a person (exit codes, issue 12)
        texts += [r.stdout, r.stderr]
    texts.append((tmp_path / "journal.sqlite").read_bytes().decode("latin-1"))
    portal_urls = [c.get("custentity_paypack_portal_url") for c in world.ns_customers().values()]
    portal_urls = [u for u in portal_urls if u]
    assert portal_urls, "the runs should have stored portal links"
    signing_secret = world.mocks.netsuite.control.configure_portal_suitelet()["signing_secret"]
    blob = "\n".join(texts)
    for secret in secrets + portal_urls + [signing_secret]:
        assert secret not in blob, f"leaked: {secret[:12]}..."
    assert "sig=" not in blob  # no signature, whole or cut
    assert not re.search(r"/p/session/(?!\*\*\*\*)", blob)  # a session URL opened by --check is never shown
    assert "/app/site/hosting/****" in blob  # masked, not absent


def test_bad_key_error_masks_the_key(world, tmp_path):
    world.mocks.load(*demo.generate(5, seed=3))
    config, env = config_file(world, tmp_path)
    env["CUSTSYNC_STRIPE_API_KEY"] = "sk_test_WRONGKEYabcd"
    r = custsync("--config", str(config), "doctor", env=env)
    assert r.returncode == 1
    # Stripe masks a bad key with one star per hidden character (issue 15: the mock does as Stripe does).
    assert "WRONGKEY" not in r.stdout + r.stderr and "sk_test_********abcd" in r.stdout


def test_m2m_outputs_and_journal_hold_no_token_jwt_or_key(world, tmp_path):
    """OAuth 2.0: the private key, the signed JWT and the access tokens stay out of every output."""
    world.mocks.load(*demo.generate(20, seed=4))
    config, env = m2m_config_file(world, tmp_path)
    texts = []
    for args in (["sync", "1001", "--json"], ["mass-sync"], ["mass-sync", "--json"], ["doctor"], ["doctor", "--json"]):
        r = custsync("--config", str(config), *args, env=env)
        assert r.returncode in (0, 1, 3), r.stderr
        texts += [r.stdout, r.stderr]
    texts.append((tmp_path / "journal.sqlite").read_bytes().decode("latin-1"))
    blob = "\n".join(texts)
    with open(world.mocks.netsuite.info["private_key_file"]) as fh:
        key_lines = [line for line in fh.read().splitlines() if line and not line.startswith("-----")]
    for line in key_lines:
        assert line not in blob, "a line of the private key leaked"
    assert "eyJ" not in blob and "Bearer" not in blob  # no JWT (base64 of '{"'), no Authorization header
