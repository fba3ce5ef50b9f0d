"""Replay scenarios: load `given` into the mocks, run the steps through sync_core's Engine, check expectations.

One MockPair (both mocks as real servers, started here or already running
elsewhere) serves many scenarios: each run resets both and loads its state.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sync_core.admin.csv_import import CsvFileError, apply_import, plan_import, read_rows
from sync_core.admin.doctor import run_doctor
from sync_core.config import Config, ConfigError, NetSuiteTarget, StripeTarget, load_config
from sync_core.engine import Engine
from sync_core.errors import SyncError
from sync_core.events import CustomerSynced, PlanReady, RunFinished
from sync_core.masking import mask_url
from sync_core.netsuite.portal_links import open_link_to
from sync_core.outcome import Outcome
from sync_core.plural import plural
from sync_core.run.journal import Journal

from . import demo
from . import scenario_model as m
from .bundled import BundledMocks, with_accounts
from .control import MockControl, MockControlError
from .launcher import profile_args
from .portal_wiring import new_signing_secret, rotate_secret, wire_portal
from .scenario_checks import Check, check_doctor, check_mass, check_open_link, check_outcome, check_then, equal
from .scenario_load import LoadedScenario
from .scenario_report import ScenarioReport, StepReport
from .scenario_state import apply_overrides, record_fields, states


@dataclass
class MockPair:
    """Control clients of both mocks plus a config that reaches them with credentials they accept."""

    netsuite: MockControl
    stripe: MockControl
    config: Config
    owned: BundledMocks | None = None
    portal_secret: str = field(default_factory=new_signing_secret)  # one a pair: a reload keeps the state equal

    @classmethod
    def start(cls, config: Config | None = None, *, netsuite_args: tuple[str, ...] = (),
              stripe_args: tuple[str, ...] = (), profile: str = "fast") -> MockPair:
        """`profile`: "realistic" for Stripe's rate limits (testbed.launcher.PROFILES)."""
        ns_profile, st_profile = profile_args(profile)
        mocks = BundledMocks(ns_profile + tuple(netsuite_args), st_profile + tuple(stripe_args)).start()
        return cls.over(mocks, config, owned=True)

    @classmethod
    def over(cls, mocks: BundledMocks, config: Config | None = None, *, owned: bool = False) -> MockPair:
        """A pair over mocks started here already (one pair of servers for many users, as a test session's);
        `owned`: the pair stops them when it stops."""
        assert mocks.netsuite and mocks.stripe
        configured = mocks.configure(config or load_config(env={}))
        return cls(mocks.netsuite.control, mocks.stripe.control, configured, mocks if owned else None)

    @classmethod
    def attach(cls, config: Config) -> MockPair:
        """Mocks already running (`custsync mocks`): URLs and credentials come from the config/environment."""
        if config.netsuite.target is not NetSuiteTarget.MOCK or config.stripe.target is not StripeTarget.MOCK:
            raise ConfigError("scenarios reset and replace the whole state of both systems, so they run only "
                              'against the mocks: set [netsuite] target and [stripe] target to "mock". A real '
                              "account is never touched.")
        rest_url, base_url = config.netsuite.resolved_rest_url(), config.stripe.resolved_base_url()
        if not rest_url or not base_url:
            raise ConfigError("to use running mocks give both URLs (--netsuite-url/--stripe-url, or [netsuite] "
                              "rest_url and [stripe] base_url)")
        config.require_credentials()
        pair = cls(MockControl(rest_url), MockControl(base_url), config)
        for control, service in ((pair.netsuite, "netsuite"), (pair.stripe, "stripe")):
            try:
                answered = control.health().get("service")
            except (MockControlError, ValueError, AttributeError):
                answered = None
            if answered != service:
                raise ConfigError(f"{control.url} does not answer as custsync's {service} mock; scenarios run "
                                  "only against the mocks (custsync mocks prints their URLs).")
        return pair

    def stop(self) -> None:
        if self.owned is not None:
            self.owned.stop()

    def __enter__(self) -> MockPair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def load(self, given: m.Given, config: Config) -> None:
        key = config.stripe.api_key.get_secret_value() if config.stripe.api_key else None
        ns_state, stripe_state = with_accounts(*states(given, config, api_key=key), config.netsuite.account,
                                               self.stripe_account())
        for control, state in ((self.netsuite, ns_state), (self.stripe, stripe_state)):
            control.reset()
            if state is not None:
                control.load(state)
        if given.stripe.portal_customer_update is not None:
            self.stripe.save_portal_settings(customer_update=given.stripe.portal_customer_update.model_dump())
        self.wire_portal(config)

    def describe_data(self) -> str:
        """Whose data these mocks hold, in words: their accounts and how many customers each has."""
        ns, st = self.netsuite.state(), self.stripe.state()
        stripe_customers = sum(len(a.get(mode, {}).get("customers", [])) for a in st.get("accounts", [])
                               for mode in ("test", "live"))
        accounts = ", ".join(a["id"] for a in st.get("accounts", []))
        return (f"NetSuite account {ns.get('account')} with {plural(len(ns.get('customers', [])), 'customer')}, "
                f"Stripe account {accounts} with {plural(stripe_customers, 'customer')}")

    def load_demo(self, config: Config, customers: int = demo.DEMO_CUSTOMERS) -> None:
        """Both mocks back to the demo data (what the bundled mocks start with), wired together."""
        key = config.stripe.api_key.get_secret_value() if config.stripe.api_key else None
        ns_state, stripe_state = with_accounts(*demo.generate(customers, stripe_api_key=key),
                                               config.netsuite.account, self.stripe_account())
        for control, state in ((self.netsuite, ns_state), (self.stripe, stripe_state)):
            control.reset()
            if state is not None:
                control.load(state)
        self.wire_portal(config)

    def stripe_account(self) -> str | None:
        """The Stripe mock's own account id (what a state document's account becomes when loaded here)."""
        if self.owned is not None:
            return self.owned.stripe_account
        try:
            return self.stripe.health().get("account")
        except MockControlError:
            return None

    def wire_portal(self, config: Config) -> None:
        """The NetSuite mock's portal Suitelet calls the Stripe mock with the key custsync uses."""
        key = config.stripe.api_key.get_secret_value() if config.stripe.api_key else None
        wire_portal(self.netsuite, stripe_url=self.stripe.url, stripe_key=key, return_url=config.stripe.portal_return_url,
                    signing_secret=self.portal_secret)

    def edit(self, control: MockControl, change: Callable[[dict[str, Any]], None]) -> None:
        """Read the whole state, change it, write it back (how the outside world's edits reach a mock)."""
        state = control.state()
        change(state)
        control.load(state)


