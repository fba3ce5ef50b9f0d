"""Idempotency-Key: replay the first response for 24 h (mock clock), refuse other params."""

from __future__ import annotations

import hashlib
import json
import threading
from contextlib import contextmanager

from .errors import StripeError

TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


def endpoint_of(method: str, path: str) -> str:
    return f"{method} {path}"


def fingerprint(method: str, path: str, params: dict) -> str:
    """The endpoint, a newline, a hash of the parameters: stored with the saved response."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    return f"{endpoint_of(method, path)}\n{digest}"


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


def other_endpoint(key: str, first: str, now: str) -> StripeError:
    # https://docs.stripe.com/api/idempotent_requests: results are keyed to the endpoint too.
    return StripeError(
        400,
        "Keys for idempotent requests can only be used for the same endpoint they were first used for "
        f"('{first}' vs '{now}'). Try using a key other than '{key}' if you meant to execute a different request.",
        type="idempotency_error", executed=False)


def in_progress(key: str) -> StripeError:
    """https://docs.stripe.com/api/errors: "409 Conflict: The request conflicts with another request
    (perhaps due to using the same idempotent key)". Wording of the message unconfirmed."""
    return StripeError(
        409,
        "There is currently another in-progress request using this Idempotent Key (that probably means you "
        f"submitted twice, and the other request is still going through): {key}. Please try again later.",
        type="idempotency_error", code="idempotency_key_in_use", executed=False)


class Idempotency:
    def __init__(self, store):
        self.store = store
        self._guard = threading.Lock()
        self._locks: dict[tuple, bool] = {}  # keys with a request in progress

    @contextmanager
    def locked(self, account: str, mode: str, key: str):
        """The first request with a key runs; one arriving while it runs gets Stripe's 409."""
        ident = (account, mode, key)
        with self._guard:
            if ident in self._locks:
                raise in_progress(key)
            self._locks[ident] = True
        try:
            yield
        finally:
            with self._guard:
                self._locks.pop(ident, None)

    def lookup(self, account: str, mode: str, key: str, fp: str):
        """(status, body, original request id) of a live record, None, or raise on another
        endpoint or other params."""
        rec = self.store.idempotency_get(account, mode, key)
        if rec is None or self.store.now_float() - rec[4] >= TTL_SECONDS:
            return None
        first_endpoint, _, _ = rec[0].partition("\n")
        endpoint, _, _ = fp.partition("\n")
        if first_endpoint != endpoint:
            raise other_endpoint(key, first_endpoint, endpoint)
        if rec[0] != fp:
            raise mismatch(key)
        return rec[1], rec[2], rec[3]

    def save(self, account: str, mode: str, key: str, fp: str, status: int, body: str, request_id: str):
        self.store.idempotency_put(account, mode, key, fp, status, body, request_id)
