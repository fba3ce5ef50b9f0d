"""Fault injection, rate limiting, stats and the request log (in memory, not in SQLite)."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULTS = {
    "latency_ms": 0,
    "error_rate": 0.0,       # 500 api_error before the endpoint runs: not saved, a retry may succeed
    "post_error_rate": 0.0,  # the endpoint runs, then 500: saved under the idempotency key and replayed
    "rate_429": 0.0,
    "drop_rate": 0.0,        # the endpoint runs, then the connection drops mid-body
    "seed": None,
    # https://docs.stripe.com/rate-limits: a global limit per account and mode, and one per named operation
    # (method and path: `POST /v1/customers` and `POST /v1/customers/{id}` are two), which also count
    # against the global one. Each: a number (both modes), {"test": n, "live": n}, or null (no limit).
    "requests_per_second": None,
    "operation_requests_per_second": None,
    # https://docs.stripe.com/search#data-freshness: never searchable at once. Seconds (mock clock)
    # before a write shows in search; 0 only where a test asks for it.
    "search_lag_seconds": 1.0,
    # https://docs.stripe.com/search#rate-limits: 20 reads/s for search, per mode, on top of the basic limit.
    "search_requests_per_second": 20,
}
# Launch profiles (`python -m mock_stripe --profile`, `custsync mocks --realistic`).
# realistic: Stripe's rate limits, https://docs.stripe.com/rate-limits ("Live mode: 100 operations;
# Sandbox: 25 operations ... API endpoints have a default limit of 25 requests per second"), counted per
# account and mode: a live key (sk_live_...) gets the live limits.
# fast: no global or operation limit, for unit tests and benchmarks of the client itself.
PROFILES = {
    "fast": {},
    "realistic": {"requests_per_second": {"test": 25, "live": 100},
                  "operation_requests_per_second": {"test": 25, "live": 25}},
}
LIMITS = ("account", "operation", "search")  # the layers a 429 can come from (stats: rate_limited)
_RATES = ("error_rate", "post_error_rate", "rate_429", "drop_rate")


class FaultError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def validate(changes: dict) -> dict:
    if not isinstance(changes, dict):
        raise FaultError("(document)", "must be a JSON object")
    out = {}
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise FaultError(key, "unknown fault setting")
        if key in _RATES:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise FaultError(key, "must be a number from 0 to 1")
            value = float(value)
        elif key in ("latency_ms", "search_lag_seconds"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise FaultError(key, "must be a number >= 0")
        elif key in ("requests_per_second", "operation_requests_per_second"):
            if isinstance(value, dict):
                for mode, rps in value.items():
                    if mode not in ("test", "live"):
                        raise FaultError(f"{key}.{mode}", "unknown mode: give test and/or live")
                    if not _positive(rps):
                        raise FaultError(f"{key}.{mode}", "must be a number > 0 or null")
            elif value is not None and not _positive(value):
                raise FaultError(key, 'must be a number > 0, {"test": n, "live": n}, or null')
        elif key == "search_requests_per_second":
            if value is not None and not _positive(value):
                raise FaultError(key, "must be a number > 0 or null")
        elif key == "seed":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise FaultError(key, "must be an integer or null")
        out[key] = value
    return out


def _positive(value) -> bool:
    return value is None or (not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0)


@dataclass
class Draw:
    error: bool
    post_error: bool
    rate_429: bool
    drop: bool


class Faults:
    def __init__(self, **settings):
        self._lock = threading.Lock()
        self.settings = dict(DEFAULTS)
        self._rng = random.Random()
        self.update(validate(settings))
        self._windows: dict[tuple, deque] = {}
        self.reset_stats()
        self.log: deque = deque(maxlen=10000)

    def update(self, changes: dict) -> None:
        with self._lock:
            self.settings.update(changes)
            if "seed" in changes:
                self._rng = random.Random(changes["seed"])

    def reset_stats(self) -> None:
        with self._lock:
            self.requests = 0
            self.counts = {"5xx": 0, "429": 0, "dropped": 0, "latency": 0}
            self.rate_limited = dict.fromkeys(LIMITS, 0)

    def stats(self) -> dict:
        """`faults` counts every 429 (injected by rate_429 or by a limit); `rate_limited` the limits' own, by layer."""
        with self._lock:
            return {"requests": self.requests, "faults": dict(self.counts), "rate_limited": dict(self.rate_limited)}

    def count(self, fault: str) -> None:
        with self._lock:
            self.counts[fault] += 1

    def draw(self) -> Draw:
        """Roll every fault for one request at once, so a seed replays the same sequence."""
        with self._lock:
            s = self.settings
            rolls = [self._rng.random() for _ in range(4)]
            return Draw(error=rolls[0] < s["error_rate"], post_error=rolls[1] < s["post_error_rate"],
                        rate_429=rolls[2] < s["rate_429"], drop=rolls[3] < s["drop_rate"])

    def delay(self) -> None:
        latency = self.settings["latency_ms"]
        if latency:
            self.count("latency")
            time.sleep(latency / 1000)

    def admit(self, account: str, mode: str, operation: str, search: bool = False) -> str | None:
        """Sliding one-second windows per account and mode (wall clock, not the mock clock): the global limit
        for every request, the operation's own for each named operation, and search's for searches, each
        counting against all that apply. None when the request may go; else the limit that refuses it (a
        refused request counts against none: unconfirmed whether Stripe counts it)."""
        windows = [(("account", account, mode), self._per_mode("requests_per_second", mode)),
                   (("operation", account, mode, operation), self._per_mode("operation_requests_per_second", mode))]
        if search:
            windows.append((("search", account, mode), self.settings["search_requests_per_second"]))
        now = time.monotonic()
        with self._lock:
            for ident, rps in windows:
                if rps and len(self._window(ident, now)) >= rps:
                    self.rate_limited[ident[0]] += 1
                    return ident[0]
            for ident, rps in windows:
                if rps:
                    self._windows[ident].append(now)
        return None

    def _per_mode(self, key: str, mode: str):
        value = self.settings[key]
        return value.get(mode) if isinstance(value, dict) else value

    def _window(self, ident: tuple, now: float) -> deque:
        window = self._windows.setdefault(ident, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        return window

    def clear_windows(self) -> None:
        with self._lock:
            self._windows.clear()

    def record(self, method: str, path: str, status: int, latency_ms: float) -> None:
        with self._lock:
            self.requests += 1
            self.log.append({
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "method": method, "path": path, "status": status, "latency_ms": round(latency_ms, 2)})
