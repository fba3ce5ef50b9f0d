"""Import Stripe customer ids into STRIPE CUSTOMER ID (PAYPACK) from a CSV (the seed's route for R4).

Accepts our two-column file (internal_id, stripe_customer_id) or Stripe's
customer export (Dashboard -> Customers -> Export: column `id`, metadata as
`<key> (metadata)`), with the column that holds the NetSuite internal id named
by the user. A malformed file (encoding, missing columns, bad or duplicate
ids) is refused whole; otherwise every row is checked against both systems,
the plan is shown, and only `apply` writes.

Scale (200,000 rows): the file is read as a stream into compact rows (no copy
of the text is kept); NetSuite is read in batches of up to 1000 ids through
SuiteQL (a dense run of ids as one `BETWEEN` range, a sparse one as an `IN`
list: Oracle allows 1000 items in a list), never a request per row; Stripe,
which has no batch retrieve, is either listed (100 customers a request) or
asked one id at a time, whichever costs fewer requests (see `_stripe_lookup`).

Ownership: a Stripe customer already linked to another NetSuite customer
(that customer's STRIPE CUSTOMER ID holds it, or the Stripe customer's
`metadata.netsuite_internal_id` names another internal id, or two rows of the
file name it) is a conflict, written only when the operator allows shared
Stripe customers.
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sync_core.errors import SyncError
from sync_core.rules.ids import is_internal_id, is_stripe_customer_id
from sync_core.run.services import Services
from sync_core.run.stripe_index import listing_pays
from sync_core.stripe.listing import DEFAULT_PARTITIONS, PAGE
from sync_core.text_files import TextEncodingError, decode_utf8

ID_COLUMNS = ("internal_id", "netsuite_internal_id (metadata)", "netsuite_internal_id")
STRIPE_COLUMNS = ("stripe_customer_id", "id")
BATCH = 1000  # ids per SuiteQL query: Oracle's limit for an IN list, and NetSuite's page size
SUITEQL_RESULT_CAP = 100_000  # a SuiteQL query returns at most this many results, however it is paged
# SuiteQL batches in flight at once. A batch query is heavy; NetSuite's concurrency limit is shared by every
# integration of the account, so a bulk read takes a few slots, not all (and more would only queue up).
PARALLEL_BATCHES = 4

Progress = Callable[[str, int, int], None]  # (phase, done, total)
T = TypeVar("T")


class CsvFileError(Exception):
    """The file cannot be used at all; nothing is written."""


@dataclass(slots=True)
class ImportRow:
    line: int
    internal_id: str
    stripe_customer_id: str
    action: str = "pending"  # set | already-set | conflict | error, then written
    message: str = ""
    current: str | None = None  # STRIPE CUSTOMER ID in NetSuite ('' blank); None: no such customer

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "internal_id": self.internal_id, "stripe_customer_id": self.stripe_customer_id,
                "action": self.action, "message": self.message}


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    applied: int = 0
    netsuite_requests: int = 0
    stripe_requests: int = 0
    stripe_strategy: str = ""  # how Stripe ids were looked up, and why
    seconds: dict[str, float] = field(default_factory=dict)  # each service's reads (side by side), wall time

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.action] = out.get(r.action, 0) + 1
        return out


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


def _lines(path: Path) -> Iterator[str]:
    """The file's lines as text, read in blocks: a 5 MB file never sits in memory twice."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise CsvFileError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        first = True
        line_no = 0
        for raw in fh:
            line_no += 1
            try:
                text = decode_utf8(raw, path, allow_bom=first)
            except TextEncodingError as exc:
                line = exc.line and line_no
                raise CsvFileError(str(TextEncodingError(path, exc.encoding, line))) from None
            first = False
            yield text


def read_rows(path: Path, *, id_column: str | None = None, stripe_column: str | None = None) -> list[ImportRow]:
    """Every data row, checked for shape; a file with any bad row is refused whole, naming each."""
    reader = csv.reader(_lines(path))
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
    last = reader.line_num  # the physical line the previous row ended on
    try:
        for values in reader:
            line, last = last + 1, reader.line_num  # a row starts on the line after the previous one ended
            if not any(v.strip() for v in values):
                continue
            if last > line and any("\n" in v or "\r" in v for v in values):
                # Ids never hold a line break: a quote opened here and closed lines later (or never).
                problems.append(f"line {line}: a quote opened on this line is not closed on it (the value runs on "
                                f"to line {last}): close the quote, or remove it")
                continue
            if len(values) <= max(i_id, i_stripe):
                problems.append(f"line {line}: {len(values)} columns, the header has {len(header)}")
                continue
            iid, sid = values[i_id].strip(), values[i_stripe].strip()
            if not is_internal_id(iid):
                problems.append(f"line {line}: {id_col} {iid!r} is not a NetSuite internal id (digits)")
                continue
            if not is_stripe_customer_id(sid):
                problems.append(f"line {line}: {stripe_col} {sid!r} is not a Stripe customer id (cus_...)")
                continue
            first = seen.get(iid)
            if first is not None:
                if first.stripe_customer_id != sid:
                    problems.append(f"line {line}: customer {iid} again, with {sid} (line {first.line} says "
                                    f"{first.stripe_customer_id})")
                continue  # an identical repeat is harmless
            row = ImportRow(line, iid, sid)
            seen[iid] = row
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise CsvFileError(f"{path}: {len(problems)} bad row(s); nothing was written:\n  {shown}{more}")
    if not rows:
        raise CsvFileError(f"{path}: no data rows")
    return rows


