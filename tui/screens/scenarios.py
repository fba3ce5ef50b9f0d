"""The trainer's screen: load a scenario into both mocks, then step through it (or run it all).

Each step shows the lesson, what custsync did, which rule fired and every check (expected vs actual).
Scenarios reset the mocks, so against real systems this screen only says so and runs nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from sync_core.rules.catalogue import RULES
from testbed.save_scenario import save_mocks, target_problem
from testbed.scenario_load import LoadedScenario, ScenarioFileError, load_scenario, scenario_files
from testbed.scenario_report import ScenarioReport, StepReport
from testbed.scenario_runner import MockPair, ScenarioRunner, ScenarioSession, describe

from ..typed_app import CustSyncAppAccess
from ..widgets.keys import Keys
from ..widgets.path_prompt import PathPrompt
from ..widgets.plain import Plain
from ..widgets.targets import TargetsBar

NEEDS_MOCKS = ("Scenarios need the bundled mocks: they reset both systems and load their own customers. "
               "custsync points at real systems now, so nothing here runs. Start custsync without --config "
               "(or against `custsync mocks`) to train.")


def load_scenarios() -> tuple[list[LoadedScenario], list[str]]:
    """Every scenario file, and one line per file that does not load (file:line: field: message)."""
    loaded, errors = [], []
    for path in scenario_files():
        try:
            loaded.append(load_scenario(path))
        except ScenarioFileError as exc:
            errors += [str(i) for i in exc.issues]
    return loaded, errors


def course_key(s: LoadedScenario) -> tuple[int, int, str]:
    """The course: one-rule scenarios from R1 to R9, then the combined cases (by their first rule)."""
    order = list(RULES)
    indexes = sorted(order.index(r) for r in s.scenario.rules if r in order) or [len(order)]
    return (0 if len(indexes) == 1 else 1, indexes[0], s.name)


def course_order(loaded: list[LoadedScenario]) -> list[LoadedScenario]:
    return sorted(loaded, key=course_key)


def check_lines(t: Text, checks: list[Any]) -> None:
    for c in checks:
        if c.ok:
            t.append("  ok    ", style="bold green")
            t.append(f"{c.what}: {c.actual!r}\n")
        else:
            t.append("  FAIL  ", style="bold red")
            t.append(f"{c.what}: expected {c.expected!r}, actual {c.actual!r}\n")


def step_text(r: StepReport) -> Text:
    t = Text()
    t.append(f"Step {r.index}: {r.title}  ", style="bold")
    t.append("PASS\n" if r.ok else "FAIL\n", style="bold green" if r.ok else "bold red")
    if r.note:
        t.append(f"{r.note}\n", style="italic")
    if r.happened:
        t.append("What happened: ", style="bold")
        t.append(f"{r.happened}\n")
    if r.rule:
        rule = RULES.get(r.rule)
        t.append("Rule fired: ", style="bold")
        t.append(f"{r.rule}" + (f" {rule.name}" if rule else "") + "\n", style="bold cyan")
    for line in r.details:
        t.append(f"  {line}\n", style="dim")
    if r.error:
        t.append("Error: ", style="bold red")
        t.append(f"{r.error}\n")
    check_lines(t, r.checks)
    return t


def verdict_text(report: ScenarioReport) -> Text:
    t = Text()
    t.append(f"Scenario {report.name}: ", style="bold")
    t.append("PASS" if report.ok else "FAIL", style="bold green" if report.ok else "bold red")
    passed = sum(s.ok for s in report.steps)
    t.append(f"  ({passed}/{len(report.steps)} steps pass)\n")
    if report.error:
        t.append("Error: ", style="bold red")
        t.append(f"{report.error}\n")
    if report.then:
        t.append("Final checks (then):\n", style="bold")
    check_lines(t, report.then)
    return t


class ScenariosScreen(CustSyncAppAccess, Screen[None]):
    BINDINGS = [
        Binding("l", "load", "Load", id="scenario-load",
                tooltip="Reset both mocks and load the highlighted scenario's customers (Enter does it too)"),
        Binding("n", "step", "Next step", id="scenario-step", tooltip="Run the scenario's next step"),
        Binding("a", "run_all", "Run all", id="scenario-run-all", tooltip="Run the remaining steps and the final checks"),
        Binding("o", "open_file", "Open file", id="scenario-open",
                tooltip="Open a scenario file from any path (support: a customer's report)"),
        Binding("w", "save_mocks", "Save mocks", id="scenario-save",
                tooltip="Save both mocks' current state as a new scenario file (optionally anonymized)"),
        Binding("c", "whole_course", "Course", id="scenario-course", show=False,
                tooltip="Show every scenario in course order (after F4 showed one rule's)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scenarios: dict[str, LoadedScenario] = {}
        self.session: ScenarioSession | None = None
        self.rule_filter: str | None = None  # F4 jumped here for one rule's scenarios
        self.errors: list[str] = []

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        yield Plain("reading the scenario files...", id="scenarios-status", classes="status")
        table: DataTable[str] = DataTable(id="scenario-list", cursor_type="row")
        table.add_column("done", key="done")
        table.add_column("scenario", key="scenario")
        table.add_column("rules", key="rules")
        table.add_column("title", key="title")
        yield table
        with Horizontal(id="scenarios-body"):
            with VerticalScroll(id="scenario-left"):
                yield Plain("", id="scenario-lesson", classes="panel")
            with VerticalScroll(id="scenario-right"):
                steps: DataTable[Text] = DataTable(id="scenario-steps", cursor_type="row")
                steps.add_column("#", key="n")
                steps.add_column("step", key="step")
                steps.add_column("result", key="result")
                yield steps
                yield Plain("", id="step-detail", classes="panel")
        yield Keys()

    def on_mount(self) -> None:
        self.read_files()
        self.watch(self.app, "engine_ready", lambda _ready: self._say_where())

    def _mocks(self) -> bool:
        return bool(self.custsync_app.engine_ready and self.custsync_app.uses_mocks)

    def _say_where(self) -> None:
        if self.custsync_app.engine_ready and not self.custsync_app.uses_mocks:
            self.query_one("#scenarios-status", Static).update(Text(NEEDS_MOCKS, style="bold yellow"))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "load":
            return self._mocks()
        if action in ("step", "run_all"):
            return self._mocks() and self.session is not None and not self.session.done
        return True

    @work(exclusive=True, group="scenario-files", exit_on_error=False, description="reading scenario files")
    async def read_files(self) -> None:
        loaded, errors = await asyncio.to_thread(load_scenarios)
        self.errors = errors
        for s in course_order(loaded):
            self.scenarios.setdefault(s.name, s)
        self.fill_list()
        self._say_where()
        self.query_one("#scenario-list", DataTable).focus()

    def _completed(self) -> set[str]:
        return self.custsync_app.completed_lessons

    def fill_list(self) -> None:
        """The course (R1..R9, then combined cases), or one rule's scenarios; which were completed."""
        table = self.query_one("#scenario-list", DataTable)
        table.clear()
        shown = [s for s in self.scenarios.values() if self.rule_filter is None or self.rule_filter in s.scenario.rules]
        done = self._completed()
        for s in shown:
            table.add_row(Text("done", style="green") if s.name in done else Text(""), Text(s.name),
                          Text(",".join(s.scenario.rules)), Text(s.scenario.title), key=s.name)
        what = (f"{len(shown)} scenario(s) showing {self.rule_filter} (c: the whole course)" if self.rule_filter
                else f"{len(shown)} scenarios in course order")
        status = (f"{what}; {len(done & set(self.scenarios))} lesson(s) completed this session. Enter loads one "
                  "into both mocks; n steps, a runs all; o opens a file, w saves the mocks as a scenario.")
        if self.errors:
            status += "  Invalid: " + "; ".join(self.errors)
        self.query_one("#scenarios-status", Static).update(status)
        if shown and (self.session is None or self.session.report.name not in {s.name for s in shown}):
            self.show_lesson(shown[0])

    def show_rule(self, rule_id: str | None) -> None:
        """F4 jumped here from a rule: its scenarios only."""
        self.rule_filter = rule_id
        if self.scenarios:
            self.fill_list()

    def action_whole_course(self) -> None:
        self.show_rule(None)

    def action_open_file(self) -> None:
        self.open_flow()

    @work(exclusive=True, group="scenario-ask", exit_on_error=False, description="opening a scenario file")
    async def open_flow(self) -> None:
        answer = await self.app.push_screen_wait(PathPrompt(
            "Open a scenario file", "Any path: a scenario a customer or a colleague sent. Enter opens it."))
        if answer is None:
            return
        path, _ = answer
        try:
            loaded = await asyncio.to_thread(load_scenario, path)
        except ScenarioFileError as exc:
            self.query_one("#step-detail", Static).update(Text(f"{path} does not load:\n" + "\n".join(
                str(i) for i in exc.issues), style="red"))
            self.notify(f"{path} does not load: see the details", severity="error")
            return
        self.scenarios[loaded.name] = loaded
        self.rule_filter = None
        self.fill_list()
        table = self.query_one("#scenario-list", DataTable)
        table.move_cursor(row=table.get_row_index(loaded.name))
        self.show_lesson(loaded)
        self.notify(f"Opened {path}: Enter (or l) loads it into both mocks.")

    def action_save_mocks(self) -> None:
        if not self._mocks():
            self.notify(NEEDS_MOCKS, severity="warning")
            return
        self.save_flow()

    @work(exclusive=True, group="scenario-ask", exit_on_error=False, description="saving the mocks as a scenario")
    async def save_flow(self) -> None:
        answer = await self.app.push_screen_wait(PathPrompt(
            "Save both mocks as a new scenario", "The file gets the mocks' customers, searches and portal state "
            "as `given`; add the steps and the lesson after. An existing file is not overwritten.",
            value="captured.yaml", anonymize=True))
        if answer is None:
            return
        path, anonymize = answer
        if path.suffix not in (".yaml", ".yml"):
            path = path.with_suffix(".yaml")
        problem = target_problem(path) or (f"{path} exists. Choose another name." if path.exists() else None)
        if problem:
            self.notify(f"Nothing written: {problem}", severity="warning")
            return
        config = self.custsync_app.ready_engine.config
        try:
            loaded, n_ns, n_st = await asyncio.to_thread(save_mocks, path, config, anonymize=anonymize)
        except OSError as exc:
            self.notify(f"Nothing written: cannot write {path}: {exc.strerror or exc}", severity="error")
            return
        self.scenarios[loaded.name] = loaded
        self.fill_list()
        self.notify(f"Wrote {path}: {n_ns} NetSuite and {n_st} Stripe customers"
                    + (" (anonymized)." if anonymize else "."))

    def show_lesson(self, s: LoadedScenario) -> None:
        t = Text()
        t.append(f"{s.name}: {s.scenario.title}\n", style="bold")
        t.append(f"Rules: {', '.join(s.scenario.rules) or '-'}\n", style="cyan")
        paragraphs = s.scenario.lesson.strip().split("\n\n")
        t.append("\n\n".join(" ".join(p.split()) for p in paragraphs))  # reflowed to the panel's width
        self.query_one("#scenario-lesson", Static).update(t)
        steps = self.query_one("#scenario-steps", DataTable)
        steps.clear()
        for i, step in enumerate(s.scenario.steps, 1):
            steps.add_row(Text(str(i)), Text(describe(step)), Text("", style="dim"), key=str(i))

    @on(DataTable.RowHighlighted, "#scenario-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = str(event.row_key.value)
        if name in self.scenarios and (self.session is None or self.session.report.name != name):
            self.show_lesson(self.scenarios[name])

    @on(DataTable.RowSelected, "#scenario-list")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_load()

    def action_load(self) -> None:
        if not self._mocks():
            self.notify(NEEDS_MOCKS, severity="warning")
            return
        table = self.query_one("#scenario-list", DataTable)
        if not table.row_count:
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.load(self.scenarios[name])

    @work(exclusive=True, group="scenario", exit_on_error=False, description="loading the scenario")
    async def load(self, s: LoadedScenario) -> None:
        await self._close()
        self.show_lesson(s)
        pair = MockPair.attach(self.custsync_app.ready_engine.config.model_copy(deep=True))
        session = ScenarioSession(ScenarioRunner(pair), s)
        self.session = await session.start()
        self.custsync_app.data_version += 1
        self.custsync_app.dataset_version += 1
        detail = self.query_one("#step-detail", Static)
        if session.report.error:
            detail.update(verdict_text(session.report))
        else:
            detail.update(Text(f"Loaded {s.name} into both mocks: {len(s.scenario.steps)} steps. n runs the next one.",
                               style="green"))
        self.refresh_bindings()

    def action_step(self) -> None:
        self.run_steps(all_steps=False)

    def action_run_all(self) -> None:
        self.run_steps(all_steps=True)

    @work(exclusive=True, group="scenario", exit_on_error=False, description="running the scenario")
    async def run_steps(self, all_steps: bool) -> None:
        session = self.session
        if session is None:
            return
        while (r := await session.step()) is not None:
            self.show_step(r)
            if not all_steps:
                break
        if session.done:
            await session.finish()
            if session.report.ok:
                self._completed().add(session.report.name)
                self.fill_list()
            text = Text()
            for shown in session.report.steps if all_steps else session.report.steps[-1:]:
                text.append_text(step_text(shown))
                text.append("\n")
            text.append_text(verdict_text(session.report))
            self.query_one("#step-detail", Static).update(text)
        self.custsync_app.data_version += 1
        self.refresh_bindings()

    def show_step(self, r: StepReport) -> None:
        steps = self.query_one("#scenario-steps", DataTable)
        mark = Text("PASS", style="bold green") if r.ok else Text("FAIL", style="bold red")
        steps.update_cell(str(r.index), "result", mark)
        steps.move_cursor(row=r.index - 1)
        self.query_one("#step-detail", Static).update(step_text(r))

    async def _close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            await session.finish(check_then=False)

    async def on_unmount(self) -> None:
        await self._close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one("#step-detail", Static).update(Text(f"{event.worker.description} failed: "
                                                               f"{event.worker.error}", style="red"))
            self.notify(f"{event.worker.description} failed: {event.worker.error}", severity="error")
            self.refresh_bindings()
