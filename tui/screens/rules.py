"""The rule catalogue R1-R9 from sync_core.rules.catalogue (the text the CLI prints), each with its lesson
(explanation and remedy) and the scenarios that show it (their `rules:` lists)."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from sync_core.rules.catalogue import RULES
from testbed.scenario_load import LoadedScenario

from ..widgets.targets import TargetsBar
from .scenarios import ScenariosScreen, load_scenarios
from ..widgets.keys import Keys
from ..widgets.plain import Plain


def rule_text(rule_id: str, scenarios: list[LoadedScenario] | None = None) -> Text:
    r = RULES[rule_id]
    t = Text()
    t.append(f"{r.id}  ", style="bold")
    t.append(f"{r.name}\n", style="bold cyan")
    t.append(r.explanation)
    if r.remedy:
        t.append("\nRemedy: ", style="bold yellow")
        t.append(r.remedy)
    if scenarios is not None:
        t.append("\nScenarios (Enter): ", style="bold")
        shown = [s for s in scenarios if rule_id in s.scenario.rules]
        t.append(", ".join(f"{s.name} ({s.scenario.title})" for s in shown) or "none yet", style="italic")
    return t


class RuleCard(Plain):
    """One rule; focusable, so that Enter jumps to the scenarios that show it."""

    can_focus = True

    def __init__(self, rule_id: str) -> None:
        super().__init__(rule_text(rule_id), id=f"rule-{rule_id}", classes="rule")
        self.rule_id = rule_id


class RulesScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "scenarios", "Its scenarios", id="rules-scenarios",
                tooltip="The scenarios (F5) that show the highlighted rule"),
        Binding("down,j", "next_rule", "Next rule", id="rules-next", show=False, priority=True,
                tooltip="The next rule"),
        Binding("up,k", "previous_rule", "Previous rule", id="rules-previous", show=False, priority=True,
                tooltip="The previous rule"),
    ]

    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        with VerticalScroll(id="rules", can_focus=False):
            for rule_id in RULES:
                yield RuleCard(rule_id)
        yield Keys()

    def on_mount(self) -> None:
        self.read_scenarios()
        self.query_one(RuleCard).focus()

    def action_next_rule(self) -> None:
        self.focus_next(RuleCard)

    def action_previous_rule(self) -> None:
        self.focus_previous(RuleCard)

    async def action_scenarios(self) -> None:
        focused = self.focused
        rule_id = focused.rule_id if isinstance(focused, RuleCard) else None
        await self.app.switch_mode("scenarios")
        screen = self.app.screen
        if isinstance(screen, ScenariosScreen):
            screen.show_rule(rule_id)

    @work(exclusive=True, group="rules-scenarios", exit_on_error=False, description="reading scenario files")
    async def read_scenarios(self) -> None:
        loaded, _errors = await asyncio.to_thread(load_scenarios)  # invalid files: the scenarios screen lists them
        for rule_id in RULES:
            self.query_one(f"#rule-{rule_id}", Static).update(rule_text(rule_id, loaded))
