"""The rule catalogue R1-R9, from sync_core.rules (the same text the CLI prints)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from sync_core.rules import RULES

from ..widgets.targets import TargetsBar


def rule_text(rule_id: str) -> Text:
    r = RULES[rule_id]
    t = Text()
    t.append(f"{r.id}  ", style="bold")
    t.append(f"{r.name}\n", style="bold cyan")
    t.append(r.explanation)
    if r.remedy:
        t.append("\nRemedy: ", style="bold yellow")
        t.append(r.remedy)
    return t


class RulesScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield TargetsBar(id="targets")
        with VerticalScroll(id="rules"):
            for rule_id in RULES:
                yield Static(rule_text(rule_id), id=f"rule-{rule_id}", classes="rule")
        yield Footer()
