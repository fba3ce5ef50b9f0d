"""One doctor check's result: pass or fail, a detail, a remedy; a passing check may carry a warning."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sync_core.errors import SyncError


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    ok: bool
    detail: str
    remedy: str | None = None
    rule: str | None = None
    warning: bool = False  # passes today, but needs a person soon (a certificate expiring, TBA closing)

    @property
    def mark(self) -> str:
        return "FAIL" if not self.ok else "WARN" if self.warning else "PASS"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "ok": self.ok, "warning": self.warning, "detail": self.detail,
                "remedy": self.remedy, "rule": self.rule}


async def guard(check_id: str, title: str, body: Callable[[], Awaitable[Check]], rule: str | None = None) -> Check:
    try:
        return await body()
    except SyncError as exc:
        return Check(check_id, title, False, exc.message, exc.remedy, rule)
