"""What a benchmark reads about processes while it runs: resident memory and CPU time, from /proc."""

from __future__ import annotations

import os
import threading
import time

from testbed.bundled import BundledMocks


class RssGrowth:
    """Growth of this process's resident memory during a block, sampled from /proc.

    tracemalloc would halve the client's speed and so falsify the throughput figure.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.baseline = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> RssGrowth:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.baseline) / 2**20, 1)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


class CpuTime:
    """CPU seconds used during a block by this process (the client) and by each mock's server process.

    With no latency and no limits a run is bound by CPU, not by the services: this says whose.
    """

    def __init__(self, mocks: BundledMocks) -> None:
        self._pids = {"netsuite_mock": mocks.netsuite.process.pid, "stripe_mock": mocks.stripe.process.pid}  # type: ignore[union-attr]
        self.seconds: dict[str, float] = {}

    @staticmethod
    def _proc_cpu(pid: int) -> float:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def _now(self) -> dict[str, float]:
        return {"client": time.process_time(), **{k: self._proc_cpu(p) for k, p in self._pids.items()}}

    def __enter__(self) -> CpuTime:
        self._start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = {k: v - self._start[k] for k, v in self._now().items()}

    def per_customer_ms(self, n: int) -> dict[str, float]:
        return {k: round(v * 1000 / n, 2) for k, v in self.seconds.items()}


