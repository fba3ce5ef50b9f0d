"""One mock NetSuite server for the whole session; each test starts from the default state and no faults."""
from __future__ import annotations

import httpx
import pytest

from mock_netsuite import serve_in_thread

from tests.support.ns_helpers import DEFAULT_FAULTS, make_client


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
