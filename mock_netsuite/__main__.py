"""python -m mock_netsuite: serve the mock per docs/mock-control-api.md's launch protocol."""
from __future__ import annotations

import argparse
import json
import signal
import sys

from .app import create_app
from .server import make_server, shutdown


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m mock_netsuite", description="Mock NetSuite (SuiteTalk REST, SuiteQL, RESTlet).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = a free port")
    p.add_argument("--db", help="SQLite state file (default: in memory)")
    p.add_argument("--state", help="state document (JSON) to load at start")
    p.add_argument("--json", action="store_true", help="print one JSON line once listening")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--rate-429", type=float, default=0.0)
    p.add_argument("--drop-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--concurrency-limit", type=int, default=5)
    p.add_argument("--account", help="the account id (OAuth realm) to answer as, kept by a reset (default 1234567_SB1)")
    p.add_argument("--consumer-key")
    p.add_argument("--consumer-secret")
    p.add_argument("--token-id")
    p.add_argument("--token-secret")
    p.add_argument("--m2m-certificate", metavar="PEM_FILE", help="an OAuth 2.0 client credentials (M2M) mapping "
                   "the account starts with: the public certificate, with --m2m-client-id and --m2m-certificate-id")
    p.add_argument("--m2m-client-id")
    p.add_argument("--m2m-certificate-id")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        certificate = None
        if args.m2m_certificate:
            with open(args.m2m_certificate, encoding="ascii") as fh:
                certificate = fh.read()
        app = create_app(db=args.db, state=args.state, consumer_key=args.consumer_key,
                         consumer_secret=args.consumer_secret, token_id=args.token_id,
                         token_secret=args.token_secret, latency_ms=args.latency_ms, error_rate=args.error_rate,
                         rate_429=args.rate_429, drop_rate=args.drop_rate, seed=args.seed,
                         concurrency_limit=args.concurrency_limit, m2m_client_id=args.m2m_client_id,
                         m2m_certificate_id=args.m2m_certificate_id, m2m_certificate=certificate, account=args.account)
    except (OSError, ValueError) as exc:
        print(f"mock_netsuite: cannot start: {exc}", file=sys.stderr)
        return 2
    server = make_server(app, args.host, args.port)
    ctx = app.extensions["mock_netsuite"]
    host = args.host if ":" not in args.host else f"[{args.host}]"
    info = {"service": "netsuite", "url": f"http://{host}:{server.effective_port}",
            "account": ctx.store.config()["account"],
            "consumer_key": ctx.credentials.consumer_key, "consumer_secret": ctx.credentials.consumer_secret,
            "token_id": ctx.credentials.token_id, "token_secret": ctx.credentials.token_secret,
            **({"client_id": ctx.m2m["client_id"], "certificate_id": ctx.m2m["certificate_id"]} if ctx.m2m else {})}
    if args.json:
        print(json.dumps(info), flush=True)
    else:
        print(f"mock NetSuite listening on {info['url']} (account {info['account']})")
        print("demo TBA credentials (fake):")
        for key in ("consumer_key", "consumer_secret", "token_id", "token_secret"):
            print(f"  {key:16} {info[key]}")
        if ctx.m2m:
            print("OAuth 2.0 client credentials (M2M) mapping:")
            for key in ("client_id", "certificate_id"):
                print(f"  {key:16} {info[key]}")
        print("control API: " + info["url"] + "/_mock/health   stop with Ctrl-C", flush=True)

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        shutdown(server)
        ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
