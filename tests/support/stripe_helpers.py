"""Shared by the mock_stripe tests: the official SDK pointed at the mock."""

import httpx
import stripe

DEMO_KEY = "sk_test_custsync_demo_4242424242424242"


def make_client(server, key=DEMO_KEY, **kw):
    """The official SDK pointed at the mock; `server` is anything with a `.url`."""
    return stripe.StripeClient(key, base_addresses={"api": server.url}, max_network_retries=0, **kw)


def get(server, path, params=None, key=DEMO_KEY):
    return httpx.get(server.url + path, params=params, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def events(server, key=DEMO_KEY, **params):
    r = get(server, "/v1/events", params, key)
    assert r.status_code == 200, r.text
    return r.json()
