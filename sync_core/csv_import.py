"""Import Stripe customer ids into STRIPE CUSTOMER ID (PAYPACK) from a CSV (the seed's route for R4).

Accepts our two-column file (internal_id, stripe_customer_id) or Stripe's
customer export (Dashboard -> Customers -> Export: column `id`, metadata as
`<key> (metadata)`), with the column that holds the NetSuite internal id named
by the user. A malformed file (encoding, missing columns, bad or duplicate
ids) is refused whole; otherwise every row is checked against both systems,
the plan is shown, and only `apply` writes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .engine import Engine
from .errors import SyncError

INTERNAL_ID = re.compile(r"^\d{1,12}$")
STRIPE_ID = re.compile(r"^cus_[A-Za-z0-9]{1,60}$")
ID_COLUMNS = ("internal_id", "netsuite_internal_id (metadata)", "netsuite_internal_id")
STRIPE_COLUMNS = ("stripe_customer_id", "id")


class CsvFileError(Exception):
    """The file cannot be used at all; nothing is written."""


@dataclass
class ImportRow:
    line: int
    internal_id: str
    stripe_customer_id: str
    action: str = "pending"  # set | already-set | conflict | error
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "internal_id": self.internal_id, "stripe_customer_id": self.stripe_customer_id,
                "action": self.action, "message": self.message}


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    applied: int = 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def _pick(header: list[str], wanted: str | None, defaults: tuple[str, ...], what: str) -> str:
    if wanted:
        if wanted not in header:
            raise CsvFileError(f"no column {wanted!r} for the {what}; the header has: {', '.join(header)}")
        return wanted
    for name in defaults:
        if name in header:
            return name
    raise CsvFileError(f"no column for the {what}: expected one of {', '.join(defaults)} (or name it with the "
                       f"column option); the header has: {', '.join(header) or 'nothing'}")


def read_rows(path: Path, *, id_column: str | None = None, stripe_column: str | None = None) -> list[ImportRow]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvFileError(f"{path}, line {line}: not UTF-8 (byte {raw[exc.start]:#x}). Save the file as UTF-8 "
                           "(Stripe's export already is) and try again.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise CsvFileError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise CsvFileError(f"{path}, line 1: {exc}") from None
    try:
        id_col = _pick(header, id_column, ID_COLUMNS, "NetSuite internal id")
        stripe_col = _pick(header, stripe_column, STRIPE_COLUMNS, "Stripe customer id")
    except CsvFileError as exc:
        raise CsvFileError(f"{path}, line 1: {exc}") from None
    i_id, i_stripe = header.index(id_col), header.index(stripe_col)

    rows: list[ImportRow] = []
    problems: list[str] = []
    seen: dict[str, ImportRow] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) <= max(i_id, i_stripe):
                problems.append(f"line {line}: {len(values)} columns, the header has {len(header)}")
                continue
            iid, sid = values[i_id].strip(), values[i_stripe].strip()
            if not INTERNAL_ID.match(iid):
                problems.append(f"line {line}: {id_col} {iid!r} is not a NetSuite internal id (digits)")
                continue
            if not STRIPE_ID.match(sid):
                problems.append(f"line {line}: {stripe_col} {sid!r} is not a Stripe customer id (cus_...)")
                continue
            if iid in seen:
                first = seen[iid]
                if first.stripe_customer_id != sid:
                    problems.append(f"line {line}: customer {iid} again, with {sid} (line {first.line} says "
                                    f"{first.stripe_customer_id})")
                continue  # an identical repeat is harmless
            seen[iid] = ImportRow(line, iid, sid)
            rows.append(seen[iid])
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise CsvFileError(f"{path}: {len(problems)} bad row(s); nothing was written:\n  {shown}{more}")
    if not rows:
        raise CsvFileError(f"{path}: no data rows")
    return rows


async def plan_import(engine: Engine, rows: list[ImportRow]) -> ImportPlan:
    """Check every row against both systems; decide set / already-set / conflict / error."""
    field_id = engine.config.netsuite.stripe_id_field
    plan = ImportPlan(rows)

    async def check(row: ImportRow) -> None:
        try:
            record = await engine.netsuite.get_customer(row.internal_id)
            stripe = await engine.stripe.retrieve(row.stripe_customer_id)
        except SyncError as exc:
            row.action, row.message = "error", exc.message
            return
        current = next((v for k, v in record.items() if k.lower() == field_id.lower()), None)
        if stripe is None or stripe.get("deleted"):
            row.action = "error"
            row.message = f"Stripe has no live customer {row.stripe_customer_id} (deleted, other account or mode)"
        elif current and current.strip() == row.stripe_customer_id:
            row.action, row.message = "already-set", "already linked to this Stripe customer"
        elif current:
            row.action = "conflict"
            row.message = (f"already linked to {current.strip()}: not overwritten (R1: the stored id wins; clear the "
                           "field first to relink)")
        else:
            row.action, row.message = "set", f"will set {field_id}"

    await asyncio.gather(*(check(r) for r in rows))
    return plan


async def apply_import(engine: Engine, plan: ImportPlan) -> ImportPlan:
    field_id = engine.config.netsuite.stripe_id_field
    for row in plan.rows:
        if row.action != "set":
            continue
        try:
            await engine.netsuite.patch_customer(row.internal_id, {field_id: row.stripe_customer_id})
        except SyncError as exc:
            row.action, row.message = "error", f"write failed: {exc.message}"
            continue
        row.action, row.message = "written", f"set {field_id}"
        plan.applied += 1
    return plan
