"""Wire the NetSuite mock's portal Suitelet to the Stripe mock, as an admin sets the Suitelet's parameters.

The Suitelet creates sessions by calling the Stripe API it is configured with, over HTTP, so the NetSuite
mock must know the Stripe mock's URL and a key it accepts. The signing secret is random, one for each
pair of running mocks: never a value anyone could know from the source.
"""

from __future__ import annotations

import secrets

from .control import MockControl


def new_signing_secret() -> str:
    return secrets.token_hex(24)


def wire_portal(netsuite: MockControl, *, stripe_url: str, stripe_key: str | None, return_url: str,
                signing_secret: str | None = None) -> None:
    netsuite.configure_portal_suitelet(stripe_base_url=stripe_url, stripe_api_key=stripe_key, return_url=return_url,
                                       signing_secret=signing_secret or new_signing_secret())


def rotate_secret(netsuite: MockControl) -> None:
    """What an admin does to invalidate every link: a new API secret."""
    netsuite.configure_portal_suitelet(signing_secret=new_signing_secret())
