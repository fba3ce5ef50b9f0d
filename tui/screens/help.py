"""Help: built from the screens' own bindings (key, name, tooltip), so that it cannot drift from the keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from ..widgets.plain import Plain

INTRO = "custsync: NetSuite customers to Stripe customers by the rules R1-R9."
OUTRO = ("The header shows where custsync points (the bundled mocks or real systems), whether the Stripe key is "
         "test or LIVE, and the health of both services (checked at start, every minute and after a failure). "
         "With a live key every write asks first, and a mass sync starts only from a plan just seen, confirmed "
         "by typing the NetSuite account name. Ctrl+P: command palette. Ctrl+Q: quit (asks during a mass sync). "
         "Esc closes this help.")


KEY_NAMES = {"slash": "/", "escape": "Esc", "ctrl+r": "Ctrl+R", "enter": "Enter"}


def screens() -> list[tuple[str, str, list[BindingType]]]:
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
        ("F3 Doctor", first_line(DoctorScreen), list(DoctorScreen.BINDINGS)),
        ("F4 Rules", first_line(RulesScreen), list(RulesScreen.BINDINGS)),
        ("F5 Scenarios", first_line(ScenariosScreen), list(ScenariosScreen.BINDINGS)),
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