class StepError(Exception):
    pass


def _ns_customer(state: dict[str, Any], iid: str) -> dict[str, Any]:
    for customer in state["customers"]:
        if str(customer["id"]) == iid:
            return customer
    raise StepError(f"NetSuite has no customer {iid}")


def _fields_text(fields: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in fields.items()) or "nothing"


def describe(step: m._Step) -> str:
    kind = m.kind_of(step)
    value = getattr(step, kind)
    if isinstance(value, m.NoArgs):
        text = kind
    elif isinstance(value, m.CsvImport):
        text = f"{kind} ({len(value.csv.strip().splitlines()) - 1} rows)"
    elif isinstance(value, (m.NetSuiteCustomer, m.StripeUpdate)):
        text = f"{kind} {value.id}"
    else:
        text = f"{kind} {value}"
    return text + (" (dry run)" if getattr(step, "dry_run", False) else "")


def outcome_details(o: Outcome) -> list[str]:
    lines = []
    if o.cause:
        lines.append(f"cause: {o.cause}")
    elif o.decision:
        lines.append(f"why: {o.decision.reason}")
    if o.decision and o.decision.candidates:
        lines.append(f"candidates: {', '.join(o.decision.candidates)}")
    if o.decision:
        lines += [f"trace: {s.rule} {s.outcome}" for s in o.decision.trace]
    if o.remedy and o.status.value != "ok":
        lines.append(f"remedy: {o.remedy}")
    for c in o.changes:
        before, after = (mask_url(c.before), mask_url(c.after)) if "portal" in c.field else (c.before, c.after)
        lines.append(f"change: {c.system} {c.record} {c.field}: {before!r} -> {after!r}")
    if o.portal:
        lines.append(f"portal: {o.portal.rule} {o.portal.outcome.value}: {o.portal.message}")
        if o.portal.remedy:
            lines.append(f"portal remedy: {o.portal.remedy}")
    return lines


