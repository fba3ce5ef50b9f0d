"""One mass sync as the benchmark's client, in a process of its own, so its CPU and peak memory are the
client's alone (the benchmark's own process holds the generated account, which would swamp the figure).

Reads one JSON request on stdin (the mocks' launch info, credentials included, never on the command
line), runs `Engine.mass_sync` and prints one JSON line: the run's figures.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync_core.config import load_config
from sync_core.engine import Engine
from sync_core.events import PlanReady, RunFinished
from sync_core.run.journal import Journal
from testbed.bundled import configure_for

PLAN, PER_CUSTOMER = "plan", "per-customer"


def mass_sync_paths() -> list[str]:
    """The paths this code's Engine.mass_sync offers: before the plan landed it had no `path` keyword
    and was the per-customer path."""
    if "path" in inspect.signature(Engine.mass_sync).parameters:
        return [PLAN, PER_CUSTOMER]
    return [PER_CUSTOMER]


def peak_rss_mb() -> float:
    """This process image's peak RSS (VmHWM). Not ru_maxrss: Linux carries that across exec, so it would
    hold the benchmark's own size at the fork."""
    with open("/proc/self/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    return round(kb / 1024, 1)


async def run(request: dict) -> dict:
    config = configure_for(load_config(env={}), request["netsuite"], request["stripe"])
    config.netsuite.concurrency = request["netsuite_concurrency"]
    # None: Stripe's limits for the key's mode (sync_core/stripe/limits.py), as a run with [stripe] left empty.
    config.stripe.requests_per_second = request["stripe_rps"]
    if request.get("stripe_operation_rps"):
        config.stripe.operation_requests_per_second = request["stripe_operation_rps"]
    config.stripe.search_requests_per_second = request["stripe_search_rps"]
    config.stripe.allow_live = request.get("stripe_mode") == "live"  # the benchmark's own mock account
    config.sync.workers = request.get("workers")
    kwargs: dict = {"portal": request.get("portal", True)}
    if PLAN in mass_sync_paths():
        kwargs["path"] = request["path"]
    elif request["path"] != PER_CUSTOMER:
        raise SystemExit(f"this code has no {request['path']!r} mass-sync path")
    if request.get("changed_since"):
        kwargs["changed_since"] = datetime.fromisoformat(request["changed_since"])
    journal = Journal(Path(request["journal"]))
    started_at = datetime.now(UTC).isoformat()
    cpu, wall = time.process_time(), time.monotonic()
    finished, index, planned_at = None, None, None
    async with Engine.from_config(config) as engine:
        async for event in engine.mass_sync(journal, **kwargs):
            if isinstance(event, RunFinished):
                finished = event
            elif isinstance(event, PlanReady):
                index = event.plan.index
                planned_at = time.monotonic()
    journal.close()
    assert finished is not None
    return {"seconds": round(time.monotonic() - wall, 3), "engine_seconds": round(finished.elapsed, 3),
            "plan_seconds": round(planned_at - wall, 3) if planned_at is not None else None,
            "client_cpu_s": round(time.process_time() - cpu, 3),
            "client_peak_rss_mb": peak_rss_mb(),
            "counts": finished.counts, "failures": len(finished.failures), "retries": finished.retries,
            "in_flight_peak": finished.in_flight_peak,
            "client_netsuite_requests": finished.netsuite_requests,
            "client_stripe_requests": finished.stripe_requests, "started_at": started_at, "index": index}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.load(sys.stdin)))))
