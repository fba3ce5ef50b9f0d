"""Start the mocks as real HTTP servers (subprocesses under waitress) on free loopback ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .control import MockControl

SERVICES = ("netsuite", "stripe")


# Launch profiles. "fast" (the default: unit tests, benchmarks of the client) has no Stripe rate
# limit; "realistic" has Stripe's (25 requests/s test mode, 100 live). Both keep what never changes:
# search lags writes by at least a second, search's own 20/s, NetSuite's concurrency limit of 5.
PROFILES: dict[str, dict[str, tuple[str, ...]]] = {
    "fast": {"netsuite": (), "stripe": ()},
    "realistic": {"netsuite": (), "stripe": ("--profile", "realistic")},
}


def profile_args(profile: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(netsuite args, stripe args) that start the mocks in this profile."""
    if profile not in PROFILES:
        raise ValueError(f"unknown mock profile {profile!r}; known: {', '.join(PROFILES)}")
    return PROFILES[profile]["netsuite"], PROFILES[profile]["stripe"]


class MockStartError(RuntimeError):
    pass


@dataclass
class MockProcess:
    service: str
    info: dict[str, Any]
    process: subprocess.Popen[str] = field(repr=False)
    stderr_path: str = field(repr=False, default="")

    _control: MockControl | None = field(repr=False, default=None, init=False)

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def control(self) -> MockControl:
        """The mock's control client: one for the life of the process, so calls share a connection."""
        if self._control is None:
            self._control = MockControl(self.url)
        return self._control

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()
        if self.stderr_path:
            try:
                os.unlink(self.stderr_path)
            except OSError:
                pass


def start_mock(service: str, *, args: Sequence[str] = (), timeout: float = 20.0) -> MockProcess:
    """`python -m mock_<service> --port 0 --json`; waits for its one JSON line (the URL, the demo credentials)."""
    if service not in SERVICES:
        raise ValueError(f"unknown mock {service!r}; known: {', '.join(SERVICES)}")
    err = tempfile.NamedTemporaryFile(prefix=f"custsync-mock-{service}-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", f"mock_{service}", "--host", "127.0.0.1", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
    )
    err.close()
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        process.kill()
        process.wait()
        with open(err.name, encoding="utf-8", errors="replace") as fh:
            tail = fh.read()[-2000:]
        os.unlink(err.name)
        raise MockStartError(f"mock_{service} did not start within {timeout:.0f}s. Its output:\n{tail}")
    try:
        info = json.loads(line[0])
    except json.JSONDecodeError:
        process.kill()
        raise MockStartError(f"mock_{service} printed {line[0][:200]!r} instead of its JSON launch line") from None
    return MockProcess(service, info, process, err.name)