def outcome_summary(o: Outcome) -> str:
    d = o.decision
    text = f"customer {o.internal_id}: " + (f"{d.rule} {d.action.value}, " if d else "") + o.status.value
    if o.stripe_customer_id:
        text += f" (Stripe {o.stripe_customer_id})"
    if o.portal:
        text += f"; portal {o.portal.outcome.value} ({o.portal.rule})"
    return text


class ScenarioRunner:
    def __init__(self, mocks: MockPair) -> None:
        self.mocks = mocks
        self._sessions: dict[str, list[str]] = {}  # session URLs each customer's link led to (never shown)

    def run(self, loaded: LoadedScenario) -> ScenarioReport:
        return asyncio.run(self._run_all(loaded))

    async def _run_all(self, loaded: LoadedScenario) -> ScenarioReport:
        async with ScenarioSession(self, loaded) as session:
            while await session.step() is not None:
                pass
        return session.report

    def _set_faults(self, faults: m.FaultsGiven | None) -> list[tuple[MockControl, dict[str, Any]]]:
        restore = []
        for name in ("netsuite", "stripe"):
            settings = getattr(faults, name, None) if faults else None
            wanted = settings.model_dump(exclude_none=True) if settings else {}
            if wanted:
                control: MockControl = getattr(self.mocks, name)
                previous = control.faults()
                restore.append((control, {k: previous.get(k) for k in wanted}))
                control.faults(**wanted)
        return restore

    def _then(self, then: m.Then | None, config: Config) -> list[Check]:
        if then is None:
            return []
        return check_then(then, self.mocks.netsuite.state(), self.mocks.stripe.state(), config)

    async def _step(self, engine: Engine, config: Config, step: Any, r: StepReport) -> None:
        handler: Callable[..., Awaitable[None]] = getattr(self, f"_do_{r.kind}")
        await handler(engine, config, step, r)

    # --- what custsync does ---------------------------------------------------------

    async def _do_sync(self, engine: Engine, config: Config, step: m.SyncStep, r: StepReport) -> None:
        with Journal(config.sync.journal_path) as journal:  # what custsync last sent (R10), as the CLI keeps it
            o = await engine.sync_one(step.sync, dry_run=step.dry_run, journal=journal)
        r.happened, r.rule, r.details = outcome_summary(o), o.rule, outcome_details(o)
        r.checks += check_outcome(step.expect, o)

    async def _do_portal_link(self, engine: Engine, config: Config, step: m.PortalLinkStep, r: StepReport) -> None:
        o = await engine.portal_link(step.portal_link)
        r.happened, r.rule, r.details = outcome_summary(o), o.portal.rule if o.portal else None, outcome_details(o)
        r.checks += check_outcome(step.expect, o)

    async def _do_mass_sync(self, engine: Engine, config: Config, step: m.MassSyncStep, r: StepReport) -> None:
        outcomes: dict[str, Outcome] = {}
        counts: dict[str, int] = {}
        index, index_way = "", ""
        journal = Journal(config.sync.journal_path)  # read by a dry run (to plan as the run would), not written
        try:
            async for event in engine.mass_sync(journal, dry_run=step.dry_run):
                if isinstance(event, CustomerSynced):
                    outcomes[event.outcome.internal_id] = event.outcome
                elif isinstance(event, PlanReady):
                    index, index_way = event.plan.index, event.plan.index_way
                elif isinstance(event, RunFinished):
                    counts = dict(event.counts)
        finally:
            journal.close()
        ids = sorted(outcomes, key=int)
        r.happened = (f"the mass sync saved search chose {len(ids)} customer(s): {', '.join(ids) or 'none'}; "
                      + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        r.details = [f"Stripe: {index or 'nothing to look up'}"] + [outcome_summary(outcomes[i]) for i in ids]
        r.checks += check_mass(step.expect, outcomes, counts, index_way)

    async def _do_doctor(self, engine: Engine, config: Config, step: m.DoctorStep, r: StepReport) -> None:
        results = await run_doctor(engine.services)
        failing = [c.id for c in results if not c.ok]
        r.happened = f"doctor: {len(results) - len(failing)} checks pass, {len(failing)} fail" + (
            f" ({', '.join(failing)})" if failing else "")
        r.rule = next((c.rule for c in results if not c.ok and c.rule), None)
        r.details = [f"{'PASS' if c.ok else 'FAIL'} {c.id}: {c.detail}"
                     + (f" -- remedy: {c.remedy}" if not c.ok and c.remedy else "")
                     for c in results]
        r.checks += check_doctor(step.expect, results)

    async def _do_import_csv(self, engine: Engine, config: Config, step: m.ImportCsvStep, r: StepReport) -> None:
        spec = step.import_csv
        with tempfile.TemporaryDirectory(prefix="custsync-scenario-") as tmp:
            path = Path(tmp) / "import.csv"
            path.write_text(spec.csv, encoding="utf-8")
            try:
                rows = read_rows(path, id_column=spec.id_column, stripe_column=spec.stripe_column)
            except CsvFileError as exc:
                raise StepError(f"CSV refused: {exc}") from None
        plan = await plan_import(engine.services, rows)
        if not step.dry_run:
            plan = await apply_import(engine.services, plan)
        counts = dict(Counter(row.action for row in plan.rows))
        r.happened = f"CSV import of {len(plan.rows)} row(s)" + (" (dry run)" if step.dry_run else "") + ": " + \
            ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        r.details = [f"line {row.line}: {row.internal_id} -> {row.stripe_customer_id}: {row.action} {row.message}"
                     for row in plan.rows]
        if step.expect is not None and step.expect.counts is not None:
            r.checks.append(equal("counts", {k: v for k, v in step.expect.counts.items() if v}, counts))

    # --- what the world does (an admin in NetSuite or the Stripe Dashboard) -----------

    async def _do_netsuite_update(self, engine: Engine, config: Config, step: m.NetSuiteUpdateStep,
                                  r: StepReport) -> None:
        changes = record_fields(step.netsuite_update, config)
        self.mocks.edit(self.mocks.netsuite, lambda s: _ns_customer(s, step.netsuite_update.id).update(changes))
        shown = step.netsuite_update.model_dump(exclude_unset=True, exclude={"id"})
        r.happened = f"NetSuite customer {step.netsuite_update.id} edited: {_fields_text(shown)}"

    async def _do_clear_stripe_id(self, engine: Engine, config: Config, step: m.ClearStripeIdStep,
                                  r: StepReport) -> None:
        field = config.netsuite.stripe_id_field
        self.mocks.edit(self.mocks.netsuite, lambda s: _ns_customer(s, step.clear_stripe_id).update({field: None}))
        r.happened = f"STRIPE CUSTOMER ID (PAYPACK) ({field}) cleared on NetSuite customer {step.clear_stripe_id}"

    async def _do_release_deployment(self, engine: Engine, config: Config, step: Any, r: StepReport) -> None:
        wanted = config.netsuite.portal_deployment

        def release(state: dict[str, Any]) -> None:
            for deployment in state["deployments"]:
                if deployment["deploymentId"] == wanted:
                    deployment["status"] = "RELEASED"
                    return
            raise StepError(f"NetSuite has no deployment {wanted}")

        self.mocks.edit(self.mocks.netsuite, release)
        r.happened = f"script deployment {wanted} set to Released"

    async def _do_stripe_update(self, engine: Engine, config: Config, step: m.StripeUpdateStep, r: StepReport) -> None:
        changes = step.stripe_update.model_dump(exclude_unset=True, exclude={"id"})
        # Through the Dashboard endpoints, not a new state document: Stripe records an event for a Dashboard
        # edit, which a mass sync's stored listing reads (a loaded state stands for another account).
        sent = {**changes, **({"metadata": {k: str(v) for k, v in changes["metadata"].items()}}
                              if changes.get("metadata") is not None else {})}
        try:
            self.mocks.stripe.edit_stripe_customer(step.stripe_update.id, sent)
        except MockControlError as exc:
            raise StepError(f"cannot edit Stripe customer {step.stripe_update.id}: {exc}") from None
        r.happened = f"Stripe customer {step.stripe_update.id} edited in the Stripe Dashboard: {_fields_text(changes)}"

    async def _do_stripe_portal_edit(self, engine: Engine, config: Config, step: m.StripePortalEditStep,
                                     r: StepReport) -> None:
        changes = step.stripe_portal_edit.model_dump(exclude_unset=True, exclude={"id"})
        try:
            self.mocks.stripe.portal_edit(step.stripe_portal_edit.id, changes)
        except MockControlError as exc:
            raise StepError(f"the portal refused the edit of {step.stripe_portal_edit.id}: {exc}") from None
        r.happened = (f"the customer of {step.stripe_portal_edit.id} changed their details in the Stripe customer "
                      f"portal: {_fields_text(changes)}")

    async def _do_resolve_edit(self, engine: Engine, config: Config, step: m.ResolveEditStep, r: StepReport) -> None:
        choice = step.resolve_edit
        done = await engine.resolve_edit(choice.id, choice.field, choice.keep, journal_path=str(config.sync.journal_path))
        r.happened, r.rule = f"the operator chose (R10): {done.describe()}", "R10"

    async def _do_stripe_delete(self, engine: Engine, config: Config, step: m.StripeDeleteStep, r: StepReport) -> None:
        try:
            self.mocks.stripe.delete_stripe_customer(step.stripe_delete)
        except MockControlError as exc:
            raise StepError(f"cannot delete Stripe customer {step.stripe_delete}: {exc}") from None
        r.happened = f"Stripe customer {step.stripe_delete} deleted in the Stripe Dashboard"

    async def _do_activate_portal(self, engine: Engine, config: Config, step: Any, r: StepReport) -> None:
        self.mocks.stripe.save_portal_settings()
        r.happened = "Stripe customer portal activated (Settings -> Customer Portal -> Activate link: saves the default)"

    async def _do_open_portal_link(self, engine: Engine, config: Config, step: m.OpenPortalLinkStep,
                                   r: StepReport) -> None:
        iid = step.open_portal_link
        link = _ns_customer(self.mocks.netsuite.state(), iid).get(config.netsuite.portal_url_field)
        if not link:
            raise StepError(f"NetSuite customer {iid} has no portal link to open")
        decision, location = await open_link_to(link)
        seen = self._sessions.setdefault(iid, [])
        new = location is not None and location not in seen
        if location:
            seen.append(location)
        r.rule = decision.rule
        r.happened = (f"customer {iid} opens {mask_url(link)}: {decision.outcome.value} ({decision.rule})"
                      + (f", redirected to {mask_url(location)}" + (" (a new session)" if new else "") if location else ""))
        r.details = [f"portal: {decision.rule} {decision.outcome.value}: {decision.message}"]
        if decision.remedy:
            r.details.append(f"portal remedy: {decision.remedy}")
        r.checks += check_open_link(step.expect, decision, new)

    async def _do_tamper_portal_link(self, engine: Engine, config: Config, step: m.TamperPortalLinkStep,
                                     r: StepReport) -> None:
        iid, field = step.tamper_portal_link, config.netsuite.portal_url_field

        def tamper(state: dict[str, Any]) -> None:
            customer = _ns_customer(state, iid)
            link = customer.get(field) or ""
            if "sig=" not in link:
                raise StepError(f"NetSuite customer {iid} has no signed portal link to tamper with")
            last = link[-1]
            customer[field] = link[:-1] + ("0" if last != "0" else "1")

        self.mocks.edit(self.mocks.netsuite, tamper)
        r.happened = f"one character of the signature in customer {iid}'s portal link changed"

    async def _do_rotate_portal_secret(self, engine: Engine, config: Config, step: Any, r: StepReport) -> None:
        rotate_secret(self.mocks.netsuite)
        r.happened = "the portal Suitelet's signing secret rotated: links written before are refused"

    async def _do_deactivate_portal(self, engine: Engine, config: Config, step: Any, r: StepReport) -> None:
        self.mocks.stripe.set_portal("inactive")
        r.happened = "Stripe customer portal deactivated"


class ScenarioSession:
    """One scenario a step at a time (the trainer's screen); `ScenarioRunner.run` is all steps at once.

    `start()` (or entering) loads `given` into both mocks and opens an engine; `step()` runs the next
    step and returns its report (None once no step is left, or after one could not run); `finish()` (or
    leaving) checks the final `then` when every step ran and puts the mocks' fault settings back.
    """

    def __init__(self, runner: ScenarioRunner, loaded: LoadedScenario) -> None:
        sc = loaded.scenario
        self.runner, self.scenario = runner, sc
        self.report = ScenarioReport(loaded.name, sc.title, str(loaded.path), list(sc.rules), sc.lesson)
        self.config = apply_overrides(runner.mocks.config, sc.given)
        self.engine: Engine | None = None
        self.next_index = 0  # of the step `step()` runs next
        self.stopped = False  # setup failed or a step could not run: nothing more is run
        self._restore: list[tuple[MockControl, dict[str, Any]]] = []
        self._started = time.monotonic()
        # One journal for the scenario's mass syncs, as an operator keeps one: a later run resumes nothing of
        # an earlier one, but reads the Stripe listing it stored (the events since, not the account again).
        self._journal_dir = tempfile.TemporaryDirectory(prefix="custsync-scenario-")
        self.config.sync.journal_path = Path(self._journal_dir.name) / "journal.sqlite"

    @property
    def done(self) -> bool:
        return self.stopped or self.next_index >= len(self.scenario.steps)

    async def __aenter__(self) -> ScenarioSession:
        return await self.start()

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        await self.finish(check_then=exc_type is None)

    async def start(self) -> ScenarioSession:
        try:
            self.runner.mocks.load(self.scenario.given, self.config)
            self._restore = self.runner._set_faults(self.scenario.given.faults)
            self.engine = Engine.from_config(self.config)
        except (MockControlError, ConfigError, SyncError) as exc:
            self.report.error = str(exc)
            self.stopped = True
        return self

    async def step(self) -> StepReport | None:
        if self.done or self.engine is None:
            return None
        step = self.scenario.steps[self.next_index]
        self.next_index += 1
        r = StepReport(self.next_index, m.kind_of(step), describe(step), note=step.note)
        self.report.steps.append(r)
        started = time.monotonic()
        try:
            await self.runner._step(self.engine, self.config, step, r)
            if step.then is not None:
                r.checks += [_then(c) for c in self.runner._then(step.then, self.config)]
        except (StepError, SyncError, MockControlError) as exc:
            r.error = str(exc)
            self.stopped = True
        r.elapsed = time.monotonic() - started
        return r

    async def finish(self, *, check_then: bool = True) -> ScenarioReport:
        try:
            if self.engine is not None:
                await self.engine.aclose()
                self.engine = None
            if check_then and not self.stopped and self.next_index >= len(self.scenario.steps):
                self.report.then = self.runner._then(self.scenario.then, self.config)
        except (MockControlError, SyncError) as error:
            self.report.error = str(error)
        finally:
            for control, previous in self._restore:
                try:
                    control.faults(**previous)
                except MockControlError:
                    pass
            self._restore = []
            self._journal_dir.cleanup()
            self.report.elapsed = time.monotonic() - self._started
        return self.report


def _then(check: Check) -> Check:
    return replace(check, what=f"then: {check.what}")


def run_all(loaded: list[LoadedScenario], mocks: MockPair) -> list[ScenarioReport]:
    runner = ScenarioRunner(mocks)
    return [runner.run(s) for s in loaded]

