"""Help: the keys and what each screen is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]custsync[/b]: NetSuite customers to Stripe customers by the rules R1-R9.

[b]F1 Customers[/b]  the NetSuite customers; / filters, Enter opens one.
    In a customer: the decision the rules would take now (dry run);
    s Sync to Stripe, p Generate portal link, r ask again, Esc back.
[b]F2 Mass sync[/b]  p plans (dry run, writes nothing), s starts the journaled run.
    Failures are listed with their cause and remedy.
[b]F3 Doctor[/b]     the troubleshooting checks, PASS/FAIL with remedies; d runs again.
[b]F4 Rules[/b]      the rule catalogue.
[b]Ctrl+P[/b]        command palette.   [b]Ctrl+Q[/b] quit.

The header shows where custsync points: the bundled mocks or real systems,
and whether the Stripe key is test or [b red]LIVE[/b red].

Esc closes this help."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Close", id="help-close", tooltip="Close the help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, id="help-text")
