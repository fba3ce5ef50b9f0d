"""Serving the app with waitress: in a background thread (tests) or in the foreground (__main__)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from waitress.server import create_server

from .app import create_app


@dataclass
class RunningServer:
    url: str
    port: int
    app: object
    server: object
    thread: threading.Thread | None = None

    @property
    def api_key(self) -> str:
        store = self.app.extensions["mock_stripe"].store
        keys = [k for _, ks in store.accounts() for k in ks]
        return next((k for k in keys if "_test_" in k), keys[0] if keys else "")

    def stop(self) -> None:
        # waitress has no public stop for a server run in a thread: close every channel
        # so the asyncore loop runs out of sockets and returns.
        srv = self.server
        srv.task_dispatcher.shutdown()
        while srv._map:
            for channel in list(srv._map.values()):
                channel.handle_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


# Real Stripe puts no cap on concurrent connections; with injected latency, a few worker
# threads would make the mock itself the bottleneck of every throughput figure.
DEFAULT_THREADS = 64


def make_server(host: str = "127.0.0.1", port: int = 0, threads: int = DEFAULT_THREADS, **options):
    app = create_app(**options)
    # A dropped-connection fault trips waitress's "too few bytes" warning on purpose.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    server = create_server(app, host=host, port=port, threads=threads, ident="mock_stripe")
    port = server.effective_port
    return app, server, f"http://{host}:{port}"


def serve_in_thread(host: str = "127.0.0.1", port: int = 0, threads: int = DEFAULT_THREADS, **options) -> RunningServer:
    app, server, url = make_server(host, port, threads, **options)
    running = RunningServer(url=url, port=server.effective_port, app=app, server=server)
    running.thread = threading.Thread(target=server.run, name="mock_stripe", daemon=True)
    running.thread.start()
    return running
