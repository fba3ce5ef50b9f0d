"""What the request handlers share: the store, the fault settings, the auth verifier, the request log."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from flask import current_app

from .auth import Credentials, Verifier
from .faults import Faults
from .state import Store

REQUEST_LOG_MAX = 10_000


@dataclass
class MockContext:
    store: Store
    faults: Faults
    credentials: Credentials
    verifier: Verifier
    request_log: deque = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_MAX))
    log_lock: threading.Lock = field(default_factory=threading.Lock)


def current() -> MockContext:
    return current_app.extensions["mock_netsuite"]
