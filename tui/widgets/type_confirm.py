"""A confirmation that takes more than one key: the operator types a word (the NetSuite account name), as
tools that write to production ask before they do."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from .plain import Plain


class TypeToConfirmScreen(ModalScreen[bool]):
    """Dismisses True only when `word` was typed exactly and confirmed; Esc is a no."""

    DEFAULT_CSS = """
    TypeToConfirmScreen { align: center middle; }
    #type-box { width: 100%; max-width: 90; height: auto; border: thick $error; background: $surface;
                padding: 1 2; }
    #type-body { margin: 1 0; }
    #type-buttons { height: auto; align: center middle; }
    #type-buttons Button { margin: 0 2; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="type-cancel", tooltip="Nothing is run")]

    def __init__(self, title: str, body: str, word: str, *, yes_label: str = "Run it") -> None:
        super().__init__()
        self.title_text, self.body, self.word, self.yes_label = title, body, word, yes_label

    def compose(self) -> ComposeResult:
        with Vertical(id="type-box"):
            yield Plain(Text(self.title_text, style="bold"), id="type-title")
            yield Plain(f"{self.body}\n\nType the account name {self.word} to confirm.", id="type-body")
            yield Input(placeholder=self.word, id="type-word")
            with Horizontal(id="type-buttons"):
                yield Button(self.yes_label, id="type-yes", variant="error", disabled=True)
                yield Button("Cancel (Esc)", id="type-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#type-word", Input).focus()

    @on(Input.Changed, "#type-word")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#type-yes", Button).disabled = event.value.strip() != self.word

    @on(Input.Submitted, "#type-word")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.word:
            self.dismiss(True)
        else:
            self.notify(f"That is not {self.word}: nothing is run.", severity="warning")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "type-yes" and self.query_one("#type-word", Input).value.strip() == self.word)

    def action_cancel(self) -> None:
        self.dismiss(False)
