"""Stripe through the official `stripe` package (StripeClient, async over httpx).

Stripe's two rate limits (the account's and each operation's: `limits`), bounded retries on 429/5xx/dropped
connections as the server steers them (`Stripe-Should-Retry`), idempotency keys on creates, and a guard that
lets a live key write only with an explicit confirmation.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import aclosing, contextmanager
from typing import Any
from urllib.parse import quote

import httpx
import stripe

from sync_core.errors import LiveModeRefused, StripeServiceError
from sync_core.read_only import make_read_only, refused_cause
from sync_core.retry import RetryPolicy, with_retries
from sync_core.rules.decide import is_portal_not_activated
from sync_core.stripe import limits as ops
from sync_core.stripe.limits import LimitSettings, StripeLimits
from sync_core.stripe.listing import DEFAULT_PARTITIONS, list_all

KEY_REMEDY = ("Check CUSTSYNC_STRIPE_API_KEY: a secret key (sk_test_/sk_live_ or a restricted rk_ key with "
              "Customers and Customer portal write access) of the right account.")


_ACCOUNT_IN_REFUSAL = re.compile(r"on account '?(acct_[A-Za-z0-9]+)'?")


CUSTOMER_EVENTS = ("customer.created", "customer.updated", "customer.deleted")


def _names_other_mode(message: str | None) -> bool:
    """Stripe's 404 for an id of the other mode: "… a similar object exists in test mode, but a live mode key
    was used to make this request." (and the reverse)."""
    text = (message or "").lower()
    return "similar object exists in" in text and " mode" in text


