"""The CLI's sync commands: sync, mass-sync, portal-link, doctor."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sync_core.admin.csv_import import CsvFileError, ImportPlan, apply_import, plan_import, read_rows
from sync_core.admin.doctor import run_doctor
from sync_core.config import load_config
from sync_core.engine import Engine
from sync_core.errors import SyncError
from sync_core.events import CustomersFound, CustomerSynced, PlanReady, RunFinished, RunStarted
from sync_core.outcome import Outcome, Status
from sync_core.plural import plural
from sync_core.rules.ids import InvalidInternalId, internal_id
from sync_core.rules.stripe_edits import FIELDS as GUARDED_FIELDS
from sync_core.rules.stripe_edits import Choice
from sync_core.run.journal import Journal, JournalError, opened
from sync_core.run.planner import describe as describe_plan
from sync_core.run.resume_scope import RetryScope, retry_scope
from testbed.session import open_engine

from .changed_since_option import HELP as CHANGED_SINCE_HELP
from .changed_since_option import changed_since_value
from .changed_since_option import resolve as resolve_changed_since
from .exit_codes import EXIT_FAILURES, EXIT_NEEDS_PERSON, EXIT_OK, EXIT_USAGE, exit_for, exit_for_counts
from .render import edit_lines, print_checks, print_outcome
from .yes_no import said_yes

NEEDS_PERSON = (Status.NEEDS_DECISION, Status.SKIPPED)
SHOWN = 10  # customers named in a terminal summary before pointing at the command that lists them all


def customer_id(value: str) -> str:
    """argparse type: a NetSuite internal id, refused (exit 2) before anything is read or written."""
    try:
        return internal_id(value)
    except InvalidInternalId as exc:
        raise argparse.ArgumentTypeError(f"{exc.message}. {exc.remedy}") from None


def refuse(command: str, text: str) -> int:
    print(f"custsync {command}: {text}", file=sys.stderr)
    return EXIT_USAGE


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def with_engine(args: argparse.Namespace, work: Callable[[Engine], Awaitable[int]], *, sign_in: bool = True) -> int:
    """Run `work` with an engine for the configuration. `sign_in`: ask NetSuite for an access token first
    (OAuth 2.0), so that refused credentials end the command before any work (exit 2)."""
    config = load_config(args.config)
    if getattr(args, "journal", None):
        config.sync.journal_path = args.journal
    quiet = getattr(args, "json", False)

    async def main() -> int:
        status = None if quiet else (lambda text: stderr().print(f"[dim]{text}[/dim]"))
        async with open_engine(config, confirm_live=getattr(args, "yes_live", False), on_status=status) as engine:
            if sign_in:
                await engine.netsuite.sign_in()
            return await work(engine)

    return asyncio.run(main())


def cmd_sync(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        # The journal keeps what custsync last sent (R10); a dry run only reads it, and makes no file.
        with opened(engine.config.sync.journal_path, read_only=args.dry_run) as journal:
            outcome = await engine.sync_one(args.id, dry_run=args.dry_run, portal=not args.no_portal,
                                            journal=journal)
        if args.json:
            print(json.dumps(outcome.as_dict(), indent=2))
        else:
            print_outcome(stdout(), outcome)
        return exit_for([outcome.status])

    return with_engine(args, work)


def cmd_resolve_edit(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        try:
            done = await engine.resolve_edit(args.id, args.field, args.keep)
        except SyncError as exc:
            if args.json:
                print(json.dumps({"ok": False, "error": exc.as_dict()}, indent=2))
            else:
                stderr().print(f"custsync resolve-edit: {exc.message}", markup=False)
                if exc.remedy:
                    stderr().print(f"remedy: {exc.remedy}", markup=False)
            return EXIT_FAILURES
        if args.json:
            print(json.dumps({"ok": True, **done.as_dict()}, indent=2))
        else:
            stdout().print(done.describe(), markup=False)
        return EXIT_OK

    return with_engine(args, work)


def cmd_portal_link(args: argparse.Namespace) -> int:
    if not args.id and not args.all:
        return refuse("portal-link", "give a customer internal id, or --all for every linked customer of the "
                      "mass sync saved search.")
    if args.id and args.all:
        return refuse("portal-link", f"give a customer internal id ({args.id}) or --all, not both.")

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
        # Customers not linked have no link to write or check: skipped, which needs nobody here.
        return exit_for(Status.OK if o.status is Status.SKIPPED else o.status for o in outcomes)

    return with_engine(args, work)


async def check_links(engine: Engine, ids: list[str], *, at_once: int = 4) -> list[Outcome]:
    """Open each stored link (a few at a time: each open makes one Stripe session)."""
    gate = asyncio.Semaphore(at_once)
    async with httpx.AsyncClient() as client:
        async def one(internal_id: str) -> Outcome:
            async with gate:
                return await engine.portal_check(internal_id, client=client)
        return list(await asyncio.gather(*(one(i) for i in ids)))


def cmd_doctor(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        checks = await run_doctor(engine.services)
        if args.json:
            print(json.dumps({"ok": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]}, indent=2))
        else:
            print_checks(stdout(), checks)
        return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILURES

    return with_engine(args, work, sign_in=False)  # the doctor reports the token request as one of its checks


def cmd_mass_sync(args: argparse.Namespace) -> int:
    if args.retry_failed and not args.resume:
        return refuse("mass-sync", "--retry-failed redoes the failures of an earlier run: name that run with "
                      "--resume RUN (custsync mass-sync --resume RUN --retry-failed).")
    if args.dry_run and args.resume:
        return refuse("mass-sync", "--dry-run plans a new run and journals nothing, so it cannot --resume one; "
                      "give one of the two.")
    if args.list_run and (args.resume or args.dry_run or args.retry_failed):
        return refuse("mass-sync", "--list RUN only shows a run's customers; it does not go with --resume, "
                      "--retry-failed or --dry-run.")
    if args.changed_since is not None and (args.resume or args.list_run):
        return refuse("mass-sync", "--changed-since starts a new run over the customers changed since then; a "
                      "resumed run keeps the customers it took, and --list only shows a run: give "
                      f"{'--resume' if args.resume else '--list'} or --changed-since, not both.")
    if args.yes and not args.retry_failed:
        return refuse("mass-sync", "--yes answers the question a retry asks before it takes more than the run's "
                      "failed and decided customers: it goes with --resume RUN --retry-failed only.")
    journal_path = Path(args.journal or load_config(args.config).sync.journal_path)
    if args.list_run:
        return _list_run(journal_path, args.list_run, args.json)
    scope: RetryScope | None = None
    if args.resume:
        # Before any mock starts or any file is made: an unknown run (or journal) is a usage error.
        try:
            journal = Journal(journal_path, must_exist=True)
            try:
                journal.run(args.resume)
                scope = retry_scope(journal, args.resume) if args.retry_failed else None
            finally:
                journal.close()
        except JournalError as exc:
            return refuse("mass-sync", str(exc))
        if scope is not None:
            if scope.journaled and not scope.total:
                if args.json:
                    print(json.dumps({"run_id": args.resume, "retried": 0, "counts": {}}, indent=2))
                else:
                    stdout().print(f"Run {args.resume}: nothing to retry (no failures, no customers decided since "
                                   "it ran, none unfinished). Nothing was written.", markup=False)
                return EXIT_OK
            if scope.journaled and not args.json and not scope.asks_first(retry=True):
                stderr().print(scope.plan_text(args.resume, retry=True), markup=False)

    async def work(engine: Engine) -> int:
        since, base_run = await resolve_changed_since(engine, args.changed_since, Path(engine.config.sync.journal_path))
        if since is not None and not args.json:
            stderr().print(f"taking the customers changed since {since:%Y-%m-%dT%H:%M:%SZ}"
                           + (f" (the start of run {base_run}, the last finished one against this target)"
                              if base_run else ""), markup=False)
        # A dry run writes no journal, but reads one that exists, to plan as the run would (R10's records).
        with opened(engine.config.sync.journal_path, read_only=args.dry_run) as journal:
            if scope is not None and scope.journaled and scope.asks_first(retry=True) and not args.yes:
                assert journal is not None
                refused = await _ask_before_retry(engine, journal, args, scope)
                if refused is not None:
                    return refused
            return await _mass_sync(engine, journal, args, since, retry=scope)

    try:
        return with_engine(args, work)
    except JournalError as exc:
        return refuse("mass-sync", str(exc))


async def _ask_before_retry(engine: Engine, journal: Journal, args: argparse.Namespace, scope: RetryScope) -> int | None:
    """A retry that would take more than the run's failed and decided customers (those a stopped or interrupted
    run never reached): its plan (a dry run of the retry: nothing written) and the question; None to go on, else
    the exit code. Nobody to ask (no terminal, or --json) and no --yes: refused, nothing written."""
    plan = None
    async for event in engine.mass_sync(journal, run_id=args.resume, dry_run=True, portal=not args.no_portal,
                                        retry_failed=True):
        if isinstance(event, PlanReady):
            plan = event.plan.summary()
    assert plan is not None
    beyond = (f"{plural(len(scope.unfinished), 'customer')} beyond the run's failed and decided ones (not reached "
              "before it stopped)")
    can_ask = sys.stdin.isatty() and not args.json
    if args.json:
        print(json.dumps({"run_id": args.resume, "written": False, "asked": f"the retry takes {beyond}: give --yes",
                          "retry": scope.as_dict(), "plan": plan}, indent=2))
    else:
        out = stdout()
        out.print(f"[bold]Retry plan[/bold] (nothing written yet): {scope.plan_text(args.resume, retry=True)}",
                  highlight=False)
        for line in describe_plan(plan):
            out.print("  " + line, markup=False, highlight=False)
    if not can_ask:
        print(f"custsync mass-sync: retrying run {args.resume} takes {beyond}, so it asks first, and nobody can "
              "answer here (no terminal, or --json). Nothing was written. Give --yes to retry them all as planned, "
              f"or finish the run first (custsync mass-sync --resume {args.resume}), then retry only its failures.",
              file=sys.stderr)
        return EXIT_USAGE
    if said_yes(f"Retry run {args.resume}, {beyond} included?"):
        return None
    print("custsync mass-sync: nothing was written.", file=sys.stderr)
    return EXIT_USAGE


def _list_run(journal_path: Path, run_id: str, as_json: bool) -> int:
    """`mass-sync --list RUN`: the run's customers that failed or need a person, from the journal."""
    try:
        journal = Journal(journal_path, must_exist=True)
    except JournalError as exc:
        return refuse("mass-sync", str(exc))
    try:
        info = journal.run(run_id)
        status = journal.status_of(info)  # a run whose process died shows as interrupted, as in the TUI
        steps = journal.steps_in(run_id, ("failed", "needs-decision", "skipped"))
    except JournalError as exc:
        return refuse("mass-sync", str(exc))
    finally:
        journal.close()
    if as_json:
        print(json.dumps({"run_id": info.id, "status": status, "counts": info.counts, "customers": steps}, indent=2))
    else:
        out = stdout()
        out.print(f"[bold]Run {info.id}[/bold] ({status}): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(info.counts.items())))
        for step in steps:
            out.print(f"{step['internal_id']:>8}  {step['state']:<15} {step['rule'] or '-':<4} ", end="")
            out.print(step["error"] or "", markup=False)
            if step["remedy"]:
                out.print("          remedy: ", end="", style="yellow")
                out.print(step["remedy"], markup=False)
        if not steps:
            out.print("no customer failed or needs a person in this run")
    return EXIT_OK


class _NeedsPerson:
    """The customers of a run that need a person: the first few kept, the rest counted (memory stays flat)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.shown: list[Outcome] = []
        self.total = 0

    def add(self, o: Outcome) -> None:
        self.total += 1
        if len(self.shown) < self.keep:
            self.shown.append(o)


async def _mass_sync(engine: Engine, journal: Journal | None, args: argparse.Namespace,
                     changed_since: datetime | None = None, *, retry: RetryScope | None = None) -> int:
    err = stderr()
    on_terminal = err.is_terminal
    show_progress = not args.json and on_terminal
    # A person at a terminal gets a bar and a summary; -v, or output to a file or pipe, a line per customer.
    per_customer = not args.json and (args.verbose or not on_terminal)
    rows: list[dict[str, Any]] = []
    actions: dict[str, int] = {}
    needs_person = _NeedsPerson(SHOWN)
    progress = Progress(TextColumn("[bold]mass sync"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[counts]}"),
                        console=err, disable=not show_progress)
    task = progress.add_task("sync", total=None, rate="", counts="")
    finished: RunFinished | None = None
    plan: dict[str, Any] | None = None
    took_over: str | None = None
    with progress:
        async for event in engine.mass_sync(journal, run_id=args.resume, dry_run=args.dry_run,
                                            portal=not args.no_portal, retry_failed=args.retry_failed,
                                            changed_since=changed_since):
            if isinstance(event, RunStarted):
                took_over = event.took_over
                if not args.json:
                    what = "plan (dry run: nothing is written)" if event.dry_run else f"run {event.run_id}"
                    err.print(f"{'resuming' if event.resumed else 'starting'} {what} over saved search {event.search_id}")
                if took_over:
                    err.print(f"took over the target's lock from {took_over}: its process is gone", markup=False)
            elif isinstance(event, PlanReady):
                plan = event.plan.summary()
                if not args.json:
                    out = stdout()
                    out.print("[bold]Plan[/bold]" + (" (a dry run: nothing is written)" if args.dry_run else ""))
                    for line in describe_plan(plan):
                        out.print("  " + line, markup=False, highlight=False)
                    _print_edits(out, event.plan, cap=not args.verbose)
            elif isinstance(event, CustomersFound):
                progress.update(task, total=event.total)
                if not args.json and event.already_done:
                    err.print(f"{event.already_done} customers already finished in this run: not redone")
            elif isinstance(event, CustomerSynced):
                o = event.outcome
                elapsed = progress.tasks[0].elapsed or 0
                progress.update(task, completed=event.done, rate=f"{event.done / elapsed:.1f}/s" if elapsed else "",
                                counts=" ".join(f"{k}:{v}" for k, v in sorted(event.counts.items())))
                if args.json:
                    rows.append(o.as_dict())
                key = f"{o.rule} {o.decision.action.value}" if o.decision else o.status.value
                actions[key] = actions.get(key, 0) + 1
                if o.status in NEEDS_PERSON:
                    needs_person.add(o)
                if per_customer:
                    progress.console.print(_row(o), markup=False, highlight=False)
            elif isinstance(event, RunFinished):
                finished = event
    assert finished is not None
    if args.json:
        print(json.dumps({"run_id": finished.run_id, "dry_run": args.dry_run, "counts": finished.counts,
                          "took_over_lock_of": took_over,
                          "changed_since": changed_since.strftime("%Y-%m-%dT%H:%M:%SZ") if changed_since else None,
                          "elapsed_s": round(finished.elapsed, 3), "netsuite_requests": finished.netsuite_requests,
                          "stripe_requests": finished.stripe_requests, "retries": finished.retries,
                          "in_flight_peak": finished.in_flight_peak, "plan": plan,
                          "retry": retry.as_dict() if retry is not None else None, "customers": rows}, indent=2))
    else:
        _summary(stdout(), finished, args.dry_run, actions, needs_person, cap=not args.verbose)
    return exit_for_counts(finished.counts)


def _print_edits(out: Console, plan: Any, *, cap: bool) -> None:
    """The plan's fields edited in Stripe outside custsync (R10), both values side by side."""
    rows = [r for r in plan.rows if r.decision and any(e.new for e in r.decision.stripe_edits)]
    for r in rows[:SHOWN] if cap else rows:
        out.print(f"  customer {r.internal_id} ({r.stripe_id}):", markup=False, highlight=False)
        for line in edit_lines(r.decision, "    "):
            out.print(line, markup=False, highlight=False)
    if cap and len(rows) > SHOWN:
        out.print(f"  ... and {len(rows) - SHOWN} more customers with fields edited in Stripe: -v or --json lists "
                  "them all", markup=False, highlight=False)


def _row(o: Any) -> str:
    d = o.decision
    what = f"{d.rule} {d.action.value}" if d else "-"
    extra = o.cause or ""
    return f"{o.internal_id:>8}  {what:<18} {o.status.value:<15} {o.stripe_customer_id or '':<22} {extra}"


def _print_customer(console: Console, label: str, style: str, o: Outcome) -> None:
    console.print(f"[{style}]{label}[/{style}] customer {o.internal_id}"
                  + (f" ({o.rule})" if o.rule else "") + ": ", end="")
    console.print(o.cause or "?", markup=False)
    if o.remedy:
        console.print("   remedy: ", style="yellow", end="")
        console.print(o.remedy, markup=False)


def _summary(console: Console, finished: RunFinished, dry_run: bool, actions: dict[str, int],
             needs_person: _NeedsPerson, *, cap: bool = True) -> None:
    total = sum(finished.counts.values())
    rate = total / finished.elapsed if finished.elapsed else 0
    title = "Plan" if dry_run else f"Run {finished.run_id}"
    console.print(f"[bold]{title}[/bold]: {total} customers in {finished.elapsed:.1f}s ({rate:.1f}/s); "
                  + ", ".join(f"{k} {v}" for k, v in sorted(finished.counts.items())))
    console.print(f"requests: NetSuite {finished.netsuite_requests}, Stripe {finished.stripe_requests}, retries "
                  f"{finished.retries}; up to {finished.in_flight_peak} customers in flight", style="dim")
    list_all = (f"custsync mass-sync --list {finished.run_id}" if finished.run_id
                else "custsync mass-sync --dry-run -v")
    failures = finished.failures[:SHOWN] if cap else finished.failures
    for o in failures:
        _print_customer(console, "failed", "red", o)
    if len(failures) < len(finished.failures):
        console.print(f"... and {len(finished.failures) - len(failures)} more failed: {list_all}")
    if needs_person.total:
        console.print(f"[yellow]{plural(needs_person.total, 'customer needs', 'customers need')} a person[/yellow] "
                      "(R3: choose the Stripe customer; R4: give the customer an email or a Stripe id; R10: choose "
                      "between NetSuite's and Stripe's value, custsync resolve-edit):")
        for o in needs_person.shown:
            _print_customer(console, o.status.value, "yellow", o)
        if needs_person.total > len(needs_person.shown):
            console.print(f"... and {needs_person.total - len(needs_person.shown)} more: {list_all}")
    if finished.failures and finished.run_id:
        console.print(f"Mend the causes, then retry the failures: custsync mass-sync --resume {finished.run_id} --retry-failed")


def cmd_import_stripe_ids(args: argparse.Namespace) -> int:
    try:
        rows = read_rows(Path(args.file), id_column=args.id_column, stripe_column=args.stripe_column)
    except CsvFileError as exc:
        return refuse("import-stripe-ids", str(exc))
    err = stderr()

    async def work(engine: Engine) -> int:
        progress = Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err,
                            disable=args.json or not err.is_terminal)
        tasks: dict[str, Any] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)

        with progress:
            plan = await plan_import(engine.services, rows, allow_shared=args.allow_shared, on_progress=on_progress)
            if args.apply:
                await apply_import(engine.services, plan, on_progress=on_progress)
        if args.json:
            _print_import_json(plan)
        else:
            _print_import(stdout(), plan, args, every_row=args.verbose or not err.is_terminal)
        if plan.count("error"):
            return EXIT_FAILURES
        return EXIT_NEEDS_PERSON if plan.count("conflict") else EXIT_OK

    return with_engine(args, work)


