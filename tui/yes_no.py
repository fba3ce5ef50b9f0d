"""The CLI's one question form: y/N on the terminal, yes only when the person types it."""

from __future__ import annotations


def said_yes(question: str) -> bool:
    """Ask `question` (with " [y/N] "); True only for y or yes. The end of input (Ctrl-D) is a no."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")