class PortalNotActivated(Exception):
    """Stripe refused a portal session: no active default portal configuration (R7)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _to_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _header(exc: BaseException, name: str) -> str | None:
    headers = getattr(exc, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _retry_after(exc: BaseException) -> float | None:
    """How long the server asks us to wait: its Retry-After header, else, for a 429, half of Stripe's
    one-second rate-limit window (retrying sooner only meets the same full window)."""
    value = _header(exc, "retry-after")
    try:
        if value is not None:
            return float(value)
    except ValueError:
        pass
    if isinstance(exc, stripe.RateLimitError) or getattr(exc, "http_status", None) == 429:
        return 0.5
    return None


def _retryable(exc: BaseException) -> bool:
    """The server's word first, as stripe-python's `_should_retry` takes it: `Stripe-Should-Retry: false`
    (e.g. a 500 saved under an idempotency key, which a retry would only replay) is final, `true` asks for a
    retry; without it, 429s, 409s, 5xx and dropped connections are retried (429s too, unlike stripe-python:
    the limiter spaces the retry). A request refused before it was sent (read-only) is never retried."""
    if refused_cause(exc) is not None:
        return False  # refused before it was sent (read-only): trying again is refused again
    says = _header(exc, "stripe-should-retry")
    if says in ("true", "false"):
        return says == "true"
    if isinstance(exc, (stripe.RateLimitError, stripe.APIConnectionError)):
        return True
    if isinstance(exc, stripe.StripeError):
        status = exc.http_status or 0
        return status == 409 or status >= 500 or exc.code == "rate_limit"
    return False


class StripeGateway:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        limits: LimitSettings | None = None,
        allow_writes_live: bool = False,
        timeout: float = 30.0,
        policy: RetryPolicy = RetryPolicy(),
        max_connections: int = 50,
        read_only: bool = False,
    ) -> None:
        """`read_only`: every write is refused before it is sent (sync_core.read_only), whatever the key."""
        self.base_url = base_url.rstrip("/")
        self.live = "_live_" in api_key[:8]
        self.allow_writes_live = allow_writes_live
        self._configured_live_writes = allow_writes_live
        self._live_confirmations = 0
        self._http = stripe.HTTPXClient(timeout=timeout)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": self.base_url},
            max_network_retries=0,  # our own retries, with our limiter between them
            http_client=self._http,
        )
        if read_only:
            self._make_read_only()
        # No burst: a burst on top of the full rate overflows Stripe's per-second window (429s). None: no limits.
        self.limits = StripeLimits(limits)
        self._policy = policy
        self.requests = 0
        self.retries = 0
        self._account_id: str | None = None
        self.list_pages = 0  # pages of GET /v1/customers read (all_customers)
        self.event_pages = 0  # pages of GET /v1/events read (customer_events)

    def _count_retry(self, exc: BaseException, attempt: int) -> None:
        self.retries += 1

    def _make_read_only(self) -> None:
        # The stripe package builds its httpx client itself and offers no hook; its attribute is checked, so a
        # release that renames it stops here instead of running unguarded.
        client = getattr(self._http, "_client_async", None)
        if not isinstance(client, httpx.AsyncClient):
            raise RuntimeError("this version of the stripe package has no httpx client to make read-only; "
                               "refusing to run a read-only gateway without the guard")
        make_read_only(client)

    async def aclose(self) -> None:
        close = getattr(self._http, "close_async", None)
        if close is not None:
            await close()

    @contextmanager
    def confirmed_live_writes(self) -> Iterator[None]:
        """Let writes pass the live-key guard for one write (or run) a person has just confirmed."""
        self._live_confirmations += 1
        self.allow_writes_live = True
        try:
            yield
        finally:
            self._live_confirmations -= 1
            if not self._live_confirmations:
                self.allow_writes_live = self._configured_live_writes

    def guard_write(self, what: str) -> None:
        """Refuse a write with a live key unless live writes were confirmed."""
        if self.live and not self.allow_writes_live:
            raise LiveModeRefused(
                f"refusing to {what}: the Stripe key is a live key",
                remedy="Use a test key, or confirm live writes with --yes-live (or [stripe] allow_live = true).",
            )

    async def _call(self, make: Callable[[], Any], operation: str) -> Any:
        """One request of the named `operation` through both limits (every attempt), with retries; every
        Stripe error becomes a StripeServiceError."""
        async def once() -> Any:
            async with self.limits.slot(operation):
                self.requests += 1
                return await make()

        try:
            return await with_retries(once, policy=self._policy, is_retryable=_retryable, retry_after=_retry_after,
                                      on_retry=self._count_retry)
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise StripeServiceError(exc.user_message or "authentication failed", status=exc.http_status,
                                     code=exc.code, remedy=KEY_REMEDY) from None
        except stripe.APIConnectionError as exc:
            refused = refused_cause(exc)
            if refused is not None:
                raise refused from None
            raise StripeServiceError(f"cannot reach Stripe at {self.base_url}: {exc.user_message or exc}",
                                     retryable=True, remedy="Check [stripe] base_url/target and the network.") from None
        except stripe.StripeError as exc:
            raise _service_error(exc) from None

    # --- customers -------------------------------------------------------

    async def retrieve(self, customer_id: str) -> dict[str, Any] | None:
        """The customer, `{'deleted': True, ...}` when deleted, None when it does not exist here."""
        return (await self.retrieve_linked(customer_id))[0]

    async def retrieve_linked(self, customer_id: str) -> tuple[dict[str, Any] | None, bool]:
        """Like `retrieve`, and whether Stripe said the id exists in the other mode (test vs live)."""
        try:
            obj = await self._call(lambda: self._client.v1.customers.retrieve_async(customer_id), ops.RETRIEVE)
        except StripeServiceError as exc:
            if exc.status == 404 or exc.code == "resource_missing":
                return None, _names_other_mode(exc.message)
            raise
        return _to_dict(obj), False

    async def _customers(self, make: Callable[[], Any], operation: str) -> list[dict[str, Any]]:
        page = await self._call(make, operation)
        return [_to_dict(c) for c in page.data]

    async def list_by_email(self, email: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Customers whose email equals `email` exactly (Stripe's filter is case-sensitive)."""
        return await self._customers(lambda: self._client.v1.customers.list_async({"email": email, "limit": limit}),
                                     ops.LIST)

    async def all_customers(self, *, partitions: int | None = None) -> AsyncGenerator[list[dict[str, Any]], None]:
        """Every (non-deleted) customer of the account, a page (up to 100) at a time, in no particular order.

        Lists `partitions` (default 8) disjoint `created` ranges at once, adapting them to the account
        (stripe_listing), each request through the rate limiter and retries; `list_pages` counts the pages.
        A customer created during the listing is not listed (one deleted meanwhile may be). To stop early,
        iterate inside `contextlib.aclosing(...)` (or call aclose()): the pages in flight are cancelled."""
        async with aclosing(list_all(self._list_page, partitions=partitions or DEFAULT_PARTITIONS)) as pages:
            async for page in pages:
                yield page

    async def customers_since(self, since: int, *, partitions: int = 1) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The (non-deleted) customers created at or after `since` (Stripe's clock, unix seconds), a page at a
        time, as `all_customers` lists them (Stripe's list: consistent, unlike search)."""
        async with aclosing(list_all(self._list_page, partitions=partitions, since=max(since, 1))) as pages:
            async for page in pages:
                yield page

    async def _list_page(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        page = await self._raw_page("/v1/customers", params)
        self.list_pages += 1
        return page

    async def _raw_page(self, path: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        """One page of a list endpoint through the official client's raw request, as plain dicts, and whether
        more follow: building StripeObjects for 100 customers costs the client about 25 ms a page, which
        listing a large account would feel."""
        response = await self._call(lambda: self._client.raw_request_async("get", path, **params), f"GET {path}")
        body = response.data if isinstance(response.data, dict) else {}
        return list(body.get("data") or []), bool(body.get("has_more"))

    # --- events ----------------------------------------------------------

    async def customer_events(self, since: int, *, partitions: int | None = None) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The customer.created/updated/deleted events created at or after `since` (Stripe's clock, unix
        seconds), a page at a time in no particular order (newest first within a page), listed as
        `all_customers` lists: several `created` ranges at once. Stripe lists events of the last 30 days
        (https://docs.stripe.com/api/events/list); to stop early, iterate inside `contextlib.aclosing(...)`."""
        async with aclosing(list_all(self._event_page, partitions=partitions or DEFAULT_PARTITIONS,
                                     since=since)) as pages:
            async for page in pages:
                yield page

    async def newest_customer_event(self) -> dict[str, Any] | None:
        """The account's newest customer event (of the last 30 days), None when there is none."""
        events, _ = await self._event_page({"limit": 1})
        return events[0] if events else None

    async def _event_page(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        # `types`, not `type=customer.*`: the wildcard also matches customer.subscription.*, customer.source.*
        # and the like, whose objects are not customers and which a billing account has many of.
        page = await self._raw_page("/v1/events", {"types": list(CUSTOMER_EVENTS), **params})
        self.event_pages += 1
        return page

    async def search(self, query: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Stripe search: eventually consistent, so never used for read-after-write.

        Search has its own limit besides the account's: "up to 20 read operations per second ... for all
        search endpoints" (https://docs.stripe.com/search#rate-limits), [stripe] search_requests_per_second."""
        return await self._customers(lambda: self._client.v1.customers.search_async({"query": query, "limit": limit}),
                                     ops.SEARCH_CUSTOMERS)

    async def create(self, params: dict[str, Any], *, idempotency_key: str) -> tuple[dict[str, Any], bool]:
        """Create a customer; returns it and whether Stripe replayed an earlier create for this key.

        Creates and updates go through the official client's raw request, as list pages do: a mass sync sends
        thousands, and building a StripeObject for each response costs the client about a millisecond that the
        plain JSON does not (the request, its encoding, retries and errors are the client's own)."""
        self.guard_write("create a Stripe customer")
        response = await self._call(lambda: self._client.raw_request_async(
            "post", "/v1/customers", idempotency_key=idempotency_key, **params), ops.CREATE)
        headers = response.headers or {}
        replayed = str(headers.get("Idempotent-Replayed", headers.get("idempotent-replayed", ""))).lower() == "true"
        return dict(response.data), replayed

    async def update(self, customer_id: str, params: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Update a customer. custsync sends its own key (`custsync-...`): retries replay instead of writing twice,
        and Stripe's customer.updated event names the key, so a later run tells custsync's writes from others'."""
        self.guard_write("update a Stripe customer")
        keyed = {"idempotency_key": idempotency_key} if idempotency_key else {}
        response = await self._call(lambda: self._client.raw_request_async(
            "post", f"/v1/customers/{quote(customer_id, safe='')}", **keyed, **params), ops.UPDATE)
        return dict(response.data)

    # --- billing portal --------------------------------------------------

    async def portal_session_url(self, customer_id: str, return_url: str) -> str:
        self.guard_write("create a billing-portal session")
        try:
            session = await self._call(lambda: self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}), ops.PORTAL_SESSION)
        except StripeServiceError as exc:
            if is_portal_not_activated(exc.status, exc.message):
                raise PortalNotActivated(exc.message) from None
            raise
        return str(session.url)

    async def default_portal_configuration_active(self) -> bool:
        return await self.default_portal_configuration_state() == "active"

    async def default_portal_configuration_state(self) -> str:
        """"active", "inactive" (a default configuration, switched off) or "none" (the portal settings were
        never saved in the Dashboard, so no default exists: R7)."""
        configuration = await self.default_portal_configuration()
        if configuration is None:
            return "none"
        return "active" if configuration.get("active") else "inactive"

    async def default_portal_configuration(self) -> dict[str, Any] | None:
        """The account's default customer-portal configuration (None: not saved in the Dashboard yet, R7)."""
        page = await self._call(lambda: self._client.v1.billing_portal.configurations.list_async(
            {"is_default": True, "limit": 1}), ops.PORTAL_CONFIGURATIONS)
        return _to_dict(page.data[0]) if page.data else None

    async def account_id(self) -> str:
        """The id (acct_...) of the account the key belongs to: GET /v1/account, asked once per gateway.

        A restricted key is refused that endpoint (403) unless it has a permission Stripe does not
        always offer (dj-stripe/dj-stripe#1131; stripe/stripe-node#2246 names rak_accounts_kyc_id_numbers_read);
        the refusal names the account ("... on account 'acct_...'"), so that id is taken from it.
        Unconfirmed: that the wording stays so; when it names no account the key's owner must widen it."""
        if self._account_id is None:
            try:
                account = await self._call(lambda: self._client.v1.accounts.retrieve_current_async(), ops.ACCOUNT)
                self._account_id = str(account.id)
            except StripeServiceError as exc:
                named = _ACCOUNT_IN_REFUSAL.search(exc.message or "") if exc.status == 403 else None
                if named is None:
                    raise
                self._account_id = named.group(1)
        return self._account_id

    @property
    def mode(self) -> str:
        """"test" or "live": Stripe keeps the two modes' data apart, and the key says which one it reaches."""
        return "live" if self.live else "test"

    async def check_key(self) -> None:
        """A cheap authenticated read; raises StripeServiceError with a remedy on a bad key."""
        await self._call(lambda: self._client.v1.customers.list_async({"limit": 1}), ops.LIST)


def _service_error(exc: stripe.StripeError) -> StripeServiceError:
    status = exc.http_status
    remedy = None
    if status == 429 or exc.code == "rate_limit":
        remedy = ("Lower [stripe] requests_per_second or operation_requests_per_second (Stripe allows 25/s in test "
                  "mode, 100/s live, and 25/s for each operation) or run fewer syncs at once.")
    elif status is not None and status >= 500:
        remedy = "Stripe failed on its side; try again later (custsync already retried)."
    elif isinstance(exc, stripe.IdempotencyError):
        remedy = "The NetSuite record changed since a create was attempted for it; run the sync again in a few minutes."
    err_type = getattr(getattr(exc, "error", None), "type", None)
    message = exc.user_message or str(exc) or type(exc).__name__
    if err_type and err_type not in ("invalid_request_error", "api_error", "card_error", "idempotency_error"):
        message = f"{message} (error type {err_type!r})"
    code = exc.code or ("idempotency_error" if isinstance(exc, stripe.IdempotencyError) else None)
    return StripeServiceError(message, status=status, code=code, remedy=remedy, retryable=_retryable(exc))
