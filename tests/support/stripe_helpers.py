"""Shared by the mock_stripe tests: the official SDK pointed at the mock."""

import stripe

DEMO_KEY = "sk_test_custsync_demo_4242424242424242"


def make_client(server, key=DEMO_KEY, **kw):
    """The official SDK pointed at the mock; `server` is anything with a `.url`."""
    return stripe.StripeClient(key, base_addresses={"api": server.url}, max_network_retries=0, **kw)
