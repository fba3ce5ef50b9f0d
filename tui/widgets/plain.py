"""Text is text: a Static that never reads its content as markup.

Customer names, emails, remedies and anything else a service returns are shown literally: a remedy that
names "[netsuite] rest_url", or a customer called "[b]x[/b]", must not change how the screen looks. Styled
text is built with rich.text.Text, whose content is never parsed.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Plain(Static):
    def __init__(self, content: object = "", *, markup: bool = False, **kwargs: object) -> None:
        super().__init__(content, markup=markup, **kwargs)  # type: ignore[arg-type]


def plain(value: object) -> Text:
    """A table cell shown literally (DataTable reads a str cell as markup)."""
    return value if isinstance(value, Text) else Text("" if value is None else str(value))