def _print_import_json(plan: ImportPlan) -> None:
    """One JSON document, written a row at a time: 200,000 rows never sit in memory as one string."""
    head = json.dumps({"applied": plan.applied, "counts": plan.counts(),
                       "requests": {"netsuite": plan.netsuite_requests, "stripe": plan.stripe_requests},
                       "stripe_lookup": plan.stripe_strategy})
    write = sys.stdout.write
    write(head[:-1] + ', "rows": [')
    for i, r in enumerate(plan.rows):
        write(("\n  " if i == 0 else ",\n  ") + json.dumps(r.as_dict()))
    write("\n]}\n")


def _print_import(out: Console, plan: ImportPlan, args: argparse.Namespace, *, every_row: bool) -> None:
    """Every row (-v, or not a terminal), else only the rows a person must look at, the first 50."""
    shown = 0
    problems = 0
    for r in plan.rows:
        problem = r.action in ("conflict", "error")
        problems += problem
        if not every_row and (not problem or shown >= 50):
            continue
        shown += 1
        style = {"set": "cyan", "written": "green", "already-set": "dim", "conflict": "yellow"}.get(r.action, "red")
        out.print(f"line {r.line:>5}  customer {r.internal_id:>8} -> {r.stripe_customer_id:<24} "
                  f"[{style}]{r.action}[/{style}]  ", end="")
        out.print(r.message, markup=False)
    if not every_row and problems > shown:
        out.print(f"... and {problems - shown} more rows with a conflict or an error: "
                  f"custsync import-stripe-ids {args.file} --json lists every row")
    counts = plan.counts()
    out.print(", ".join(f"{k} {counts[k]}" for k in ("set", "written", "already-set", "conflict", "error") if k in counts))
    out.print(f"requests: NetSuite {plan.netsuite_requests}, Stripe {plan.stripe_requests} ({plan.stripe_strategy})",
              style="dim")
    if not args.apply and plan.count("set"):
        out.print(f"Nothing was written. Run again with --apply to write {plural(plan.count('set'), 'id')}.")


