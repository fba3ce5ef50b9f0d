"""The CLI's sync commands: sync, mass-sync, portal-link, doctor."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, Awaitable, Callable

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from pathlib import Path

from sync_core.config import load_config
from sync_core.csv_import import CsvFileError, apply_import, plan_import, read_rows
from sync_core.doctor import run_doctor
from sync_core.engine import Engine
from sync_core.events import CustomersFound, CustomerSynced, RunFinished, RunStarted
from sync_core.journal import Journal, JournalError
from sync_core.outcome import Outcome, Status
from sync_core.portal_links import check_customer
from testbed.session import open_engine

from .render import print_checks, print_outcome

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def with_engine(args: argparse.Namespace, work: Callable[[Engine], Awaitable[int]]) -> int:
    config = load_config(args.config)
    if getattr(args, "journal", None):
        config.sync.journal_path = args.journal
    quiet = getattr(args, "json", False)

    async def main() -> int:
        status = None if quiet else (lambda text: stderr().print(f"[dim]{text}[/dim]"))
        async with open_engine(config, confirm_live=getattr(args, "yes_live", False), on_status=status) as engine:
            return await work(engine)

    return asyncio.run(main())


def cmd_sync(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        outcome = await engine.sync_one(args.id, dry_run=args.dry_run, portal=not args.no_portal)
        if args.json:
            print(json.dumps(outcome.as_dict(), indent=2))
        else:
            print_outcome(stdout(), outcome)
        return EXIT_OK if outcome.status in (Status.OK, Status.PLANNED) else EXIT_FAILURES

    return with_engine(args, work)


def cmd_portal_link(args: argparse.Namespace) -> int:
    if not args.id and not args.all:
        print("custsync portal-link: give a customer internal id, or --all for every linked customer of the "
              "mass sync saved search.", file=sys.stderr)
        return EXIT_USAGE

    async def work(engine: Engine) -> int:
        ids = [args.id] if args.id else [i async for page in engine.netsuite.search_pages(
            engine.config.netsuite.mass_customer_sync_search) for i in page]
        if args.check:
            outcomes = await check_links(engine, ids)
        else:
            ctx = await engine.context()
            outcomes = [await engine.portal_link(i, context=ctx) for i in ids]
        if args.json:
            print(json.dumps([o.as_dict() for o in outcomes], indent=2))
        else:
            for o in outcomes:
                print_outcome(stdout(), o, verbose=bool(args.id) or args.check)
        if args.check:  # customers not linked have no link to check: skipped, not failed
            return EXIT_OK if all(o.status in (Status.OK, Status.SKIPPED) for o in outcomes) else EXIT_FAILURES
        return EXIT_OK if all(o.status is not Status.FAILED for o in outcomes) else EXIT_FAILURES

    return with_engine(args, work)


async def check_links(engine: Engine, ids: list[str], *, at_once: int = 4) -> list[Outcome]:
    """Open each stored link (a few at a time: each open makes one Stripe session)."""
    gate = asyncio.Semaphore(at_once)
    async with httpx.AsyncClient() as client:
        async def one(internal_id: str) -> Outcome:
            async with gate:
                return await check_customer(engine, internal_id, client=client)
        return list(await asyncio.gather(*(one(i) for i in ids)))


def cmd_doctor(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        checks = await run_doctor(engine)
        if args.json:
            print(json.dumps({"ok": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]}, indent=2))
        else:
            print_checks(stdout(), checks)
        return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILURES

    return with_engine(args, work)


def cmd_mass_sync(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        journal = None if args.dry_run else Journal(engine.config.sync.journal_path)
        try:
            return await _mass_sync(engine, journal, args)
        finally:
            if journal is not None:
                journal.close()

    try:
        return with_engine(args, work)
    except JournalError as exc:
        print(f"custsync mass-sync: {exc}", file=sys.stderr)
        return EXIT_USAGE


async def _mass_sync(engine: Engine, journal: Journal | None, args: argparse.Namespace) -> int:
    err = stderr()
    show_progress = not args.json and err.is_terminal
    rows: list[dict[str, Any]] = []
    progress = Progress(TextColumn("[bold]mass sync"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                        TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[counts]}"),
                        console=err, disable=not show_progress)
    task = progress.add_task("sync", total=None, rate="", counts="")
    finished: RunFinished | None = None
    with progress:
        async for event in engine.mass_sync(journal, run_id=args.resume, dry_run=args.dry_run,
                                            portal=not args.no_portal, retry_failed=args.retry_failed):
            if isinstance(event, RunStarted) and not args.json:
                what = "plan (dry run: nothing is written)" if event.dry_run else f"run {event.run_id}"
                err.print(f"{'resuming' if event.resumed else 'starting'} {what} over saved search {event.search_id}")
            elif isinstance(event, CustomersFound):
                progress.update(task, total=event.total)
                if not args.json and event.already_done:
                    err.print(f"{event.already_done} customers already finished in this run: not redone")
            elif isinstance(event, CustomerSynced):
                o = event.outcome
                elapsed = progress.tasks[0].elapsed or 0
                progress.update(task, completed=event.done, rate=f"{event.done / elapsed:.1f}/s" if elapsed else "",
                                counts=" ".join(f"{k}:{v}" for k, v in sorted(event.counts.items())))
                if args.json or args.dry_run:
                    rows.append(o.as_dict())
                if not args.json and (args.dry_run or not show_progress or o.status is Status.FAILED):
                    progress.console.print(_row(o), markup=False, highlight=False)
            elif isinstance(event, RunFinished):
                finished = event
    assert finished is not None
    if args.json:
        print(json.dumps({"run_id": finished.run_id, "dry_run": args.dry_run, "counts": finished.counts,
                          "elapsed_s": round(finished.elapsed, 3), "netsuite_requests": finished.netsuite_requests,
                          "stripe_requests": finished.stripe_requests, "retries": finished.retries,
                          "in_flight_peak": finished.in_flight_peak, "customers": rows}, indent=2))
    else:
        _summary(stdout(), finished, args.dry_run, rows)
    return EXIT_FAILURES if finished.counts.get("failed") else EXIT_OK


def _row(o: Any) -> str:
    d = o.decision
    what = f"{d.rule} {d.action.value}" if d else "-"
    extra = o.cause or ""
    return f"{o.internal_id:>8}  {what:<18} {o.status.value:<15} {o.stripe_customer_id or '':<22} {extra}"


def _summary(console: Console, finished: RunFinished, dry_run: bool, rows: list[dict[str, Any]]) -> None:
    total = sum(finished.counts.values())
    rate = total / finished.elapsed if finished.elapsed else 0
    title = "Plan" if dry_run else f"Run {finished.run_id}"
    console.print(f"[bold]{title}[/bold]: {total} customers in {finished.elapsed:.1f}s ({rate:.1f}/s); "
                  + ", ".join(f"{k} {v}" for k, v in sorted(finished.counts.items())))
    if dry_run:
        actions: dict[str, int] = {}
        for r in rows:
            key = f"{r['rule']} {r['action']}" if r["action"] else r["status"]
            actions[key] = actions.get(key, 0) + 1
        console.print("by rule and action: " + ", ".join(f"{k}: {v}" for k, v in sorted(actions.items())))
    console.print(f"requests: NetSuite {finished.netsuite_requests}, Stripe {finished.stripe_requests}, retries "
                  f"{finished.retries}; up to {finished.in_flight_peak} customers in flight", style="dim")
    for o in finished.failures:
        console.print(f"[red]failed[/red] customer {o.internal_id}: ", end="")
        console.print(o.cause or "?", markup=False)
        if o.remedy:
            console.print(f"   [yellow]remedy:[/yellow] {o.remedy}")
    if finished.failures and finished.run_id:
        console.print(f"Mend the causes, then retry the failures: custsync mass-sync --resume {finished.run_id} --retry-failed")


def cmd_import_stripe_ids(args: argparse.Namespace) -> int:
    try:
        rows = read_rows(Path(args.file), id_column=args.id_column, stripe_column=args.stripe_column)
    except CsvFileError as exc:
        print(f"custsync import-stripe-ids: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def work(engine: Engine) -> int:
        plan = await plan_import(engine, rows)
        if args.apply:
            await apply_import(engine, plan)
        if args.json:
            print(json.dumps({"applied": plan.applied, "rows": [r.as_dict() for r in plan.rows]}, indent=2))
        else:
            out = stdout()
            for r in plan.rows:
                style = {"set": "cyan", "written": "green", "already-set": "dim", "conflict": "yellow"}.get(r.action, "red")
                out.print(f"line {r.line:>5}  customer {r.internal_id:>8} -> {r.stripe_customer_id:<24} "
                          f"[{style}]{r.action}[/{style}]  ", end="")
                out.print(r.message, markup=False)
            counts = {a: plan.count(a) for a in ("set", "written", "already-set", "conflict", "error") if plan.count(a)}
            out.print(", ".join(f"{k} {v}" for k, v in counts.items()))
            if not args.apply and plan.count("set"):
                out.print(f"Nothing was written. Run again with --apply to write {plan.count('set')} id(s).")
        return EXIT_FAILURES if plan.count("error") or plan.count("conflict") else EXIT_OK

    return with_engine(args, work)


def add_commands(sub: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout (for scripts)")
    common.add_argument("--yes-live", action="store_true", help="allow writes with a live Stripe key")

    p = sub.add_parser("sync", parents=[common], help="sync one NetSuite customer (the Sync to Stripe button)",
                       description="Sync one NetSuite customer to Stripe by the rules R1-R9, write the Stripe id "
                       "back, then write its portal link when the field is empty or stale (R6-R8). Prints the rule that fired, the trace, the "
                       "changes on each side and any remedy.")
    p.add_argument("id", help="the NetSuite customer's internal id")
    p.add_argument("--dry-run", action="store_true", help="show the decision; write nothing")
    p.add_argument("--no-portal", action="store_true", help="do not write the portal link")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("mass-sync", parents=[common], help="sync every customer the mass sync saved search chooses",
                       description="The scheduled mass sync: every customer chosen by the Mass Customer Sync Saved "
                       "Search, concurrently within NetSuite's and Stripe's limits, journaled so that a killed "
                       "run resumes with --resume RUN.")
    p.add_argument("--dry-run", action="store_true", help="plan: the rule and action per customer; write nothing")
    p.add_argument("--resume", metavar="RUN", help="resume this run from the journal (finished customers are not redone)")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: also redo the customers that failed")
    p.add_argument("--no-portal", action="store_true", help="do not write portal links")
    p.add_argument("--journal", metavar="FILE", help="the run journal (default: [sync] journal_path)")
    p.set_defaults(func=cmd_mass_sync)

    p = sub.add_parser("portal-link", parents=[common], help="write or check portal links of linked customers",
                       description="Write the current signed portal link (a link to the portal Suitelet, signed in "
                       "NetSuite) into the portal field of linked customers whose field is empty or stale (R6); "
                       "no Stripe request. With --check, open the stored link as the customer would (no "
                       "redirect followed) and report: ok (a Stripe session), R7 (portal not activated), R8 "
                       "(deployment not released), stale link (re-sync), R2 (stored Stripe id deleted).")
    p.add_argument("id", nargs="?", help="the NetSuite customer's internal id")
    p.add_argument("--all", action="store_true", help="every customer of the mass sync saved search")
    p.add_argument("--check", action="store_true", help="open the stored link and report what the customer gets")
    p.set_defaults(func=cmd_portal_link)

    p = sub.add_parser("doctor", parents=[common], help="check credentials, searches, fields, deployment, portal",
                       description="The troubleshooting checks, each with pass/fail and a remedy: credentials on "
                       "both sides, the two saved searches and their columns, the PayPack fields, the portal "
                       "deployment (R8), the Stripe portal configuration (R7), a freshly signed portal link opened "
                       "as a customer would (R6-R8), the concurrency setting.")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("import-stripe-ids", parents=[common], help="set STRIPE CUSTOMER ID from a CSV (customers without email)",
                       description="Read NetSuite internal id + Stripe customer id pairs from a CSV (ours: columns "
                       "internal_id, stripe_customer_id; or Stripe's customer export, with the column holding the "
                       "NetSuite id named by --id-column), check every row against both systems, show the plan, "
                       "and write only with --apply. A malformed file is refused whole, naming each bad line.")
    p.add_argument("file", help="the CSV file (UTF-8)")
    p.add_argument("--apply", action="store_true", help="write the ids (default: only show the plan)")
    p.add_argument("--id-column", help="column with the NetSuite internal id (default: internal_id or "
                   "'netsuite_internal_id (metadata)')")
    p.add_argument("--stripe-column", help="column with the Stripe customer id (default: stripe_customer_id or id)")
    p.set_defaults(func=cmd_import_stripe_ids)
