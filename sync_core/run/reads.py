"""Reading NetSuite: one customer's record (single sync, R9), or a mass sync's customers in pages.

A mass sync reads the Mass Customer Sync Saved Search's results through the RESTlet's `customers`
action, 1,000 a page, with the values of its columns (R9: the search's headers say what goes to Stripe)
and of the PayPack fields, mapped exactly as a record read maps them.
It also asks NetSuite, in a few SuiteQL queries, which customers hold the Stripe ids and mailboxes the
run will meet (ownership: a Stripe customer linked from another NetSuite customer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sync_core.errors import NetSuiteError, SyncError
from sync_core.rules.decide import CustomerFacts, lookup_needed, normalize_stripe_id
from sync_core.rules.ids import is_stripe_customer_id
from sync_core.rules.mapping import MappedCustomer, map_record, record_from_row
from sync_core.rules.match_key import sql_literal
from sync_core.run.configured_ids import AccountLacks, check_fields_once, missing_deployment, missing_search
from sync_core.run.job import Job, SyncContext
from sync_core.run.services import Services

LINK_QUERY_BATCH = 500  # Stripe ids (and mailboxes) per SuiteQL query: well inside Oracle's 1,000-item IN list


async def read_context(services: Services, search_id: str | None = None) -> SyncContext:
    """What a sync reads once: the search's columns (R9) and whether the portal deployment is released (R8); and,
    once per engine, that the customer fields the configuration names exist. A configured id the account lacks
    is AccountLacks (a ConfigError naming each setting), before anything is synced."""
    ns = services.config.netsuite
    search_id = search_id or ns.customer_sync_search
    columns, status, fields = await asyncio.gather(services.netsuite.search_columns(search_id),
                                                   services.netsuite.deployment_status(ns.portal_deployment),
                                                   check_fields_once(services), return_exceptions=True)
    missing = list(fields.missing) if isinstance(fields, AccountLacks) else []
    if isinstance(columns, NetSuiteError) and (search := missing_search(services, search_id, columns)):
        missing.append(search)
    if not isinstance(status, BaseException) and (deployment := missing_deployment(services, status)):
        missing.append(deployment)
    if missing:
        raise AccountLacks(missing)
    for answer in (columns, status, fields):
        if isinstance(answer, BaseException):
            raise answer
    return SyncContext(search_id, tuple(columns), status == "RELEASED")  # type: ignore[arg-type]


def map_for(services: Services, record: dict[str, Any], columns: tuple[Any, ...]) -> MappedCustomer:
    ns = services.config.netsuite
    sync = services.config.sync
    return map_record(record, columns, stripe_id_field=ns.stripe_id_field, portal_url_field=ns.portal_url_field,
                      metadata_prefix=sync.metadata_prefix, lookup_field=sync.lookup_field)


def set_facts(job: Job, mapped: MappedCustomer) -> None:
    job.mapped = mapped
    job.facts = CustomerFacts(job.internal_id, mapped.email, mapped.stripe_customer_id,
                              lookup_field=mapped.lookup_field, lookup_value=mapped.lookup_value)
    job.kind = lookup_needed(job.facts)


async def read_record(services: Services, job: Job) -> None:
    """Single sync: the NetSuite record, mapped (R9)."""
    record = await services.netsuite.get_customer(job.internal_id)
    set_facts(job, map_for(services, record, job.ctx.columns))  # type: ignore[union-attr]


def row_fields(services: Services, extra: list[str] | None = None) -> list[str]:
    """The fields a mass sync reads besides the search's columns: the PayPack fields, the email, the lookup
    field (R3 matches on the record's value) and `extra` (custsync's status fields, when written)."""
    ns, key = services.config.netsuite, services.config.sync.match_key()
    return [ns.stripe_id_field, ns.portal_url_field, "email"] + ([] if key.by_email else [key.field]) + (extra or [])


async def row_pages(services: Services, ctx: SyncContext, *, changed_since: datetime | None = None,
                    seen: dict[str, Any] | None = None,
                    extra: list[str] | None = None) -> AsyncIterator[list[tuple[str, dict[str, Any]]]]:
    """The mass sync's customers, page by page, as (internal id, record-like dict): the values of the
    search's own columns (R9) and of `row_fields`. `seen` learns the key the portal links are signed with now
    (`signingKeyId`, None from a script too old to say)."""
    async for page in services.netsuite.customer_rows(ctx.search_id, ctx.search_id, row_fields(services, extra),
                                                    modified_after=changed_since):
        yield _rows(page, seen)


async def rows_of(services: Services, ctx: SyncContext, internal_ids: list[str], *,
                  extra: list[str] | None = None) -> AsyncIterator[list[tuple[str, dict[str, Any]]]]:
    """These customers' rows, as `row_pages` gives them, for those the saved search still chooses."""
    async for page in services.netsuite.customer_rows_of(ctx.search_id, ctx.search_id, row_fields(services, extra),
                                                       internal_ids):
        yield _rows(page, None)


