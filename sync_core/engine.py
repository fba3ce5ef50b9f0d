"""The engine: the verbs the faces (the CLI, the TUI, the testbed) call, each handed to the step that does it.

Every sync goes the same four steps, each in a module of `run/`:
- read (`reads`): the customer's record, or a mass sync's customers in pages of 1,000;
- index (`stripe_index`): what Stripe knows of them; single sync looks each thing up as it needs it
  (`live_lookups`);
- plan (`planner`): `rules.decide` for every customer, as a one-at-a-time run in the same order would
  (`plan_run`); single sync is a plan of one (`plan_row`, the same row type);
- execute (`executor`): only the writes the plan needs, the PayPack fields back to NetSuite (R5): a mass
  sync's plan in batches (`execute_plan`), single sync's row at once (`execute_one`).

Single sync is `run.single_sync`, a mass sync `run.mass_sync` (and `run.per_customer`), the operator's
decisions `admin.decisions`. Each takes a `Services` value (the configuration, both clients, the mailbox
lookups, the turn locks), never the engine: nothing in sync_core imports this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from sync_core.admin import decisions, stripe_edits
from sync_core.config import Config, ConfigError
from sync_core.events import Event
from sync_core.netsuite import auth as netsuite_auth
from sync_core.netsuite.client import NetSuiteClient
from sync_core.netsuite.portal_links import check_customer
from sync_core.outcome import Outcome
from sync_core.retry import RetryPolicy
from sync_core.run import mass_sync, reads, run_state, single_sync
from sync_core.run.in_flight import FixedLimit, InFlightLimit
from sync_core.run.job import SyncContext
from sync_core.run.journal import Journal
from sync_core.run.run_state import PATHS, RunOptions
from sync_core.run.services import KeyedLocks, Services
from sync_core.stripe.gateway import StripeGateway
from sync_core.stripe.limits import LimitSettings
from sync_core.stripe.lookup import MailboxIndex

__all__ = ["PATHS", "Engine", "RunOptions"]


class Engine:
    def __init__(self, config: Config, netsuite: NetSuiteClient, stripe: StripeGateway) -> None:
        self.services = Services.of(config, netsuite, stripe)

    @classmethod
    def from_config(cls, config: Config, *, confirm_live: bool = False, read_only: bool = False) -> Engine:
        """`read_only`: both clients refuse every write before it is sent (sync_core.read_only)."""
        ns, st, sync = config.netsuite, config.stripe, config.sync
        rest_url, base_url = ns.resolved_rest_url(), st.resolved_base_url()
        if rest_url is None or base_url is None:
            raise ConfigError("the bundled mocks are not running: start them with testbed (custsync does this "
                              "by itself when no --config is given).")
        config.require_credentials()
        policy = RetryPolicy(sync.max_retries, sync.backoff_base_seconds, sync.backoff_max_seconds)
        netsuite = NetSuiteClient(
            rest_url=rest_url,
            restlet_url=ns.resolved_restlet_url() or rest_url,
            auth=netsuite_auth.for_config(ns, rest_url),
            concurrency=ns.concurrency,
            timeout=ns.timeout_seconds,
            policy=policy,
            restlet_script=ns.restlet_script,
            restlet_deploy=ns.restlet_deploy,
            read_only=read_only,
        )
        stripe = StripeGateway(
            api_key=st.api_key.get_secret_value(),  # type: ignore[union-attr]
            base_url=base_url,
            limits=LimitSettings.from_config(st),
            allow_writes_live=st.allow_live or confirm_live,
            timeout=st.timeout_seconds,
            policy=policy,
            read_only=read_only,
        )
        return cls(config, netsuite, stripe)

    # --- what the engine holds -------------------------------------------------------------

    @property
    def config(self) -> Config:
        return self.services.config

    @config.setter
    def config(self, config: Config) -> None:
        self.services = replace(self.services, config=config)

    @property
    def netsuite(self) -> NetSuiteClient:
        return self.services.netsuite

    @property
    def stripe(self) -> StripeGateway:
        return self.services.stripe

    @property
    def mailboxes(self) -> MailboxIndex:
        return self.services.mailboxes

    @property
    def turn_locks(self) -> KeyedLocks:
        return self.services.turn_locks

    @property
    def retries(self) -> int:
        """Retries made so far by both clients."""
        return self.services.retries

    async def aclose(self) -> None:
        await self.netsuite.aclose()
        await self.stripe.aclose()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def context(self, search_id: str | None = None) -> SyncContext:
        """The search's columns (R9) and the portal deployment's state (R8), read once for many syncs."""
        return await reads.read_context(self.services, search_id)

    # --- single sync and portal links ---------------------------------------------------------

    async def sync_one(self, internal_id: str, *, dry_run: bool = False, portal: bool = True,
                       context: SyncContext | None = None, journal: Journal | None = None) -> Outcome:
        """The "Sync to Stripe (PayPack)" button for one customer, a plan of one: read the record, look up
        what Stripe knows, decide and plan the row, execute it. `journal` holds what custsync last sent or
        confirmed (R10: a field edited in Stripe since is not pushed over in silence)."""
        return await single_sync.sync_one(self.services, internal_id, dry_run=dry_run, portal=portal,
                                          context=context, journal=journal)

    async def portal_link(self, internal_id: str, *, context: SyncContext | None = None) -> Outcome:
        """Write the customer's current portal link when the field is empty or stale (R6); no Stripe request."""
        return await single_sync.portal_link(self.services, internal_id, context=context)

    async def portal_check(self, internal_id: str, *, client: httpx.AsyncClient | None = None) -> Outcome:
        """`portal-link ID --check`: open the customer's stored link and say what the customer would see."""
        return await check_customer(self.netsuite, self.config.netsuite, internal_id, client=client)

    # --- mass sync ---------------------------------------------------------------------------

    def workers(self) -> int:
        """At most this many customers in flight in a mass sync ([sync] workers sets it, and fixes it)."""
        return run_state.workers(self.services)

    def in_flight_limit(self, customers: int) -> InFlightLimit | FixedLimit:
        return run_state.in_flight_limit(self.services, customers)

    def mass_sync(
        self,
        journal: Journal | None = None,
        *,
        run_id: str | None = None,
        dry_run: bool = False,
        portal: bool = True,
        retry_failed: bool = False,
        only: list[str] | None = None,
        stop: asyncio.Event | None = None,
        changed_since: datetime | None = None,
        path: str = "plan",
    ) -> AsyncIterator[Event]:
        """The scheduled mass sync: the customers the Mass Customer Sync Saved Search chooses.

        It reads them in pages, indexes Stripe, plans every customer locally (`PlanReady` carries the plan)
        and executes only the writes the plan needs. A dry run stops at the plan and writes nothing (not even
        the journal; it reads one it is given, to plan as the run would). A real run needs a journal;
        `run_id` resumes that run, redoing only what it did not finish (with `dry_run`: the plan of resuming or
        retrying it, the journal left as it is). `changed_since` takes only the
        customers modified after that time. Setting `stop` ends the run between customers: those in flight
        finish, the rest stay pending and the run is journaled as stopped, for a resume.

        A run that writes holds its target's lock while it goes (journal.RunLocked, naming the holder, when
        another live run holds it; a gone holder's lock is taken over: `RunStarted.took_over`). A new run over the
        search also takes what earlier runs against the target left failed, unfinished or decided since, and,
        once the portal links' signing key changed, every customer (`run.run_scope`; the plan's `taken`).

        `path="per-customer"` runs every customer through single sync's path instead (the benchmark's
        baseline): a request or more per customer, changed or not.
        """
        options = RunOptions(run_id=run_id, dry_run=dry_run, portal=portal, retry_failed=retry_failed, only=only,
                             stop=stop, changed_since=changed_since, path=path)
        return mass_sync.mass_sync(self.services, journal, options)

    # --- the operator's decisions and reads for screens (admin/decisions.py) ------------------------

    async def candidates(self, internal_id: str) -> decisions.Candidates:
        """The Stripe customers a person chooses between for this NetSuite customer (R2/R3), oldest first,
        with name, email, created, metadata and which other NetSuite customers already point at each."""
        return await decisions.find_candidates(self.services, internal_id)

    async def compare(self, internal_id: str) -> decisions.Comparison:
        """The customer's record mapped as a sync maps it, what a sync would send, and the Stripe customer it is
        linked to (the customer screen's comparison)."""
        return await decisions.compare(self.services, internal_id)

    async def check_link(self, internal_id: str, stripe_id: str) -> decisions.LinkResult:
        """What `link` would write, after validating the Stripe id against Stripe (SyncError if missing or
        deleted); writes nothing."""
        return await decisions.check_link(self.services, internal_id, stripe_id)

    async def link(self, internal_id: str, stripe_id: str, *, journal_path: str | None = None) -> decisions.LinkResult:
        """The operator's decision: validate `stripe_id` against Stripe, write only STRIPE CUSTOMER ID
        (PAYPACK) on the NetSuite customer, and journal the decision (in [sync] journal_path)."""
        return await decisions.link(self.services, internal_id, stripe_id, journal_path or self.config.sync.journal_path)

    async def unlink(self, internal_id: str, *, journal_path: str | None = None) -> str | None:
        """Empty STRIPE CUSTOMER ID (PAYPACK) so the next sync matches by email (R3); journaled. Returns the
        id it held."""
        return await decisions.unlink(self.services, internal_id, journal_path or self.config.sync.journal_path)

    async def resolve_edit(self, internal_id: str, field: str, choice: str, *,
                           journal_path: str | None = None) -> stripe_edits.EditChoice:
        """R10, a person's choice for a field edited in Stripe outside custsync: "netsuite" pushes NetSuite's
        value now, "stripe" keeps Stripe's; recorded in the journal ([sync] journal_path) either way."""
        return await stripe_edits.resolve_edit(self.services, internal_id, field, choice,
                                               journal_path or self.config.sync.journal_path)

    async def customer_pages(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Every NetSuite customer as {id, name, email, stripe_customer_id}, page by page, by internal id."""
        field_id = self.config.netsuite.stripe_id_field
        async for page in self.netsuite.suiteql(f"SELECT id, companyname, email, {field_id} FROM customer ORDER BY id"):
            yield [{"id": str(r.get("id")), "name": str(r.get("companyname") or ""), "email": str(r.get("email") or ""),
                    "stripe_customer_id": str(r.get(field_id) or "")} for r in page]

    async def health(self) -> str | None:
        """None when both services answer an authenticated read; else what is wrong (a host, a cause)."""
        problems = []
        try:
            await self.netsuite.deployment_status(self.config.netsuite.portal_deployment)
        except Exception as exc:
            problems.append(f"NetSuite: {getattr(exc, 'message', exc)}")
        try:
            await self.stripe.check_key()
        except Exception as exc:
            problems.append(f"Stripe: {getattr(exc, 'message', exc)}")
        return "; ".join(problems) or None
