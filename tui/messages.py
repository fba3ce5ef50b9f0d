"""Small messages that workers post; handlers update the widgets."""

from __future__ import annotations

from textual.message import Message

from sync_core.events import RunFinished
from sync_core.outcome import Outcome


class EngineReady(Message):
    """The engine is open (or could not be opened: `error`)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class MassProgress(Message):
    """One more customer done (or written to Stripe, its write-back waiting for its batch); `rate` says the
    writes' rate and ETA. High-rate: a newer one replaces a queued older one."""

    def __init__(self, done: int, total: int, counts: dict[str, int], rate: str) -> None:
        super().__init__()
        self.done, self.total, self.counts, self.rate = done, total, counts, rate

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MassProgress)


class MassFailure(Message):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class MassFinished(Message):
    def __init__(self, finished: RunFinished, dry_run: bool, by_rule: dict[str, int]) -> None:
        super().__init__()
        self.finished, self.dry_run, self.by_rule = finished, dry_run, by_rule