def _rows(page: dict[str, Any], seen: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    if seen is not None and "signingKeyId" not in seen:
        seen["signingKeyId"] = page.get("signingKeyId") or None
    return [(str(r["id"]), record_from_row(str(r["id"]), r.get("values") or {})) for r in page.get("results", [])]


def job_from_row(services: Services, job: Job, record: dict[str, Any]) -> None:
    """Map one row; a mapping error fails this customer only."""
    try:
        set_facts(job, map_for(services, record, job.ctx.columns))  # type: ignore[union-attr]
    except SyncError as exc:
        job.outcome.error = exc


async def netsuite_links(services: Services, stripe_ids: set[str], boxes: set[str]
                         ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Which NetSuite customers hold each of `stripe_ids` in STRIPE CUSTOMER ID, and which Stripe ids the
    linked customers of each match key in `boxes` (mailboxes, or lookup-field values) hold:
    (Stripe id -> internal ids, key -> Stripe ids)."""
    field = services.config.netsuite.stripe_id_field.lower()
    key = services.config.sync.match_key()
    ids = sorted(s for s in stripe_ids if is_stripe_customer_id(s))
    asked = {s: s for s in ids}
    mailboxes = sorted(b for b in boxes if b)
    queries = []
    for k in range(0, max(len(ids), len(mailboxes)), LINK_QUERY_BATCH):
        some_ids, some_boxes = ids[k:k + LINK_QUERY_BATCH], mailboxes[k:k + LINK_QUERY_BATCH]
        where = []
        if some_ids:
            # Trimmed as the ids read are (normalize_stripe_id): " cus_X" holds cus_X too.
            where.append(f"TRIM({field}) IN ({', '.join(sql_literal(s) for s in some_ids)})")
        if some_boxes:
            where.append(f"({key.suiteql_in(some_boxes)} AND {field} IS NOT NULL)")
        queries.append(f"SELECT id, {key.field}, {field} FROM customer WHERE {' OR '.join(where)}")
    links: dict[str, tuple[str, ...]] = {}
    by_mailbox: dict[str, tuple[str, ...]] = {}
    for rows in await asyncio.gather(*(services.netsuite.suiteql_all(q) for q in queries)):
        for row in rows:
            sid = normalize_stripe_id(str(row.get(field) or ""))
            if not sid:
                continue
            sid = asked.get(sid, sid)  # the caller's own string: a run keeps one copy of each id, not two
            add_holder(links, sid, str(row.get("id")))
            box = key.of_value(row.get(key.field))
            if box:
                add_holder(by_mailbox, box, sid)
    return links, by_mailbox


def add_holder(holders: dict[str, tuple[str, ...]], key: str, value: str) -> None:
    """Add `value` to `key`'s holders once. Tuples, not sets: nearly every Stripe id has one holder, and a
    run of 100,000 customers keeps them all while it plans (a set costs 216 bytes, a 1-tuple 48)."""
    held = holders.get(key, ())
    if value not in held:
        holders[key] = (*held, value)


async def shared_holders(services: Services) -> dict[str, tuple[str, ...]]:
    """Every Stripe id two or more NetSuite customers hold, with its holders: one query (and its pages) where
    asking by id takes one per 500. It does not depend on the run's customers, so a mass sync asks it while
    it reads them (`early_reads`); `with_shared` adds the run's own holdings."""
    field = services.config.netsuite.stripe_id_field.lower()
    rows = await services.netsuite.suiteql_all(
        f"SELECT id, {field} FROM customer WHERE TRIM({field}) IN (SELECT TRIM({field}) FROM customer WHERE "
        f"{field} IS NOT NULL GROUP BY TRIM({field}) HAVING COUNT(*) > 1)")
    shared: dict[str, tuple[str, ...]] = {}
    for row in rows:
        sid = normalize_stripe_id(str(row.get(field) or ""))
        if sid:
            add_holder(shared, sid, str(row.get("id")))
    return shared


def with_shared(held: dict[str, tuple[str, ...]], shared: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Who holds each Stripe id a run's customers hold (`held`: Stripe id -> those customers), as
    `netsuite_links` would say: an id one customer holds is held by that customer alone (and a customer of the
    run holds it); the others' holders are in `shared` (`shared_holders`)."""
    links = dict(held)
    for sid, holders in shared.items():
        if sid in links:
            for holder in holders:
                add_holder(links, sid, holder)
    return links


async def linked_count(services: Services) -> int:
    """How many NetSuite customers hold a Stripe id: what the Stripe index takes the account's size to be
    (the Stripe customers nobody links are not counted: an estimate from below)."""
    field = services.config.netsuite.stripe_id_field.lower()
    rows = await services.netsuite.suiteql_all(f"SELECT COUNT(*) AS n FROM customer WHERE {field} IS NOT NULL")
    try:
        return int((rows[0] if rows else {}).get("n") or 0)
    except (TypeError, ValueError):
        return 0
