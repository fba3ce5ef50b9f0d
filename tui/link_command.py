"""`custsync link ID STRIPE_ID`: the operator's decision for R3 "ask" (several Stripe customers share the
email) or R2 (stale link), from the command line. Validates the id against Stripe, says whether another
NetSuite customer already points at it, states the NetSuite write, asks (unless --yes), writes only
STRIPE CUSTOMER ID (PAYPACK) and journals the decision."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.text import Text

from sync_core.admin.decisions import Candidates, LinkResult
from sync_core.engine import Engine
from sync_core.errors import SyncError
from sync_core.rules.ids import is_stripe_customer_id

from .commands import EXIT_FAILURES, EXIT_OK, EXIT_USAGE, common_options, customer_id, with_engine
from .yes_no import said_yes


def stripe_customer_id(value: str) -> str:
    """argparse type: a Stripe customer id, refused (exit 2) before anything is read or written."""
    sid = value.strip()
    if not is_stripe_customer_id(sid):
        raise argparse.ArgumentTypeError(f"{value!r} is not a Stripe customer id: it starts with cus_ followed by "
                                         "letters and digits (Stripe Dashboard -> Customers, the id under the "
                                         "customer's name).")
    return sid


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def candidates_lines(found: Candidates) -> list[Text]:
    """One block per candidate, literally (names and metadata are the customer's text, not markup)."""
    lines: list[Text] = []
    for c in found.candidates:
        line = Text(f"  {c.id}  created {c.created_text()}  name {c.name or '-'!s}  email {c.email or '-'!s}")
        others = c.others(found.internal_id)
        if others:
            line.append(f"  already linked from NetSuite customer {', '.join(others)}", style="yellow")
        lines.append(line)
        if c.metadata:
            lines.append(Text("      metadata " + ", ".join(f"{k}={v}" for k, v in sorted(c.metadata.items()))))
    return lines


def print_preview(out: Console, result: LinkResult) -> None:
    c = result.candidate
    out.print(Text(f"Stripe customer {c.id}: name {c.name or '-'}, email {c.email or '-'} (exists in Stripe)"))
    if result.others:
        out.print(Text(f"Already linked from NetSuite customer {', '.join(result.others)}: after this, "
                       "two NetSuite customers point at one Stripe customer.", style="bold yellow"))
    out.print(Text("Writes: " + result.write_sentence()))


def cmd_link(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty() and not args.json
    if not args.yes and not interactive:
        print("custsync link: writing the link needs --yes when nobody can answer the question "
              "(no terminal, or --json).", file=sys.stderr)
        return EXIT_USAGE

    async def work(engine: Engine) -> int:
        out = _console()
        try:
            preview = await engine.check_link(args.id, args.stripe_id)
        except SyncError as exc:
            if args.json:
                print(json.dumps({"internal_id": args.id, "stripe_customer_id": args.stripe_id, "written": False,
                                  "error": exc.as_dict()}, indent=2))
            else:
                err = Console(stderr=True, highlight=False, soft_wrap=True)
                err.print(Text(f"custsync link: {exc.message}", style="red"))
                if exc.remedy:
                    err.print(Text(f"remedy: {exc.remedy}"))
            return EXIT_FAILURES
        if preview.already_linked:
            if args.json:
                print(json.dumps(preview.as_dict(), indent=2))
            else:
                out.print(Text(f"NetSuite customer {preview.internal_id} already holds {preview.stripe_customer_id}: "
                               "nothing written."))
            return EXIT_OK
        if not args.json:
            print_preview(out, preview)
        if not args.yes and not said_yes("Write it?"):
            out.print("Nothing written.")
            return EXIT_FAILURES
        result = await engine.link(args.id, preview.stripe_customer_id)
        if args.json:
            print(json.dumps(result.as_dict(), indent=2))
        else:
            out.print(Text(f"Linked: NetSuite customer {result.internal_id} -> {result.stripe_customer_id} "
                           f"(was {result.previous or 'empty'}). The decision is journaled; `custsync sync "
                           f"{result.internal_id}` now pushes the fields (R1).", style="green"))
        return EXIT_OK

    return with_engine(args, work)


def cmd_candidates(args: argparse.Namespace) -> int:
    async def work(engine: Engine) -> int:
        found = await engine.candidates(args.id)
        if args.json:
            print(json.dumps({"internal_id": found.internal_id, "name": found.name, "email": found.email,
                              "stored_stripe_customer_id": found.stored_id, "stored_exists": found.stored_exists,
                              "candidates": [c.as_dict(found.internal_id) for c in found.candidates]}, indent=2))
            return EXIT_OK
        out = _console()
        out.print(Text(f"NetSuite customer {found.internal_id} {found.name}  email {found.email or '-'}  "
                       f"stored Stripe id {found.stored_id or '(empty)'}"
                       + ("" if not found.stored_id or found.stored_exists else " (names no Stripe customer: R2)")))
        if not found.candidates:
            out.print("No Stripe customer has this email.")
        for line in candidates_lines(found):
            out.print(line)
        out.print(f"Link one: custsync link {found.internal_id} STRIPE_ID")
        return EXIT_OK

    return with_engine(args, work)


def add_link_command(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    p = sub.add_parser("link", parents=[common], help="link a NetSuite customer to the Stripe customer you chose",
                       description="The decision the rules leave to a person (R3 several Stripe customers share "
                       "the email; R2 the stored id names no Stripe customer): the Stripe id is checked in Stripe "
                       "first, another NetSuite customer already pointing at it is reported, then only STRIPE "
                       "CUSTOMER ID (PAYPACK) is written and the decision journaled. `custsync candidates ID` "
                       "lists the choices.")
    p.add_argument("id", type=customer_id, help="NetSuite customer internal id (digits)")
    p.add_argument("stripe_id", metavar="STRIPE_ID", type=stripe_customer_id,
                   help="the Stripe customer id to link (cus_...)")
    p.add_argument("--yes", action="store_true", help="write without asking (needed without a terminal)")
    p.set_defaults(func=cmd_link)
    p = sub.add_parser("candidates", parents=[common], help="the Stripe customers a customer could be linked to",
                       description="The Stripe customers with the NetSuite customer's email, oldest first, with "
                       "name, created, metadata and which other NetSuite customers already point at each.")
    p.add_argument("id", type=customer_id, help="NetSuite customer internal id (digits)")
    p.set_defaults(func=cmd_candidates)