# --- NetSuite: the current field of the file's customers, and who else holds the file's Stripe ids ------


def _id_batches(ids: Iterable[str]) -> Iterator[list[int]]:
    ordered = sorted(int(i) for i in ids)
    for start in range(0, len(ordered), BATCH):
        yield ordered[start:start + BATCH]


def _batch_condition(batch: list[int]) -> str:
    """A dense run of ids as one range (cheap to evaluate), a sparse one as an IN list."""
    lo, hi = batch[0], batch[-1]
    if hi - lo + 1 <= 2 * len(batch):
        return f"id BETWEEN {lo} AND {hi}"
    return f"id IN ({', '.join(map(str, batch))})"


def _quoted(values: Iterable[str]) -> str:
    # Stripe ids were checked against STRIPE_ID (letters and digits): nothing to escape.
    return ", ".join(f"'{v}'" for v in values)


async def _netsuite_fields(services: Services, rows: list[ImportRow], tick: Callable[[int], None]) -> None:
    """Each row's `current`: its customer's STRIPE CUSTOMER ID ('' when blank), None when there is no customer."""
    field_id = services.config.netsuite.stripe_id_field.lower()
    wanted = {r.internal_id: r for r in rows}
    slots = asyncio.Semaphore(PARALLEL_BATCHES)

    async def one(batch: list[int]) -> None:
        async with slots:
            async for page in services.netsuite.suiteql(
                    f"SELECT id, {field_id} FROM customer WHERE {_batch_condition(batch)}", limit=BATCH):
                for item in page:
                    row = wanted.get(str(item.get("id")))
                    if row is not None:
                        row.current = str(item.get(field_id) or "").strip() or ""
        tick(len(batch))

    await asyncio.gather(*(one(b) for b in _id_batches(wanted)))


