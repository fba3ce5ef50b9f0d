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
    In a customer: NetSuite's synced fields beside the Stripe customer's
    (differences in yellow) and the decision the rules would take now;
    s Sync to Stripe, p Write the portal link, k Check it (opens it as the
    customer would), c Clear the Stripe id (asks), y copy / o open the
    portal link (shown masked), r refresh, Esc back.
[b]F2 Mass sync[/b]  p plans (dry run, writes nothing), s starts the journaled run,
    r resumes a journaled run, f retries a run's failures. Progress shows
    the rate and ETA; failures are listed with their cause and remedy.
[b]F3 Doctor[/b]     the troubleshooting checks, PASS/FAIL with remedies; d runs again.
[b]F4 Rules[/b]      the rule catalogue: lessons, remedies, the scenarios that show them.
[b]F5 Scenarios[/b]  (bundled mocks only) Enter loads a scenario into both mocks,
    n runs the next step, a runs all: what happened, the rule, pass/fail.
[b]Ctrl+P[/b]        command palette.   [b]Ctrl+Q[/b] quit.

The header shows where custsync points: the bundled mocks or real systems,
and whether the Stripe key is test or [b red]LIVE[/b red]. With a live key every
write (sync, portal link, clear id, mass sync) asks for a yes first.

Esc closes this help."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Close", id="help-close", tooltip="Close the help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, id="help-text")
