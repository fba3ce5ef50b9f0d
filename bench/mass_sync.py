"""Mass sync against both mocks as real servers: the plan path and the per-customer path, side by side.

Prints figures (and goals next to them, met or not); passes or fails nothing. One invocation measures:
  mocks   the mocks alone (requests/s each serves here), so a figure bound by the mocks shows as such;
  a       initial sync of a realistic account of N customers (bench/realistic_mix.py), plan path and
          per-customer path (today's code, which single sync keeps), each on freshly seeded state, their
          ratio, and the floor the Stripe writes set at the profile's limits (Stripe's, docs.stripe.com/rate-limits:
          each operation 25/s and the account's 100/s in live mode, so max(creates/25, updates/25, all/100);
          the account's 25/s in test mode, so all/25), with the run's fraction of it;
  b       a second run right after (a), nothing changed;
  c       changed-since: 50 customers edited in NetSuite after (b), a run taking only what changed since
          the start of (b) (plan path);
  d       peak RSS of the client at each --memory-n, plan path, unthrottled.
Every run's client is a process of its own (bench/mass_sync_client.py): its CPU and peak RSS are the
client's alone. The per-customer path may run on fewer customers (--per-customer-n); its figures at N
are then extrapolated (linear in N: it costs the same per customer) and labelled so.

    python bench/mass_sync.py --profile standard --n 10000 --per-customer-n 500
    python bench/mass_sync.py --profile standard,live --n 10000 --paths plan --runs a,b   # test and live side by side
    python bench/mass_sync.py --profile unthrottled --n 10000 --memory-n 10000,100000
    python bench/mass_sync.py --n 2000 --latency-ms 50 --ns-concurrency 15 --stripe-rps 100   # custom limits
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from mass_sync_client import PER_CUSTOMER, PLAN, mass_sync_paths  # noqa: E402
from process_meters import CpuTime  # noqa: E402
from realistic_mix import Mix, generate  # noqa: E402

from sync_core.config import load_config  # noqa: E402
from sync_core.engine import Engine  # noqa: E402
from testbed import demo  # noqa: E402
from testbed.bundled import DEMO_ACCOUNTS, BundledMocks  # noqa: E402
from testbed.control import MockControl  # noqa: E402

EDITED = 50  # customers edited in NetSuite before the changed-since run
# Requests a changed-since run may make besides one per edited customer (goal: "within 60 + a constant"):
# the saved-search page, the Stripe index of 50 customers, the write-back batch, the journal's reads.
CHANGED_SINCE_CONSTANT = 10
# A changed-since run takes customers modified after its moment less a clock margin (2 s, the plan path's
# sync_core/changed_since.py): (b) starts this long after (a) so that (a)'s own write-backs are not taken
# again by (c), whose moment is (b)'s start. A scheduled run does take the previous run's write-backs.
GAP_BEFORE_SECOND_RUN_S = 4.0


LIVE_KEY = "sk_live_custsync_bench_live_key_0000"  # the live profile's: the mock gives a live key live limits


@dataclass(frozen=True)
class Limits:
    """What the mocks impose (latency, NetSuite's concurrency, Stripe's limits) and the client respects."""

    netsuite_latency_ms: float
    ns_concurrency: int | None  # None: no limit
    stripe_latency_ms: float
    stripe_rps: float  # the account's (global) limit; 0: no limit
    stripe_operation_rps: float = 0  # each named operation's; 0: none
    stripe_mode: str = "test"  # which key the client uses: test or live
    client_from_mode: bool = False  # the client takes its limits from the key's mode, as a real run does

    def apply(self, mocks: BundledMocks) -> None:
        mocks.netsuite.control.faults(latency_ms=self.netsuite_latency_ms,  # type: ignore[union-attr]
                                      concurrency_limit=self.ns_concurrency)
        mode = self.stripe_mode
        mocks.stripe.control.faults(  # type: ignore[union-attr]
            latency_ms=self.stripe_latency_ms,
            requests_per_second={mode: self.stripe_rps} if self.stripe_rps else None,
            operation_requests_per_second={mode: self.stripe_operation_rps} if self.stripe_operation_rps else None,
            search_requests_per_second=20 if self.stripe_rps else None)

    def client(self) -> dict[str, Any]:
        if self.client_from_mode:  # [stripe] left empty: Stripe's limits of the key's mode
            stripe = {"stripe_rps": None, "stripe_operation_rps": None, "stripe_search_rps": 18}
        else:
            stripe = {"stripe_rps": self.stripe_rps or 1_000_000,
                      "stripe_operation_rps": self.stripe_operation_rps or self.stripe_rps or 1_000_000,
                      "stripe_search_rps": 18 if self.stripe_rps else 1_000_000}
        return {"netsuite_concurrency": self.ns_concurrency or 64, "stripe_mode": self.stripe_mode, **stripe}

    def floor(self, creates: int, updates: int) -> float | None:
        """The least time these Stripe writes take within the limits: each operation at its own rate, all
        within the account's (side by side when the account's allows more than one operation's)."""
        if not self.stripe_rps:
            return None
        seconds = (creates + updates) / self.stripe_rps
        if self.stripe_operation_rps:
            seconds = max(seconds, creates / self.stripe_operation_rps, updates / self.stripe_operation_rps)
        return seconds

    def describe(self) -> str:
        ns = f"NetSuite {self.netsuite_latency_ms:g} ms, concurrency {self.ns_concurrency or 'unlimited'}"
        if self.stripe_rps:
            per_op = f", {self.stripe_operation_rps:g}/s per operation" if self.stripe_operation_rps else ""
            st = f"Stripe {self.stripe_mode} mode {self.stripe_latency_ms:g} ms, {self.stripe_rps:g} req/s{per_op}"
        else:
            st = f"Stripe {self.stripe_latency_ms:g} ms, no rate limit"
        return f"{ns}; {st}"


