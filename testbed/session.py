"""One place that turns a configuration into a running engine: real targets, or the bundled mocks with demo data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sync_core.config import Config
from sync_core.engine import Engine

from . import demo
from .bundled import BundledMocks


@asynccontextmanager
async def open_engine(
    config: Config,
    *,
    confirm_live: bool = False,
    demo_customers: int = demo.DEMO_CUSTOMERS,
    on_status: Callable[[str], None] | None = None,
) -> AsyncIterator[Engine]:
    """An engine for `config`; when the config names no targets, the bundled mocks loaded with demo data."""
    mocks: BundledMocks | None = None
    if config.uses_bundled_mocks:
        if on_status:
            on_status("starting the bundled NetSuite and Stripe mocks with demo data...")
        mocks = BundledMocks()
        try:
            # Starting processes and loading state block: keep the event loop (the TUI) responsive.
            await asyncio.to_thread(mocks.start)
            await asyncio.to_thread(mocks.load, *demo.generate(demo_customers))
        except BaseException:
            mocks.stop()
            raise
        config = mocks.configure(config)
    try:
        async with Engine.from_config(config, confirm_live=confirm_live) as engine:
            yield engine
    finally:
        if mocks is not None:
            mocks.stop()