async def _netsuite_holders(services: Services, stripe_ids: set[str], tick: Callable[[int], None]) -> dict[str, set[str]]:
    """Stripe id -> the NetSuite customers whose STRIPE CUSTOMER ID holds it (only the file's Stripe ids).

    Either one pass over every linked customer or `IN` lists of the file's Stripe ids, whichever takes
    fewer requests: the first page's totalResults says how many linked customers there are.
    """
    field_id = services.config.netsuite.stripe_id_field.lower()
    holders: dict[str, set[str]] = {}

    def take(page: list[dict[str, Any]]) -> None:
        for item in page:
            sid = str(item.get(field_id) or "").strip()
            if sid in stripe_ids:
                holders.setdefault(sid, set()).add(str(item.get("id")))

    linked_query = f"SELECT id, {field_id} FROM customer WHERE {field_id} IS NOT NULL ORDER BY id"
    batches = -(-len(stripe_ids) // BATCH)
    first = await services.netsuite.suiteql_page(linked_query, limit=BATCH, offset=0)
    total = int(first.get("totalResults") or 0)
    if total <= SUITEQL_RESULT_CAP and -(-total // BATCH) <= batches + 1:
        take(first["items"])
        offset = BATCH
        while first.get("hasMore") and offset < total:
            page = await services.netsuite.suiteql_page(linked_query, limit=BATCH, offset=offset)
            take(page["items"])
            if not page.get("hasMore"):
                break
            offset += BATCH
        tick(len(stripe_ids))
        return holders

    ordered = sorted(stripe_ids)
    slots = asyncio.Semaphore(PARALLEL_BATCHES)

    async def one(chunk: list[str]) -> None:
        async with slots:
            async for page in services.netsuite.suiteql(
                    f"SELECT id, {field_id} FROM customer WHERE {field_id} IN ({_quoted(chunk)})", limit=BATCH):
                take(page)
        tick(len(chunk))

    await asyncio.gather(*(one(ordered[i:i + BATCH]) for i in range(0, len(ordered), BATCH)))
    return holders


# --- Stripe: which of the file's ids are live customers, and whom their metadata names ------------------


@dataclass(frozen=True, slots=True)
class _StripeFact:
    deleted: bool
    tagged_internal_id: str | None


_LIVE = _StripeFact(False, None)


def _listing_partitions(ids: int) -> int:
    """Ranges listed at once: more only for a file large enough that listing is likely to pay, since
    stopping a listing early wastes the pages in flight and queued (a few per range)."""
    return max(1, min(DEFAULT_PARTITIONS, ids // 5000))


async def _stripe_lookup(services: Services, stripe_ids: set[str],
                         tick: Callable[[int], None]) -> tuple[dict[str, _StripeFact], str]:
    """Stripe id -> what Stripe says about it (absent: no such customer here), and the strategy taken.

    Stripe has no batch retrieve. Listing costs one request per 100 customers of the account, a
    retrieve one per id; the account's size is not known in advance. So list (several `created` ranges
    at once, StripeGateway.all_customers) by the mass sync's rule (`stripe_index.listing_pays`): on while
    pages find the file's ids, or while the pages read stay below the retrieves still needed; then retrieve
    the rest. At most about twice the cheaper way, wherever the file's customers sit in the account: 20,000
    of its oldest customers in an account of 200,000 are listed in 2,000 pages, not retrieved one by one.
    """
    prefix = services.config.sync.metadata_prefix
    facts: dict[str, _StripeFact] = {}

    def fact(c: dict[str, Any]) -> _StripeFact:
        tag = (c.get("metadata") or {}).get(f"{prefix}internal_id")
        if not c.get("deleted") and tag in (None, ""):
            return _LIVE  # the common case shares one object: 200,000 ids, not 200,000 objects
        return _StripeFact(bool(c.get("deleted")), str(tag).strip() if tag not in (None, "") else None)

    if len(stripe_ids) > PAGE:
        pages_before = services.stripe.list_pages
        pages = 0
        strategy = ""
        async with aclosing(services.stripe.all_customers(partitions=_listing_partitions(len(stripe_ids)))) as listing:
            async for customers in listing:
                pages += 1
                found = 0
                for c in customers:
                    if c["id"] in stripe_ids and c["id"] not in facts:
                        facts[c["id"]] = fact(c)
                        found += 1
                tick(found)
                left = len(stripe_ids) - len(facts)
                if left == 0:
                    strategy = f"listed {pages} page(s) of {PAGE} until every id was found"
                    break
                if not listing_pays(found=found, pages=pages, lookups_left=left):
                    strategy = (f"listed {pages} page(s) of {PAGE}, then retrieved the {left} id(s) not "
                                "seen (retrieving them costs fewer requests than listing on)")
                    break
        if not strategy:
            return facts, (f"listed every Stripe customer ({services.stripe.list_pages - pages_before} page(s) of "
                           f"{PAGE}) instead of {len(stripe_ids)} retrieves")
    else:
        strategy = f"retrieved {len(stripe_ids)} id(s) one by one (fewer requests than listing the account)"

    async def one(sid: str) -> None:
        c = await services.stripe.retrieve(sid)
        if c is not None:
            facts[sid] = fact(c)
        tick(1)

    missing = [s for s in stripe_ids if s not in facts]
    for start in range(0, len(missing), BATCH):  # bounded: at most BATCH requests pending at once
        await asyncio.gather(*(one(s) for s in missing[start:start + BATCH]))
    return facts, strategy


async def _timed(seconds: dict[str, float], name: str, work: Awaitable[T]) -> T:
    started = time.monotonic()
    try:
        return await work
    finally:
        seconds[name] = round(time.monotonic() - started, 2)


async def _netsuite_reads(services: Services, rows: list[ImportRow], stripe_ids: set[str],
                          ticker: Callable[[str, int], Callable[[int], None]]) -> dict[str, set[str]]:
    await _netsuite_fields(services, rows, ticker("NetSuite customers", len(rows)))
    return await _netsuite_holders(services, stripe_ids, ticker("NetSuite links", len(stripe_ids)))


# --- the plan --------------------------------------------------------------------------------------------


async def plan_import(services: Services, rows: list[ImportRow], *, allow_shared: bool = False,
                      on_progress: Progress | None = None) -> ImportPlan:
    """Check every row against both systems; decide set / already-set / conflict / error. Writes nothing."""
    field_id = services.config.netsuite.stripe_id_field
    plan = ImportPlan(rows)
    ns_before, st_before = services.netsuite.requests, services.stripe.requests
    stripe_ids = {r.stripe_customer_id for r in rows}

    def ticker(phase: str, total: int) -> Callable[[int], None]:
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            if on_progress:
                on_progress(phase, min(done[0], total), total)
        if on_progress:
            on_progress(phase, 0, total)
        return tick

    try:
        # The two services are read side by side: neither waits for the other.
        holders, (stripe, plan.stripe_strategy) = await asyncio.gather(
            _timed(plan.seconds, "netsuite", _netsuite_reads(services, rows, stripe_ids, ticker)),
            _timed(plan.seconds, "stripe", _stripe_lookup(services, stripe_ids, ticker("Stripe customers", len(stripe_ids)))))
    except SyncError as exc:
        for r in rows:
            r.action, r.message = "error", exc.message
        plan.netsuite_requests = services.netsuite.requests - ns_before
        plan.stripe_requests = services.stripe.requests - st_before
        return plan

    # Stripe id -> the file's rows (of existing customers) claiming it, kept only when two rows or more do.
    first_claim: dict[str, str] = {}
    in_file: dict[str, list[str]] = {}
    for r in rows:
        if r.current is not None:
            earlier = first_claim.setdefault(r.stripe_customer_id, r.internal_id)
            if earlier != r.internal_id:
                in_file.setdefault(r.stripe_customer_id, [earlier]).append(r.internal_id)
    del first_claim
    will_set = f"will set {field_id}"  # one string shared by every such row

    for r in rows:
        sid, iid = r.stripe_customer_id, r.internal_id
        value = r.current
        st = stripe.get(sid)
        if value is None:
            r.action, r.message = "error", f"NetSuite has no customer {iid}"
        elif st is None or st.deleted:
            r.action = "error"
            r.message = f"Stripe has no live customer {sid} (deleted, other account or mode)"
        elif value == sid:
            r.action, r.message = "already-set", "already linked to this Stripe customer"
        elif value:
            r.action = "conflict"
            r.message = f"already linked to {value}: not overwritten (R1: the stored id wins; clear the field first to relink)"
        else:
            owners = sorted((holders.get(sid, set()) | set(in_file.get(sid, ()))) - {iid}, key=int)
            if st.tagged_internal_id and st.tagged_internal_id != iid and st.tagged_internal_id not in owners:
                owners.append(st.tagged_internal_id)
            if owners and not allow_shared:
                r.action = "conflict"
                r.message = (f"{sid} already belongs to NetSuite customer {', '.join(owners[:5])}"
                             f"{' and others' if len(owners) > 5 else ''} ({_why(sid, owners, holders, in_file, st)}): "
                             "not written. Check which customer it belongs to; --allow-shared writes it anyway")
            elif owners:
                r.action, r.message = "set", f"will set {field_id} (shared with customer {', '.join(owners[:5])})"
            else:
                r.action, r.message = "set", will_set
    plan.netsuite_requests = services.netsuite.requests - ns_before
    plan.stripe_requests = services.stripe.requests - st_before
    return plan


def _why(sid: str, owners: list[str], holders: dict[str, set[str]], in_file: dict[str, list[str]],
         st: _StripeFact) -> str:
    reasons = []
    if holders.get(sid, set()) & set(owners):
        reasons.append("its STRIPE CUSTOMER ID")
    if st.tagged_internal_id in owners:
        reasons.append(f"the Stripe customer's metadata names {st.tagged_internal_id}")
    if len(in_file.get(sid, ())) > 1:
        reasons.append("another row of this file")
    return "; ".join(reasons)


WRITES_IN_FLIGHT = 2  # write-back calls at once: NetSuite's concurrency is shared by every integration


async def apply_import(services: Services, plan: ImportPlan, *, on_progress: Progress | None = None) -> ImportPlan:
    """Write the rows planned as `set` through the RESTlet's writeBack action, `[netsuite] write_back_batch` customers
    a call (as a mass sync writes back), not a request per row; each row gets its own result. The plan's NetSuite
    request count includes these calls."""
    field_id = services.config.netsuite.stripe_id_field
    size = services.config.netsuite.write_back_batch
    todo = [r for r in plan.rows if r.action == "set"]
    before, started = services.netsuite.requests, time.monotonic()
    done = 0
    gate = asyncio.Semaphore(WRITES_IN_FLIGHT)

    async def write(batch: list[ImportRow]) -> None:
        nonlocal done
        async with gate:
            results: dict[str, SyncError | None]
            try:
                results = dict(await services.netsuite.write_back([(r.internal_id, {field_id: r.stripe_customer_id})
                                                                   for r in batch]))
            except SyncError as exc:
                results = {r.internal_id: exc for r in batch}
        for row in batch:
            error = results.get(row.internal_id, SyncError("NetSuite did not say whether it was written"))
            if error is None:
                row.action, row.message = "written", f"set {field_id}"
                plan.applied += 1
            else:
                row.action, row.message = "error", f"write failed: {error.message}"
        done += len(batch)
        if on_progress:
            on_progress("NetSuite writes", done, len(todo))

    await asyncio.gather(*(write(todo[k:k + size]) for k in range(0, len(todo), size)))
    plan.netsuite_requests += services.netsuite.requests - before
    plan.seconds["apply"] = round(time.monotonic() - started, 2)
    return plan
