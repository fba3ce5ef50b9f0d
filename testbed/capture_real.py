"""Capture a customer's situation from the configured (real) NetSuite and Stripe as a scenario file:
`custsync scenario capture ID... --out FILE` and `w` on a customer in the TUI.

Read-only below the engine (`Engine.from_config(read_only=True)`: both HTTP clients refuse every write
before it is sent), so it is safe against production. It takes the customers named and their
neighbourhood, one step out:
- NetSuite: the customers named; the others of the same mailbox (or lookup-field value), those that link
  one of the Stripe customers met, and those the Stripe customers' `netsuite_internal_id` tags name;
- Stripe: every customer of those mailboxes in any letter case (the lookups single sync makes), those
  tagged for the customers named, and those every captured NetSuite customer's STRIPE CUSTOMER ID names
  (deleted ones as deleted; one that exists only in the other mode, or nowhere, is noted);
- the saved searches' columns and ids, the PayPack field ids and the settings that decide (lookup field,
  duplicate-email policy, metadata prefix, blank_clears), the portal configuration's state and the portal
  deployment's status, and the run journal's lines about these customers (steps, link decisions).
Each customer named is decided as custsync decides it now (a dry run of `sync`): that decision is the
scenario's `expect`, so replaying the file in the mocks shows whether the same decision comes out.

Anonymized by default (testbed.anonymize: consistent, case variants kept); portal links are masked and no
key or secret is ever in the file, anonymized or not.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync_core.config import DEFAULT_PORTAL_URL_FIELD, DEFAULT_STRIPE_ID_FIELD, Config, SyncConfig
from sync_core.engine import Engine
from sync_core.errors import NetSuiteError, SyncError
from sync_core.masking import mask_url
from sync_core.outcome import Outcome
from sync_core.rules.decide import normalize_stripe_id
from sync_core.rules.ids import is_stripe_customer_id
from sync_core.rules.mapping import SearchColumn, map_record
from sync_core.rules.match_key import search_literal, sql_literal
from sync_core.run.journal import JournalError, customer_history

from . import demo
from .anonymize import Anonymizer, personal_values
from .capture import (
    STATUS_KEY,
    columns_entry,
    netsuite_customer,
    scenario_document,
    scenario_text,
    stripe_customer,
    write_scenario,
)
from .scenario_load import LoadedScenario, ScenarioFileError, load_scenario
from .scenario_model import Given
from .scenario_state import paypack_fields

MAX_NEIGHBOURS = 25  # other NetSuite customers read (a record GET each): the cost stays a handful of requests
DECIDING_SYNC_KEYS = ("duplicate_email_policy", "metadata_prefix", "blank_clears", "lookup_field")
KEEP_REAL_WARNING = ("--keep-real: the file holds the customers' real names, emails, phones and addresses. "
                     "Keep it inside the company; never attach it to a public ticket.")


class CaptureError(Exception):
    """Bad input (an id NetSuite does not have, a customer with nothing to match on, the other mode's key, an
    output file that exists): nothing was written."""


@dataclass
class Capture:
    document: dict[str, Any]
    outcomes: dict[str, Outcome]
    requests: dict[str, int]
    netsuite_customers: int
    stripe_customers: int
    anonymized: bool
    notes: list[str] = field(default_factory=list)

    def decisions(self) -> list[str]:
        """One line per customer named: what custsync decides now (the file's `expect`)."""
        lines = []
        for step in self.document["steps"]:
            e = step["expect"]
            text = f"customer {step['sync']}: " + " ".join(str(e[k]) for k in ("rule", "action") if e.get(k))
            text += f" ({e['status']})"
            if e.get("candidates"):
                text += f", candidates {', '.join(e['candidates'])}"
            elif e.get("stripe_customer_id"):
                text += f", Stripe {e['stripe_customer_id']}"
            lines.append(text)
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"customers": [s["sync"] for s in self.document["steps"]], "decisions": self.decisions(),
                "expect": {s["sync"]: s["expect"] for s in self.document["steps"]},
                "netsuite_customers": self.netsuite_customers, "stripe_customers": self.stripe_customers,
                "requests": self.requests, "anonymized": self.anonymized, "notes": self.notes}


