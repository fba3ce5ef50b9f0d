"""A yes/no modal before a write: always for clearing a link and for replacing the mocks' data (a scenario, the
demo data), for every write when the Stripe key is live."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from .plain import Plain


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes; Esc, n and the No button are a no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Do it"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no", tooltip="Cancel: nothing is written"),
    ]

    def __init__(self, title: str, body: str, *, live: bool = False, yes_label: str = "Yes, do it") -> None:
        super().__init__()
        self.title_text, self.body, self.live, self.yes_label = title, body, live, yes_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="-live" if self.live else ""):
            title = Text(self.title_text, style="bold")
            if self.live:
                title = Text.assemble(("LIVE STRIPE KEY: real customers, real money. ", "bold white on red"), title)
            yield Plain(title, id="confirm-title")
            yield Plain(self.body, id="confirm-body", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(self.yes_label, id="confirm-yes", variant="error" if self.live else "warning")
                yield Button("No (Esc)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe answer is the default

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
