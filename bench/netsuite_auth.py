"""What signing in costs the NetSuite client, TBA against OAuth 2.0 M2M: figures, never pass/fail.

Micro: the client CPU of one TBA signature (every request) and of one M2M JWT (once an hour: ES256, PS256).
Against the NetSuite mock as a real server: N SuiteQL requests, N at a time up to the concurrency limit,
with each auth: wall seconds, client CPU ms per request, NetSuite requests, token requests.

    python bench/netsuite_auth.py --requests 2000
    python bench/netsuite_auth.py --requests 200 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization

from sync_core.config import NetSuiteAuth, load_config
from sync_core.engine import Engine
from sync_core.netsuite.auth import M2MAuth, TokenAuth
from sync_core.netsuite.m2m_keys import SigningKey, new_key_pair
from testbed import demo
from testbed.bundled import BundledMocks

URL = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=1&offset=0"


def micro(repeat: int) -> dict:
    tba = TokenAuth("1234567_SB1", "ck" * 32, "cs" * 32, "ti" * 32, "ts" * 32)
    started = time.process_time()
    for _ in range(repeat):
        tba.authorization("POST", URL)
    figures = {"tba_signature_us": round((time.process_time() - started) / repeat * 1e6, 1)}
    for algorithm in ("ES256", "PS256"):
        pair = new_key_pair(algorithm=algorithm)
        key = SigningKey(serialization.load_pem_private_key(pair.private_pem, None), algorithm)
        auth = M2MAuth(token_url=URL, account="1234567_SB1", client_id="c" * 64, certificate_id="k", key=key,
                       scopes=["restlets", "rest_webservices"])
        n = max(1, repeat // 20)
        started = time.process_time()
        for _ in range(n):
            auth.assertion()
        figures[f"m2m_{algorithm.lower()}_jwt_us"] = round((time.process_time() - started) / n * 1e6, 1)
    return figures


async def against_mock(mocks: BundledMocks, auth: NetSuiteAuth, requests: int) -> dict:
    config = mocks.configure(load_config(env={}))
    config.netsuite.auth = auth
    mocks.netsuite.control.clear_requests()  # type: ignore[union-attr]
    async with Engine.from_config(config) as engine:
        client = engine.netsuite
        await client.sign_in()
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.gather(*(client.suiteql_page("SELECT id FROM customer", limit=1) for _ in range(requests)))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        tokens = getattr(client.auth, "token_requests", 0)
    log = mocks.netsuite.control.requests()  # type: ignore[union-attr]
    return {"auth": auth.value, "requests": requests, "seconds": round(wall, 3),
            "requests_per_s": round(requests / wall, 1), "client_cpu_ms_per_request": round(cpu / requests * 1000, 3),
            "netsuite_requests": client.requests, "token_requests": tokens,
            "mock_saw": {"api": sum(1 for r in log if "oauth2" not in r["path"]),
                         "token": sum(1 for r in log if "oauth2" in r["path"])}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"micro": micro(2000)}
    with BundledMocks() as mocks:
        mocks.load(*demo.generate(20))
        report["runs"] = [asyncio.run(against_mock(mocks, auth, args.requests))
                          for auth in (NetSuiteAuth.TBA, NetSuiteAuth.M2M)]
    if args.json:
        print(json.dumps(report, indent=2))
        return
    m = report["micro"]
    print(f"client CPU: a TBA signature {m['tba_signature_us']} us (every request); an M2M JWT "
          f"{m['m2m_es256_jwt_us']} us ES256, {m['m2m_ps256_jwt_us']} us PS256 (once an hour)")
    for run in report["runs"]:
        print(f"{run['auth']:>4}: {run['requests']} SuiteQL requests in {run['seconds']} s "
              f"({run['requests_per_s']}/s), client CPU {run['client_cpu_ms_per_request']} ms a request, "
              f"token requests {run['token_requests']} (the mock saw {run['mock_saw']})")


if __name__ == "__main__":
    main()
