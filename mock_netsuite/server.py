"""Serving the app with waitress: in a background thread (tests) or in the foreground (__main__)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from flask import Flask
from waitress.server import create_server

from .app import create_app

# Enough worker threads that requests held open by injected latency can exceed any sensible
# concurrency limit (the limit must refuse them, not waitress's queue hide them).
MIN_THREADS = 32


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 0):
    limit = app.extensions["mock_netsuite"].faults.settings()["concurrency_limit"] or 0
    # waitress warns about a response shorter than its Content-Length; that is the injected drop.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    return create_server(app, host=host, port=port, threads=max(MIN_THREADS, 2 * limit + 8),
                         channel_timeout=30, ident="mock_netsuite")


def shutdown(server) -> None:
    """Close the listening socket and every connection; call it on the thread that ran the loop."""
    for channel in list(server._map.values()):
        channel.handle_close()
    server.task_dispatcher.shutdown()


def run_until(server, stop: threading.Event) -> None:
    # waitress's own run() loops until its socket map is empty; closing sockets from another thread
    # races with select(), so the loop polls a stop flag and shuts down on its own thread.
    while not stop.is_set():
        server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
    shutdown(server)


@dataclass
class RunningServer:
    url: str
    app: Flask
    _server: object
    _thread: threading.Thread
    _stop: threading.Event

    @property
    def credentials(self) -> dict:
        c = self.app.extensions["mock_netsuite"].credentials
        return {"consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret,
                "token_id": c.token_id, "token_secret": c.token_secret}

    @property
    def account(self) -> str:
        return self.app.extensions["mock_netsuite"].store.config()["account"]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.app.extensions["mock_netsuite"].store.close()


def serve_in_thread(host: str = "127.0.0.1", port: int = 0, **options) -> RunningServer:
    """Start the mock on a background thread; options are create_app's."""
    app = create_app(**options)
    server = make_server(app, host, port)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), name="mock_netsuite", daemon=True)
    thread.start()
    return RunningServer(f"http://{host}:{server.effective_port}", app, server, thread, stop)
