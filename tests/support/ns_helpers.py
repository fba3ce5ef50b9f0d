"""Test helpers for the mock NetSuite tests: request signing with oauthlib, sample data, error checks."""
from __future__ import annotations

from pathlib import Path

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

DEFAULT_FAULTS = {"latency_ms": 0, "error_rate": 0.0, "rate_429": 0.0, "drop_rate": 0.0, "seed": None,
                  "concurrency_limit": 5, "restlet_usage_limit": None, "writeback_failures": {}}
RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
RESTLET = "/app/site/hosting/restlet.nl"
SEARCH_DEPLOY = {"script": "customscript_custsync_search", "deploy": "customdeploy_custsync_search"}
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "netsuite"  # the SDF project
SCRIPTS_DIR = DEPLOY_DIR / "FileCabinet" / "SuiteScripts" / "custsync"  # the two SuiteScript files


class OAuthSha256(httpx.Auth):
    """Signs each request with oauthlib (HMAC-SHA256, realm). Overrides let tests forge bad requests."""

    def __init__(self, creds: dict, realm: str, **overrides):
        self.creds, self.realm, self.overrides = creds, realm, overrides

    def auth_flow(self, request):
        opts = {"client_secret": self.creds["consumer_secret"], "resource_owner_key": self.creds["token_id"],
                "resource_owner_secret": self.creds["token_secret"], "signature_method": SIGNATURE_HMAC_SHA256,
                "realm": self.realm}
        opts.update(self.overrides)
        key = opts.pop("client_key", self.creds["consumer_key"])
        client = Client(key, **opts)
        form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        _, headers, _ = client.sign(str(request.url), request.method,
                                    body=request.content.decode() if form else None,
                                    headers={"Content-Type": request.headers["content-type"]} if form else None)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def make_client(server, **overrides) -> httpx.Client:
    realm = overrides.pop("realm", server.account)
    return httpx.Client(base_url=server.url, auth=OAuthSha256(server.credentials, realm, **overrides), timeout=10)


def customer(cid: int, **fields) -> dict:
    base = {"id": str(cid), "entityId": f"CUST{cid}", "companyName": f"Company {cid}",
            "email": f"ap{cid}@example.test", "phone": None, "isInactive": False}
    base.update(fields)
    return base




def error_detail(resp: httpx.Response) -> dict:
    assert resp.headers["content-type"] == "application/vnd.oracle.resource+json; type=error"
    body = resp.json()
    assert body["status"] == resp.status_code
    return body["o:errorDetails"][0]
