"""NetSuite's clock as the mock keeps it: real time plus an offset that /_mock/clock moves.

It governs authentication: bearer token lifetimes, the JWT's iat/exp, certificate validity, TBA
timestamps, and the Date header of the mock's answers. Record dates (dateCreated, lastModifiedDate)
keep real time.
"""
from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
