"""The lock a mass sync holds on its target while it writes (`journal.locks`): taken before the run is
journaled, so a refused run leaves nothing behind; beaten while the run goes, so a holder that ends without
releasing it (killed) frees the target; released when the run ends, however it ends."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

from sync_core.run.journal import Journal, LockHolder
from sync_core.run.journal.locks import BEAT_EVERY_S
from sync_core.run.target import RunTarget


class TargetLock:
    def __init__(self, journal: Journal, target: RunTarget, run_id: str) -> None:
        """Take the target's lock for `run_id`: RunLocked (a JournalError naming the holder) while another live
        run holds it. `took_over` is the gone holder whose lock this run took, if any."""
        self.journal, self.target, self.run_id = journal, target, run_id
        self.took_over: LockHolder | None = journal.locks.acquire(target, run_id)
        self._beating: asyncio.Task[None] | None = None

    def start_beating(self, every_s: float = BEAT_EVERY_S) -> None:
        async def beat() -> None:
            while True:
                await asyncio.sleep(every_s)
                self.journal.locks.beat(self.target, self.run_id)

        self._beating = asyncio.create_task(beat())

    async def release(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
        with contextlib.suppress(sqlite3.Error):  # the journal closed already: the lock frees when this process ends
            self.journal.locks.release(self.target, self.run_id)
