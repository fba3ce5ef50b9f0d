"""Mass-sync throughput against both mocks as real servers, as a fraction of the ceiling the limits allow.

Prints figures; passes or fails nothing. In one invocation it measures:
  1. the mocks alone (requests/s each serves here through our clients), so a figure
     limited by the mocks is recognisable as such;
  2. the concurrent mass sync of N customers (faker demo mix, fixed seed);
  3. the same code path one customer at a time (workers = 1) on a subset, as the baseline,
and the ratio between 2 and 3.

    python bench/mass_sync.py --n 2000 --latency-ms 50 --ns-concurrency 15 --stripe-rps 100
    python bench/mass_sync.py --n 10000 --latency-ms 0 --ns-concurrency 64 --stripe-rps 0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync_core.config import load_config  # noqa: E402
from sync_core.engine import Engine  # noqa: E402
from sync_core.events import RunFinished  # noqa: E402
from sync_core.journal import Journal  # noqa: E402
from testbed import demo  # noqa: E402
from testbed.bundled import BundledMocks  # noqa: E402


class RssGrowth:
    """Growth of this process's resident memory during a block, sampled from /proc.

    tracemalloc would halve the client's speed and so falsify the throughput figure.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.baseline = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> "RssGrowth":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.baseline) / 2**20, 1)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


class CpuTime:
    """CPU seconds used during a block by this process (the client) and by each mock's server process.

    With no latency and no limits a run is bound by CPU, not by the services: this says whose.
    """

    def __init__(self, mocks: BundledMocks) -> None:
        self._pids = {"netsuite_mock": mocks.netsuite.process.pid, "stripe_mock": mocks.stripe.process.pid}  # type: ignore[union-attr]
        self.seconds: dict[str, float] = {}

    @staticmethod
    def _proc_cpu(pid: int) -> float:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def _now(self) -> dict[str, float]:
        return {"client": time.process_time(), **{k: self._proc_cpu(p) for k, p in self._pids.items()}}

    def __enter__(self) -> "CpuTime":
        self._start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = {k: v - self._start[k] for k, v in self._now().items()}

    def per_customer_ms(self, n: int) -> dict[str, float]:
        return {k: round(v * 1000 / n, 2) for k, v in self.seconds.items()}


def make_config(mocks: BundledMocks, args: argparse.Namespace, workers: int | None):
    config = mocks.configure(load_config(env={}))
    config.netsuite.concurrency = args.ns_concurrency
    config.stripe.requests_per_second = args.stripe_rps or 1_000_000
    config.stripe.search_requests_per_second = 18 if args.stripe_rps else 1_000_000
    config.sync.workers = workers
    return config


async def mass_sync(mocks: BundledMocks, args: argparse.Namespace, *, workers: int | None, only: list[str] | None = None):
    config = make_config(mocks, args, workers)
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "journal.sqlite")
        async with Engine.from_config(config) as engine:
            finished = None
            async for event in engine.mass_sync(journal, portal=not args.no_portal, only=only):
                if isinstance(event, RunFinished):
                    finished = event
        journal.close()
    assert finished is not None
    return finished


async def mocks_alone(mocks: BundledMocks, args: argparse.Namespace) -> dict[str, float]:
    """Requests/s each mock serves here (signed NetSuite GETs, Stripe retrieves) with no latency and no limits."""
    mocks.netsuite.control.faults(latency_ms=0, concurrency_limit=64)
    mocks.stripe.control.faults(latency_ms=0, requests_per_second=None, search_requests_per_second=None)
    config = make_config(mocks, args, None)
    config.netsuite.concurrency = 32
    config.stripe.requests_per_second = 1_000_000
    config.stripe.search_requests_per_second = 1_000_000
    async with Engine.from_config(config) as engine:
        async def hammer(call) -> float:
            count, stop = 0, time.monotonic() + args.mocks_seconds

            async def loop():
                nonlocal count
                while time.monotonic() < stop:
                    await call()
                    count += 1

            await asyncio.gather(*(loop() for _ in range(32)))
            return count / args.mocks_seconds

        ns_rps = await hammer(lambda: engine.netsuite.get_customer("1001"))
        st_rps = await hammer(lambda: engine.stripe.retrieve("cus_bench"))
    mocks.netsuite.control.faults(latency_ms=args.netsuite_latency_ms, concurrency_limit=args.ns_concurrency)
    mocks.stripe.control.faults(latency_ms=args.stripe_latency_ms, requests_per_second=args.stripe_rps or None,
                                search_requests_per_second=20 if args.stripe_rps else None)
    return {"netsuite_rps": round(ns_rps, 1), "stripe_rps": round(st_rps, 1)}


def ceiling(args: argparse.Namespace, ns_per: float, st_per: float, workers: int) -> float | None:
    """Customers/s the configured limits allow: NetSuite's concurrency over its latency, Stripe's rate."""
    bounds = []
    if args.netsuite_latency_ms > 0 and ns_per:
        bounds.append(args.ns_concurrency / (args.netsuite_latency_ms / 1000) / ns_per)
    if args.stripe_rps and st_per:
        bounds.append(args.stripe_rps / st_per)
    return min(bounds) if bounds else None


