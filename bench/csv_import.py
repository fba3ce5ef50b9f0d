"""CSV import of Stripe ids at scale, against both mocks as real servers: figures, never pass/fail.

Builds an account of N NetSuite customers (none linked) and N Stripe customers (or `--account M` of them),
writes a CSV of N rows in Stripe's customer-export format (about 5 MB at 200,000 rows) naming the account's
oldest customers (or its newest, or spread over it: `--placement`), then times custsync's own path:
read and validate the file (`read_rows`), and plan every row against both services (`plan_import`:
NetSuite in SuiteQL batches, Stripe listed or retrieved, whichever is cheaper), and with `--apply` write
them (`apply_import`: the RESTlet's writeBack, `[netsuite] write_back_batch` customers a call). It prints
rows, seconds per phase, requests per service, the Stripe lookup strategy, the client's peak RSS, and the
CPU seconds the client and each mock used (a figure bound by a mock is recognisable as such). Loading the
mocks is not timed, nor is the NetSuite mock's building of its SuiteQL tables at its first query (a mock's
own cost, which NetSuite does not have; `--cold-netsuite` times it too).

    python bench/csv_import.py --rows 200000
    python bench/csv_import.py --rows 20000 --account 200000 --apply --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from process_meters import CpuTime, RssGrowth

from sync_core.admin.csv_import import apply_import, plan_import, read_rows
from sync_core.config import load_config
from sync_core.engine import Engine
from testbed import demo
from testbed.bundled import DEMO_ACCOUNTS, BundledMocks
from testbed.control import MockControl

FIRST_ID = 100_001


def named(rows: int, size: int, placement: str) -> list[int]:
    """Which of the account's customers (0 the oldest) the file's rows name."""
    if placement == "newest":
        return list(range(size - rows, size))
    if placement == "spread":
        return [i * size // rows for i in range(rows)]
    return list(range(rows))


def account(rows: int, size: int) -> tuple[dict, dict]:
    """N plain NetSuite customers without a Stripe id, and `size` Stripe customers (as a CSV import meets them)."""
    ns = [{"id": str(FIRST_ID + i), "entityId": f"C{FIRST_ID + i}", "companyName": f"Company {i}", "isPerson": False,
           "email": None, "isInactive": False, "subsidiary": "1"} for i in range(rows)]
    st = [{"id": f"cus_bench{i:07d}", "created": 1_700_000_000 + i, "name": f"Company {i}"} for i in range(size)]
    return demo.netsuite_state(ns), demo.stripe_state(st)


def load(netsuite_url: str, stripe_url: str, stripe_key: str, rows: int, size: int) -> None:
    """As BundledMocks.load, with room for 200,000 customers (the control calls' default timeout is 30 s).

    Runs in a child process: the account's dicts would otherwise stay in this process's RSS and blur
    the client's own peak memory.
    """
    ns_state, stripe_state = account(rows, size)
    for account_ in stripe_state["accounts"]:
        account_.setdefault("api_keys", [stripe_key])
    MockControl(netsuite_url, timeout=1800).load(ns_state)
    MockControl(stripe_url, timeout=1800).load(stripe_state)


def write_csv(path: Path, rows: int, size: int, placement: str) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,Description,Email,Name,netsuite_internal_id (metadata)\n")
        for i, k in enumerate(named(rows, size, placement)):
            fh.write(f"cus_bench{k:07d},,,Company {k},{FIRST_ID + i}\n")
    return path.stat().st_size


async def plan(mocks: BundledMocks, path: Path, args: argparse.Namespace) -> dict[str, object]:
    config = mocks.configure(load_config(env={}))
    config.netsuite.concurrency = args.ns_concurrency
    # The mock answers a SuiteQL query by scanning every customer (about 4 s at 200,000 here), so a
    # batch can wait longer than the default 30 s behind the others.
    config.netsuite.timeout_seconds = args.ns_timeout
    config.stripe.requests_per_second = config.stripe.operation_requests_per_second = args.stripe_rps or 1_000_000
    figures: dict[str, object] = {}
    if args.warm_netsuite:
        # The NetSuite mock builds its SuiteQL tables from its store at the first query after a load (about
        # 14 s at 200,000 customers here), which NetSuite itself does not: part of loading, not timed.
        t = time.monotonic()
        async with Engine.from_config(config) as engine:
            await engine.netsuite.suiteql_page("SELECT id FROM customer WHERE id = 0", limit=1, offset=0)
        figures["netsuite_mock_warmup_s"] = round(time.monotonic() - t, 1)
    with RssGrowth() as rss, CpuTime(mocks) as cpu:
        started = time.monotonic()
        rows = read_rows(path)
        figures["read_and_validate_s"] = round(time.monotonic() - started, 2)
        async with Engine.from_config(config) as engine:
            t = time.monotonic()
            result = await plan_import(engine.services, rows)
            figures["plan_s"] = round(time.monotonic() - t, 2)
            planned_netsuite = result.netsuite_requests
            if args.apply:
                t = time.monotonic()
                await apply_import(engine.services, result)
                figures["apply_s"] = round(time.monotonic() - t, 2)
                figures["apply_netsuite_requests"] = result.netsuite_requests - planned_netsuite
                figures["written"] = result.applied
        figures["total_s"] = round(time.monotonic() - started, 2)
    errors: dict[str, int] = {}
    for r in result.rows:
        if r.action == "error":
            errors[r.message] = errors.get(r.message, 0) + 1
    figures.update({
        "counts": result.counts(),
        "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:3]),
        "netsuite_requests": result.netsuite_requests,
        "stripe_requests": result.stripe_requests,
        "stripe_lookup": result.stripe_strategy,
        "reads_s": result.seconds,
        "rss_peak_mb": rss.peak_mb,
        "rss_growth_mb": rss.growth_mb,
        "cpu_s": {k: round(v, 2) for k, v in cpu.seconds.items()},
    })
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the file, customers in each mock (200000)")
    parser.add_argument("--account", type=int, default=0,
                        help="Stripe customers in the account (default: as many as rows)")
    parser.add_argument("--placement", choices=("oldest", "newest", "spread"), default="oldest",
                        help="which of the account's customers the rows name (default: the oldest, which a "
                        "listing, newest first, reaches last)")
    parser.add_argument("--apply", action="store_true", help="also write the ids (the RESTlet's writeBack batches)")
    parser.add_argument("--ns-concurrency", type=int, default=15, help="NetSuite concurrency limit (default 15)")
    parser.add_argument("--stripe-rps", type=float, default=0, help="Stripe requests/s limit, 0 = none (default 0)")
    parser.add_argument("--ns-timeout", type=float, default=120, help="NetSuite request timeout, s (default 120)")
    parser.add_argument("--cold-netsuite", dest="warm_netsuite", action="store_false",
                        help="time the NetSuite mock's building of its SuiteQL tables too (by default it is "
                             "built before timing, as part of loading)")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")
    args = parser.parse_args()

    size = max(args.account, args.rows)
    report: dict[str, object] = {"rows": args.rows, "account": size, "placement": args.placement}
    ns_args = ("--concurrency-limit", str(args.ns_concurrency))
    st_args = ("--requests-per-second", str(args.stripe_rps)) if args.stripe_rps else ()
    with tempfile.TemporaryDirectory() as tmp, BundledMocks(netsuite_args=ns_args, stripe_args=st_args,
                                                                           accounts=DEMO_ACCOUNTS) as mocks:
        path = Path(tmp) / "stripe-export.csv"
        report["file_mb"] = round(write_csv(path, args.rows, size, args.placement) / 2**20, 2)
        t = time.monotonic()
        loader = multiprocessing.get_context("fork").Process(target=load, args=(
            mocks.netsuite.url, mocks.stripe.url, mocks.stripe.info["api_key"], args.rows, size))  # type: ignore[union-attr]
        loader.start()
        loader.join()
        if loader.exitcode:
            raise SystemExit(f"loading the mocks failed (exit {loader.exitcode})")
        report["mock_load_s"] = round(time.monotonic() - t, 1)
        report.update(asyncio.run(plan(mocks, path, args)))
    st = int(report["stripe_requests"])  # type: ignore[arg-type]
    # What the Stripe requests alone would take at Stripe's own rate limits (test mode 25/s, live 100/s).
    report["stripe_requests_at_25_per_s"] = round(st / 25, 1)
    report["stripe_requests_at_100_per_s"] = round(st / 100, 1)
    if args.json:
        print(json.dumps(report))
        return
    print(f"{report['rows']} rows ({report['file_mb']} MB, naming the {report['placement']} of {report['account']} "
          f"Stripe customers) validated in {report['read_and_validate_s']} s, planned in {report['plan_s']} s"
          + (f", {report['written']} written in {report['apply_s']} s with {report['apply_netsuite_requests']} "
             "NetSuite requests" if "apply_s" in report else "") + f": total {report['total_s']} s")
    print(f"  outcome: {report['counts']}")
    for message, count in report["errors"].items():  # type: ignore[union-attr]
        print(f"  error x{count}: {message}")
    print(f"  requests: NetSuite {report['netsuite_requests']}, Stripe {report['stripe_requests']} "
          f"({report['stripe_lookup']}); at Stripe's limits: {report['stripe_requests_at_25_per_s']} s test mode, "
          f"{report['stripe_requests_at_100_per_s']} s live")
    reads = report["reads_s"]
    print(f"  reads side by side: NetSuite {reads.get('netsuite')} s, Stripe {reads.get('stripe')} s")  # type: ignore[union-attr]
    print(f"  client peak RSS {report['rss_peak_mb']} MB (growth {report['rss_growth_mb']} MB)")
    print(f"  CPU seconds: {report['cpu_s']}")
    warmup = f"; NetSuite mock's SuiteQL tables built in {report['netsuite_mock_warmup_s']} s" \
        if "netsuite_mock_warmup_s" in report else ""
    print(f"  (mocks loaded in {report['mock_load_s']} s{warmup}, not timed)")


if __name__ == "__main__":
    main()
