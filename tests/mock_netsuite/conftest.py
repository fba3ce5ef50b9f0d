"""One mock NetSuite server for the whole session; each test starts from the default state and no faults."""
from __future__ import annotations

import httpx
import pytest

from mock_netsuite import serve_in_thread
from mock_stripe import serve_in_thread as serve_stripe
from tests.support.ns_helpers import DEFAULT_FAULTS, make_client
from tests.support.portal_helpers import CONTRACT, DEPLOY, SECRET, STRIPE_KEY


@pytest.fixture(scope="session")
def server():
    running = serve_in_thread(concurrency_limit=5)
    yield running
    running.stop()


# Clients are shared across the session: building an httpx.Client costs tens of milliseconds.
@pytest.fixture(scope="session")
def control(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture(scope="session")
def ns(server):
    with make_client(server) as c:
        yield c


@pytest.fixture(autouse=True)
def clean(control):
    assert control.post("/_mock/reset").status_code == 204
    assert control.put("/_mock/faults", json=DEFAULT_FAULTS).status_code == 200
    assert control.delete("/_mock/requests").status_code == 204


@pytest.fixture
def seed(control):
    """seed(customers, **other_state_keys): replace the state, keeping the default searches and deployments."""
    def _seed(customers: list[dict], **extra):
        doc = control.get("/_mock/state").json()
        doc["customers"] = customers
        doc.update(extra)
        resp = control.put("/_mock/state", json=doc)
        assert resp.status_code == 204, resp.text
        return doc
    return _seed


@pytest.fixture(scope="session")
def stripe_server():
    srv = serve_stripe(seed=99)
    yield srv
    srv.stop()


@pytest.fixture
def wired(control, seed, stripe_server):
    """Both mocks loaded with the contract's state; the Suitelet calls mock_stripe with its key.
    setup: a contract case's setup, and `parameters` (more of the Suitelet's, e.g. company_name)."""
    def load(setup: dict | None = None):
        setup = setup or {}
        st = CONTRACT["state"]
        deployments = control.get("/_mock/state").json()["deployments"]
        for d in deployments:
            if d["deploymentId"] == DEPLOY:
                d["status"] = setup.get("deployment_status", "RELEASED")
        seed(st["netsuite_customers"], deployments=deployments, portal_suitelet={
            "stripe_base_url": setup.get("stripe_base_url", stripe_server.url),
            "stripe_api_key": setup.get("stripe_api_key", STRIPE_KEY),
            "return_url": "https://erp.test/account", "signing_secret": SECRET, **setup.get("parameters", {})})
        r = httpx.put(f"{stripe_server.url}/_mock/state", json={"accounts": [{
            "id": "acct_demo", "api_keys": [STRIPE_KEY],
            "test": {"customers": st["stripe_customers"],
                     "portal_configuration": setup.get("stripe_portal", "active")}}]})
        assert r.status_code == 204, r.text
    return load
