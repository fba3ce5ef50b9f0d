"""`custsync setup`: a guided first run. Asks for the targets, the NetSuite sign-in, the PayPack field ids and the
saved search ids; writes the configuration file (never a secret); says where the secrets go; runs the doctor.

Every question has a flag; without a terminal the answers are read a line each from stdin (a blank line takes
the default), so a script or a test can run it. A bad answer is asked again at a terminal and refused (exit 2,
nothing written) otherwise. An existing configuration is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sync_core.config import (
    DEFAULT_PORTAL_URL_FIELD,
    DEFAULT_STRIPE_ID_FIELD,
    SECRET_ENV,
    SECRETS_FILE_ENV,
    TBA_SECRETS,
    ConfigError,
    NetSuiteConfig,
    StripeConfig,
    SyncConfig,
)

from .exit_codes import EXIT_USAGE
from .setup_m2m import CERT_NAME, KEY_NAME, SetupRefused, add_setup_m2m, make_files, netsuite_steps

MODELS: dict[str, type[BaseModel]] = {"netsuite": NetSuiteConfig, "stripe": StripeConfig, "sync": SyncConfig}
Answers = dict[tuple[str, str], Any]


@dataclass(frozen=True)
class Question:
    section: str
    key: str
    prompt: str
    default: str | None = None
    choices: tuple[str, ...] = ()
    when: Callable[[Answers], bool] = lambda answers: True
    optional: bool = False  # a blank answer leaves the key out (written as a comment to fill in)
    option: str | None = None  # the flag, when not --KEY

    @property
    def flag(self) -> str:
        return self.option or "--" + self.key.replace("_", "-")

    @property
    def dest(self) -> str:
        return "answer_" + self.flag[2:].replace("-", "_")


def _real(answers: Answers) -> bool:
    return answers.get(("netsuite", "target")) == "real"


def _m2m(answers: Answers) -> bool:
    return answers.get(("netsuite", "auth")) == "m2m" and _real(answers)


QUESTIONS = [
    Question("netsuite", "target", "NetSuite: your account (real), or a mock started by `custsync mocks` (mock)",
             "real", ("real", "mock"), option="--netsuite-target"),
    Question("netsuite", "account", "NetSuite account id, as Setup > Company > Company Information shows it "
             "(1234567, or 1234567_SB1 for a sandbox)", when=_real),
    Question("netsuite", "rest_url", "URL of the NetSuite mock (`custsync mocks` prints it)",
             when=lambda a: not _real(a), option="--netsuite-url"),
    Question("netsuite", "auth", "NetSuite sign-in: m2m (OAuth 2.0 client credentials, for new integrations) or tba "
             "(token-based, for an integration that already has TBA tokens)", "m2m", ("m2m", "tba"), when=_real),
    Question("netsuite", "private_key_file", "Private key file whose certificate is mapped in NetSuite (blank: make "
             "a key pair now, beside the configuration)", when=_m2m, optional=True),
    Question("netsuite", "client_id", "The integration record's Client ID (blank: fill it in after the NetSuite "
             "steps)", when=_m2m, optional=True),
    Question("netsuite", "certificate_id", "The M2M mapping's Certificate ID (blank: fill it in after the NetSuite "
             "steps)", when=_m2m, optional=True),
    Question("netsuite", "stripe_id_field", "Field id of STRIPE CUSTOMER ID (PAYPACK) (Customization > Lists, "
             "Records, & Fields > Entity Fields)", DEFAULT_STRIPE_ID_FIELD),
    Question("netsuite", "portal_url_field", "Field id of the portal link field", DEFAULT_PORTAL_URL_FIELD),
    Question("netsuite", "customer_sync_search", "Id of the Customer Sync Saved Search (its columns go to Stripe)",
             "customsearch_paypack_customer_sync"),
    Question("netsuite", "mass_customer_sync_search", "Id of the Mass Customer Sync Saved Search (its criteria "
             "choose the customers)", "customsearch_paypack_mass_customer_sync"),
    Question("stripe", "target", "Stripe: your account (real), or the Stripe mock started by `custsync mocks` (mock)",
             "real", ("real", "mock"), option="--stripe-target"),
    Question("stripe", "base_url", "URL of the Stripe mock (`custsync mocks` prints it)",
             when=lambda a: a.get(("stripe", "target")) == "mock", option="--stripe-url"),
    Question("sync", "journal_path", "Where the run journal (SQLite) lives", "custsync-journal.sqlite"),
]


class Refused(Exception):
    """A bad answer where nobody can be asked again: exit 2, nothing written."""


@dataclass
class Asker:
    args: argparse.Namespace
    interactive: bool
    answers: Answers = field(default_factory=dict)

    def ask(self, q: Question) -> None:
        given = getattr(self.args, q.dest, None)
        while True:
            if given is not None:
                raw, source = given, q.flag
            elif self.args.yes:
                raw, source = "", "--yes"
            else:
                raw, source = self._read(q), "your answer"
            value = raw.strip() or q.default
            if value is None:
                if q.optional:
                    return
                problem: str | None = "an answer is needed"
            else:
                problem = self._problem(q, value)
                if problem is None:
                    self.answers[(q.section, q.key)] = value
                    return
            message = f"{q.flag.removeprefix('--')}: {problem}"
            if given is not None or not self.interactive:
                raise Refused(f"{message} (from {source}). Give it with {q.flag}, or answer the question at a terminal.")
            print(f"  {message}", file=sys.stderr)

    def _read(self, q: Question) -> str:
        choices = f" [{'/'.join(q.choices)}]" if q.choices else ""
        default = f" (default {q.default})" if q.default else ""
        print(f"{q.prompt}{choices}{default}: ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not self.interactive:
            print(file=sys.stderr)
        return line.rstrip("\n")

    def _problem(self, q: Question, value: str) -> str | None:
        if q.choices and value not in q.choices:
            return f"{value!r} is not one of {', '.join(q.choices)}"
        try:
            MODELS[q.section].model_validate({q.key: value})
        except ValidationError as exc:
            return "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return None


def toml_text(answers: Answers, pending: list[str]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [f"# custsync configuration, written by `custsync setup` on {stamp}. No secret is in this file:",
             "# they go in the environment or in a secrets file (see docs/configuration.md)."]
    for section in ("netsuite", "stripe", "sync"):
        lines += ["", f"[{section}]"]
        for (sec, key), value in answers.items():
            if sec == section:
                lines.append(f"{key} = {_toml_string(str(value))}")
        if section == "netsuite":
            if answers.get(("netsuite", "rest_url")):
                lines.append(f"restlet_url = {_toml_string(answers[('netsuite', 'rest_url')])}")
            lines += pending
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_atomically(path: Path, text: str) -> None:
    """The whole file or nothing: a temporary file beside it, renamed over it."""
    fd, staged = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise


def secrets_lines(answers: Answers) -> list[str]:
    lines = []
    if _real(answers) and answers.get(("netsuite", "auth")) == "tba":
        lines.append("NetSuite (TBA): " + ", ".join(SECRET_ENV[("netsuite", k)] for k in TBA_SECRETS) + ".")
    elif _real(answers):
        key = answers.get(("netsuite", "private_key_file"), "the private key file")
        lines.append(f"NetSuite (M2M): nothing to set; the private key stays in {key}, readable by the user custsync "
                     "runs as and nobody else (chmod 600). Never upload it: NetSuite gets the certificate.")
    else:
        lines.append("NetSuite mock: the export lines `custsync mocks` printed (CUSTSYNC_NETSUITE_*).")
    lines.append(f"Stripe: {SECRET_ENV[('stripe', 'api_key')]} (a secret key sk_... or a restricted key rk_...).")
    lines.append(f"Set them in the environment, or as KEY=value lines in a file only you can read, named by "
                 f"{SECRETS_FILE_ENV}.")
    return lines


def cmd_setup(args: argparse.Namespace) -> int:
    path = Path(args.config or args.file).resolve()
    if path.exists() and not args.force:
        print(f"custsync setup: {path} already exists; it is kept. Use --force to replace it, or --file for another "
              "file.", file=sys.stderr)
        return EXIT_USAGE
    if not path.parent.is_dir():
        print(f"custsync setup: {path.parent} is not a directory: create it first.", file=sys.stderr)
        return EXIT_USAGE
    asker = Asker(args, interactive=sys.stdin.isatty())
    try:
        for question in QUESTIONS:
            if question.when(asker.answers):
                asker.ask(question)
    except Refused as exc:
        print(f"custsync setup: {exc} Nothing was written.", file=sys.stderr)
        return EXIT_USAGE
    answers = asker.answers
    pending: list[str] = []
    made = None
    if _m2m(answers):
        if ("netsuite", "private_key_file") not in answers:
            key_file, cert_file = path.parent / KEY_NAME, path.parent / CERT_NAME
            if key_file.exists() and cert_file.exists():
                print(f"custsync setup: using the key pair already in {path.parent} ({KEY_NAME}, {CERT_NAME}).",
                      file=sys.stderr)
            else:
                try:
                    made = make_files(path.parent)
                except (SetupRefused, OSError) as exc:
                    print(f"custsync setup: {exc} Nothing was written.", file=sys.stderr)
                    return EXIT_USAGE
            answers[("netsuite", "private_key_file")] = str(key_file)
            answers[("netsuite", "certificate_file")] = str(cert_file)
        for key, where in (("client_id", "the integration record's Client ID (step 3)"),
                           ("certificate_id", "the M2M mapping's Certificate ID (step 4)")):
            if ("netsuite", key) not in answers:
                pending.append(f'# {key} = "..."  # to fill in: {where}')
    write_atomically(path, toml_text(answers, pending))
    print(f"Wrote {path} (no secret in it).")
    if made is not None or pending:
        cert = Path(answers[("netsuite", "certificate_file")]) if ("netsuite", "certificate_file") in answers else None
        if made is not None:
            print(f"Made a key pair: {made.key_file} (owner-only) and {made.cert_file}, the certificate to upload.")
        print("In NetSuite:")
        steps = netsuite_steps(cert or Path(CERT_NAME), answers.get(("netsuite", "account")),
                               last=f"Fill in client_id and certificate_id in {path}." if pending else "")
        for number, step in enumerate(steps, 1):
            print(f"  {number}. {step}")
    print("Secrets go in the environment, never in the file:")
    for line in secrets_lines(answers):
        print(f"  {line}")
    print(f"Use it with: custsync --config {path} ... (or export CUSTSYNC_CONFIG={path})")
    print("Running the doctor:", flush=True)
    return _doctor(path)


def _doctor(path: Path) -> int:
    from .commands import cmd_doctor

    try:
        return cmd_doctor(argparse.Namespace(config=str(path), json=False, yes_live=False))
    except ConfigError as exc:
        print(f"custsync doctor cannot run yet: {exc}\nWhen that is done: custsync --config {path} doctor",
              file=sys.stderr)
        return EXIT_USAGE


def add_setup_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="guided first run: write the configuration, then run the doctor",
                       description="A guided first run: asks for the targets, the NetSuite account and sign-in (OAuth "
                       "2.0 M2M by default: it makes the key pair when you have none), the PayPack field ids and the "
                       "saved search ids; writes the configuration (--file, or --config; never a secret), says where "
                       "the secrets go, and runs the doctor. Every question has a flag; without a terminal the answers "
                       "are read a line each from stdin (blank: the default). An existing file is kept unless --force. "
                       "Exit: the doctor's (0 all pass, 1 a check failed), 2 a bad answer or a configuration the "
                       "doctor cannot use yet (it says what is missing).")
    p.add_argument("--file", default="custsync.toml", help="the configuration to write (default custsync.toml; the "
                   "global --config wins)")
    p.add_argument("--force", action="store_true", help="replace an existing configuration file")
    p.add_argument("--yes", action="store_true", help="ask nothing: the flags given, defaults for the rest")
    for q in QUESTIONS:
        p.add_argument(q.flag, dest=q.dest, metavar=q.key.upper(), help=q.prompt + (f" (default {q.default})"
                                                                                    if q.default else ""))
    p.set_defaults(func=cmd_setup)
    add_setup_m2m(p.add_subparsers(dest="setup_command", metavar="[netsuite-m2m]"))