def customer_ids(raw: Iterable[str]) -> list[str]:
    ids = []
    for value in raw:
        text = str(value).strip()
        if not re.fullmatch(r"[1-9][0-9]{0,17}", text):
            raise CaptureError(f"{value!r} is not a NetSuite internal id (a whole number, e.g. 1234: Lists > "
                               "Relationships > Customers, column Internal ID)")
        if text not in ids:
            ids.append(text)
    if not ids:
        raise CaptureError("name at least one customer (its NetSuite internal id)")
    return ids


def output_path(raw: str | Path, *, force: bool = False) -> Path:
    """Where the file goes (.yaml added); refused before anything is read when it exists (unless `force`) or its
    folder does not."""
    path = Path(raw).expanduser()
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_suffix(".yaml")
    if path.is_dir():
        raise CaptureError(f"{path} is a folder: name the scenario file to write (e.g. {path / 'ticket.yaml'})")
    if path.exists() and not force:
        raise CaptureError(f"{path} exists: choose another name, or add --force to overwrite it")
    if not path.parent.is_dir():
        raise CaptureError(f"the folder {path.parent} does not exist: create it, or write the file elsewhere")
    return path


def scenario_name(path: Path) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-")
    return name if name == path.stem else ""


async def capture(config: Config, ids: Iterable[str], *, keep_real: bool = False,
                  other_mode_ok: bool = False) -> Capture:
    """Read the customers' situation (never writing) and make the scenario document; see the module doc."""
    wanted = customer_ids(ids)
    async with Engine.from_config(config, read_only=True) as engine:
        reader = _Reader(engine, other_mode_ok)
        await reader.read(wanted)
        result = reader.document(wanted, keep_real)
    return result


async def capture_to_file(config: Config, ids: Iterable[str], out: str | Path, *, keep_real: bool = False,
                          force: bool = False, other_mode_ok: bool = False) -> tuple[Capture, LoadedScenario]:
    """`capture`, written to `out` (refused up front when it exists, unless `force`) and loaded back."""
    path = output_path(out, force=force)
    result = await capture(config, ids, keep_real=keep_real, other_mode_ok=other_mode_ok)
    if not scenario_name(path):
        result.document.pop("name", None)  # a file name the scenario name cannot be: the name is left out
    else:
        result.document["name"] = scenario_name(path)
    text = scenario_text(result.document)
    try:
        write_scenario(path, text, replace=force)
    except FileExistsError:
        raise CaptureError(f"{path} was created while capturing: nothing written; choose another name") from None
    try:
        return result, load_scenario(path)
    except ScenarioFileError as exc:  # pragma: no cover - the document was validated before it was written
        raise CaptureError(f"the captured file does not load back: {exc}") from None


