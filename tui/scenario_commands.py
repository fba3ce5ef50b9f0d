"""The CLI's scenario commands: scenario list/run/new, and mocks (serve both mocks until Ctrl-C)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from sync_core.config import Config, ConfigError, load_config
from sync_core.plural import plural
from testbed import demo
from testbed.bundled import mock_environment_groups
from testbed.capture_real import KEEP_REAL_WARNING, CaptureError, capture_to_file, customer_ids, output_path, request_counts_text
from testbed.control import MockControlError
from testbed.junit import write_junit_xml
from testbed.save_scenario import save_mocks, target_problem
from testbed.scenario_load import LoadedScenario, ScenarioFileError, load_scenario, resolve, scenario_files, scenarios_dir
from testbed.scenario_report import ScenarioReport
from testbed.scenario_runner import MockPair, ScenarioRunner
from testbed.scenario_state import apply_overrides

from .exit_codes import EXIT_FAILURES, EXIT_OK, EXIT_USAGE
from .yes_no import said_yes


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _load_all(paths: list[Path]) -> tuple[list[LoadedScenario], list[str]]:
    loaded, errors = [], []
    for path in paths:
        try:
            loaded.append(load_scenario(path))
        except ScenarioFileError as exc:
            errors += [str(i) for i in exc.issues]
    return loaded, errors


def _with_urls(args: argparse.Namespace) -> Config | None:
    """The config naming running mocks, when --netsuite-url/--stripe-url (or the config) give them."""
    config = load_config(args.config)
    if args.netsuite_url:
        config.netsuite.rest_url = config.netsuite.restlet_url = args.netsuite_url
    if args.stripe_url:
        config.stripe.base_url = args.stripe_url
    if bool(config.netsuite.rest_url) != bool(config.stripe.base_url):
        raise ConfigError("name both running mocks: --netsuite-url and --stripe-url")
    return config if config.netsuite.rest_url else None


def _bundled_config(args: argparse.Namespace) -> Config | None:
    """The configuration mocks started here run with: --config's, else the defaults. Scenarios carry their own
    settings, so of the environment only CUSTSYNC_NETSUITE_AUTH is taken (replaying them with TBA)."""
    if args.config:
        return load_config(args.config)
    auth = os.environ.get("CUSTSYNC_NETSUITE_AUTH")
    return load_config(env={"CUSTSYNC_NETSUITE_AUTH": auth}) if auth else None


# --- scenario list ------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    loaded, errors = _load_all(scenario_files())
    if args.json:
        print(json.dumps({"directory": str(scenarios_dir()), "errors": errors, "scenarios": [
            {"name": s.name, "title": s.scenario.title, "rules": s.scenario.rules, "steps": len(s.scenario.steps),
             "path": str(s.path)} for s in loaded]}, indent=2))
    else:
        out = _console()
        for s in loaded:
            out.print(f"[bold]{s.name:<32}[/bold] {', '.join(s.scenario.rules):<16} ", end="")
            out.print(s.scenario.title, markup=False)
        for line in errors:
            out.print(Text.assemble(("invalid", "red"), " ", line))
        if not loaded and not errors:
            out.print(f"no scenario files in {scenarios_dir()}")
    return EXIT_USAGE if errors else EXIT_OK


# --- scenario run -------------------------------------------------------------------


def print_report(out: Console, r: ScenarioReport, *, verbose: bool = False) -> None:
    mark = "[green]PASS[/green]" if r.ok else "[red]FAIL[/red]"
    out.print(f"{mark}  [bold]{r.name}[/bold]  ({', '.join(r.rules)}; {r.elapsed:.1f}s)  ", end="")
    out.print(r.title, markup=False)
    if r.ok and not verbose:
        return
    if verbose:
        for line in r.lesson.strip().splitlines():
            out.print(f"      {line}", markup=False, style="dim")
    if r.error:
        out.print(Text.assemble("      ", ("error:", "red"), f" {r.error}"))
    for s in r.steps:
        step_mark = "[green]ok[/green]  " if s.ok else "[red]FAIL[/red]"
        out.print(f"  {step_mark} {s.index}. ", end="")
        out.print(Text.assemble((s.title, "bold"), ": "), end="")
        out.print(s.happened, markup=False)
        if s.note and verbose:
            out.print(f"        ({s.note})", markup=False, style="dim")
        if s.error:
            out.print(f"        error: {s.error}", markup=False, style="red")
        if verbose or not s.ok:
            for line in s.details:
                out.print(f"        {line}", markup=False, style="dim")
        _print_checks(out, s.checks, verbose)
    _print_checks(out, r.then, verbose, prefix="then: ")


def _print_checks(out: Console, checks: list[Any], verbose: bool, prefix: str = "") -> None:
    for c in checks:
        if c.ok and verbose:
            out.print("        [green]ok[/green]   ", end="")
            out.print(f"{prefix}{c.what}: {c.actual!r}", markup=False)
        elif not c.ok:
            out.print("        [red]FAIL[/red] ", end="")
            out.print(f"{prefix}{c.what}: expected {c.expected!r}, actual {c.actual!r}", markup=False)


def cmd_run(args: argparse.Namespace) -> int:
    if args.all == bool(args.names):
        print("custsync scenario run: name scenarios (NAME or PATH) or give --all, not both.", file=sys.stderr)
        return EXIT_USAGE
    paths = scenario_files() if args.all else [resolve(n) for n in args.names]
    loaded, errors = _load_all(paths)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    running = _with_urls(args)
    if running and args.realistic:
        print("custsync scenario run: --realistic starts its own mocks with Stripe's rate limits; mocks already "
              "running keep the profile they were started with (custsync mocks --realistic).", file=sys.stderr)
        return EXIT_USAGE
    junit = Path(args.junit_xml) if args.junit_xml else None
    if junit is not None and not junit.parent.is_dir():
        print(f"custsync scenario run: --junit-xml {junit}: the folder {junit.parent} does not exist.", file=sys.stderr)
        return EXIT_USAGE
    if running:
        pair = MockPair.attach(running)
        if not args.replace and not _may_replace(pair):
            return EXIT_USAGE
    else:
        pair = MockPair.start(_bundled_config(args), profile="realistic" if args.realistic else "fast")
    reports = []
    out = _console()
    with pair:
        runner = ScenarioRunner(pair)
        for scenario in loaded:
            report = runner.run(scenario)
            reports.append(report)
            if not args.json:
                print_report(out, report, verbose=args.verbose)
    passed = sum(r.ok for r in reports)
    if junit is not None:
        write_junit_xml(junit, list(zip(loaded, reports)))
    if args.json:
        print(json.dumps({"ok": passed == len(reports), "passed": passed, "failed": len(reports) - passed,
                          "scenarios": [r.as_dict() for r in reports]}, indent=2))
    else:
        style = "green" if passed == len(reports) else "red"
        out.print(f"[{style}]{plural(len(reports), 'scenario')}: {passed} passed, {len(reports) - passed} failed[/{style}]")
    return EXIT_OK if passed == len(reports) else EXIT_FAILURES


def _may_replace(pair: MockPair) -> bool:
    """Mocks this command did not start hold someone's data (`custsync mocks`, loaded by hand or by a tool):
    a person at a terminal is asked, naming it; a script is refused (exit 2) unless it gave --replace."""
    whose = pair.describe_data()
    question = (f"The mocks at {pair.netsuite.url} (NetSuite) and {pair.stripe.url} (Stripe) were not started by "
                f"this command: {whose}. Running scenarios replaces both mocks' whole state with each scenario's.")
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        print(f"custsync scenario run: {question} Nothing was changed. Give --replace to replace it, or leave out "
              "--netsuite-url/--stripe-url (and unset the CUSTSYNC_* lines `custsync mocks` printed) to run "
              "against mocks started for the run.", file=sys.stderr)
        return False
    print(question, file=sys.stderr)
    if said_yes("Replace their data?"):
        return True
    print("custsync scenario run: nothing was changed.", file=sys.stderr)
    return False


# --- scenario new --from-mocks --------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    target = Path(args.from_mocks)
    if not target.name:
        print(f"custsync scenario new: --from-mocks {args.from_mocks!r} names no file: give the scenario file to "
              "write (e.g. scenarios/captured.yaml).", file=sys.stderr)
        return EXIT_USAGE
    if target.suffix not in (".yaml", ".yml"):
        target = target.with_suffix(".yaml")
    problem = target_problem(target)
    if problem is None and target.exists() and not args.force:
        problem = f"{target} exists; --force overwrites it."
    if problem:
        print(f"custsync scenario new: {problem}", file=sys.stderr)
        return EXIT_USAGE
    config = _with_urls(args)
    if config is None:
        print("custsync scenario new: which mocks? Give --netsuite-url and --stripe-url (the URLs "
              "`custsync mocks` prints), or export its CUSTSYNC_NETSUITE_REST_URL / CUSTSYNC_STRIPE_BASE_URL.",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        _loaded, *customers = save_mocks(target, config, anonymize=args.anonymize,
                                         keep_portal_links=args.keep_portal_links)
    except MockControlError as exc:
        print(f"custsync scenario new: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"custsync scenario new: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {target}: {customers[0]} NetSuite and {customers[1]} Stripe customers"
          + (" (anonymized)" if args.anonymize else "") + ". Add the steps and a lesson, then: "
          f"custsync scenario run {target}")
    return EXIT_OK


# --- scenario capture ----------------------------------------------------------------


def cmd_capture(args: argparse.Namespace) -> int:
    def refuse(message: str) -> int:
        print(f"custsync scenario capture: {message}", file=sys.stderr)
        return EXIT_USAGE

    try:
        ids = customer_ids(args.ids)
        out = output_path(args.out, force=args.force)
    except CaptureError as exc:
        return refuse(str(exc))
    config = load_config(args.config)
    if config.uses_bundled_mocks:
        return refuse("capture reads the NetSuite account and Stripe account your configuration names, and none is "
                      "named: give --config FILE (or CUSTSYNC_CONFIG) with [netsuite] and [stripe] targets. To save "
                      "the mocks' state instead: custsync scenario new --from-mocks FILE.")
    if args.keep_real:
        print(f"custsync scenario capture: warning: {KEEP_REAL_WARNING}", file=sys.stderr)
    try:
        result, _loaded = asyncio.run(capture_to_file(config, ids, out, keep_real=args.keep_real, force=args.force,
                                                      other_mode_ok=args.other_mode_ok))
    except CaptureError as exc:
        return refuse(str(exc))
    if args.json:
        print(json.dumps({"file": str(out), **result.as_dict()}, indent=2))
        return EXIT_OK
    console = _console()
    console.print(f"wrote {out}" + (" (anonymized)" if result.anonymized else " [bold red](REAL DATA)[/bold red]")
                  + f": {result.netsuite_customers} NetSuite and {result.stripe_customers} Stripe customers")
    for line in result.decisions():
        console.print(f"  decided now: {line}", markup=False)
    for note in result.notes:
        console.print(f"  note: {note}", markup=False, style="dim")
    console.print(f"cost: {request_counts_text(result.requests)}", markup=False)
    console.print(f"Next: fill in its lesson, then replay it: custsync scenario run {out}", markup=False)
    return EXIT_OK


# --- mocks --------------------------------------------------------------------------


def _exports(values: dict[str, str]) -> list[str]:
    return [f"export {k}={shlex.quote(str(v))}" for k, v in values.items()]


def connection_text(config: Config, stripe_account: str | None = None) -> str:
    """The export lines and the TOML that point custsync at these mocks: NetSuite with OAuth 2.0 M2M (a key pair
    made for these mocks) and, beside it, the TBA credentials; CUSTSYNC_NETSUITE_AUTH says which is used."""
    ns, st = config.netsuite, config.stripe
    groups = mock_environment_groups(config)
    lines = [f"NetSuite mock: {ns.rest_url}  (account {ns.account})",
             f"Stripe mock:   {st.base_url}" + (f"  (account {stripe_account})" if stripe_account else ""),
             "", "# point custsync (or any client) at them: the credentials are fake, for these mocks only"]
    lines += _exports(groups["common"])
    lines += ["# NetSuite OAuth 2.0 client credentials (M2M): a key pair made for these mocks, deleted when they stop"]
    lines += _exports(groups["m2m"])
    lines += ["# NetSuite token-based auth (TBA), as configurations made before M2M: CUSTSYNC_NETSUITE_AUTH=tba uses it"]
    lines += _exports(groups["tba"])
    lines += _exports(groups["stripe"])
    lines += ["", "# or as a config file (custsync --config FILE); the Stripe key and the TBA secrets stay in the "
              "environment above", "[netsuite]", 'target = "mock"', f'account = "{ns.account}"',
              f'rest_url = "{ns.rest_url}"', f'restlet_url = "{ns.restlet_url}"', f'auth = "{ns.auth_method.value}"']
    lines += [f'{key} = "{getattr(ns, key)}"' for key in ("client_id", "certificate_id", "private_key_file",
                                                         "certificate_file")]
    lines += ["", "[stripe]", 'target = "mock"', f'base_url = "{st.base_url}"']
    return "\n".join(lines)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def port_number(value: str) -> int:
    """argparse type: a TCP port, 1-65535."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _port_problem(args: argparse.Namespace) -> str | None:
    """Why the ports asked for cannot be used, in words (before a mock starts and fails with a traceback)."""
    import socket

    asked = [(flag, port) for flag, port in (("--port-netsuite", args.port_netsuite),
                                               ("--port-stripe", args.port_stripe)) if port]
    if len(asked) == 2 and asked[0][1] == asked[1][1]:
        return f"--port-netsuite and --port-stripe are both {asked[0][1]}: give each mock its own port."
    for flag, port in asked:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                why = "is busy (another program listens there)" if exc.errno == 98 else f"cannot be used ({exc.strerror})"
                return f"port {port} ({flag}) {why}. Choose another port, or leave {flag} out for a free one."
    return None