def figures(finished: RunFinished, args, workers: int, label: str) -> dict[str, object]:
    n = sum(finished.counts.values())
    ns_per = finished.netsuite_requests / n
    st_per = finished.stripe_requests / n
    rate = n / finished.elapsed
    cap = ceiling(args, ns_per, st_per, workers)
    return {"run": label, "customers": n, "seconds": round(finished.elapsed, 2), "customers_per_s": round(rate, 1),
            "netsuite_requests_per_customer": round(ns_per, 2), "stripe_requests_per_customer": round(st_per, 2),
            "ceiling_customers_per_s": round(cap, 1) if cap else None,
            "fraction_of_ceiling": round(rate / cap, 3) if cap else None, "retries": finished.retries,
            "counts": finished.counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="customers (default 2000)")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency added by both mocks (default 50)")
    parser.add_argument("--netsuite-latency-ms", type=int, default=None, help="NetSuite mock's latency (default: --latency-ms)")
    parser.add_argument("--stripe-latency-ms", type=int, default=None, help="Stripe mock's latency (default: --latency-ms)")
    parser.add_argument("--ns-concurrency", type=int, default=15, help="NetSuite concurrency limit (default 15)")
    parser.add_argument("--stripe-rps", type=float, default=100, help="Stripe requests/s limit, 0 = none (default 100)")
    parser.add_argument("--baseline-n", type=int, default=100, help="customers in the sequential baseline (default 100)")
    parser.add_argument("--mocks-seconds", type=float, default=3.0, help="how long to measure each mock alone (default 3)")
    parser.add_argument("--workers", type=int, default=None, help="customers in flight (default: the engine's choice)")
    parser.add_argument("--no-portal", action="store_true", help="skip portal links")
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    args = parser.parse_args()
    for side in ("netsuite", "stripe"):
        if getattr(args, f"{side}_latency_ms") is None:
            setattr(args, f"{side}_latency_ms", args.latency_ms)

    ns_args = ("--latency-ms", str(args.netsuite_latency_ms), "--concurrency-limit", str(args.ns_concurrency))
    st_args = ("--latency-ms", str(args.stripe_latency_ms))
    if args.stripe_rps:
        st_args += ("--requests-per-second", str(args.stripe_rps))
    report: dict[str, object] = {"args": vars(args)}
    with BundledMocks(netsuite_args=ns_args, stripe_args=st_args) as mocks:
        ns_state, stripe_state = demo.generate(args.n, seed=42)
        stripe_state["accounts"][0]["test"]["customers"].append({"id": "cus_bench", "email": "bench@x.test"})
        mocks.load(ns_state, stripe_state)
        report["mocks_alone"] = asyncio.run(mocks_alone(mocks, args))

        mocks.load(ns_state, stripe_state)
        with RssGrowth() as memory, CpuTime(mocks) as cpu:
            concurrent = asyncio.run(mass_sync(mocks, args, workers=args.workers))
        max_workers = Engine(make_config(mocks, args, args.workers), None, None).workers()  # type: ignore[arg-type]
        report["concurrent"] = {**figures(concurrent, args, max_workers, "concurrent"), "max_in_flight": max_workers,
                                "in_flight_peak": concurrent.in_flight_peak,
                                "rss_growth_mb": memory.growth_mb, "rss_peak_mb": memory.peak_mb,
                                "cpu_ms_per_customer": cpu.per_customer_ms(sum(concurrent.counts.values()))}

        mocks.load(ns_state, stripe_state)
        subset = [c["id"] for c in ns_state["customers"][: args.baseline_n]]
        sequential = asyncio.run(mass_sync(mocks, args, workers=1, only=subset))
        report["sequential"] = figures(sequential, args, 1, "sequential")
    report["speedup"] = round(report["concurrent"]["customers_per_s"] / report["sequential"]["customers_per_s"], 1)  # type: ignore[index]

    if args.json:
        print(json.dumps(report))
        return
    c, s, m = report["concurrent"], report["sequential"], report["mocks_alone"]
    print(f"mass sync of {args.n} customers, latency NetSuite {args.netsuite_latency_ms} ms, Stripe {args.stripe_latency_ms} ms, "
          f"NetSuite concurrency {args.ns_concurrency}, "
          f"Stripe {args.stripe_rps or 'unlimited'} req/s")
    print(f"  mocks alone:  NetSuite {m['netsuite_rps']} req/s, Stripe {m['stripe_rps']} req/s")  # type: ignore[index]
    for r in (c, s):
        cap = f"ceiling {r['ceiling_customers_per_s']}/s, fraction {r['fraction_of_ceiling']}" if r["ceiling_customers_per_s"] else "no ceiling (no limits)"  # type: ignore[index]
        print(f"  {r['run']:<11} {r['customers']} customers in {r['seconds']} s = {r['customers_per_s']}/s; "  # type: ignore[index]
              f"requests/customer NetSuite {r['netsuite_requests_per_customer']}, Stripe {r['stripe_requests_per_customer']}; "  # type: ignore[index]
              f"{cap}; retries {r['retries']}")  # type: ignore[index]
    print(f"  customers in flight: at most {c['max_in_flight']}, the run went up to {c['in_flight_peak']}; client memory peak {c['rss_peak_mb']} MB, growth during the run {c['rss_growth_mb']} MB; speedup over sequential "  # type: ignore[index]
          f"{report['speedup']}x")
    cpu = c["cpu_ms_per_customer"]  # type: ignore[index]
    print(f"  CPU per customer: client {cpu['client']} ms, NetSuite mock {cpu['netsuite_mock']} ms, "
          f"Stripe mock {cpu['stripe_mock']} ms; {os.cpu_count()} cores")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
