"""The trainer's screen: the course of scenarios, each loaded into both mocks and stepped through (or run all).

Each step shows the lesson, what custsync did, which rule fired and every check (expected vs actual). Loading
replaces both mocks' data, so it asks first (always, for mocks this custsync did not start: their data is
someone's), and is refused while a mass sync runs; d brings the demo data back. N takes the next lesson.
Against real systems this screen only says so and runs nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from sync_core.config import Config
from sync_core.plural import plural
from sync_core.rules.catalogue import RULES
from testbed.course import course_order
from testbed.demo import DEMO_CUSTOMERS
from testbed.save_scenario import save_mocks
from testbed.scenario_load import LoadedScenario, ScenarioFileError, load_scenario, scenario_files
from testbed.scenario_report import ScenarioReport, StepReport
from testbed.scenario_runner import MockPair, ScenarioRunner, ScenarioSession, describe

from ..widgets.confirm import ConfirmScreen
from ..widgets.keys import Keys
from ..widgets.path_prompt import PathPrompt
from ..widgets.plain import Plain
from ..widgets.targets import TargetsBar
from ..widgets.type_confirm import TypeToConfirmScreen

if TYPE_CHECKING:
    from ..app import CustSyncApp

SHORT = 32  # below this many rows the course list is shorter (app.tcss), so that the lesson and the step show

NEEDS_MOCKS = ("Scenarios need the mocks: they replace both systems' data with their own customers. "
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


@dataclass(frozen=True)
class Entry:
    """A row of the list: a lesson of the course, or a file opened or captured here (not a lesson)."""

    loaded: LoadedScenario
    is_file: bool

    @property
    def name(self) -> str:
        return self.loaded.name


class ScenariosScreen(Screen[None]):
    BINDINGS = [
        Binding("l", "load", "Load", id="scenario-load",
                tooltip="Load the highlighted scenario into both mocks, replacing their data (asks first; "
                "Enter does it too)"),
        Binding("n", "step", "Step", id="scenario-step",
                tooltip="Run the next step of the scenario on screen (loads it first when it is not loaded)"),
        Binding("a", "run_all", "All", id="scenario-run-all", tooltip="Run the remaining steps and the final checks"),
        Binding("N", "next_lesson", "Next lesson", id="scenario-next-lesson", key_display="N",
                tooltip="Load the next lesson of the course"),
        Binding("o", "open_file", "Open", id="scenario-open",
                tooltip="Open a scenario file from any path (support: a customer's report); not a lesson"),
        Binding("w", "save_mocks", "Save", id="scenario-save",
                tooltip="Save both mocks' current state as a new scenario file (optionally anonymized)"),
        Binding("d", "demo_data", "Demo data", id="scenario-demo", show=False,
                tooltip="Put the demo data back into both mocks (asks first: it replaces their data)"),
        Binding("c", "whole_course", "Course", id="scenario-course", show=False,
                tooltip="Show every scenario in course order (after F4 showed one rule's)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, Entry] = {}  # by row key: the lesson's name, or a file's path
        self.session: ScenarioSession | None = None
        self.session_key: str | None = None  # the entry the session runs
        self.holds_scenario = False  # the mocks hold a scenario loaded here (replaced without asking again)
        self.rule_filter: str | None = None  # F4 jumped here for one rule's scenarios
        self.errors: list[str] = []

    @property
    def _app(self) -> CustSyncApp:
        return cast("CustSyncApp", self.app)

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

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT, "-short")

    def on_screen_resume(self) -> None:
        if self.entries:
            self.read_files()  # a file mended meanwhile loads now, and its old error line goes

    def _config(self) -> Config:
        """A copy of the engine's configuration (the mocks' URLs and credentials)."""
        engine = self._app.engine
        assert engine is not None
        return engine.config.model_copy(deep=True)

    def _mocks(self) -> bool:
        return bool(self._app.engine_ready and self._app.uses_mocks)

    def _say_where(self) -> None:
        if self._app.engine_ready and not self._app.uses_mocks:
            self.query_one("#scenarios-status", Static).update(Text(NEEDS_MOCKS, style="bold yellow"))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("load", "step", "next_lesson", "demo_data"):
            return self._mocks()
        if action == "run_all":
            return self._mocks() and self._highlighted() is not None
        return True

    @work(exclusive=True, group="scenario-files", exit_on_error=False, description="reading scenario files")
    async def read_files(self) -> None:
        loaded, errors = await asyncio.to_thread(load_scenarios)
        self.errors = errors
        files = {k: e for k, e in self.entries.items() if e.is_file}
        by_name = {s.name: s for s in loaded}
        self.entries = {name: Entry(by_name[name], False) for name in course_order(by_name)}
        self.entries.update(files)
        first = not self.query_one("#scenario-list", DataTable).row_count
        self.fill_list()
        self._say_where()
        if first:
            self.query_one("#scenario-list", DataTable).focus()

    def _completed(self) -> set[str]:
        return self._app.completed_lessons

    def _lessons(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.is_file]

    def fill_list(self) -> None:
        """The course (then the files opened or captured here), or one rule's scenarios; the lessons completed.
        The cursor stays where it was (on the scenario being run)."""
        table = self.query_one("#scenario-list", DataTable)
        keep = self._highlighted_key() or self.session_key
        table.clear()
        shown = [(k, e) for k, e in self.entries.items()
                 if self.rule_filter is None or self.rule_filter in e.loaded.scenario.rules]
        done = self._completed()
        for key, e in shown:
            mark = Text("file", style="dim") if e.is_file else Text("done", style="green") if e.name in done else Text("")
            table.add_row(mark, Text(e.name), Text(",".join(e.loaded.scenario.rules)), Text(e.loaded.scenario.title),
                          key=key)
        lessons = self._lessons()
        what = (f"{plural(len(shown), 'scenario')} showing {self.rule_filter} (c: the whole course)" if self.rule_filter
                else f"The course: {plural(len(lessons), 'lesson')}")
        completed = len(done & {e.name for e in lessons})
        status = (f"{what}; {completed} completed this session. Enter loads one into both mocks (replacing their "
                  "data); n steps, a runs all, N next lesson; o opens a file, w saves the mocks, d demo data.")
        if self.errors:
            status += "  Invalid: " + "; ".join(self.errors)
        self.query_one("#scenarios-status", Static).update(status)
        keys = [k for k, _ in shown]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))
        elif shown:
            table.move_cursor(row=0)
            self.show_lesson(shown[0][1].loaded)

    def show_rule(self, rule_id: str | None) -> None:
        """F4 jumped here from a rule: its scenarios only."""
        self.rule_filter = rule_id
        if self.entries:
            self.fill_list()

    def action_whole_course(self) -> None:
        self.show_rule(None)

    def _highlighted_key(self) -> str | None:
        table = self.query_one("#scenario-list", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _highlighted(self) -> Entry | None:
        key = self._highlighted_key()
        return self.entries.get(key) if key else None

    # --- files: opened or captured here, never lessons of the course ----------------------------

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
        self._add_file(loaded)
        self.notify(f"Opened {path}: Enter (or l) loads it into both mocks, n steps it.")

    def _add_file(self, loaded: LoadedScenario) -> None:
        key = str(loaded.path.resolve())
        self.entries[key] = Entry(loaded, True)
        self.rule_filter = None
        self.fill_list()
        table = self.query_one("#scenario-list", DataTable)
        table.move_cursor(row=table.get_row_index(key))
        self.show_lesson(loaded)

    def action_save_mocks(self) -> None:
        if not self._mocks():
            self.notify(NEEDS_MOCKS, severity="warning")
            return
        self.save_flow()

    @work(exclusive=True, group="scenario-ask", exit_on_error=False, description="saving the mocks as a scenario")
    async def save_flow(self) -> None:
        value, problem = "captured.yaml", ""
        while True:
            answer = await self.app.push_screen_wait(PathPrompt(
                "Save both mocks as a new scenario", "The file gets the mocks' customers, searches and portal state "
                "as `given`; add the steps and the lesson after. An existing file is not overwritten; a folder "
                "that does not exist is made." + (f"\n\n{problem}" if problem else ""),
                value=value, anonymize=True))
            if answer is None:
                return
            path, anonymize = answer
            value = str(path)  # asked again, the operator's path is kept
            if path.suffix not in (".yaml", ".yml"):
                path = path.with_suffix(".yaml")
            problem = await asyncio.to_thread(self._save_problem, path)
            if not problem:
                break
        made = not path.parent.exists()
        config = self._config()
        try:
            if made:
                path.parent.mkdir(parents=True)
            loaded, n_ns, n_st = await asyncio.to_thread(save_mocks, path, config, anonymize=anonymize)
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}. Nothing was saved.", severity="error")
            return
        self._add_file(loaded)
        self.notify(f"Wrote {path}{f' (made the folder {path.parent})' if made else ''}: {n_ns} NetSuite and {n_st} "
                    "Stripe customers" + (" (anonymized)." if anonymize else "."))

    @staticmethod
    def _save_problem(path: Path) -> str:
        """Why `path` cannot take a new scenario file, in words (empty: it can)."""
        if path.exists():
            return f"{path} exists: nothing is overwritten. Choose another name."
        folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
        if folder is not None and not folder.is_dir():
            return f"{folder} is a file, not a folder: choose another path."
        return ""

    # --- the lesson on screen -------------------------------------------------------------

    def show_lesson(self, s: LoadedScenario) -> None:
        t = Text()
        t.append(f"{s.name}: {s.scenario.title}\n", style="bold")
        t.append(f"Rules: {', '.join(s.scenario.rules) or '-'}\n", style="cyan")
        paragraphs = s.scenario.lesson.strip().split("\n\n")
        t.append("\n\n".join(" ".join(p.split()) for p in paragraphs))  # reflowed to the panel's width
        self.query_one("#scenario-lesson", Static).update(t)
        steps = self.query_one("#scenario-steps", DataTable)
        steps.clear()
        ran = {r.index: r.ok for r in self.session.report.steps} \
            if self.session is not None and self.session.report.name == s.name else {}
        for i, step in enumerate(s.scenario.steps, 1):
            result = Text("", style="dim") if i not in ran else \
                Text("PASS", style="bold green") if ran[i] else Text("FAIL", style="bold red")
            steps.add_row(Text(str(i)), Text(describe(step)), result, key=str(i))

    @on(DataTable.RowHighlighted, "#scenario-list")
    def _highlighted_row(self, event: DataTable.RowHighlighted) -> None:
        entry = self.entries.get(str(event.row_key.value))
        if entry is not None:
            self.show_lesson(entry.loaded)
            self.refresh_bindings()

    @on(DataTable.RowSelected, "#scenario-list")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_load()

    # --- loading: asks first, refused during a mass sync ----------------------------------------

    def action_load(self) -> None:
        key = self._highlighted_key()
        if key is not None:
            self.replace_flow(key, then_step=False)

    def action_step(self) -> None:
        key = self._highlighted_key()
        if key is None:
            return
        if self.session is not None and self.session_key == key:
            if self.session.done:
                self.notify("This scenario is done: l loads it again, N takes the next lesson.")
                return
            self.run_steps(all_steps=False)
        else:
            self.replace_flow(key, then_step=True)  # the scenario on screen, never the one loaded before

    def action_run_all(self) -> None:
        key = self._highlighted_key()
        if key is not None and self.session is not None and self.session_key == key:
            self.run_steps(all_steps=True)
        elif key is not None:
            self.replace_flow(key, then_step=True, all_steps=True)

    def action_next_lesson(self) -> None:
        lessons = [k for k, e in self.entries.items() if not e.is_file]
        current = self.session_key or self._highlighted_key()
        after = lessons.index(current) + 1 if current in lessons else 0
        if after >= len(lessons):
            self.notify("That was the last lesson of the course.")
            return
        key = lessons[after]
        if self.rule_filter is not None and self.rule_filter not in self.entries[key].loaded.scenario.rules:
            self.rule_filter = None
            self.fill_list()
        table = self.query_one("#scenario-list", DataTable)
        table.move_cursor(row=table.get_row_index(key))
        self.replace_flow(key, then_step=False)

    def action_demo_data(self) -> None:
        self.replace_flow(None, then_step=False)

    @work(exclusive=True, group="scenario-ask", exit_on_error=False, description="asking before replacing the data")
    async def replace_flow(self, key: str | None, then_step: bool, all_steps: bool = False) -> None:
        """Load the scenario `key` (None: the demo data) into both mocks: refused during a mass sync; asked
        first unless the mocks hold a scenario loaded here (mocks this custsync did not start: typed)."""
        app = self._app
        if not self._mocks():
            self.notify(NEEDS_MOCKS, severity="warning")
            return
        what = f"scenario {self.entries[key].name}" if key is not None else f"the demo data ({DEMO_CUSTOMERS} customers)"
        running = app.running_mass_run()
        if running is not None:
            refusal = (f"Not loaded: a mass sync is running (run {running}), and loading {what} would replace both "
                       "mocks' data under it. Wait for it to finish, or stop it (x on F2) first.")
            self.query_one("#step-detail", Static).update(Text(refusal, style="bold yellow"))
            self.notify(refusal, severity="warning", timeout=10)
            return
        if key is None or not self.holds_scenario or not app.started_mocks:
            pair = MockPair.attach(self._config())
            whose = await asyncio.to_thread(pair.describe_data)
            title = f"Load {what} into both mocks?"
            body = f"This replaces all the data both mocks hold now: {whose}."
            if app.started_mocks:
                body += " They are the mocks this custsync started; d brings the demo data back."
                ok = await app.push_screen_wait(ConfirmScreen(title, body, yes_label="Yes, replace it"))
            else:
                body += (" These mocks were not started by this custsync (custsync mocks, or a tool): their data is "
                         "someone's work, and nothing brings it back.")
                ok = await app.push_screen_wait(TypeToConfirmScreen(title, body, app.targets.netsuite_account,
                                                                    yes_label="Replace their data"))
            if not ok:
                self.notify("Cancelled: the mocks' data is unchanged.", severity="warning")
                return
        if key is None:
            self.reset_demo()
        else:
            self.load(key, then_step, all_steps)

    @work(exclusive=True, group="scenario", exit_on_error=False, description="loading the scenario")
    async def load(self, key: str, then_step: bool = False, all_steps: bool = False) -> None:
        await self._close()
        entry = self.entries[key]
        s = entry.loaded
        self.show_lesson(s)
        pair = MockPair.attach(self._config())
        session = ScenarioSession(ScenarioRunner(pair), s)
        self.session, self.session_key = await session.start(), key
        self.holds_scenario = True
        self._data_replaced()
        detail = self.query_one("#step-detail", Static)
        if session.report.error:
            detail.update(verdict_text(session.report))
        else:
            detail.update(Text(f"Loaded {s.name} into both mocks: {plural(len(s.scenario.steps), 'step')}. n runs "
                               "the next one.", style="green"))
        self.refresh_bindings()
        if then_step and not session.report.error:
            await self._steps(session, all_steps)

    @work(exclusive=True, group="scenario", exit_on_error=False, description="putting the demo data back")
    async def reset_demo(self) -> None:
        await self._close()
        config = self._config()
        pair = MockPair.attach(config)
        await asyncio.to_thread(pair.load_demo, config)
        self.holds_scenario = False
        self._data_replaced()
        self.query_one("#step-detail", Static).update(
            Text(f"Both mocks hold the demo data again: {DEMO_CUSTOMERS} customers.", style="green"))
        self.refresh_bindings()

    def _data_replaced(self) -> None:
        app = self._app
        app.data_version += 1
        app.dataset_version += 1

    @work(exclusive=True, group="scenario", exit_on_error=False, description="running the scenario")
    async def run_steps(self, all_steps: bool) -> None:
        if self.session is not None:
            await self._steps(self.session, all_steps)

    async def _steps(self, session: ScenarioSession, all_steps: bool) -> None:
        while (r := await session.step()) is not None:
            self.show_step(r)
            if not all_steps:
                break
        if session.done:
            await session.finish()
            entry = self.entries.get(self.session_key or "")
            if session.report.ok and entry is not None and not entry.is_file:
                self._completed().add(session.report.name)
                self.fill_list()  # the lesson just run stays on screen
            text = Text()
            for shown in session.report.steps if all_steps else session.report.steps[-1:]:
                text.append_text(step_text(shown))
                text.append("\n")
            text.append_text(verdict_text(session.report))
            if entry is not None and not entry.is_file:
                text.append("\nN takes the next lesson.", style="dim")
            self.query_one("#step-detail", Static).update(text)
        self._app.data_version += 1
        self.refresh_bindings()

    def show_step(self, r: StepReport) -> None:
        steps = self.query_one("#scenario-steps", DataTable)
        mark = Text("PASS", style="bold green") if r.ok else Text("FAIL", style="bold red")
        steps.update_cell(str(r.index), "result", mark)
        steps.move_cursor(row=r.index - 1)
        self.query_one("#step-detail", Static).update(step_text(r))

    async def _close(self) -> None:
        if self.session is not None:
            session, self.session, self.session_key = self.session, None, None
            await session.finish(check_then=False)

    async def on_unmount(self) -> None:
        await self._close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one("#step-detail", Static).update(Text(f"{event.worker.description} failed: "
                                                               f"{event.worker.error}", style="red"))
            self.notify(f"{event.worker.description} failed: {event.worker.error}", severity="error")
            self.refresh_bindings()
