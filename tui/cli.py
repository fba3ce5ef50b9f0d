"""The `custsync` command line. Presentation only: the work is in sync_core and testbed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from sync_core.config import ConfigError
from sync_core.errors import CredentialsRefused, SyncError
from sync_core.rules.catalogue import RULES
from testbed.launcher import MockStartError

from .commands import add_commands
from .exit_codes import EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from .exit_codes import HELP as EXIT_CODES_HELP
from .link_command import add_link_command
from .scenario_commands import add_scenario_commands
from .setup_command import add_setup_commands
from .status_command import add_status_command


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def cmd_rules(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([
            {"id": r.id, "name": r.name, "explanation": r.explanation, "remedy": r.remedy} for r in RULES.values()
        ], indent=2))
        return EXIT_OK
    console = _out()
    for r in RULES.values():
        console.print(Text.assemble((r.id, "bold"), "  ", (r.name, "bold cyan")))
        console.print(f"    {r.explanation}", markup=False)
        if r.remedy:
            console.print(Text.assemble("    ", ("Remedy:", "yellow"), " ", r.remedy))
        console.print()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custsync",
        description="Sync NetSuite customers to Stripe customers by the PayPack rules (R1-R10), "
        "and reproduce, test and teach that sync against bundled mocks. With no COMMAND, opens the "
        "operator's TUI. Without --config "
        "(or CUSTSYNC_CONFIG) every command runs against the bundled mocks with demo data.",
        epilog=EXIT_CODES_HELP + " "
        "Secrets come from the environment (CUSTSYNC_STRIPE_API_KEY, CUSTSYNC_NETSUITE_*) "
        "or a file named by CUSTSYNC_SECRETS_FILE, never from the config file.",
    )
    parser.add_argument("--config", metavar="FILE", help="TOML configuration (default: $CUSTSYNC_CONFIG, else bundled mocks)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("rules", help="print the sync rule catalogue R1-R10", description="Print the sync rules "
                       "R1-R10 with their explanations and remedies (the same text the TUI shows).")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_rules)

    add_commands(sub)
    add_link_command(sub)
    add_status_command(sub)
    add_scenario_commands(sub)
    add_setup_commands(sub)

    return parser


def run_tui(args: argparse.Namespace) -> int:
    """`custsync` with no command: the operator's TUI (Textual is imported only here)."""
    from sync_core.config import load_config

    from .app import make_app

    make_app(load_config(args.config)).run()
    return EXIT_OK


def interactive() -> bool:
    """A person at a terminal (both ends): only then can the TUI start."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            if not interactive():
                parser.print_usage(sys.stderr)
                print("custsync: no command given, and the TUI needs a terminal (stdin and stdout). Name a "
                      "command (custsync --help lists them), or run custsync in a terminal.", file=sys.stderr)
                return EXIT_USAGE
            return run_tui(args)
        return args.func(args)
    except ConfigError as exc:
        print(f"custsync: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CredentialsRefused as exc:
        print(f"custsync: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SyncError as exc:
        print(f"custsync: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    except MockStartError as exc:
        print(f"custsync: the bundled mocks could not start: {without_traceback(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("custsync: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def without_traceback(text: str) -> str:
    """A child's output with its Python traceback reduced to the line that says what went wrong."""
    if "Traceback (most recent call last)" not in text:
        return text
    head = text.split("Traceback (most recent call last)")[0].rstrip()
    last = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")
    return f"{head} {last}".strip()


if __name__ == "__main__":
    sys.exit(main())
