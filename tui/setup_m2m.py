"""`custsync setup netsuite-m2m`: a key pair and its self-signed certificate for NetSuite's OAuth 2.0 client
credentials (M2M) flow, the certificate to upload, the NetSuite steps, and the configuration lines."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.text import Text

from sync_core.config import account_problem
from sync_core.netsuite.m2m_keys import NewKeyPair, new_key_pair, write_private

from .exit_codes import EXIT_OK, EXIT_USAGE

KEY_NAME, CERT_NAME = "netsuite-m2m-key.pem", "netsuite-m2m-cert.pem"


def netsuite_steps(cert_file: Path, account: str | None = None, *,
                   last: str = "Put the lines below in the configuration, with the two ids in place.") -> list[str]:
    """What an admin does in NetSuite, in order (Oracle: "OAuth 2.0 Client Credentials Setup", "Create
    Integration Records for Applications to Use OAuth 2.0", "Roles and Permission Considerations for APIs")."""
    where = f"account {account}" if account else "the account"
    return [
        f"In {where}, Setup > Company > Enable Features > SuiteCloud: check REST Web Services and, under Manage "
        "Authentication, OAuth 2.0. Save.",
        "Setup > Users/Roles > Manage Roles > New: a role for custsync with Setup: Log in using OAuth 2.0 Access "
        "Tokens (Full), REST Web Services (Full), Custom Entity Fields (View); Reports: SuiteAnalytics Workbook "
        "(Edit, for SuiteQL); Lists: Customers (Edit), Perform Search (Full). Give the role to the employee custsync "
        "acts as, and add it to the audience of the custsync RESTlet's deployment.",
        "Setup > Integration > Manage Integrations > New: Name custsync, State Enabled; under OAuth 2.0 check Client "
        "Credentials (Machine to Machine) Grant and the scopes RESTLETS and REST WEB SERVICES (TBA and the "
        "authorization code grant are not needed). Save, and copy the Client ID: NetSuite shows it once.",
        "Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup > Create New: the "
        f"entity (that employee), the role, the application (custsync), and upload the certificate {cert_file}. "
        "Save, and copy the Certificate ID shown for the mapping.",
        "A sandbox is set up on its own (1234567_SB1): its refresh clears the M2M mappings, so make the mapping "
        "there again after every refresh and set the new Certificate ID.",
        (f"{last} " if last else "") + "Then run custsync doctor. The certificate lasts two years; custsync doctor "
        "warns 30 days before it ends.",
    ]


def config_lines(key_file: Path, cert_file: Path, *, account: str | None = None, client_id: str | None = None,
                 certificate_id: str | None = None) -> list[str]:
    lines = ["[netsuite]", 'target = "real"']
    lines.append(f'account = "{account}"' if account else '# account = "1234567_SB1"  # as Company Information shows it')
    lines += ['auth = "m2m"',
              f'client_id = "{client_id}"' if client_id else
              '# client_id = "..."  # the integration record\'s Client ID (step 3)',
              f'certificate_id = "{certificate_id}"' if certificate_id else
              '# certificate_id = "..."  # the mapping\'s Certificate ID (step 4)',
              f'private_key_file = "{key_file}"', f'certificate_file = "{cert_file}"']
    return lines


@dataclass(frozen=True)
class MadeFiles:
    key_file: Path
    cert_file: Path
    pair: NewKeyPair


class SetupRefused(Exception):
    """Why the files were not written, with what to do (exit 2)."""


def make_files(directory: Path, *, algorithm: str = "ES256", force: bool = False, name: str = "custsync") -> MadeFiles:
    """The key (0600 from its first byte) and the certificate in `directory`; an existing pair is kept unless
    `force` (then replaced whole: a half-written key is never left behind)."""
    directory = directory.resolve()
    if not directory.is_dir():
        raise SetupRefused(f"{directory} is not a directory: create it first, or name another with --dir.")
    key_file, cert_file = directory / KEY_NAME, directory / CERT_NAME
    existing = [p for p in (key_file, cert_file) if p.exists()]
    if existing and not force:
        raise SetupRefused(f"{', '.join(map(str, existing))} already exist(s): a key already mapped in NetSuite would "
                           "stop working if replaced. Use --force to make a new pair (then map its certificate in "
                           "NetSuite), or --dir for another directory.")
    pair = new_key_pair(algorithm=algorithm, common_name=name)
    staged_key, staged_cert = directory / f".{KEY_NAME}.new", directory / f".{CERT_NAME}.new"
    for staged in (staged_key, staged_cert):
        staged.unlink(missing_ok=True)
    try:
        write_private(staged_key, pair.private_pem)
        staged_cert.write_bytes(pair.certificate_pem)
        os.replace(staged_key, key_file)
        os.replace(staged_cert, cert_file)
    finally:
        staged_key.unlink(missing_ok=True)
        staged_cert.unlink(missing_ok=True)
    return MadeFiles(key_file, cert_file, pair)


def cmd_setup_m2m(args: argparse.Namespace) -> int:
    if args.account and account_problem(args.account):
        print(f"custsync setup netsuite-m2m: --account {account_problem(args.account)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        made = make_files(Path(args.dir), algorithm=args.algorithm, force=args.force)
    except (SetupRefused, OSError) as exc:
        print(f"custsync setup netsuite-m2m: {exc}", file=sys.stderr)
        return EXIT_USAGE
    steps = netsuite_steps(made.cert_file, args.account)
    config = config_lines(made.key_file, made.cert_file, account=args.account)
    if args.json:
        print(json.dumps({"private_key_file": str(made.key_file), "certificate_file": str(made.cert_file),
                          "algorithm": made.pair.algorithm, "expires": made.pair.not_after.isoformat(),
                          "certificate": made.pair.certificate_pem.decode(), "steps": steps,
                          "config": "\n".join(config)}, indent=2))
        return EXIT_OK
    out = Console(highlight=False, soft_wrap=True)
    out.print(Text.assemble(("Made a key pair for NetSuite OAuth 2.0 (M2M)", "bold"),
                            f": {made.pair.algorithm}, valid until {made.pair.not_after:%Y-%m-%d}"))
    out.print(Text(f"  private key  {made.key_file}  (owner-only: it is custsync's password; never upload or share it)"))
    out.print(Text(f"  certificate  {made.cert_file}  (the public part: upload it to NetSuite)"))
    out.print()
    out.print(Text("The certificate to upload:", style="bold"))
    out.print(made.pair.certificate_pem.decode().rstrip(), markup=False)
    out.print()
    out.print(Text("In NetSuite:", style="bold"))
    for number, step in enumerate(steps, 1):
        out.print(Text(f"  {number}. {step}"))
    out.print()
    out.print(Text("Configuration lines (no secret in them):", style="bold"))
    for line in config:
        out.print(line, markup=False)
    return EXIT_OK


def add_setup_m2m(setup_sub: argparse._SubParsersAction) -> None:
    p = setup_sub.add_parser("netsuite-m2m", help="make the key pair for NetSuite OAuth 2.0 (M2M) and print the steps",
                             description="Make a private key and its self-signed X.509 certificate (two years, what "
                             "NetSuite allows at most) for NetSuite's OAuth 2.0 client credentials flow, write the key "
                             "readable by its owner only, and print the certificate to upload, the NetSuite steps "
                             "(integration record, M2M mapping with entity and role, the role's permissions) and the "
                             "configuration lines. An existing pair is never replaced without --force.")
    p.add_argument("--dir", default=".", help="where to write netsuite-m2m-key.pem and netsuite-m2m-cert.pem "
                   "(default: the current directory)")
    p.add_argument("--algorithm", choices=("ES256", "ES384", "ES512", "PS256"), default="ES256",
                   help="ES256 (EC P-256, the default), ES384, ES512, or PS256 (RSA 3072 bits); never RS256, which "
                   "NetSuite refuses")
    p.add_argument("--account", help="the account id (1234567, or 1234567_SB1 for a sandbox), for the lines printed")
    p.add_argument("--force", action="store_true", help="replace an existing key pair (map the new certificate!)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout (for scripts)")
    p.set_defaults(func=cmd_setup_m2m)
