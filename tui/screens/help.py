"""Help: built from the screens' own bindings (key, name, tooltip), so that it cannot drift from the keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from ..widgets.plain import Plain

INTRO = "custsync: NetSuite customers to Stripe customers by the rules R1-R9."
OUTRO = ("F1-F5 switch screens, ? shows this help, Enter opens the highlighted row; the table that takes the "
         "keys has the accent bar. The header shows where custsync points: the NetSuite account, the Stripe account "
         "and mode (test or LIVE) and, as the width allows, their URLs and whether the mocks were started here or are "
         "someone's running mocks; then the health of both services (checked at start, every minute and after a "
         "failure) and the doctor's failing checks until a run of the checks passes them. With a live key every write "
         "asks first, and a mass sync starts only from a plan just seen, confirmed by typing the NetSuite account "
         "name. Ctrl+P: command palette. Ctrl+Q: quit (asks during a mass sync). Esc closes this help.")


KEY_NAMES = {"slash": "/", "escape": "Esc", "ctrl+r": "Ctrl+R", "enter": "Enter", "question_mark": "?"}


def screens() -> list[tuple[str, str, list[BindingType]]]:
    from ..widgets.confirm import ConfirmScreen
    from ..widgets.runs import RunPickerScreen
    from .customers import CustomersScreen
    from .detail import DetailScreen
    from .doctor import DoctorScreen
    from .link import LinkScreen
    from .mass_sync import MassSyncScreen
    from .rules import RulesScreen
    from .scenarios import ScenariosScreen

    def first_line(cls: type) -> str:
        doc = __import__(cls.__module__, fromlist=["_"]).__doc__ or ""
        return " ".join(doc.split("\n\n")[0].split())

    return [
        ("F1 Customers", first_line(CustomersScreen), list(CustomersScreen.BINDINGS)),
        ("  A customer (Enter)", first_line(DetailScreen), list(DetailScreen.BINDINGS)),
        ("  Choosing a Stripe customer (l)", first_line(LinkScreen), list(LinkScreen.BINDINGS)),
        ("F2 Mass sync", first_line(MassSyncScreen), list(MassSyncScreen.BINDINGS)),
        ("  Picking a run (v, or r and f with no run on screen)", first_line(RunPickerScreen),
         list(RunPickerScreen.BINDINGS)),
        ("F3 Doctor", first_line(DoctorScreen), list(DoctorScreen.BINDINGS)),
        ("F4 Rules", first_line(RulesScreen), list(RulesScreen.BINDINGS)),
        ("F5 Scenarios", first_line(ScenariosScreen), list(ScenariosScreen.BINDINGS)),
        ("A question before a write", first_line(ConfirmScreen), list(ConfirmScreen.BINDINGS)),
    ]


def help_text() -> Text:
    t = Text()
    t.append(INTRO + "\n", style="bold")
    for title, purpose, bindings in screens():
        t.append(f"\n{title}", style="bold cyan")
        t.append(f"  {purpose}\n")
        for b in bindings:
            if isinstance(b, Binding) and b.description and b.id:
                key = b.key_display or KEY_NAMES.get(b.key.split(",")[0], b.key.split(",")[0])
                t.append(f"    {key:<7}", style="bold")
                t.append(f"{b.description}: {b.tooltip or ''}\n")
    t.append("\n" + OUTRO, style="italic")
    return t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Close", id="help-close", tooltip="Close the help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Plain(help_text(), id="help-text")
