"""NetSuite client: SuiteTalk REST record service, SuiteQL and the custsync RESTlet.

httpx (async), signed in by the auth it is given (`netsuite.auth`: OAuth 2.0 M2M bearer tokens, or
TBA). Caps its own in-flight requests at the account's concurrency limit and
retries 429/5xx/dropped connections with backoff; turns NetSuite's error
bodies into NetSuiteError with the code, the detail and a remedy.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from sync_core.errors import NetSuiteError
from sync_core.read_only import make_read_only
from sync_core.retry import RetryPolicy, with_retries
from sync_core.rules.ids import internal_id as checked_internal_id
from sync_core.rules.mapping import SearchColumn
from sync_core.tls import shared_ssl_context

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
PORTAL_LINKS_BATCH = 1000  # the RESTlet's limit per portalLinks call
WRITE_BACK_BATCH = 500  # the RESTlet's limit per writeBack call (governance: 5 units a record of 5,000)
ID_RANGES_PER_CALL = 1000  # the RESTlet's limit of idRanges pairs per customers call
WRITE_BACK_STALLS = 3  # calls in a row that write nothing before the ids left are given up
RETRYABLE_CODES = {"CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED"}

LOGIN_CODES = {"INVALID_LOGIN", "INVALID_LOGIN_ATTEMPT"}  # REST and RESTlet words for a refused login (401)
REMEDIES = {
    "NONEXISTENT_ID": "Check the customer's internal id (Lists > Relationships > Customers, column Internal ID).",
    "INVALID_CONTENT": "Check that the field ids in [netsuite] (stripe_id_field, portal_url_field) exist on "
    "the customer record (Customization > Lists, Records, & Fields > Entity Fields).",
    "CONCURRENCY_LIMIT_EXCEEDED": "Lower [netsuite] concurrency to your account's limit (5 standard, "
    "15 premium, 20 enterprise, +10 per SuiteCloud Plus licence) or stop other integrations.",
    "SSS_REQUEST_LIMIT_EXCEEDED": "Lower [netsuite] concurrency (see CONCURRENCY_LIMIT_EXCEEDED).",
    "SSS_INVALID_SCRIPTLET_ID": "Deploy the SDF project deploy/netsuite (suitecloud project:deploy): its RESTlet "
    "custsync_search_restlet.js, released; and set [netsuite] restlet_script / restlet_deploy to its ids.",
    "INVALID_ACTION": "Deploy the current SDF project deploy/netsuite (suitecloud project:deploy): the deployed "
    "custsync_search_restlet.js lacks an action "
    "custsync needs (portalLinks gives the signed portal links; customers and writeBack serve the mass sync).",
    "INVALID_FIELD": "Check the field ids in [netsuite] (stripe_id_field, portal_url_field) and the saved "
    "search's columns: each must be a customer field (Customization > Lists, Records, & Fields > Entity Fields).",
    "FIELD_NOT_ALLOWED": "Add the field to the RESTlet deployment's parameter custscript_custsync_writeback_fields "
    "(Customization > Scripting > Script Deployments > custsync saved search RESTlet), or correct [netsuite] "
    "stripe_id_field / portal_url_field.",
    "PORTAL_NOT_CONFIGURED": "Deploy the SDF project deploy/netsuite again (suitecloud project:deploy sets the "
    "RESTlet's portal parameters), or set custscript_custsync_portal_script and custscript_custsync_portal_deploy "
    "on the RESTlet deployment to the portal Suitelet's script and deployment ids.",
    "RCRD_DSNT_EXIST": "The customer was deleted in NetSuite after it was read; nothing to write back.",
    "INVALID_FLD_VALUE": "Check the field's type and length on the customer record (a Free-Form Text field holds "
    "300 characters; use a Hyperlink or Text Area field for longer values).",
    "RCRD_HAS_BEEN_CHANGED": "Someone saved the customer at the same time; run the sync again.",
    "RCRD_LOCKED_BY_WF": "A workflow locks the customer (its Lock Record action); the next run tries again once "
                         "the workflow leaves that state, or exclude the customer from the saved search.",
    "INVALID_SEARCH": "Check the saved search id in [netsuite] (customer_sync_search / "
    "mass_customer_sync_search): it must exist, be a customer search, and be shared with the token's role.",
}


class NetSuiteClient:
    def __init__(
        self,
        *,
        rest_url: str,
        restlet_url: str,
        auth: httpx.Auth,
        concurrency: int = 5,
        timeout: float = 30.0,
        policy: RetryPolicy = RetryPolicy(),
        restlet_script: str = "customscript_custsync_search",
        restlet_deploy: str = "customdeploy_custsync_search",
        transport: httpx.AsyncBaseTransport | None = None,
        read_only: bool = False,
    ) -> None:
        """`read_only`: every write is refused before it is sent (sync_core.read_only)."""
        self.rest_url = rest_url.rstrip("/")
        self.restlet_url = restlet_url.rstrip("/")
        self.restlet_params = {"script": restlet_script, "deploy": restlet_deploy}
        self._gate = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self._policy = policy
        self.requests = 0
        self.retries = 0
        self.auth = auth
        self._http = httpx.AsyncClient(
            auth=auth,
            verify=shared_ssl_context(),
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"Accept": "application/json"},
        )
        if hasattr(auth, "attach"):
            auth.attach(self._http)  # token requests go through this client: same timeouts, same connections
        if read_only:
            make_read_only(self._http, sign_in_url=getattr(auth, "token_url", None))

    async def sign_in(self) -> None:
        """Ask for an access token now (OAuth 2.0), so that refused credentials stop a command before any work;
        TBA signs each request and has nothing to ask."""
        access_token = getattr(self.auth, "access_token", None)
        if access_token is None:
            return

        async def once() -> None:
            try:
                await access_token()
            except httpx.TransportError as exc:
                raise _transport_error(exc, self.rest_url) from exc

        await with_retries(once, policy=self._policy, on_retry=self._count_retry,
                           is_retryable=lambda exc: isinstance(exc, NetSuiteError) and exc.retryable)

    def _count_retry(self, exc: BaseException, attempt: int) -> None:
        self.retries += 1

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> NetSuiteClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- transport -------------------------------------------------------

    async def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        async def once() -> httpx.Response:
            async with self._gate:
                self.requests += 1
                try:
                    response = await self._http.request(method, url, **kw)
                except httpx.TransportError as exc:
                    raise _transport_error(exc, url) from exc
            if response.status_code >= 300:
                raise self._error(response)
            return response

        return await with_retries(
            once,
            policy=self._policy,
            is_retryable=lambda exc: isinstance(exc, NetSuiteError) and exc.retryable,
            on_retry=self._count_retry,
        )

    def _error(self, response: httpx.Response) -> NetSuiteError:
        status = response.status_code
        if 300 <= status < 400:
            return NetSuiteError(
                f"unexpected redirect ({status}) to {response.headers.get('location', '?')}",
                status=status,
                remedy="Check [netsuite] account and rest_url: NetSuite redirects requests sent to the wrong "
                "data center or host.",
            )
        body = _json_or_none(response)
        code, detail, path = None, None, None
        if isinstance(body, dict) and isinstance(body.get("o:errorDetails"), list) and body["o:errorDetails"]:
            first = body["o:errorDetails"][0] or {}
            code, detail, path = first.get("o:errorCode"), first.get("detail"), first.get("o:errorPath")
        elif isinstance(body, dict) and isinstance(body.get("error"), dict):  # RESTlet shape
            code, detail = body["error"].get("code"), body["error"].get("message")
        if detail is None:
            detail = _describe_body(response) if body is None else (body.get("title") if isinstance(body, dict) else None)
        message = f"{status} {detail or response.reason_phrase}"
        if path:
            message += f" (field {path})"
        retryable = status in RETRYABLE_STATUS or code in RETRYABLE_CODES
        if status == 401 or code in LOGIN_CODES:
            remedy = (self.auth.refused_remedy(str(response.request.url)) if hasattr(self.auth, "refused_remedy")
                      else "Check the NetSuite credentials ([netsuite] auth and its settings).")
        else:
            remedy = REMEDIES.get(code or "")
        if remedy is None and status >= 500:
            remedy = "NetSuite failed on its side; try again later (custsync already retried)."
        return NetSuiteError(message, code=code, status=status, retryable=retryable, remedy=remedy)

    async def _json(self, method: str, url: str, **kw: Any) -> Any:
        response = await self._send(method, url, **kw)
        body = _json_or_none(response)
        if body is None:
            raise NetSuiteError(
                f"{_host(url)} answered {response.status_code} with {_describe_body(response)}, not JSON",
                status=response.status_code,
                remedy="Check [netsuite] rest_url / restlet_url: they must point at SuiteTalk REST and RESTlet hosts.",
            )
        return body

    # --- record service --------------------------------------------------

    def record_url(self, record_id: str | None = None) -> str:
        """The customer collection, or one customer: an id that is not a whole number is refused here
        (InvalidInternalId), so `../x` or `1?y=1` never changes the request's path or query."""
        base = f"{self.rest_url}/services/rest/record/v1/customer"
        return f"{base}/{checked_internal_id(record_id)}" if record_id is not None else base

    async def get_customer(self, internal_id: str) -> dict[str, Any]:
        body = await self._json("GET", self.record_url(internal_id), params={"expandSubResources": "true"})
        if not isinstance(body, dict) or "id" not in body:
            raise NetSuiteError(f"customer {internal_id}: the record has no id field; unexpected response shape")
        return body

    async def patch_customer(self, internal_id: str, fields: dict[str, Any]) -> None:
        await self._send("PATCH", self.record_url(internal_id), json=fields)

    async def list_customer_ids(self, q: str | None = None, limit: int = 1000) -> AsyncIterator[list[str]]:
        offset = 0
        while True:
            params: dict[str, Any] = {"limit": limit, "offset": offset}
            if q:
                params["q"] = q
            body = await self._json("GET", self.record_url(), params=params)
            yield [str(item["id"]) for item in body.get("items", [])]
            if not body.get("hasMore"):
                return
            offset += limit

    # --- SuiteQL ---------------------------------------------------------

    async def suiteql_page(self, query: str, *, limit: int = 1000, offset: int = 0) -> dict[str, Any]:
        """One page: {"items": [...], "hasMore": bool, "totalResults": int} (links dropped from items)."""
        url = f"{self.rest_url}/services/rest/query/v1/suiteql"
        body = await self._json("POST", url, params={"limit": limit, "offset": offset},
                                json={"q": query}, headers={"Prefer": "transient"})
        if not isinstance(body, dict):
            raise NetSuiteError("SuiteQL answered with something other than a JSON object")
        items = [{k: v for k, v in item.items() if k != "links"} for item in body.get("items", [])]
        return {"items": items, "hasMore": bool(body.get("hasMore")), "totalResults": body.get("totalResults")}

    async def suiteql(self, query: str, *, limit: int = 1000) -> AsyncIterator[list[dict[str, Any]]]:
        offset = 0
        while True:
            page = await self.suiteql_page(query, limit=limit, offset=offset)
            yield page["items"]
            if not page["hasMore"]:
                return
            offset += limit

    async def suiteql_all(self, query: str, *, limit: int = 1000) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        async for page in self.suiteql(query, limit=limit):
            rows.extend(page)
        return rows

    async def deployment_status(self, deployment_id: str) -> str | None:
        """Status of a script deployment ('RELEASED', 'TESTING', ...), None when it does not exist."""
        if not deployment_id.replace("_", "").isalnum():
            raise ValueError(f"not a script deployment id: {deployment_id!r}")
        rows = await self.suiteql_all(
            f"SELECT scriptid, status FROM scriptdeployment WHERE LOWER(scriptid) = '{deployment_id.lower()}'", limit=5)
        return str(rows[0].get("status", "")).upper() if rows else None

    # --- RESTlet (saved searches) -----------------------------------------

    async def _restlet(self, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.restlet_url}/app/site/hosting/restlet.nl"
        body = await self._json("POST", url, params=self.restlet_params, json=payload)
        if not isinstance(body, dict):
            raise NetSuiteError("the custsync RESTlet answered with something other than a JSON object",
                                remedy=REMEDIES["SSS_INVALID_SCRIPTLET_ID"])
        return body

    async def search_columns(self, search_id: str) -> list[SearchColumn]:
        body = await self._restlet({"action": "columns", "searchId": search_id})
        return [_column(c) for c in body.get("columns", [])]

    async def search_pages(self, search_id: str, *, page_size: int = 1000) -> AsyncIterator[list[str]]:
        """Internal ids of the customers the saved search's criteria choose, a page at a time."""
        page = 0
        while True:
            body = await self._restlet({"action": "results", "searchId": search_id, "page": page, "pageSize": page_size})
            yield [str(r["id"]) for r in body.get("results", [])]
            if not body.get("hasMore"):
                return
            page += 1

    async def customer_rows(self, search_id: str, columns_from: str, fields: list[str], *,
                            modified_after: datetime | None = None, page_size: int = 1000) -> AsyncIterator[dict]:
        """The RESTlet's `customers` pages: each page's JSON as the RESTlet answers it ({"columns",
        "pageCount", "totalResults", "results": [{"id", "lastModifiedDate", "values"}], ...}), each customer
        once.

        Page 0 tells the page count; the other pages are fetched concurrently (at most as many ahead as
        the client's concurrency, which the semaphore bounds anyway). Pages are offsets into a live search
        sorted by internal id, so a customer that leaves or enters the search while they are read shifts
        the pages read after it by one: a customer crosses a page boundary unread, or is read twice, or
        the last page is gone. So a row not above the last id already given is dropped, a page past the
        search's end is empty, and when there were several pages one more call (more only past 1,000
        pages) asks for the customers strictly between each two pages read and after the last
        (`idRanges`). Its rows come last, out of id order; when nothing moved it finds none.
        """
        payload: dict[str, Any] = {"action": "customers", "searchId": search_id, "columnsFrom": columns_from,
                                   "fields": list(fields), "pageSize": page_size}
        if modified_after is not None:
            if modified_after.tzinfo is None:
                raise ValueError("modified_after must be timezone-aware (which instant is it otherwise?)")
            payload["modifiedAfter"] = modified_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        async def page(number: int, ask: dict[str, Any] = payload) -> dict[str, Any]:
            try:
                body = await self._restlet({**ask, "page": number})
            except NetSuiteError as exc:
                if number and exc.code == "INVALID_PAGE_RANGE":  # the search shrank since page 0 was read
                    return {"page": number, "results": []}
                raise
            if not isinstance(body.get("results"), list) or body.get("page", number) != number:
                raise NetSuiteError(f"the custsync RESTlet answered page {number} of {search_id} without its results",
                                    remedy=REMEDIES["INVALID_ACTION"])
            return body

        first = await page(0)
        yield first
        page_count = int(first.get("pageCount") or 0)
        last = max((int(r["id"]) for r in first["results"]), default=None)
        between: list[list[int | None]] = []
        ahead = max(1, self.concurrency)
        pending: dict[int, asyncio.Task] = {}
        try:
            for number in range(1, page_count):
                for upcoming in range(number, min(number + ahead, page_count)):
                    if upcoming not in pending:
                        pending[upcoming] = asyncio.ensure_future(page(upcoming))
                body = await pending.pop(number)
                fresh = [r for r in body["results"] if last is None or int(r["id"]) > last]
                if fresh:
                    if last is not None:
                        between.append([last, int(fresh[0]["id"])])
                    last = int(fresh[-1]["id"])
                yield {**body, "results": fresh}
        finally:
            for task in pending.values():
                task.cancel()
            if pending:
                await asyncio.gather(*pending.values(), return_exceptions=True)
        if page_count < 2 or last is None:
            return  # one page is one read: nothing could move between pages
        between.append([last, None])
        async for body in self._ranged_rows(payload, between, page, "checks that no customer was missed while the "
                                            "search's pages were read"):
            yield body

    async def customer_rows_of(self, search_id: str, columns_from: str, fields: list[str],
                               internal_ids: list[str]) -> AsyncIterator[dict]:
        """The RESTlet's `customers` rows of these customers only, those the search still chooses (one that
        left it, or was deleted, is not in them): an idRanges pair around each id, 1,000 a call. A scheduled run
        reads the customers earlier runs left owed this way."""
        ids = sorted({int(i) for i in internal_ids})
        payload: dict[str, Any] = {"action": "customers", "searchId": search_id, "columnsFrom": columns_from,
                                   "fields": list(fields), "pageSize": 1000}

        async def page(number: int, ask: dict[str, Any]) -> dict[str, Any]:
            return await self._restlet({**ask, "page": number})

        async for body in self._ranged_rows(payload, [[i - 1, i + 1] for i in ids], page,
                                            "reads the customers earlier runs left unsynced"):
            yield body

    async def _ranged_rows(self, payload: dict[str, Any], ranges: list[list[int | None]],
                           page: Callable[[int, dict[str, Any]], Awaitable[dict[str, Any]]],
                           needed_for: str) -> AsyncIterator[dict]:
        for k in range(0, len(ranges), ID_RANGES_PER_CALL):
            ask = {**payload, "idRanges": ranges[k:k + ID_RANGES_PER_CALL]}
            number, more = 0, True
            while more:
                body = await page(number, ask)
                if number == 0 and body.get("idRanges") != ask["idRanges"]:  # an older script ignores it: the whole search
                    raise NetSuiteError(f"the custsync RESTlet does not know idRanges, which {needed_for}",
                                        code="INVALID_ACTION", remedy=REMEDIES["INVALID_ACTION"])
                yield body
                number, more = number + 1, number + 1 < int(body.get("pageCount") or 0)

    async def signing_key_id(self) -> str | None:
        """Which key the RESTlet signs portal links with now (a digest of the secret, never the secret); None
        from a script too old to say (its `signingKey` action is unknown)."""
        try:
            body = await self._restlet({"action": "signingKey"})
        except NetSuiteError as exc:
            if exc.code == "INVALID_ACTION":
                return None
            raise
        key = body.get("signingKeyId")
        return key if isinstance(key, str) and key else None

    async def write_back(self, updates: list[tuple[str, dict[str, Any]]]) -> dict[str, NetSuiteError | None]:
        """Write fields of many customers through the RESTlet's writeBack action (R5), WRITE_BACK_BATCH a call.

        Returns, per internal id, None (written) or a NetSuiteError naming the customer, NetSuite's code
        and a remedy. Ids the RESTlet did not reach (its usage ran low) are sent again; a call that fails
        as a whole (after the client's retries) gives its error to every id of that call; after a timeout
        or a 5xx whether those were written is unknown (the message says which). An id given twice is
        written with its last values.
        """
        outcome: dict[str, NetSuiteError | None] = {}
        values = {cid: fields for cid, fields in updates}
        batches = [list(values)[start:start + WRITE_BACK_BATCH] for start in range(0, len(values), WRITE_BACK_BATCH)]
        await asyncio.gather(*(self._write_back_batch(batch, values, outcome) for batch in batches))
        return outcome

    async def _write_back_batch(self, ids: list[str], values: dict[str, dict[str, Any]],
                                outcome: dict[str, NetSuiteError | None]) -> None:
        stalls = 0
        while ids:
            try:
                body = await self._restlet({"action": "writeBack",
                                            "updates": [{"id": cid, "values": values[cid]} for cid in ids]})
            except NetSuiteError as exc:
                # The script checks the whole call before its first write: its own 400 means nothing was written.
                known = "nothing was written" if exc.status == 400 and exc.code else "it may or may not be written"
                for cid in ids:
                    outcome[cid] = NetSuiteError(f"customer {cid}: the write-back call failed, {known}: {exc.message}",
                                                 code=exc.code, status=exc.status, retryable=exc.retryable,
                                                 remedy=exc.remedy)
                return
            for entry in body.get("results") or []:
                got_id = str(entry.get("id")) if isinstance(entry, dict) else None
                if got_id in values:
                    outcome[got_id] = None if entry.get("ok") is True else _write_back_error(got_id, entry.get("error"))
            asked = set(ids)
            unprocessed = [str(cid) for cid in body.get("unprocessed") or [] if str(cid) in asked]
            silent = [cid for cid in ids if cid not in outcome and cid not in unprocessed]
            for cid in silent:
                outcome[cid] = NetSuiteError(f"customer {cid}: the custsync RESTlet did not report the write-back",
                                             remedy=REMEDIES["INVALID_ACTION"])
            stalls = stalls + 1 if len(unprocessed) == len(ids) else 0
            if stalls >= WRITE_BACK_STALLS:
                for cid in unprocessed:
                    outcome[cid] = NetSuiteError(
                        f"customer {cid}: not written back; the RESTlet's usage ran out {stalls} calls in a row "
                        f"(remaining usage {body.get('remainingUsage')})", code="SSS_USAGE_LIMIT_EXCEEDED",
                        retryable=True, remedy="Scripts triggered by saving a customer may use the RESTlet's "
                        "governance; run the sync again, or check the customer's user event scripts.")
                return
            ids = unprocessed

    async def portal_links(self, internal_ids: list[str], *, held: Mapping[str, str] | None = None) -> dict[str, str]:
        """The current signed portal link of each customer (R6), computed by the RESTlet where the secret lives.

        At most PORTAL_LINKS_BATCH ids a call; the links are bearer links: never log them unmasked. `held`: the
        link each customer's field holds; a current one is given back as that same string, so that a mass sync
        of 100,000 customers does not hold each link twice (keys, too, are the caller's own strings).
        """
        held = held or {}

        async def batch(ids: list[str]) -> dict[str, str]:
            asked = {i: i for i in ids}
            body = await self._restlet({"action": "portalLinks", "customerIds": ids})
            got: dict[str, str] = {}
            for entry in body.get("links", []):
                if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                    cid = str(entry.get("id"))
                    cid, url = asked.get(cid, cid), entry["url"]
                    got[cid] = current if (current := held.get(cid, url)) == url else url
            missing = [i for i in ids if i not in got]
            if missing:
                raise NetSuiteError(f"the custsync RESTlet gave no portal link for customer(s) {', '.join(missing[:5])}",
                                    remedy="Deploy the current SDF project deploy/netsuite (suitecloud project:deploy; "
                                    "its custsync_search_restlet.js has the portalLinks action) and set its portal "
                                    "Suitelet script parameters.")
            return got

        # The calls go at once; the client's concurrency limit (NetSuite's, shared) spaces them.
        links: dict[str, str] = {}
        for got in await asyncio.gather(*(batch(internal_ids[k:k + PORTAL_LINKS_BATCH])
                                          for k in range(0, len(internal_ids), PORTAL_LINKS_BATCH))):
            links.update(got)
        return links