class _Reader:
    """What one capture reads, kept as it goes (the engine's own lookups and a few reads of its clients)."""

    def __init__(self, engine: Engine, other_mode_ok: bool) -> None:
        self.engine, self.config, self.other_mode_ok = engine, engine.config, other_mode_ok
        self.records: dict[str, dict[str, Any]] = {}  # NetSuite internal id -> record (REST)
        self.stripe: dict[str, dict[str, Any]] = {}  # Stripe id -> customer (API), deleted ones too
        self.other_mode: set[str] = set()  # stored ids that exist only in the other mode
        self.nowhere: dict[str, list[str]] = {}  # stored id that names nothing -> who stores it
        self.outcomes: dict[str, Outcome] = {}
        self.notes: list[str] = []
        self.columns: dict[str, list[SearchColumn]] = {}
        self.deployment: str | None = None
        self.portal = "active"
        self.journal: list[dict[str, Any]] = []

    @property
    def prefix(self) -> str:
        return self.config.sync.metadata_prefix

    async def read(self, wanted: list[str]) -> None:
        engine, ns = self.engine, self.config.netsuite
        ctx = await engine.context()
        self.columns["customer_sync"] = list(ctx.columns)
        for iid, record in zip(wanted, await asyncio.gather(*(self._record(i) for i in wanted))):
            self.records[iid] = record
        mapped = {i: self._mapped(i) for i in wanted}
        key = self.config.sync.match_key()
        values = {i: key.of_value(m.email if key.by_email else m.lookup_value) for i, m in mapped.items()}
        for iid, m in mapped.items():
            if not normalize_stripe_id(m.stripe_customer_id) and not values[iid]:
                field = "email" if key.by_email else f"lookup field ({m.lookup_field}) value"
                raise CaptureError(
                    f"customer {iid} has no {field} and no STRIPE CUSTOMER ID: custsync skips it (R4) without "
                    "asking Stripe, so there is no situation to capture. Populate the field (or the Stripe id, "
                    "e.g. by CSV import) and sync it; capture customers that have one.")
        # Stripe: the stored ids, every customer of the mailboxes in any case, those tagged for the named.
        await self._retrieve({normalize_stripe_id(m.stripe_customer_id) or "" for m in mapped.values()} - {""},
                             named={normalize_stripe_id(m.stripe_customer_id): i for i, m in mapped.items()})
        asked = {(m.email if key.by_email else m.lookup_value) or "" for i, m in mapped.items() if values[i]}
        found = await asyncio.gather(*(engine.mailboxes.find(v) for v in sorted(asked)),
                                     *(engine.stripe.search(f"metadata[{search_literal(self.prefix + 'internal_id')}]:"
                                                            f"{search_literal(i)}") for i in wanted))
        for customers in found:
            for c in customers:
                self.stripe.setdefault(c["id"], c)
        # What custsync decides now: a dry run of each (the engine's own reads, as an operator's `sync --dry-run`).
        for iid in wanted:
            self.outcomes[iid] = await engine.sync_one(iid, dry_run=True, context=ctx)
        await self._neighbours(wanted, {v for v in values.values() if v})
        mass, self.deployment, self.portal = await asyncio.gather(
            engine.netsuite.search_columns(ns.mass_customer_sync_search),
            engine.netsuite.deployment_status(ns.portal_deployment),
            engine.stripe.default_portal_configuration_state())
        self.columns["mass_customer_sync"] = mass
        try:
            self.journal = customer_history(self.config.sync.journal_path, self.records)
        except JournalError as exc:
            self.notes.append(f"the run journal could not be read: {exc}")
        for row in self.journal:
            if row.get("state") == "create-attempted":
                self.notes.append(f"customer {row['customer']}: run {row['run']} ({row['run_status']}) sent a Stripe "
                                  "create and never recorded the result: an interrupted create, whose customer is "
                                  f"tagged {self.prefix}internal_id={row['customer']} in Stripe")

    async def _record(self, iid: str) -> dict[str, Any]:
        try:
            return await self.engine.netsuite.get_customer(iid)
        except NetSuiteError as exc:
            if exc.status == 404 or exc.code == "NONEXISTENT_ID":
                raise CaptureError(f"NetSuite has no customer {iid} (NetSuite said: {exc.message}). Check the "
                                   "internal id: Lists > Relationships > Customers, column Internal ID.") from None
            raise

    def _mapped(self, iid: str) -> Any:
        ns, sync = self.config.netsuite, self.config.sync
        return map_record(self.records[iid], self.columns["customer_sync"], stripe_id_field=ns.stripe_id_field,
                          portal_url_field=ns.portal_url_field, metadata_prefix=sync.metadata_prefix,
                          lookup_field=sync.lookup_field)

    async def _retrieve(self, ids: set[str], named: dict[str | None, str] | None = None) -> None:
        """The Stripe customers these stored ids name; the other mode's and missing ones noted."""
        ids = {i for i in ids if i not in self.stripe and i not in self.other_mode}
        found = await asyncio.gather(*(self.engine.stripe.retrieve_linked(i) for i in sorted(ids)))
        mode = self.engine.stripe.mode
        other = "test" if mode == "live" else "live"
        for sid, (customer, other_mode) in zip(sorted(ids), found):
            if customer is not None:
                self.stripe[sid] = customer
            elif other_mode:
                iid = (named or {}).get(sid)
                if iid is not None and not self.other_mode_ok:
                    raise CaptureError(
                        f"customer {iid}'s STRIPE CUSTOMER ID {sid} exists only in {other} mode, and this Stripe "
                        f"key is a {mode}-mode key: the capture would record the wrong mode. Capture with the key "
                        "of the mode this NetSuite account syncs with (CUSTSYNC_STRIPE_API_KEY), or add "
                        f"--other-mode-ok to capture the stale link (R2) as it is.")
                self.other_mode.add(sid)
            else:
                self.nowhere.setdefault(sid, [])

    async def _neighbours(self, wanted: list[str], boxes: set[str]) -> None:
        """The other NetSuite customers of these mailboxes, or linking a Stripe customer met, or tagged on one."""
        field = self.config.netsuite.stripe_id_field.lower()
        key = self.config.sync.match_key()
        sids = sorted(s for s in set(self.stripe) | self.other_mode | set(self.nowhere) if is_stripe_customer_id(s))
        where = []
        if boxes:
            where.append(key.suiteql_in(sorted(boxes)))
        if sids:
            where.append(f"TRIM({field}) IN ({', '.join(sql_literal(s) for s in sids)})")
        found: set[str] = set()
        if where:
            rows = await self.engine.netsuite.suiteql_all(f"SELECT id FROM customer WHERE {' OR '.join(where)} "
                                                          "ORDER BY id")
            found = {str(r.get("id")) for r in rows}
        tags = {str(t) for c in self.stripe.values() if (t := (c.get("metadata") or {}).get(self.prefix + "internal_id"))}
        others = sorted((found | {t for t in tags if t.isdigit()}) - set(wanted), key=int)
        if len(others) > MAX_NEIGHBOURS:
            self.notes.append(f"{len(others)} other NetSuite customers share a mailbox or a Stripe customer with "
                              f"these; the first {MAX_NEIGHBOURS} by internal id are captured")
            others = others[:MAX_NEIGHBOURS]
        records = await asyncio.gather(*(self._neighbour(i) for i in others))
        for iid, record in zip(others, records):
            if record is None:
                self.notes.append(f"Stripe tags a customer for NetSuite customer {iid}, which NetSuite does not have")
            else:
                self.records[iid] = record
        stored: dict[str, list[str]] = {}
        for iid, record in self.records.items():
            sid = normalize_stripe_id(str(record.get(self.config.netsuite.stripe_id_field) or ""))
            if sid:
                stored.setdefault(sid, []).append(iid)
        await self._retrieve(set(stored))
        for sid in sorted(self.other_mode):
            self.notes.append(f"{sid} (STRIPE CUSTOMER ID of {', '.join(stored.get(sid, ['?']))}) exists only in the "
                              f"other mode than this key's ({self.engine.stripe.mode}): written with other_mode")
        for sid in sorted(self.nowhere):
            self.notes.append(f"{sid} (STRIPE CUSTOMER ID of {', '.join(stored.get(sid, ['?']))}) names no Stripe "
                              "customer of this account in either mode: left out, as Stripe has none")
        for sid, c in sorted(self.stripe.items()):
            if c.get("deleted"):
                self.notes.append(f"{sid} was deleted in Stripe (STRIPE CUSTOMER ID of "
                                  f"{', '.join(stored.get(sid, ['nobody']))})")

    async def _neighbour(self, iid: str) -> dict[str, Any] | None:
        try:
            return await self.engine.netsuite.get_customer(iid)
        except NetSuiteError as exc:
            if exc.status == 404 or exc.code == "NONEXISTENT_ID":
                return None
            raise

    # --- the document ---------------------------------------------------------------

    def document(self, wanted: list[str], keep_real: bool) -> Capture:
        given = self._given()
        Given.model_validate(given)
        steps: list[dict[str, Any]] = [{"sync": iid, "dry_run": True, "expect": expect_of(self.outcomes[iid])} for iid in wanted]
        captured = self._captured(wanted, keep_real)
        anonymizer = None
        if not keep_real:
            anonymizer = Anonymizer()
            given = anonymizer.given(given, metadata_prefix=self.prefix)
            for step in steps:
                for key in ("message_contains",):
                    if step["expect"].get(key):
                        step["expect"][key] = anonymizer.redact(step["expect"][key])
            captured["notes"] = [anonymizer.redact(n) for n in captured["notes"]]
            for line in captured["journal"]:
                for key in ("error", "remedy"):
                    if line.get(key):
                        line[key] = anonymizer.redact(line[key])
        document = scenario_document("captured", given, captured["source"])
        document["title"] = f"Customer {', '.join(wanted)} as captured {captured['at'][:10]}"
        document["lesson"] = (
            "What the customer reported: (fill in: the ticket, what they saw).\n\n"
            "What custsync decides on the account: the steps below (a dry run of each customer, as captured).\n\n"
            "What this situation teaches, and what the fix changes: (fill in). To check a fix, add the steps "
            "that reproduce the report (e.g. a `sync` without dry_run) and their `expect`.\n")
        document["rules"] = sorted({s["expect"]["rule"] for s in steps if s["expect"].get("rule")},
                                   key=lambda r: int(r[1:]))
        document["steps"] = steps
        document["captured"] = captured
        self._check_clean(document, anonymizer)
        return Capture(document, self.outcomes, captured["requests"], len(given["netsuite"]["customers"]),
                       len(given["stripe"]["customers"]), not keep_real, captured["notes"])

    def _given(self) -> dict[str, Any]:
        config = self.config
        ns, sync = config.netsuite, config.sync
        columns = {c.name.lower() for cs in self.columns.values() for c in cs}
        lookup = sync.lookup_field
        paypack = {f.lower() for f in paypack_fields(config).values()}
        custom_ids = sorted({c for c in columns | {lookup} if c.startswith("custentity") and c not in paypack})
        customers = []
        for iid in sorted(self.records, key=int):
            record = _state_record(self.records[iid])
            if record.get(ns.portal_url_field):
                record[ns.portal_url_field] = mask_url(record[ns.portal_url_field])  # a bearer link
            customers.append(netsuite_customer(record, config, [c for c in self.records[iid] if c.lower() in custom_ids],
                                               keep_portal_links=True))  # masked above
        unheld = sorted(c for c in columns - set(custom_ids) if c not in SCENARIO_COLUMNS)
        if unheld:
            self.notes.append(f"search column(s) {', '.join(unheld)}: body fields a scenario does not hold yet, left "
                              "out (a replay maps them as blank)")
        netsuite: dict[str, Any] = {"customers": customers}
        searches = {role: {"columns": columns_entry([{"name": c.name, "label": c.label} for c in cs])}
                    for role, cs in self.columns.items()
                    if [(c.name, c.label) for c in cs] != [(d["name"], d["label"]) for d in demo.DEMO_SEARCH_COLUMNS]}
        if searches:
            netsuite["saved_searches"] = searches
        status = (self.deployment or "NOTSCHEDULED").upper()
        if status != "RELEASED":
            netsuite["portal_deployment"] = STATUS_KEY.get(status, "not-released")
            if self.deployment is None:
                self.notes.append(f"the portal deployment {ns.portal_deployment} does not exist in NetSuite")
        ordered = sorted(self.stripe.values(), key=lambda c: (c.get("created") or 0, c["id"]))
        stripe_customers = [stripe_customer(c) for c in ordered]
        stripe_customers += [{"id": sid, "other_mode": True} for sid in sorted(self.other_mode)]
        given: dict[str, Any] = {"netsuite": netsuite, "stripe": {"customers": stripe_customers,
                                                                 "portal_configuration": self.portal}}
        overrides = _config_overrides(config)
        if overrides:
            given["config"] = overrides
        return given

    def _captured(self, wanted: list[str], keep_real: bool) -> dict[str, Any]:
        ns, engine = self.config.netsuite, self.engine
        mode = engine.stripe.mode
        source = (f"NetSuite account {ns.account}, Stripe {mode} mode" if keep_real else
                  f"a NetSuite account and Stripe {mode} mode (anonymized: account withheld)")
        return {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": source,
            "customers": list(wanted),
            "anonymized": not keep_real,
            "saved_searches": {"customer_sync": ns.customer_sync_search,
                               "mass_customer_sync": ns.mass_customer_sync_search},
            "requests": {"netsuite": engine.netsuite.requests, "stripe": engine.stripe.requests},
            "notes": list(self.notes),
            "journal": [_journal_line(r) for r in self.journal],
        }

    def _check_clean(self, document: dict[str, Any], anonymizer: Anonymizer | None) -> None:
        """The last look before writing: no key or secret, no signed link, no original value left when anonymized."""
        text = scenario_text(document)
        secrets = [s.get_secret_value() for s in (self.config.stripe.api_key, self.config.netsuite.consumer_key,
                                                  self.config.netsuite.consumer_secret, self.config.netsuite.token_id,
                                                  self.config.netsuite.token_secret) if s is not None]
        if any(s and s in text for s in secrets) or "sig=" in text:
            raise SyncError("the captured document holds a key or a signed link; nothing written",
                            remedy="Report this as a custsync bug, with the command you ran.")
        if anonymizer is not None:
            given, captured = document["given"], document["captured"]
            texts = [v for v in personal_values(given, self.prefix) if isinstance(v, str)]
            texts += captured["notes"] + [str(line.get(k) or "") for line in captured["journal"] for k in ("error", "remedy")]
            leaked = anonymizer.leaked(texts)
            if leaked:
                raise SyncError(f"anonymization left {len(leaked)} original value(s) in the document; nothing written",
                                remedy="Capture with --keep-real only if the file stays inside the company, and "
                                "report this as a custsync bug.")


