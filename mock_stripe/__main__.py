"""python -m mock_stripe --port P --db FILE [--state F] [--json] [--api-key K ...]"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from .faults import DEFAULTS, PROFILES
from .server import DEFAULT_THREADS, RunningServer, make_server


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="mock_stripe", description="Stateful mock of the Stripe API subset custsync uses.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = a free port")
    p.add_argument("--db", help="SQLite state file (default: in-memory)")
    p.add_argument("--state", help="load this state document (JSON) at start")
    p.add_argument("--json", action="store_true", help="print one JSON line once listening")
    p.add_argument("--api-key", action="append", dest="api_keys", metavar="KEY",
                   help="API key(s) of the default account acct_demo (replace the demo key); repeatable")
    p.add_argument("--account", help="the default account's id, kept by a reset (default acct_demo)")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--post-error-rate", type=float, default=0.0)
    p.add_argument("--rate-429", type=float, default=0.0)
    p.add_argument("--drop-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int)
    p.add_argument("--profile", choices=sorted(PROFILES), default="fast",
                   help="realistic: Stripe's rate limits (25/s test, 100/s live, 25/s per operation in both); "
                   "fast (default): none")
    p.add_argument("--requests-per-second", type=float, help="one global limit for both modes (overrides the profile)")
    p.add_argument("--operation-requests-per-second", type=float,
                   help="one limit for each named operation, both modes (overrides the profile)")
    p.add_argument("--search-lag-seconds", type=float,
                   help=f"seconds before a write shows in search (default {DEFAULTS['search_lag_seconds']})")
    p.add_argument("--search-requests-per-second", type=float,
                   help=f"search's own limit (default {DEFAULTS['search_requests_per_second']})")
    p.add_argument("--portal-session-ttl", type=float, default=300, help="seconds (mock clock)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS, help=f"waitress worker threads (default {DEFAULT_THREADS})")
    return p.parse_args(argv)


def main(argv=None) -> int:
    a = parse_args(argv)
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        print("mock_stripe: refusing to bind a non-loopback address", file=sys.stderr)
        return 2
    try:
        app, server, url = make_server(
            a.host, a.port, a.threads, db=a.db, state=a.state, api_keys=a.api_keys,
            portal_session_ttl=a.portal_session_ttl, latency_ms=a.latency_ms, error_rate=a.error_rate,
            post_error_rate=a.post_error_rate, rate_429=a.rate_429, drop_rate=a.drop_rate, seed=a.seed,
            requests_per_second=a.requests_per_second,
            operation_requests_per_second=a.operation_requests_per_second, search_lag_seconds=a.search_lag_seconds,
            search_requests_per_second=a.search_requests_per_second, profile=a.profile, account=a.account)
    except (OSError, ValueError) as err:
        print(f"mock_stripe: cannot start: {err}", file=sys.stderr)
        return 1
    running = RunningServer(url=url, port=server.effective_port, app=app, server=server)
    store = app.extensions["mock_stripe"].store
    accounts = store.accounts()
    facts = {"service": "stripe", "url": url, "api_key": running.api_key,
             "account": accounts[0][0] if accounts else None, "pid": os.getpid()}
    if a.json:
        print(json.dumps(facts), flush=True)
    else:
        print(f"mock_stripe listening on {url}\n  account: {facts['account']}\n  api key: {facts['api_key']}\n"
              f"  control: {url}/_mock/health   (Ctrl-C to stop)", flush=True)

    def _term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