def common_options() -> argparse.ArgumentParser:
    """The options every command that talks to the services takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout (for scripts)")
    common.add_argument("--yes-live", action="store_true", help="allow writes with a live Stripe key")
    return common


def add_commands(sub: argparse._SubParsersAction) -> None:
    common = common_options()

    p = sub.add_parser("sync", parents=[common], help="sync one NetSuite customer (the Sync to Stripe button)",
                       description="Sync one NetSuite customer to Stripe by the rules R1-R10, write the Stripe id "
                       "back, then write its portal link when the field is empty or stale (R6-R8). Prints the rule "
                       "that fired, the trace, the changes on each side and any remedy.")
    p.add_argument("id", type=customer_id, help="the NetSuite customer's internal id (digits)")
    p.add_argument("--dry-run", action="store_true", help="show the decision; write nothing")
    p.add_argument("--no-portal", action="store_true", help="do not write the portal link")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("mass-sync", parents=[common], help="sync every customer the mass sync saved search chooses",
                       description="The scheduled mass sync: every customer chosen by the Mass Customer Sync Saved "
                       "Search, read in pages and decided locally into a plan, printed first (counts by rule and "
                       "action, Stripe creates and updates, NetSuite write-backs, customers unchanged); then only "
                       "the writes the plan needs, concurrently within NetSuite's and Stripe's limits, journaled "
                       "so that a killed run resumes with --resume RUN. On a terminal: a progress bar with rate and ETA, then a "
                       "summary naming the failures (cause and remedy) and the customers that need a person; -v, "
                       "or output to a file or pipe, prints a line per customer. On a schedule, --changed-since "
                       "last takes only the customers modified since the last finished run against the same "
                       "NetSuite account and Stripe account and mode.")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (and the rule and action per customer with -v or --json); write nothing")
    p.add_argument("--resume", metavar="RUN", help="resume this run from the journal (finished customers are not redone)")
    p.add_argument("--retry-failed", action="store_true",
                   help="with --resume: redo the run's customers that failed and those decided since it ran "
                   "(custsync link); customers it did not reach are taken too, after its plan is shown and you say "
                   "yes (--yes); never a customer the run did not take")
    p.add_argument("--yes", action="store_true",
                   help="with --resume RUN --retry-failed: go on when the retry takes more than the run's failed and "
                   "decided customers (those a stopped or interrupted run did not reach). Without it the retry "
                   "prints its plan and asks on a terminal, and is refused (exit 2, nothing written) elsewhere")
    p.add_argument("--list", dest="list_run", metavar="RUN",
                   help="list a journaled run's customers that failed or need a person (writes nothing)")
    p.add_argument("-v", "--verbose", action="store_true", help="a line per customer, also on a terminal")
    p.add_argument("--no-portal", action="store_true", help="do not write portal links")
    p.add_argument("--journal", metavar="FILE", help="the run journal (default: [sync] journal_path)")
    p.add_argument("--changed-since", metavar="TIME|last", type=changed_since_value, help=CHANGED_SINCE_HELP)
    p.set_defaults(func=cmd_mass_sync)

    p = sub.add_parser("resolve-edit", parents=[common], help="choose for a field edited in Stripe (R10, policy ask)",
                       description="A mapped field of a linked customer changed in Stripe outside custsync since "
                       "custsync last wrote it (a customer in the portal, the Dashboard, another integration), and "
                       "the policy [sync] stripe_edits = ask left it to you: the plan and `custsync sync ID "
                       "--dry-run` show both values. `netsuite` pushes NetSuite's value to Stripe now; `stripe` "
                       "keeps Stripe's (NetSuite keeps its own; a later change in NetSuite is pushed). Recorded in "
                       "the journal ([sync] journal_path), so the next sync does not ask again.")
    p.add_argument("id", type=customer_id, help="the NetSuite customer's internal id (digits)")
    p.add_argument("field", choices=list(GUARDED_FIELDS), help="the Stripe field")
    p.add_argument("keep", choices=[c.value for c in Choice], help="whose value stays: netsuite or stripe")
    p.set_defaults(func=cmd_resolve_edit)

    p = sub.add_parser("portal-link", parents=[common], help="write or check portal links of linked customers",
                       description="Write the current signed portal link (a link to the portal Suitelet, signed in "
                       "NetSuite) into the portal field of linked customers whose field is empty or stale (R6); "
                       "no Stripe request. With --check, open the stored link as the customer would (no "
                       "redirect followed) and report: ok (a Stripe session), R7 (portal not activated), R8 "
                       "(deployment not released), stale link (re-sync), R2 (stored Stripe id deleted).")
    p.add_argument("id", nargs="?", type=customer_id, help="the NetSuite customer's internal id (digits)")
    p.add_argument("--all", action="store_true", help="every customer of the mass sync saved search")
    p.add_argument("--check", action="store_true", help="open the stored link and report what the customer gets")
    p.set_defaults(func=cmd_portal_link)

    p = sub.add_parser("doctor", parents=[common], help="check credentials, searches, fields, deployment, portal",
                       description="The troubleshooting checks, each with pass/fail and a remedy: credentials on "
                       "both sides, the two saved searches and their columns, the PayPack fields, the portal "
                       "deployment (R8), the Stripe portal configuration (R7), the portal links stored on a few "
                       "linked customers opened as a customer would (R6-R8; stale after the signing secret was "
                       "rotated), custsync's status fields when on, the concurrency setting.")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("import-stripe-ids", parents=[common], help="set STRIPE CUSTOMER ID from a CSV (customers without email)",
                       description="Read NetSuite internal id + Stripe customer id pairs from a CSV (ours: columns "
                       "internal_id, stripe_customer_id; or Stripe's customer export, with the column holding the "
                       "NetSuite id named by --id-column), check every row against both systems, show the plan, "
                       "and write only with --apply. A malformed file is refused whole, naming each bad line. A Stripe customer "
                       "that already belongs to another NetSuite customer is a conflict (see --allow-shared). "
                       "NetSuite is read in batches of 1000 ids; progress shows on a terminal.")
    p.add_argument("file", help="the CSV file (UTF-8; a byte-order mark is accepted)")
    p.add_argument("--apply", action="store_true", help="write the ids (default: only show the plan)")
    p.add_argument("--allow-shared", action="store_true",
                   help="also write a Stripe id that another NetSuite customer already holds (or that the Stripe "
                   "customer's metadata.netsuite_internal_id gives to another customer); default: report a conflict")
    p.add_argument("-v", "--verbose", action="store_true", help="a line per row, also on a terminal")
    p.add_argument("--id-column", help="column with the NetSuite internal id (default: internal_id or "
                   "'netsuite_internal_id (metadata)')")
    p.add_argument("--stripe-column", help="column with the Stripe customer id (default: stripe_customer_id or id)")
    p.set_defaults(func=cmd_import_stripe_ids)
