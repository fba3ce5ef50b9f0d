"""`custsync status`: the state of the scheduled sync against this configuration's target, for a person
(`custsync status`) or a monitor (`custsync status --json`, and its exit code)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.text import Text

from sync_core.admin.status import StatusReport, status_report
from sync_core.config import load_config
from sync_core.engine import Engine
from sync_core.run.changed_since import ChangedSinceError, parse_duration
from sync_core.run.journal import Journal, JournalError

from .commands import common_options, refuse, with_engine
from .exit_codes import EXIT_FAILURES, EXIT_NEEDS_PERSON, EXIT_OK

EXITS = ("Exit codes, for a monitor: 0 all synced; 1 something to look at (customers owed a sync after a failure "
         "or an interrupted run, stale portal links, a lock whose holder is gone, the last run interrupted, or no "
         "run completed within --max-age); 2 no journal or a bad option; 3 nothing failed but customers wait for "
         "a person (R3 several candidates, R2, R4).")


def exit_code(report: StatusReport) -> int:
    if report.alerts:
        return EXIT_FAILURES
    return EXIT_NEEDS_PERSON if report.needs_person else EXIT_OK


def max_age(text: str) -> float:
    """argparse type: a time ago (30m, 2h, 1d), as seconds."""
    try:
        return parse_duration(text).total_seconds()
    except ChangedSinceError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_status(args: argparse.Namespace) -> int:
    journal_path = Path(args.journal or load_config(args.config).sync.journal_path)
    try:
        journal = Journal(journal_path, must_exist=True)
    except JournalError:
        return refuse("status", f"no run journal at {journal_path}: no mass sync has run with it yet. Run custsync "
                      "mass-sync once (then schedule custsync mass-sync --changed-since last), or name the journal "
                      "with --journal.")

    async def work(engine: Engine) -> int:
        report = await status_report(engine.services, journal, max_age_s=args.max_age)
        if args.json:
            print(json.dumps({**report.as_dict(), "exit_code": exit_code(report)}, indent=2))
        else:
            show(Console(highlight=False, soft_wrap=True), report)
        return exit_code(report)

    try:
        return with_engine(args, work)
    finally:
        journal.close()


def show(out: Console, report: StatusReport) -> None:
    out.print(Text.assemble(("Target: ", "bold"), report.target.describe(), f"   journal {report.journal}"))
    lock = report.lock
    out.print(Text.assemble(("Lock: ", "bold"), "free" if lock is None else Text(
        f"held by run {lock['run_id']} (host {lock['host']}, process {lock['pid']}, since {lock['started']})"
        + ("" if lock["alive"] else ": its process is GONE"), style="" if lock["alive"] else "bold red")))
    if report.last_completed:
        last = report.last_completed
        out.print(Text(f"Last completed run: {last['run_id']}, started {last['started']} "
                       f"({last['age_s'] // 60} min ago)"))
    out.print(Text("Last runs:", style="bold"))
    for run in report.runs:
        style = {"interrupted": "red", "finished-with-failures": "yellow", "running": "cyan"}.get(run["status"], "")
        out.print(Text(f"  {run['run_id']}  {run['started']}  {run['status']:<22} ok {run['ok']}, failed "
                       f"{run['failed']}, waiting {run['waiting']}, unfinished {run['unfinished']}", style=style))
    if not report.runs:
        out.print("  none against this target")
    _customers(out, f"Owed a sync ({len(report.owed)})", report.owed, "red")
    _customers(out, f"Waiting for a person ({len(report.waiting)})", report.waiting, "yellow")
    links = report.links
    out.print(Text.assemble(("Portal links: ", "bold"), Text(
        {True: "STALE", False: "current", None: "unknown"}[links.get("stale")] + ": " + links.get("detail", ""),
        style="bold red" if links.get("stale") else "")))
    for alert in report.alerts:
        out.print(Text(f"ALERT: {alert}", style="bold red"))


def _customers(out: Console, title: str, customers: list[dict], style: str) -> None:
    if not customers:
        return
    out.print(Text(title + ":", style="bold"))
    for c in customers:
        out.print(Text(f"  {c['internal_id']:>8}  {c['cause']:<11} {c['rule'] or '-':<4} {c['error'] or ''}",
                       style=style))
        if c["remedy"]:
            out.print(Text(f"            remedy: {c['remedy']}", style="dim"))


def add_status_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", parents=[common_options()], help="the scheduled sync's state, for people and monitors",
                       description="The state of the mass sync against this configuration's target (NetSuite "
                       "account, Stripe account and mode), from the run journal and one RESTlet call: the last "
                       "runs (when, how many ok, failed, waiting for a person), the customers still owed a sync "
                       "with their cause and remedy (the next run takes them), those waiting for a person, "
                       "whether a run holds the target's lock and whether its process is alive, and whether the "
                       "portal links stored on the customers are stale (the signing secret was rotated). "
                       "Writes nothing.",
                       epilog=EXITS)
    p.add_argument("--journal", metavar="FILE", help="the run journal (default: [sync] journal_path)")
    p.add_argument("--max-age", metavar="DURATION", type=max_age,
                   help="alert (exit 1) when no run has completed for this long (30m, 2h, 1d): the schedule stopped")
    p.set_defaults(func=cmd_status)