PROFILES = {
    # A standard NetSuite account (5 concurrent requests) answering in 400 ms; Stripe answering in 250 ms, with
    # its limits (https://docs.stripe.com/rate-limits): test mode's 25 requests/s for the account (each operation
    # 25/s too, which the account's limit already bounds), or live mode's 100/s for the account and 25/s for
    # each operation. The client takes them from its key's mode, as a real run does.
    "standard": Limits(400, 5, 250, 25, 25, "test", client_from_mode=True),
    "live": Limits(400, 5, 250, 100, 25, "live", client_from_mode=True),
    "unthrottled": Limits(0, None, 0, 0),
}
UNTHROTTLED = PROFILES["unthrottled"]


class Bench:
    def __init__(self, mocks: BundledMocks, limits: Limits, args: argparse.Namespace, workdir: Path) -> None:
        self.mocks, self.limits, self.args, self.workdir = mocks, limits, args, workdir
        self.mode = limits.stripe_mode  # the mode the account was seeded in
        self._journals = 0

    # --- state ----------------------------------------------------------------------------------

    def seed(self, n: int, limits: Limits) -> tuple[dict[str, list[str]], float]:
        """Load a fresh realistic account of n customers, in the profile's Stripe mode; (ids by situation,
        seconds it took)."""
        t0 = time.monotonic()
        UNTHROTTLED.apply(self.mocks)
        self.mocks.load(demo.netsuite_state([]), demo.stripe_state([]))  # wires the portal Suitelet
        ns_state, stripe_state, by_situation = generate(n, self.portal_links, seed=self.args.seed)
        ns_state["portal_suitelet"] = self.mocks.netsuite.control.state()["portal_suitelet"]  # as just wired
        account = stripe_state["accounts"][0]
        account["api_keys"] = [self.mocks.stripe.info["api_key"], LIVE_KEY]  # type: ignore[index]
        self.mode = limits.stripe_mode
        if self.mode == "live":
            account["live"] = account.pop("test")
        # One bulk load each, in parallel (two server processes), with room for 100,000 customers.
        slow = [MockControl(m.control.url, timeout=600) for m in (self.mocks.netsuite, self.mocks.stripe)]
        with ThreadPoolExecutor(2) as pool:
            for done in [pool.submit(c.load, s) for c, s in zip(slow, (ns_state, stripe_state))]:
                done.result()
        return by_situation, round(time.monotonic() - t0, 2)

    def portal_links(self, ids: list[str]) -> dict[str, str]:
        """The current links, from the RESTlet's portalLinks action (1,000 a call)."""
        config = self.mocks.configure(load_config(env={}))

        async def fetch() -> dict[str, str]:
            async with Engine.from_config(config) as engine:
                return await engine.netsuite.portal_links(ids)
        return asyncio.run(fetch())

    def stripe_customers(self) -> dict[str, dict[str, Any]]:
        state = self.mocks.stripe.control.state()  # type: ignore[union-attr]
        account = next(a for a in state["accounts"] if a["id"] == self.mocks.stripe_account)  # type: ignore[union-attr]
        return {c["id"]: c for c in account[self.mode]["customers"]}

    def edit_in_netsuite(self, ids: list[str]) -> dict[str, int]:
        """Edit customers through the control API as a user would in NetSuite: email or phone, dated now."""
        control = self.mocks.netsuite.control  # type: ignore[union-attr]
        state = control.state()
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        chosen, kinds = set(ids), {"email": 0, "phone": 0}
        for customer in state["customers"]:
            if customer["id"] in chosen:
                if kinds["email"] <= kinds["phone"] and customer.get("email"):
                    customer["email"] = "edited." + customer["email"]
                    kinds["email"] += 1
                else:
                    customer["phone"] = "+1 555 010 " + customer["id"][-4:].rjust(4, "0")
                    kinds["phone"] += 1
                customer["lastModifiedDate"] = now
        control.load(state)
        return kinds

    def new_journal(self) -> Path:
        self._journals += 1
        return self.workdir / f"journal{self._journals}.sqlite"

    # --- one run ----------------------------------------------------------------------------------

    def run(self, label: str, path: str, customers: int, journal: Path, limits: Limits,
            changed_since: str | None = None, floor: bool = False) -> dict[str, Any]:
        limits.apply(self.mocks)
        before_stripe = self.stripe_customers() if floor else None
        ns, st = self.mocks.netsuite.control, self.mocks.stripe.control  # type: ignore[union-attr]
        ns_before, st_before = ns.stats()["requests"], st.stats()["requests"]
        limited_before = st.stats()["rate_limited"]
        stripe = dict(self.mocks.stripe.info)  # type: ignore[union-attr]
        if limits.stripe_mode == "live":
            stripe["api_key"] = LIVE_KEY
        request = {"netsuite": self.mocks.netsuite.info, "stripe": stripe,  # type: ignore[union-attr]
                   "path": path, "journal": str(journal), "changed_since": changed_since,
                   "portal": not self.args.no_portal, "workers": self.args.workers, **limits.client()}
        with CpuTime(self.mocks) as cpu:
            child = subprocess.run([sys.executable, str(BENCH / "mass_sync_client.py")], input=json.dumps(request),
                                   capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(f"{label} ({path}) failed:\n{child.stderr[-3000:]}")
        result = json.loads(child.stdout)
        ns_requests, st_requests = ns.stats()["requests"] - ns_before, st.stats()["requests"] - st_before
        limited = {k: v - limited_before[k] for k, v in st.stats()["rate_limited"].items()}
        seconds = result["seconds"]
        out: dict[str, Any] = {
            "run": label, "path": path, "customers": customers, "seconds": seconds,
            "customers_per_s": round(customers / seconds, 1) if seconds else None,
            "netsuite_requests": ns_requests, "stripe_requests": st_requests,
            "netsuite_requests_per_customer": round(ns_requests / customers, 4),
            "stripe_requests_per_customer": round(st_requests / customers, 4),
            "requests_per_customer": round((ns_requests + st_requests) / customers, 4),
            "client_cpu_s": result["client_cpu_s"],
            "client_cpu_ms_per_customer": round(result["client_cpu_s"] * 1000 / customers, 3),
            "mock_cpu_s": {k: round(v, 2) for k, v in cpu.seconds.items() if k != "client"},
            "client_peak_rss_mb": result["client_peak_rss_mb"], "retries": result["retries"],
            "in_flight_peak": result["in_flight_peak"],
            "failures": result["failures"], "counts": result["counts"], "started_at": result["started_at"],
            "stripe_index": result.get("index"),
            "plan_seconds": result.get("plan_seconds"),  # reading both services and planning, before any write
            "stripe_429s": limited,  # the mock's refusals in this run, by the limit that refused
        }
        if before_stripe is not None:
            after = self.stripe_customers()
            creates = sum(1 for cid in after if cid not in before_stripe)
            updates = sum(1 for cid, c in after.items() if cid in before_stripe and c != before_stripe[cid])
            out["stripe_writes"] = {"creates": creates, "updates": updates}
            floor_s = limits.floor(creates, updates)
            if floor_s is not None:
                out["floor_seconds"] = round(floor_s, 2)
                out["fraction_of_floor"] = round(floor_s / seconds, 3) if seconds else None
        show_run(out, file=sys.stderr)  # as it goes: a long benchmark cut short keeps the runs it finished
        return out


def extrapolated(run: dict[str, Any], n: int) -> dict[str, Any]:
    """A per-customer-path run's figures at n customers: it costs the same for each customer."""
    scale = n / run["customers"]
    return {"run": run["run"], "path": run["path"], "customers": n, "extrapolated_from": run["customers"],
            "seconds": round(run["seconds"] * scale, 1), "customers_per_s": run["customers_per_s"],
            "netsuite_requests": round(run["netsuite_requests"] * scale),
            "stripe_requests": round(run["stripe_requests"] * scale),
            **{k: run[k] for k in ("netsuite_requests_per_customer", "stripe_requests_per_customer",
                                   "requests_per_customer", "client_cpu_ms_per_customer")}}


def goal(met: bool | None, text: str) -> dict[str, Any]:
    return {"goal": text, "met": met}


def mocks_alone(mocks: BundledMocks, seconds: float) -> dict[str, float]:
    """Requests/s each mock serves here (signed NetSuite GETs, Stripe retrieves) with no latency and no limits."""
    UNTHROTTLED.apply(mocks)
    mocks.load(demo.netsuite_state([{"id": "1001", "companyName": "Bench", "email": "bench@x.test"}]),
               demo.stripe_state([{"id": "cus_bench", "email": "bench@x.test"}]))
    config = mocks.configure(load_config(env={}))
    config.netsuite.concurrency = 32
    config.stripe.requests_per_second = config.stripe.search_requests_per_second = 1_000_000
    config.stripe.operation_requests_per_second = 1_000_000

    async def measure() -> dict[str, float]:
        async with Engine.from_config(config) as engine:
            async def hammer(call) -> float:
                count, stop = 0, time.monotonic() + seconds

                async def loop():
                    nonlocal count
                    while time.monotonic() < stop:
                        await call()
                        count += 1

                await asyncio.gather(*(loop() for _ in range(32)))
                return round(count / seconds, 1)

            return {"netsuite_rps": await hammer(lambda: engine.netsuite.get_customer("1001")),
                    "stripe_rps": await hammer(lambda: engine.stripe.retrieve("cus_bench"))}

    return asyncio.run(measure())


def limits_from(args: argparse.Namespace) -> list[tuple[str, Limits]]:
    """The profiles to measure, in order: named ones, or the limits the flags set (custom)."""
    out = []
    for name in args.profile.split(","):
        if name == "custom":
            ns_latency = args.latency_ms if args.netsuite_latency_ms is None else args.netsuite_latency_ms
            st_latency = args.latency_ms if args.stripe_latency_ms is None else args.stripe_latency_ms
            out.append(("custom", Limits(ns_latency, args.ns_concurrency or None, st_latency, args.stripe_rps,
                                         args.stripe_operation_rps, args.stripe_mode)))
        elif name in PROFILES:
            out.append((name, PROFILES[name]))
        else:
            raise SystemExit(f"--profile {name}: not a profile; choose from {', '.join([*PROFILES, 'custom'])}")
    return out


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """One report per profile, one after another on the same mocks; several: side by side, with their floors."""
    profiles = limits_from(args)
    reports = []
    # The state documents are loaded as generated (their accounts), in bulk: the mocks answer as those accounts.
    with BundledMocks(accounts=DEMO_ACCOUNTS) as mocks, tempfile.TemporaryDirectory() as tmp:
        alone = mocks_alone(mocks, args.mocks_seconds) if args.mocks_seconds > 0 else None
        for name, limits in profiles:
            reports.append(measure_profile(args, name, limits, mocks, Path(tmp), alone))
    if len(reports) == 1:
        return reports[0]
    return {"profiles": reports, "side_by_side": [
        {"profile": r["profile"], "mode": r["limits"]["stripe_mode"], **{k: r["initial"][PLAN].get(k) for k in (
            "seconds", "stripe_writes", "floor_seconds", "fraction_of_floor", "stripe_429s")}}
        for r in reports if PLAN in r.get("initial", {})]}


def measure_profile(args: argparse.Namespace, profile: str, limits: Limits, mocks: BundledMocks, workdir: Path,
                    alone: dict[str, float] | None) -> dict[str, Any]:
    paths = [p for p in mass_sync_paths() if p in args.paths.split(",")]
    report: dict[str, Any] = {"profile": profile, "limits": asdict(limits), "n": args.n, "paths_available": paths,
                              "mix": Mix().counts(args.n), "cores": os.cpu_count(), "load_average": os.getloadavg()}
    runs = set(args.runs.split(","))
    bench = Bench(mocks, limits, args, workdir)
    if alone is not None:
        report["mocks_alone"] = alone

    if runs & {"a", "b", "c"}:
        for path in paths:
            n = args.n if path == PLAN else min(args.per_customer_n or args.n, args.n)
            by_situation, seed_s = bench.seed(n, limits)
            report.setdefault("seed_seconds", {})[f"{path} n={n}"] = seed_s
            journal = bench.new_journal()
            initial = bench.run("a initial", path, n, journal, limits, floor=True)
            report.setdefault("initial", {})[path] = initial
            if runs & {"b", "c"}:
                if "c" in runs and path == PLAN:  # only (c) reads what (b) left: the gap keeps (a) out of it
                    time.sleep(GAP_BEFORE_SECOND_RUN_S)
                second = bench.run("b second", path, n, journal, limits)
                report.setdefault("second", {})[path] = second
            if "c" in runs and path == PLAN:
                linked = by_situation.get("linked_unchanged", [])
                edited = linked[:: max(1, len(linked) // EDITED)][:EDITED]
                time.sleep(1.1)  # NetSuite dates have whole seconds: the edits are later than (b)'s start
                kinds = bench.edit_in_netsuite(edited)
                since = report["second"][path]["started_at"]
                changed = bench.run("c changed-since", path, n, journal, limits, changed_since=since, floor=True)
                report["changed_since"] = {**changed, "edited": kinds, "since": since}
        if PER_CUSTOMER in report.get("initial", {}) and report["initial"][PER_CUSTOMER]["customers"] != args.n:
            report["initial_per_customer_at_n"] = extrapolated(report["initial"][PER_CUSTOMER], args.n)
            if PER_CUSTOMER in report.get("second", {}):
                report["second_per_customer_at_n"] = extrapolated(report["second"][PER_CUSTOMER], args.n)

    if "d" in runs:
        path = PLAN if PLAN in paths else PER_CUSTOMER
        for n in (int(x) for x in args.memory_n.split(",") if x):
            _, seed_s = bench.seed(n, UNTHROTTLED)
            memory = bench.run("d memory", path, n, bench.new_journal(), UNTHROTTLED)
            report.setdefault("memory", []).append({**memory, "seed_seconds": seed_s})
    report["load_average_after"] = os.getloadavg()
    report["goals"] = goals(report, profile)
    return report


def goals(report: dict[str, Any], profile: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n, standard_10k = report["n"], profile in ("standard", "live") and report["n"] == 10_000
    initial = report.get("initial", {})
    plan, per = initial.get(PLAN), report.get("initial_per_customer_at_n") or initial.get(PER_CUSTOMER)
    if plan and per:
        out["initial_ratio_plan_over_per_customer"] = {
            "value": round(per["seconds"] / plan["seconds"], 1),
            "extrapolated": "extrapolated_from" in per,
            **goal(None, "reported (the floor bounds it: about 12 times with this mix)")}
    if plan and plan.get("fraction_of_floor") is not None:
        out["initial_fraction_of_floor"] = {"value": plan["fraction_of_floor"],
                                            **goal(plan["fraction_of_floor"] >= 0.9, ">= 0.9 (standard and live, N=10,000)")}
    second = report.get("second", {}).get(PLAN)
    if second:
        out["second_requests_per_customer"] = {"value": second["requests_per_customer"],
                                               **goal(second["requests_per_customer"] <= 0.02, "<= 0.02")}
        out["second_seconds"] = {"value": second["seconds"],
                                 **goal(second["seconds"] < 10 if standard_10k else None,
                                        "< 10 s (standard, N=10,000)" + ("" if standard_10k else f"; n/a at N={n}, {profile}"))}
    changed = report.get("changed_since")
    if changed:
        total = changed["netsuite_requests"] + changed["stripe_requests"]
        bound = 60 + CHANGED_SINCE_CONSTANT
        writes = changed.get("stripe_writes", {})
        out["changed_since_requests"] = {
            "value": total, **goal(total <= bound, f"<= 60 + {CHANGED_SINCE_CONSTANT}"),
            "detail": f"NetSuite {changed['netsuite_requests']} + Stripe {changed['stripe_requests']} (of which "
                      f"{sum(writes.values())} writes) for {sum(changed['counts'].values())} customers taken"}
    for memory in report.get("memory", []):
        if memory["customers"] == 10_000:
            out["unthrottled_10k_seconds"] = {"value": memory["seconds"], **goal(memory["seconds"] < 20, "< 20 s")}
            out["unthrottled_10k_client_cpu_ms_per_customer"] = {"value": memory["client_cpu_ms_per_customer"],
                                                                 **goal(None, "reported")}
        rss_goal = goal(memory["client_peak_rss_mb"] < 400, "< 400 MB") if memory["customers"] == 100_000 else \
            goal(None, "reported")
        out[f"peak_rss_mb_at_{memory['customers']}"] = {"value": memory["client_peak_rss_mb"], **rss_goal}
    return out


def show_run(r: dict[str, Any], file: TextIO = sys.stdout) -> None:
    label = f"{r['run']:<16} {r['path']:<12} N={r['customers']:<7}"
    if "extrapolated_from" in r:
        print(f"  {label} EXTRAPOLATED from N={r['extrapolated_from']}: {r['seconds']} s, "
              f"requests NetSuite {r['netsuite_requests']} ({r['netsuite_requests_per_customer']}/customer), "
              f"Stripe {r['stripe_requests']} ({r['stripe_requests_per_customer']}/customer)", file=file)
        return
    mock_cpu = ", ".join(f"{k} {v} s" for k, v in r["mock_cpu_s"].items())
    lines = [f"  {label} {r['seconds']} s = {r['customers_per_s']} customers/s; requests NetSuite "
             f"{r['netsuite_requests']} ({r['netsuite_requests_per_customer']}/customer), Stripe {r['stripe_requests']} "
             f"({r['stripe_requests_per_customer']}/customer)",
             f"  {'':<38} client CPU {r['client_cpu_ms_per_customer']} ms/customer ({r['client_cpu_s']} s), "
             f"mock CPU {mock_cpu}; client peak RSS {r['client_peak_rss_mb']} MB; customers in flight up to "
             f"{r['in_flight_peak']}; retries {r['retries']}, failures {r['failures']}; outcomes {r['counts']}"]
    if r.get("stripe_index"):
        lines.append(f"  {'':<38} Stripe index: {r['stripe_index']}")
    if "stripe_writes" in r:
        w = r["stripe_writes"]
        floor = (f"; floor {r['floor_seconds']} s at the Stripe rate, fraction of floor {r['fraction_of_floor']}"
                 if "floor_seconds" in r else "")
        planned = f" after {r['plan_seconds']} s of reading and planning" if r.get("plan_seconds") else ""
        lines.append(f"  {'':<38} Stripe writes: {w['creates']} creates + {w['updates']} updates{planned}{floor}")
    if any(r.get("stripe_429s", {}).values()):
        lines.append(f"  {'':<38} Stripe 429s by limit: {r['stripe_429s']}")
    print("\n".join(lines), file=file, flush=True)


def show(report: dict[str, Any]) -> None:
    if "profiles" in report:
        for one in report["profiles"]:
            show(one)
            print()
        print("side by side (initial sync, plan path): the floor is max(creates/25, updates/25, all/100) in live "
              "mode, all/25 in test mode")
        for r in report["side_by_side"]:
            w = r["stripe_writes"]
            print(f"  {r['profile']:<12} {r['mode']:<5} {r['seconds']} s for {w['creates']} creates + {w['updates']} "
                  f"updates; floor {r['floor_seconds']} s; fraction of floor {r['fraction_of_floor']}; 429s "
                  f"{sum(r['stripe_429s'].values())}")
        return
    limits = Limits(**report["limits"])
    load = ", ".join(f"{x:.2f}" for x in report["load_average"])
    print(f"mass sync, profile {report['profile']} ({limits.describe()}), N={report['n']}, "
          f"{report['cores']} cores (load average {load} before); paths on this code: "
          f"{', '.join(report['paths_available'])}")
    if PLAN not in report["paths_available"]:
        print("  the plan path is not on this code: per-customer path only")
    print("  mix: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report["mix"].items()))
    if "mocks_alone" in report:
        m = report["mocks_alone"]
        print(f"  mocks alone: NetSuite {m['netsuite_rps']} req/s, Stripe {m['stripe_rps']} req/s")
    if "seed_seconds" in report:
        print("  seeded in: " + ", ".join(f"{k} {v} s" for k, v in report["seed_seconds"].items()))
    for key in ("initial", "second"):
        for r in report.get(key, {}).values():
            show_run(r)
        if f"{key}_per_customer_at_n" in report:
            show_run(report[f"{key}_per_customer_at_n"])
    if "changed_since" in report:
        c = report["changed_since"]
        print(f"  changed-since {c['since']} after editing {c['edited']} in NetSuite:")
        show_run(c)
    for m in report.get("memory", []):
        print(f"  memory (unthrottled), seeded in {m['seed_seconds']} s:")
        show_run(m)
    print("  goals:" + ("" if PLAN in report["paths_available"] else " (they are the plan path's: none judged)"))
    for name, g in report["goals"].items():
        verdict = "reported" if g["met"] is None else ("met" if g["met"] else "NOT MET")
        extra = " (extrapolated per-customer side)" if g.get("extrapolated") else ""
        detail = f" [{g['detail']}]" if g.get("detail") else ""
        print(f"    {name}: {g['value']}{extra}{detail}; goal {g['goal']}: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="custom",
                        help="standard: NetSuite 400 ms and 5 concurrent, Stripe test mode 250 ms and 25 req/s; live: "
                        "the same with Stripe's live limits (100 req/s for the account, 25/s per operation, a sk_live_ "
                        "key); unthrottled: no latency, no limits; custom (default): the limits the flags below set. "
                        "Several, comma-separated (standard,live), run one after another and are compared")
    parser.add_argument("--n", type=int, default=2000, help="customers (default 2000)")
    parser.add_argument("--per-customer-n", type=int, default=None,
                        help="customers for the per-customer path (default: --n); figures at N are extrapolated")
    parser.add_argument("--paths", default=f"{PLAN},{PER_CUSTOMER}",
                        help=f"which paths to run: {PLAN}, {PER_CUSTOMER} or both (default both)")
    parser.add_argument("--runs", default="a,b,c,d", help="which runs: a initial, b second, c changed-since, d memory")
    parser.add_argument("--memory-n", default="10000,100000", help="customer counts for the memory run (d)")
    parser.add_argument("--latency-ms", type=int, default=50, help="custom: latency added by both mocks (default 50)")
    parser.add_argument("--netsuite-latency-ms", type=int, default=None, help="custom: NetSuite mock's latency")
    parser.add_argument("--stripe-latency-ms", type=int, default=None, help="custom: Stripe mock's latency")
    parser.add_argument("--ns-concurrency", type=int, default=15, help="custom: NetSuite concurrency limit (0 = none)")
    parser.add_argument("--stripe-rps", type=float, default=100,
                        help="custom: Stripe's limit for the account, requests/s, 0 = none")
    parser.add_argument("--stripe-operation-rps", type=float, default=0,
                        help="custom: Stripe's limit for each operation, requests/s, 0 = none")
    parser.add_argument("--stripe-mode", choices=["test", "live"], default="test", help="custom: the key's mode")
    parser.add_argument("--mocks-seconds", type=float, default=3.0, help="measure each mock alone this long (0: skip)")
    parser.add_argument("--workers", type=int, default=None, help="customers in flight (default: the engine's choice)")
    parser.add_argument("--seed", type=int, default=42, help="the mix's random seed")
    parser.add_argument("--no-portal", action="store_true", help="skip portal links")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")
    args = parser.parse_args()
    report = measure(args)
    if args.json:
        print(json.dumps(report))
    else:
        show(report)


if __name__ == "__main__":
    main()
