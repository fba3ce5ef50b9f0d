"""The session's mocks (tests/conftest.py); each test starts from no faults and the demo data (40 customers)."""

from __future__ import annotations

import pytest

from sync_core.config import load_config
from sync_core.engine import Engine
from testbed import demo
from tui.app import make_app

DEMO_SIZE = 40


@pytest.fixture
def config(mocks, tmp_path):
    """Fresh demo data, no faults; the config points at the mocks with a journal in tmp_path."""
    mocks.fresh()
    mocks.load(*demo.generate(DEMO_SIZE))
    cfg = mocks.configure(load_config(env={}))
    cfg.stripe.requests_per_second = cfg.stripe.operation_requests_per_second = 1000
    cfg.sync.backoff_base_seconds = 0.01
    cfg.sync.backoff_max_seconds = 0.05
    cfg.sync.journal_path = tmp_path / "journal.sqlite"
    return cfg


@pytest.fixture
def app_for(config):
    """make_app over the running mocks (the engine opened by the app, closed on exit). `started_mocks`: the
    app takes them for its own (as the mocks it starts without a config), else for someone's running mocks."""
    def build(cfg=None, *, started_mocks=True):
        return make_app(cfg or config, engine_factory=Engine.from_config, started_mocks=started_mocks)
    return build