def cmd_mocks(args: argparse.Namespace) -> int:
    problem = _port_problem(args)
    if problem:
        print(f"custsync mocks: {problem}", file=sys.stderr)
        return EXIT_USAGE
    scenario = None
    if args.scenario:
        try:
            scenario = load_scenario(resolve(args.scenario))
        except ScenarioFileError as exc:
            print(exc, file=sys.stderr)
            return EXIT_USAGE
    # `kill` (SIGTERM) must stop the mocks too, not orphan them.
    signal.signal(signal.SIGTERM, _interrupt)
    ns_args = ("--port", str(args.port_netsuite)) if args.port_netsuite else ()
    st_args = ("--port", str(args.port_stripe)) if args.port_stripe else ()
    profile = "realistic" if args.realistic else "fast"
    with MockPair.start(_bundled_config(args), netsuite_args=ns_args, stripe_args=st_args, profile=profile) as pair:
        config = pair.config
        if scenario is not None:
            config = apply_overrides(config, scenario.scenario.given)
            pair.load(scenario.scenario.given, config)
            what = f"scenario {scenario.name}"
        else:
            pair.load_demo(config)
            what = f"demo data ({demo.DEMO_CUSTOMERS} customers)"
        limits = ("Stripe's rate limits (25/s test mode, 100/s live, 25/s per operation)" if args.realistic
                  else "no Stripe rate limit (--realistic adds Stripe's)")
        print(f"Serving both mocks with {what}, {limits}. Stop with Ctrl-C.\n")
        print(connection_text(config, pair.stripe_account()), flush=True)
        try:
            while all(p.process.poll() is None for p in (pair.owned.netsuite, pair.owned.stripe)):  # type: ignore[union-attr]
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nstopping the mocks", file=sys.stderr)
            return EXIT_OK
    print("custsync mocks: a mock exited", file=sys.stderr)
    return EXIT_FAILURES


