"""OAuth 2.0 client credentials (M2M) end to end: the engine against the mock servers, with a token that
expires during a run; the doctor on both auths."""

from __future__ import annotations

from sync_core.admin.doctor import run_doctor
from sync_core.config import NetSuiteAuth
from sync_core.events import PlanReady
from sync_core.netsuite.auth import M2MAuth, TokenAuth
from sync_core.run.journal import Journal
from testbed import demo
from tests.support.engine_world import assert_exactly_once

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
HOUR = 3600


def token_requests(world) -> int:
    return sum(1 for r in world.mocks.netsuite.control.requests() if r["path"] == TOKEN_PATH)


async def test_a_mass_sync_outlives_its_token_without_a_failed_customer(world, tmp_path):
    """Between the plan and the writes NetSuite's clock passes the token's hour while ours is 100 s behind
    it: the write-back and portal-link calls meet 401s, one new token is bought, every customer is synced."""
    world.mocks.load(*demo.generate(120, seed=21))
    world.mocks.netsuite.control.clear_requests()
    async with world.engine() as engine:
        auth = engine.netsuite.auth
        assert isinstance(auth, M2MAuth) and engine.config.netsuite.auth_method is NetSuiteAuth.M2M
        real_clock = auth.clock
        outcomes, finished = [], None
        async for event in engine.mass_sync(Journal(tmp_path / "j.sqlite")):
            if isinstance(event, PlanReady):
                assert auth.token_requests == 1
                world.mocks.netsuite.control.advance_clock(HOUR + 1)
                auth.clock = lambda: real_clock() + HOUR - 100  # still "fresh" by ours: the call finds out
            outcomes.append(event)
        finished = outcomes[-1]
    assert finished.counts.get("failed", 0) == 0, [o.cause for o in finished.failures]
    assert finished.counts["ok"] > 100
    assert auth.token_requests == 2 and token_requests(world) == 2  # one renewal, shared by every waiting call
    assert "AccessTokenExpired" in {e["detail"] for e in world.mocks.netsuite.control.login_audit()}
    assert finished.retries == 0  # the 401 is the auth's to handle, not a retry
    assert_exactly_once(world)


async def test_single_syncs_an_hour_apart_renew_the_token_before_it_expires(world):
    world.mocks.load(*demo.generate(5, seed=22))
    async with world.engine() as engine:
        auth = engine.netsuite.auth
        real_clock = auth.clock
        first = await engine.sync_one("1001")
        world.mocks.netsuite.control.advance_clock(HOUR)  # an hour passes, for both
        auth.clock = lambda: real_clock() + HOUR
        second = await engine.sync_one("1002")
    assert first.status.value == "ok" and second.status.value == "ok", (first.cause, second.cause)
    assert auth.token_requests == 2
    assert world.mocks.netsuite.control.login_audit() == []  # renewed ahead: no call met an expired token


async def test_tba_still_syncs_when_the_configuration_says_so(world):
    world.mocks.load(*demo.generate(5, seed=23))
    world.mocks.netsuite.control.clear_requests()
    world.config.netsuite.auth = NetSuiteAuth.TBA
    async with world.engine() as engine:
        assert isinstance(engine.netsuite.auth, TokenAuth)
        outcome = await engine.sync_one("1001")
    assert outcome.status.value == "ok", outcome.cause
    assert token_requests(world) == 0


def by_id(checks):
    return {c.id: c for c in checks}


async def test_doctor_on_m2m_reports_the_token_and_the_certificate(world):
    world.mocks.load(*demo.generate(5, seed=24))
    async with world.engine() as engine:
        checks = by_id(await run_doctor(engine.services))
    assert checks["netsuite-auth"].ok and not checks["netsuite-auth"].warning
    assert "OAuth 2.0 client credentials (M2M)" in checks["netsuite-auth"].detail
    assert "issued a bearer token" in checks["netsuite-auth"].detail
    cert = checks["netsuite-certificate"]
    assert cert.ok and not cert.warning and "valid until" in cert.detail
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]


async def test_doctor_on_tba_notes_that_new_tba_integrations_end_in_2027_1(world):
    world.mocks.load(*demo.generate(5, seed=24))
    world.config.netsuite.auth = NetSuiteAuth.TBA
    async with world.engine() as engine:
        checks = by_id(await run_doctor(engine.services))
    auth = checks["netsuite-auth"]
    assert auth.ok and auth.warning and "2027.1" in auth.detail and "custsync setup netsuite-m2m" in auth.remedy
    assert "netsuite-certificate" not in checks
    assert all(c.ok for c in checks.values())


async def test_doctor_warns_30_days_before_the_certificate_expires(world):
    world.mocks.load(*demo.generate(5, seed=24))
    from datetime import timedelta

    from sync_core.admin.auth_checks import certificate_expiry
    from sync_core.netsuite.m2m_keys import read_certificate

    ns = world.config.netsuite
    expires = read_certificate(ns.certificate_file).not_after
    soon = certificate_expiry(ns, now=expires - timedelta(days=29))
    assert soon.ok and soon.warning and "in 29 day(s)" in soon.detail and "custsync setup netsuite-m2m" in soon.remedy
    later = certificate_expiry(ns, now=expires - timedelta(days=31))
    assert later.ok and not later.warning
    gone = certificate_expiry(ns, now=expires + timedelta(seconds=1))
    assert not gone.ok and "expired" in gone.detail


async def test_doctor_with_a_revoked_certificate_says_so_once_and_still_checks_stripe(world):
    world.mocks.load(*demo.generate(5, seed=25))
    state = world.mocks.netsuite.control.state()
    state["integrations"][0]["certificates"][0]["revoked"] = True  # the admin clicked Revoke
    world.mocks.netsuite.control.load(state)
    world.mocks.netsuite.control.clear_requests()
    async with world.engine() as engine:
        checks = by_id(await run_doctor(engine.services))
    auth = checks["netsuite-auth"]
    assert not auth.ok and "invalid_grant" in auth.detail and "revoked" in auth.detail
    assert "OAuth 2.0 Client Credentials (M2M) Setup" in auth.remedy
    assert checks["stripe-credentials"].ok and checks["portal-configuration"].ok
    skipped = [c for c in checks.values() if c.detail.startswith("not checked")]
    assert {c.id for c in skipped} >= {"netsuite-credentials", "customer-sync-search", "netsuite-concurrency"}
    assert {r["path"] for r in world.mocks.netsuite.control.requests()} == {TOKEN_PATH}
    assert world.mocks.netsuite.control.login_audit()[-1]["detail"] == "CertificateRevoked"
