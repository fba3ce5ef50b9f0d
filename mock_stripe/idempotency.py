"""Idempotency-Key: replay the first response for 24 h (mock clock), refuse other params."""

from __future__ import annotations

import hashlib
import json
import threading
from contextlib import contextmanager

from .errors import StripeError

TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, params: dict) -> str:
    return hashlib.sha256(json.dumps([method, path, params], sort_keys=True).encode()).hexdigest()


def check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        # Exact Stripe wording unconfirmed.
        raise StripeError(400, f"Idempotency keys can be at most {MAX_KEY_LENGTH} characters long, "
                               f"but the provided key is {len(key)} characters long.", executed=False)


def mismatch(key: str) -> StripeError:
    return StripeError(
        400,
        "Keys for idempotent requests can only be used with the same parameters they were first used "
        f"with. Try using a key other than '{key}' if you meant to execute a different request.",
        type="idempotency_error", executed=False)


class Idempotency:
    def __init__(self, store):
        self.store = store
        self._guard = threading.Lock()
        self._locks: dict[tuple, list] = {}  # key -> [lock, users]

    @contextmanager
    def locked(self, account: str, mode: str, key: str):
        """Serialise requests sharing a key so that only the first executes; the rest replay."""
        ident = (account, mode, key)
        with self._guard:
            entry = self._locks.setdefault(ident, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    self._locks.pop(ident, None)

    def lookup(self, account: str, mode: str, key: str, fp: str):
        """(status, body, original request id) of a live record, None, or raise on other params."""
        rec = self.store.idempotency_get(account, mode, key)
        if rec is None or self.store.now_float() - rec[4] >= TTL_SECONDS:
            return None
        if rec[0] != fp:
            raise mismatch(key)
        return rec[1], rec[2], rec[3]

    def save(self, account: str, mode: str, key: str, fp: str, status: int, body: str, request_id: str):
        self.store.idempotency_put(account, mode, key, fp, status, body, request_id)