# --- wiring -------------------------------------------------------------------------


def _running_mock_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--netsuite-url", metavar="URL", help="a running NetSuite mock (credentials from CUSTSYNC_NETSUITE_*)")
    p.add_argument("--stripe-url", metavar="URL", help="a running Stripe mock (key from CUSTSYNC_STRIPE_API_KEY)")


def add_scenario_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenario", help="list, run and capture scenario files",
                       description="Scenario files (scenarios/*.yaml) set NetSuite and Stripe up as in one "
                       "situation, replay what happens, and check what custsync did, rule by rule. Exit codes: "
                       "0 all passed, 1 some failed, 2 a bad file or usage.")
    ssub = p.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)

    q = ssub.add_parser("list", help="the scenario files with their titles and rules")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_list)

    q = ssub.add_parser("run", help="run scenarios against both mocks (started here, or running ones)",
                        description="Run scenarios: load each one's state into the mocks, replay its steps through "
                        "the sync engine, and report per step what happened, the rule, and expected vs actual.")
    q.add_argument("names", nargs="*", metavar="NAME|PATH", help="a scenario name (scenarios/NAME.yaml) or a file")
    q.add_argument("--all", action="store_true", help="every file in the scenarios directory")
    q.add_argument("--json", action="store_true", help="one JSON document on stdout (for scripts)")
    q.add_argument("-v", "--verbose", action="store_true", help="the lesson, every step's trace and every check")
    q.add_argument("--junit-xml", metavar="FILE", help="also write JUnit XML for CI: a test case per step, failures "
                   "with expected vs actual and the decision trace")
    q.add_argument("--realistic", action="store_true",
                   help="start the mocks with Stripe's rate limits (25 requests/s in test mode, 100 live, "
                   "25/s per operation), as "
                   "`custsync mocks --realistic` does (docs/mocks.md)")
    _running_mock_options(q)
    q.add_argument("--replace", action="store_true",
                   help="with running mocks (--netsuite-url/--stripe-url or the environment): replace their data "
                   "without asking (a terminal is asked first; a script without --replace is refused)")
    q.set_defaults(func=cmd_run)

    q = ssub.add_parser("new", help="save the running mocks' state as a new scenario file",
                        description="Capture both running mocks' state (e.g. set up through `custsync mocks`) "
                        "as the `given` of a new scenario file.")
    q.add_argument("--from-mocks", metavar="FILE", required=True, help="the scenario file to write")
    q.add_argument("--anonymize", action="store_true",
                   help="replace names, emails, phones, addresses with fakes (consistent within the file)")
    q.add_argument("--force", action="store_true", help="overwrite FILE")
    q.add_argument("--keep-portal-links", action="store_true",
                   help="write the customers' signed portal links whole (bearer links: anyone holding the file "
                   "reaches those customers' billing details); by default they are masked and the replay "
                   "writes the current link")
    _running_mock_options(q)
    q.set_defaults(func=cmd_new)

    q = ssub.add_parser("capture", help="capture customers of the configured NetSuite and Stripe as a scenario "
                        "(read-only, anonymized)",
                        description="Read a customer's situation from the NetSuite account and Stripe account the "
                        "configuration names, and write it as a scenario file: the customers named and their "
                        "neighbourhood (the other NetSuite customers of the same mailbox or linked to the same Stripe "
                        "customer; the Stripe customers of those mailboxes in any letter case and those the stored "
                        "ids name), the saved searches' columns, the PayPack fields, the portal's state and the run "
                        "journal's lines about them. Only reads: both clients refuse any write before it is sent, "
                        "so it is safe against production. Names, emails, phones and addresses are replaced by "
                        "consistent fakes unless --keep-real; keys and signed links are never written. Each step "
                        "of the file expects what custsync decides now (a dry run), so `custsync scenario run FILE` "
                        "shows whether a replay decides the same. Exit codes: 0 written, 1 a service failed, 2 bad "
                        "input (nothing written).")
    q.add_argument("ids", nargs="+", metavar="ID", help="NetSuite internal id of a customer to capture")
    q.add_argument("--out", metavar="FILE", required=True, help="the scenario file to write (.yaml)")
    q.add_argument("--keep-real", action="store_true",
                   help="keep the real names, emails, phones and addresses (the file must stay inside the company)")
    q.add_argument("--force", action="store_true", help="overwrite FILE when it exists")
    q.add_argument("--other-mode-ok", action="store_true",
                   help="capture even when a named customer's STRIPE CUSTOMER ID exists only in the other mode "
                   "than the key's (test vs live): the stale link (R2) as it is")
    q.add_argument("--json", action="store_true", help="what was captured, as JSON (for scripts)")
    q.set_defaults(func=cmd_capture)

    p = sub.add_parser("mocks", help="serve both mocks until Ctrl-C",
                       description="Start the NetSuite and Stripe mocks as servers, loaded with a scenario's state "
                       "(or demo data), and print their URLs, credentials and the settings that point custsync "
                       "or any client at them.")
    p.add_argument("--scenario", metavar="NAME|PATH", help="load this scenario's `given`")
    p.add_argument("--port-netsuite", type=port_number, metavar="P", help="NetSuite mock port (default: a free one)")
    p.add_argument("--port-stripe", type=port_number, metavar="P", help="Stripe mock port (default: a free one)")
    p.add_argument("--realistic", action="store_true",
                   help="Stripe's rate limits: 25 requests/s in test mode, 100 live, 25/s per operation (docs/mocks.md)")
    p.set_defaults(func=cmd_mocks)
