"""`custsync status`: what a monitor of a scheduled sync needs to know, from the journal and one RESTlet call.

For this configuration's target: the last runs (when, how many ok / failed / waiting for a person), the
customers still owed a sync with their cause and remedy, those waiting for a person, whether a run holds the
target's lock (and whether its holder is alive), and whether the portal links stored on the customers are
signed with the key NetSuite signs with now. `alerts` names what a person should look at; the CLI turns them
into exit codes a monitor alerts on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync_core.errors import SyncError
from sync_core.run.journal import Journal, OwedStep, RunInfo
from sync_core.run.journal.owed import DECIDED, FAILED, WAITING
from sync_core.run.services import Services
from sync_core.run.target import RunTarget, current_target

RUNS_SHOWN = 10
NEEDS_PERSON = ("needs-decision", "skipped")


@dataclass
class StatusReport:
    target: RunTarget
    journal: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    last_completed: dict[str, Any] | None = None
    owed: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    lock: dict[str, Any] | None = None
    links: dict[str, Any] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)  # something failed or stopped: a person should look
    needs_person: bool = False  # nothing failed, but customers wait for a person

    def as_dict(self) -> dict[str, Any]:
        return {"target": {"netsuite_account": self.target.netsuite_account,
                           "stripe_account": self.target.stripe_account, "stripe_mode": self.target.stripe_mode},
                "journal": self.journal, "lock": self.lock, "last_completed": self.last_completed,
                "runs": self.runs, "owed": self.owed, "waiting": self.waiting, "links": self.links,
                "alerts": self.alerts, "needs_person": self.needs_person}


def iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


async def status_report(services: Services, journal: Journal, *, max_age_s: float | None = None,
                        now: float | None = None) -> StatusReport:
    """The target's state. `max_age_s`: alert when the last completed run started longer ago (the schedule
    stopped)."""
    now = now or time.time()
    target = await current_target(services.config, services.netsuite, services.stripe)
    report = StatusReport(target, journal.path)
    runs = journal.runs(RUNS_SHOWN, target=target)
    statuses = {r.id: journal.status_of(r, now=now) for r in runs}
    report.runs = [_run(r, statuses[r.id]) for r in runs]
    completed = journal.last_finished(target)  # where the next --changed-since last begins
    if completed is not None:
        report.last_completed = {"run_id": completed.id, "started": iso(completed.started),
                                 "finished": iso(completed.finished), "age_s": round(now - completed.started)}
    if max_age_s is not None and (completed is None or now - completed.started > max_age_s):
        report.alerts.append("no run against this target has completed in the last "
                             f"{max_age_s / 60:.0f} minutes: is the schedule running?")
    if runs and statuses[runs[0].id] == "interrupted":
        report.alerts.append(f"the last run, {runs[0].id}, was interrupted: its process ended before it finished")
    _lock(report, journal, now)
    for step in journal.owed(target):
        status = statuses.get(step.run_id) or journal.status_of(journal.run(step.run_id), now=now)
        entry = _owed(step, status)
        if step.source == WAITING:
            report.waiting.append(entry)
        else:
            report.owed.append(entry)
    failing = [o for o in report.owed if o["cause"] not in (DECIDED, "in progress")]
    if failing:
        report.alerts.append(f"{len(failing)} customer(s) owed a sync after a failure or an unfinished run: the "
                             "next run takes them; see each one's cause and remedy")
    await _links(report, services, journal)
    report.needs_person = bool(report.waiting) or bool(runs and runs[0].counts.get("skipped"))
    return report


def _run(run: RunInfo, status: str) -> dict[str, Any]:
    counts = run.counts
    return {"run_id": run.id, "status": status, "started": iso(run.started), "finished": iso(run.finished),
            "changed_since": iso(run.changed_since), "ok": counts.get("ok", 0), "failed": counts.get("failed", 0),
            "waiting": sum(counts.get(s, 0) for s in NEEDS_PERSON),
            "unfinished": counts.get("pending", 0) + counts.get("create-attempted", 0), "counts": counts}


def _owed(step: OwedStep, run_status: str) -> dict[str, Any]:
    source, run_id = step.source, step.run_id
    cause, remedy = step.error, step.remedy
    if source == "unfinished":
        if run_status == "running":
            source, cause, remedy = "in progress", f"run {run_id} is syncing it now", None
        else:
            how = {"interrupted": "was interrupted (its process ended)", "stopped": "was stopped"}.get(
                run_status, f"ended ({run_status})")
            cause = f"run {run_id} {how} before it finished this customer"
            remedy = (f"The next run takes it (custsync mass-sync --changed-since last), or resume that run: "
                      f"custsync mass-sync --resume {run_id}")
    elif source == DECIDED:
        cause = f"a person decided its link after run {run_id} asked"
        remedy = "The next run syncs it with the decided link (custsync mass-sync --changed-since last)."
    elif source == FAILED:
        remedy = ((remedy + " ") if remedy else "") + "The next run tries it again."
    return {"internal_id": step.internal_id, "cause": source, "state": step.state, "rule": step.rule,
            "error": cause, "remedy": remedy, "run_id": run_id, "since": iso(step.updated)}


def _lock(report: StatusReport, journal: Journal, now: float) -> None:
    holder = journal.locks.holder(report.target)
    if holder is None:
        return
    alive = holder.alive(now=now)
    report.lock = {**holder.as_dict(), "started": iso(holder.started), "beat": iso(holder.beat), "alive": alive}
    if not alive:
        report.alerts.append(f"the lock is held by {holder.describe()}, whose process is gone: the next run "
                             "takes it over")


async def _links(report: StatusReport, services: Services, journal: Journal) -> None:
    recorded = journal.link_signing.current(report.target.netsuite_account)
    try:
        now_key = await services.netsuite.signing_key_id()
    except SyncError as exc:
        report.links = {"stale": None, "detail": f"NetSuite did not say which key signs the links: {exc.message}"}
        report.alerts.append("NetSuite's RESTlet did not answer: " + exc.message)
        return
    if now_key is None:
        report.links = {"stale": None, "detail": "the RESTlet is too old to name its signing key: upload the current "
                        "deploy/netsuite/custsync_search_restlet.js"}
    elif recorded is None:
        report.links = {"stale": None, "detail": "no run has recorded which key the stored links were written "
                        "with yet: the next run compares every customer's link and records it"}
    else:
        stale = now_key != recorded
        report.links = {"stale": stale, "detail": (
            "the signing secret was rotated since the stored links were written: customers' links answer "
            "'not valid' until the next run rewrites them (custsync mass-sync, or the next --changed-since last)"
            if stale else "the stored links are signed with the key NetSuite signs with now")}
        if stale:
            report.alerts.append("stored portal links are stale (the signing secret was rotated)")
