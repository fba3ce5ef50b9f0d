"""How responsive the operator's TUI stays with a big account. Prints figures; passes or fails nothing.

  (a) launch (make_app + run_test) to an interactive customers table with N customers in the NetSuite
      mock (testbed.demo.generate(N)), and how long one filter keystroke takes over those N rows;
  (b) during a mass sync over M customers: key press to screen for keys the operator presses
      (cursor down in the per-customer table, F1/F2 to switch screens), max and median.

    python bench/tui_responsiveness.py --customers 10000 --mass 2000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.widgets import DataTable, Input

from sync_core.config import load_config
from sync_core.engine import Engine
from testbed import demo
from testbed.bundled import BundledMocks
from tui.app import make_app
from tui.screens.customers import CustomersScreen
from tui.screens.mass_sync import MassSyncScreen

SIZE = (120, 40)


async def until(predicate, timeout: float = 300.0, step: float = 0.001) -> float:
    """Seconds until `predicate()` holds, polling the event loop every `step`."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(step)
    return time.perf_counter() - started


async def key_delay(app, key: str, changed) -> float:
    """Seconds from posting a key (as the terminal would) until `changed()` holds."""
    t = time.perf_counter()
    app.simulate_key(key)
    await until(changed, timeout=30)
    return time.perf_counter() - t


def summary(values: list[float]) -> str:
    if not values:
        return "none sampled"
    return f"n {len(values)}, median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


async def launch(config, n: int) -> dict[str, str]:
    started = time.perf_counter()
    app = make_app(config, engine_factory=Engine.from_config)
    async with app.run_test(size=SIZE) as pilot:
        def table() -> DataTable:
            return app.screen.query_one("#customers", DataTable)

        await until(lambda: isinstance(app.screen, CustomersScreen) and table().row_count > 0 and table().has_focus)
        first_rows = time.perf_counter() - started
        first_key = await key_delay(app, "down", lambda: table().cursor_row == 1)
        interactive = time.perf_counter() - started
        during_fill: list[float] = []
        while table().row_count < n or (app.screen.workers._workers and any(
                w.group == "customers" and not w.is_finished for w in app.screen.workers._workers)):
            row = table().cursor_row
            during_fill.append(await key_delay(app, "down", lambda row=row: table().cursor_row != row))
            await asyncio.sleep(0.02)
        all_rows = time.perf_counter() - started
        await pilot.pause()
        row = table().cursor_row
        after_fill = await key_delay(app, "down", lambda: table().cursor_row != row)
        filter_box = app.screen.query_one("#filter", Input)
        filter_box.focus()
        await pilot.pause()
        echo = await key_delay(app, "1", lambda: filter_box.value == "1")
        t = time.perf_counter()
        for key in "001":
            app.simulate_key(key)
        await until(lambda: table().row_count < 20)  # "1001" (and 10010..10019 when N > 9000)
        narrowed = time.perf_counter() - t
    return {"launch to first rows": f"{first_rows:.2f} s (rows on screen, table focused)",
            "launch to interactive table": f"{interactive:.2f} s (a key press moved the cursor: {first_key * 1000:.0f} ms)",
            f"launch to all {n} rows": f"{all_rows:.2f} s",
            "key press while filling": summary(during_fill),
            "key press after filling": f"{after_fill * 1000:.0f} ms",
            "filter keystroke echo": f"{echo * 1000:.0f} ms",
            "typing '001' to filtered table": f"{narrowed * 1000:.0f} ms (includes the 0.2 s debounce)"}


async def during_mass_sync(config, presses: int) -> dict[str, str]:
    app = make_app(config, engine_factory=Engine.from_config)
    delays: dict[str, list[float]] = {"down": [], "switch": []}
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.engine_ready)
        await pilot.press("f2")
        await until(lambda: isinstance(app.screen, MassSyncScreen))
        mass = app.screen
        await pilot.press("s")
        await until(lambda: mass.running)
        table = mass.query_one("#customers-plan", DataTable)
        await until(lambda: table.row_count > 20)
        table.focus()
        started = time.perf_counter()
        for i in range(presses):
            if not mass.running:
                break
            row = table.cursor_row
            t = time.perf_counter()
            app.simulate_key("down")  # queued like a real key press; the loop is not waited on
            await until(lambda row=row: table.cursor_row != row, timeout=30)
            delays["down"].append(time.perf_counter() - t)
            if i % 5 == 4:
                t = time.perf_counter()
                app.simulate_key("f1")
                await until(lambda: isinstance(app.screen, CustomersScreen), timeout=30)
                app.simulate_key("f2")
                await until(lambda: app.screen is mass, timeout=30)
                delays["switch"].append((time.perf_counter() - t) / 2)
                table.focus()
            await asyncio.sleep(0.05)
        sampled_for = time.perf_counter() - started
        await until(lambda: not mass.running, timeout=600)
        counts = str(mass.query_one("#counts").render())
    print(f"    mass sync: {counts}")
    return {"sampled during": f"{sampled_for:.1f} s of the run",
            "cursor down (per-customer table)": summary(delays["down"]),
            "F1/F2 screen switch": summary(delays["switch"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10000, help="NetSuite customers for (a)")
    parser.add_argument("--mass", type=int, default=2000, help="customers in the mass sync for (b)")
    parser.add_argument("--presses", type=int, default=60, help="key presses sampled during (b)")
    parser.add_argument("--stripe-rps", type=float, default=500.0)
    args = parser.parse_args()

    with BundledMocks() as mocks, tempfile.TemporaryDirectory(prefix="custsync-bench-") as tmp:
        config = mocks.configure(load_config(env={}))
        config.stripe.requests_per_second = config.stripe.operation_requests_per_second = args.stripe_rps
        config.sync.journal_path = Path(tmp) / "journal.sqlite"

        t = time.perf_counter()
        mocks.load(*demo.generate(args.customers))
        print(f"(a) {args.customers} customers (generated and loaded in {time.perf_counter() - t:.1f}s)")
        for key, text in asyncio.run(launch(config, args.customers)).items():
            print(f"    {key:32} {text}")

        mocks.load(*demo.generate(args.mass))
        print(f"(b) key press to screen during a mass sync of {args.mass} customers "
              f"(Stripe {args.stripe_rps:.0f} req/s)")
        for key, text in asyncio.run(during_mass_sync(config, args.presses)).items():
            print(f"    {key:32} {text}")


if __name__ == "__main__":
    main()
