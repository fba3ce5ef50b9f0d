"""What the request handlers share: the store, the fault settings, the auth verifiers, the clock, the logs."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app

from .auth import Credentials, Verifier
from .clock import Clock
from .faults import Faults
from .oauth2_tokens import TokenService
from .state import Store

REQUEST_LOG_MAX = 10_000
LOGIN_AUDIT_MAX = 1_000


@dataclass
class MockContext:
    store: Store
    faults: Faults
    credentials: Credentials
    verifier: Verifier
    clock: Clock = field(default_factory=Clock)
    tokens: TokenService | None = None  # set by create_app: it reads the store
    m2m: dict | None = None  # the launch integration's client id and certificate id, when there is one
    request_log: deque = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_MAX))
    log_lock: threading.Lock = field(default_factory=threading.Lock)
    # NetSuite's Login Audit Trail: why a login was refused (the client is told only "invalid").
    login_audit: deque = field(default_factory=lambda: deque(maxlen=LOGIN_AUDIT_MAX))

    def audit(self, method: str, detail: str) -> None:
        moment = datetime.fromtimestamp(self.clock.now(), UTC).isoformat(timespec="seconds")
        with self.log_lock:
            self.login_audit.append({"ts": moment.replace("+00:00", "Z"), "method": method, "detail": detail})


def current() -> MockContext:
    return current_app.extensions["mock_netsuite"]
