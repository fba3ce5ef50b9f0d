"""Two pairs of mock servers: `source` plays the company's real NetSuite and Stripe (captured from, read-only),
`replay` the fresh mocks a captured scenario is loaded into. Session-scoped: each test loads its own state."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync_core.config import Config
from sync_core.run.journal import Journal
from testbed.capture_real import Capture, capture_to_file
from testbed.scenario_load import LoadedScenario
from testbed.scenario_model import Given
from testbed.scenario_runner import MockPair
from testbed.scenario_state import apply_overrides

# Situations support meets, in one account (each customer's neighbourhood stays apart from the others').
SITUATIONS: dict[str, Any] = {
    "netsuite": {"customers": [
        # one mailbox in two letter cases on the Stripe side; another NetSuite customer of the same mailbox
        {"id": 101, "companyname": "Harbour Freight Ltd", "email": "Billing@HarbourFreight.test", "phone": "+1 555 0101",
         "address": {"addr1": "1 Quay Street", "city": "Portsmouth", "zip": "03801", "country": "US"}},
        {"id": 102, "companyname": "Harbour Freight Repairs", "email": "billing@harbourfreight.test"},
        # the stored id names a customer deleted in Stripe
        {"id": 201, "companyname": "Gone Fishing Inc", "email": "ap@gonefishing.test", "stripe_customer_id": "cus_gone"},
        # an interrupted create: Stripe made the customer, NetSuite never got its id back
        {"id": 301, "companyname": "Halfway House LLC", "email": "accounts@halfwayhouse.test"},
        # linked to a Stripe customer that another NetSuite customer owns (made for 402, and 402 links it)
        {"id": 401, "companyname": "Borrowed Link Co", "email": "ops@borrowedlink.test", "stripe_customer_id": "cus_owned"},
        {"id": 402, "companyname": "Owner Holdings", "email": "finance@ownerholdings.test", "stripe_customer_id": "cus_owned"},
        # the stored id exists only in live mode (the key is a test key)
        {"id": 501, "companyname": "Mixed Modes GmbH", "email": "buchhaltung@mixedmodes.test",
         "stripe_customer_id": "cus_livemode"},
        # nothing to match on
        {"id": 601, "companyname": "No Contact Corp"},
    ]},
    "stripe": {"customers": [
        {"id": "cus_hf_lower", "email": "billing@harbourfreight.test", "name": "Harbour Freight", "created": 1700000100},
        {"id": "cus_hf_upper", "email": "BILLING@HarbourFreight.test", "name": "Harbour Freight Ltd", "created": 1700000200},
        {"id": "cus_gone", "email": "ap@gonefishing.test", "deleted": True},
        {"id": "cus_halfway", "email": "accounts@halfwayhouse.test", "name": "Halfway House LLC", "created": 1700000300,
         "metadata": {"netsuite_internal_id": "301"}},
        {"id": "cus_owned", "email": "finance@ownerholdings.test", "name": "Owner Holdings", "created": 1700000400,
         "metadata": {"netsuite_internal_id": "402"}},
        {"id": "cus_livemode", "email": "buchhaltung@mixedmodes.test", "other_mode": True},
    ], "portal_configuration": "active"},
}


@pytest.fixture(scope="session")
def source() -> Iterator[MockPair]:
    with MockPair.start() as pair:
        yield pair


@pytest.fixture(scope="session")
def replay() -> Iterator[MockPair]:
    with MockPair.start() as pair:
        yield pair


def load_source(pair: MockPair, tmp_path: Path, given: dict[str, Any] = SITUATIONS) -> Config:
    """Load `given` into the source mocks; the config custsync uses against them, with its own journal, in
    which a mass sync was killed right after sending customer 301's create."""
    model = Given.model_validate(given)
    config = apply_overrides(pair.config, model).model_copy(deep=True)
    config.sync.journal_path = tmp_path / "journal.sqlite"
    pair.load(model, config)
    journal = Journal(config.sync.journal_path)
    run = journal.start_run(config.netsuite.mass_customer_sync_search)
    journal.add_pending(run, ["301", "101"])
    journal.mark(run, "301", "create-attempted")
    journal.close()
    return config


def capture_file(config: Config, ids: list[str], path: Path, **options: Any) -> tuple[Capture, LoadedScenario]:
    return asyncio.run(capture_to_file(config, ids, path, **options))


def comparable(pair: MockPair) -> tuple[Any, Any]:
    """Both mocks' whole state (what a write would change)."""
    return pair.netsuite.state(), pair.stripe.state()
