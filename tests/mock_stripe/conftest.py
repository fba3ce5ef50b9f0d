"""One mock Stripe server (in a thread) for the whole session; each test starts from the default state and no faults."""

import httpx
import pytest
import stripe

from mock_stripe import serve_in_thread
from mock_stripe.faults import DEFAULTS
from tests.support.stripe_helpers import make_client


@pytest.fixture(scope="session")
def server():
    srv = serve_in_thread(seed=1234)
    yield srv
    srv.stop()


# Shared across the session: a client per test would open a connection per test.
@pytest.fixture(scope="session")
def ctl(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture(autouse=True)
def _clean(ctl):
    ctl.put("/_mock/faults", json=dict(DEFAULTS)).raise_for_status()
    ctl.post("/_mock/reset").raise_for_status()
    ctl.delete("/_mock/requests").raise_for_status()
    yield


@pytest.fixture
def client(server):
    return make_client(server)


@pytest.fixture
def aclient(server):
    return make_client(server, http_client=stripe.HTTPXClient())


@pytest.fixture
def put_state(ctl):
    def put(doc):
        r = ctl.put("/_mock/state", json=doc)
        assert r.status_code == 204, r.text
    return put
