"""What search sees: Stripe's search index lags behind writes (https://docs.stripe.com/search#data-freshness).

Every write through the API adds a version that becomes searchable `lag` seconds later (mock clock);
until then search keeps answering with the version before it (or nothing, for a new customer).
Objects loaded from a state document count as indexed long ago. Kept in memory: after a restart
everything is indexed.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


def _versions(store) -> dict:
    if not hasattr(store, "search_versions"):
        store.search_versions = {}
    return store.search_versions


def note_write(store, account: str, mode: str, kind: str, obj_id: str, data: dict | None, lag: float,
               before: dict | None = None, existed: bool = True) -> None:
    """Record a write: `data` None for a deletion; `before` what search showed until now."""
    now = store.now_float()
    with _lock:
        versions = _versions(store).setdefault((account, mode, kind, obj_id), [])
        if not versions:
            # What search showed before this write: the old version (indexed long ago), or nothing.
            versions.append((float("-inf"), before if existed else None))
        versions.append((now + lag, data))


def visible(store, account: str, mode: str, kind: str, obj_id: str, current: dict | None):
    """The version search sees now; `current` is the stored object (None when deleted)."""
    key = (account, mode, kind, obj_id)
    now = store.now_float()
    with _lock:
        versions = _versions(store).get(key)
        if versions is None:
            return current
        shown = None
        keep_from = 0
        for i, (at, data) in enumerate(versions):
            if at <= now:
                shown, keep_from = data, i
        del versions[:keep_from]
        if len(versions) == 1:
            _versions(store).pop(key, None)
        return shown


def clear(store) -> None:
    with _lock:
        _versions(store).clear()