# Columns whose values a scenario's NetSuite customer holds (CustomerFields, the address lines).
SCENARIO_COLUMNS = {"entityid", "companyname", "firstname", "lastname", "isperson", "email", "phone", "comments",
                    "isinactive", "billaddress1", "billaddress2", "billcity", "billstate", "billzipcode", "billcountry"}


def _state_record(record: dict[str, Any]) -> dict[str, Any]:
    """A REST record (links, references, addressBook {"items"}) in the mock state's shape."""
    out = {k: v for k, v in record.items() if k != "links"}
    book = record.get("addressBook")
    items = book.get("items") if isinstance(book, dict) else book if isinstance(book, list) else []
    lines = []
    for item in items or []:
        address = {k: (v.get("id") if isinstance(v, dict) else v)
                   for k, v in (item.get("addressBookAddress") or {}).items() if k not in ("links", "addrText")}
        lines.append({"defaultBilling": bool(item.get("defaultBilling")), "addressBookAddress": address})
    out["addressBook"] = lines
    return out


def _config_overrides(config: Config) -> dict[str, Any]:
    """The settings that change a decision, where this config differs from the defaults (a replay needs them)."""
    defaults = SyncConfig()
    sync = {k: _plain(getattr(config.sync, k)) for k in DECIDING_SYNC_KEYS
            if getattr(config.sync, k) != getattr(defaults, k)}
    netsuite = {k: v for k, v, d in (("stripe_id_field", config.netsuite.stripe_id_field, DEFAULT_STRIPE_ID_FIELD),
                                     ("portal_url_field", config.netsuite.portal_url_field, DEFAULT_PORTAL_URL_FIELD))
                if v != d}
    return {k: v for k, v in (("sync", sync), ("netsuite", netsuite)) if v}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)


def _journal_line(row: dict[str, Any]) -> dict[str, Any]:
    at = datetime.fromtimestamp(float(row["at"] or 0), UTC).isoformat(timespec="seconds")
    line = {k: v for k, v in row.items() if v not in (None, "") and k != "at"}
    return {"kind": line.pop("kind"), "at": at, **line}


def expect_of(o: Outcome) -> dict[str, Any]:
    """What the scenario expects of a replay: what custsync decided on the account."""
    d = o.decision
    out: dict[str, Any] = {}
    if d is not None:
        out["rule"], out["action"] = d.rule, d.action.value
    out["status"] = o.status.value
    if d is not None and d.stripe_customer_id:
        out["stripe_customer_id"] = d.stripe_customer_id
    if d is not None and d.candidates:
        out["candidates"] = list(d.candidates)
    if d is not None and d.shared_with:
        out["shared_with"] = list(d.shared_with)
    if d is None and o.error is not None:
        out["message_contains"] = o.error.message[:80]
    return out


def request_counts_text(requests: dict[str, int]) -> str:
    return f"{requests.get('netsuite', 0)} NetSuite and {requests.get('stripe', 0)} Stripe requests (reads only)"
