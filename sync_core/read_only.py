"""Read-only access: a request hook under both HTTP clients that refuses every write before it leaves.

`scenario capture` runs against production, so "it only reads" is enforced below the engine, on the
httpx client each service is reached through, whatever code above asks for. What passes:

- every GET (the REST record service, Stripe's API: reads by definition), except
  the portal Suitelet (`/app/site/hosting/scriptlet.nl`): opening a portal link makes NetSuite create a
  Stripe billing-portal session, a write in Stripe;
- two POSTs that are reads:
  - SuiteQL (`POST /services/rest/query/v1/suiteql`) sent with `Prefer: transient` and a query that
    starts with SELECT or WITH. The REST query service takes the query text in a POST body and "provides
    advanced dynamic query capabilities that can be used to access NetSuite records" (NetSuite help,
    "Executing SuiteQL Queries Through REST Web Services", section_157909186990; the request shape with
    `Prefer: transient` is in section_158394344595). The help does not say in words that no statement can
    change data (unconfirmed), so the first word is checked too: only a query passes;
  - the custsync RESTlet (`POST /app/site/hosting/restlet.nl`) with `action` columns, results or
    customers: the shipped script (deploy/netsuite/FileCabinet/SuiteScripts/custsync/custsync_search_restlet.js)
    only runs a saved search for these. Its `writeBack` writes the PayPack fields; its `portalLinks` signs bearer links with the
    secret NetSuite keeps, which a capture must never hold: both are refused.

An OAuth 2.0 token request (M2M sign-in) passes too: it changes nothing in the account.

Everything else (PATCH, PUT, DELETE, any other POST: Stripe creates and updates, billing-portal sessions,
NetSuite record writes) is refused with `WriteRefused`: nothing is sent, and the error says what was
refused and why.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from sync_core.errors import SyncError

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
RESTLET_PATH = "/app/site/hosting/restlet.nl"
SUITELET_PATH = "/app/site/hosting/scriptlet.nl"
READ_ACTIONS = frozenset({"columns", "results", "customers"})  # the RESTlet's actions that only read
READ_METHODS = frozenset({"GET", "HEAD"})
QUERY_STARTS = ("select", "with")


class WriteRefused(SyncError):
    """A request that could change NetSuite or Stripe, stopped before it was sent."""

    service = "read-only"


def _json_body(request: httpx.Request) -> Any:
    try:
        return json.loads(request.content or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def refusal(request: httpx.Request, sign_in_url: str | None = None) -> str | None:
    """Why this request is not a read (None: it is one and may be sent). `sign_in_url`, the OAuth 2.0 token
    endpoint the client signs in at: asking it for an access token changes nothing in the account."""
    method, path = request.method.upper(), request.url.path
    if sign_in_url is not None and method == "POST" and str(request.url.copy_with(query=None)) == sign_in_url:
        return None
    if method in READ_METHODS:
        if path == SUITELET_PATH:
            return "opening a portal link makes the Suitelet create a Stripe billing-portal session"
        return None
    if method != "POST":
        return f"{method} changes data"
    if path == SUITEQL_PATH:
        if request.headers.get("Prefer", "").strip().lower() != "transient":
            return "a SuiteQL request without `Prefer: transient`"
        body = _json_body(request)
        query = body.get("q") if isinstance(body, dict) else None
        if not isinstance(query, str) or not query.lstrip().lower().startswith(QUERY_STARTS):
            return "a SuiteQL request that is not a SELECT query"
        return None
    if path == RESTLET_PATH:
        body = _json_body(request)
        action = body.get("action") if isinstance(body, dict) else None
        if action in READ_ACTIONS:
            return None
        return f"the custsync RESTlet's {action!r} action is not one of its reads ({', '.join(sorted(READ_ACTIONS))})"
    return "POST creates or changes data"


def refuse_writes(sign_in_url: str | None = None) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook: raise WriteRefused for anything `refusal` names; the request is never sent."""

    async def hook(request: httpx.Request) -> None:
        why = refusal(request, sign_in_url)
        if why is not None:
            raise WriteRefused(
                f"refused {request.method} {request.url.host}{request.url.path}: {why}. This client is read-only "
                "(scenario capture) and sent nothing.",
                code="read_only",
                remedy="Capture only reads. Run the sync itself (custsync sync) to write.",
            )

    return hook


def make_read_only(client: httpx.AsyncClient, *, sign_in_url: str | None = None) -> None:
    """Install the hook on `client`, before any hook it has (so no other hook sees a refused request)."""
    hooks = client.event_hooks
    client.event_hooks = {**hooks, "request": [refuse_writes(sign_in_url), *hooks.get("request", [])]}


def refused_cause(exc: BaseException) -> WriteRefused | None:
    """The WriteRefused an HTTP library wrapped (the stripe package turns any transport error into its own)."""
    seen = exc
    while seen is not None:
        if isinstance(seen, WriteRefused):
            return seen
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return None
