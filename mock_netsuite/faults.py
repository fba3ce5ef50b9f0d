"""Fault injection, the concurrency (governance) limit, and the counters behind /_mock/stats."""
from __future__ import annotations

import random
import re
import threading

DEFAULT_FAULTS = {"latency_ms": 0, "error_rate": 0.0, "rate_429": 0.0, "drop_rate": 0.0, "seed": None,
                  "concurrency_limit": 5, "restlet_usage_limit": None, "writeback_failures": {}}
RESTLET_USAGE_LIMIT = 5000  # usage units a RESTlet call starts with (SuiteScript governance)
FAILURE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{2,60}$")


class FaultSettingsError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _check(key: str, value):
    if key in ("error_rate", "rate_429", "drop_rate"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise FaultSettingsError(key, "must be a number between 0 and 1")
        return float(value)
    if key == "latency_ms":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise FaultSettingsError(key, "must be a number of milliseconds >= 0")
        return value
    if key == "seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise FaultSettingsError(key, "must be an integer or null")
        return value
    if key == "concurrency_limit":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise FaultSettingsError(key, "must be an integer >= 1 (or null for no limit)")
        return value
    if key == "restlet_usage_limit":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value <= RESTLET_USAGE_LIMIT):
            raise FaultSettingsError(key, f"must be an integer from 0 to {RESTLET_USAGE_LIMIT} (or null for "
                                          f"{RESTLET_USAGE_LIMIT}, a RESTlet's limit)")
        return value
    if key == "writeback_failures":
        # {"<internal id>": "<error code>"}: the RESTlet's writeBack fails that record with that code.
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and k.isdigit() and isinstance(v, str) and FAILURE_CODE.match(v)
                for k, v in value.items()):
            raise FaultSettingsError(key, 'must map internal ids to error codes, e.g. {"102": "RCRD_HAS_BEEN_CHANGED"}')
        return dict(value)
    raise FaultSettingsError(key, f"unknown fault setting '{key}'")


class Faults:
    def __init__(self, **settings):
        self._lock = threading.Lock()
        self._settings = dict(DEFAULT_FAULTS)
        self._rng = random.Random()
        self.in_flight = 0
        self.requests = 0
        self.counts = {"5xx": 0, "429": 0, "dropped": 0, "latency": 0}
        self.update({k: v for k, v in settings.items() if v is not None or k == "seed"})

    def settings(self) -> dict:
        with self._lock:
            return dict(self._settings)

    def update(self, changes: dict) -> dict:
        checked = {k: _check(k, v) for k, v in changes.items()}
        with self._lock:
            self._settings.update(checked)
            if "seed" in checked:
                self._rng = random.Random(checked["seed"])
            return dict(self._settings)

    def stats(self) -> dict:
        with self._lock:
            return {"requests": self.requests, "faults": dict(self.counts)}

    def enter(self) -> bool:
        """Count a service request in; False when the concurrency limit is already reached."""
        with self._lock:
            self.requests += 1
            limit = self._settings["concurrency_limit"]
            if limit is not None and self.in_flight >= limit:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def draw(self) -> dict:
        """Decide this request's faults with the seeded RNG: latency, error, 429, drop."""
        with self._lock:
            s = self._settings
            plan = {"latency_s": s["latency_ms"] / 1000.0, "error": None, "rate_429": False, "drop": False}
            # Always three draws a request, so a given seed gives the same sequence of outcomes.
            r_err, r_429, r_drop = self._rng.random(), self._rng.random(), self._rng.random()
            if r_err < s["error_rate"]:
                plan["error"] = 503 if r_err < s["error_rate"] / 2 else 500
            elif r_429 < s["rate_429"]:
                plan["rate_429"] = True
            elif r_drop < s["drop_rate"]:
                plan["drop"] = True
            if plan["latency_s"] > 0:
                self.counts["latency"] += 1
            if plan["error"]:
                self.counts["5xx"] += 1
            if plan["rate_429"]:
                self.counts["429"] += 1
            if plan["drop"]:
                self.counts["dropped"] += 1
            return plan