def _write_back_error(cid: str, error: Any) -> NetSuiteError:
    error = error if isinstance(error, dict) else {}
    code = error.get("code") or "UNKNOWN_ERROR"
    detail = error.get("message") or "no message"
    retryable = code in {"RCRD_HAS_BEEN_CHANGED", "RCRD_LOCKED_BY_WF"}
    return NetSuiteError(f"customer {cid}: NetSuite refused the write-back: {detail}", code=code, retryable=retryable,
                         remedy=REMEDIES.get(code) or "Open the customer in NetSuite and save it by hand: the form "
                         "shows what NetSuite objects to.")


def _column(raw: dict[str, Any]) -> SearchColumn:
    return SearchColumn(name=str(raw["name"]).lower(), label=raw.get("label"), join=raw.get("join"), summary=raw.get("summary"))


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _describe_body(response: httpx.Response) -> str:
    ctype = response.headers.get("content-type", "no content type").split(";")[0]
    if not response.content:
        return "an empty body"
    if "html" in ctype or response.content.lstrip()[:1] == b"<":
        return f"an HTML page ({ctype})"
    return f"a body that is not valid JSON ({ctype}, {len(response.content)} bytes)"


def _transport_error(exc: httpx.TransportError, url: str) -> NetSuiteError:
    if isinstance(exc, httpx.TimeoutException):
        return NetSuiteError(f"no answer from {_host(url)} in time ({type(exc).__name__})",
                             retryable=True, remedy="Check the network; raise [netsuite] timeout_seconds.")
    return NetSuiteError(f"connection to {_host(url)} failed: {exc or type(exc).__name__}",
                         retryable=True, remedy="Check [netsuite] rest_url and the network.")


def _host(url: str) -> str:
    return httpx.URL(url).host or url

