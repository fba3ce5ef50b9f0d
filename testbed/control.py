"""Client of the mocks' control endpoints (/_mock/...): the only way testbed reaches their state."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from sync_core.tls import shared_ssl_context


class MockControlError(RuntimeError):
    pass


class MockControl:
    """One pooled connection for all calls: a new connection per call costs 27-55 ms against 1-3 ms
    (the test suite and scenarios make thousands of calls). Safe to share between threads."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(base_url=f"{self.url}/_mock/", timeout=self._timeout,
                                            verify=shared_ssl_context())
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> MockControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            response = self._http().request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise MockControlError(f"mock at {self.url} unreachable: {exc}") from None
        if response.status_code >= 400:
            raise MockControlError(f"{method} /_mock/{path} on {self.url}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def reset(self) -> None:
        self._call("POST", "reset")

    def state(self) -> dict[str, Any]:
        return self._call("GET", "state")

    def load(self, state: dict[str, Any]) -> None:
        self._call("PUT", "state", json=state)

    def faults(self, **settings: Any) -> dict[str, Any]:
        if settings:
            self._call("PUT", "faults", json=settings)
        return self._call("GET", "faults")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "requests")

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def set_portal(self, state: str, *, account: str | None = None, mode: str = "test") -> None:
        """Stripe mock: the portal configuration's state (`account`: the mock's own when not given)."""
        self._call("POST", "portal", json=_target(account, mode, state=state))

    def save_portal_settings(self, *, account: str | None = None, mode: str = "test",
                             customer_update: dict[str, Any] | None = None) -> dict[str, Any]:
        """Stripe mock: the Dashboard step (Settings -> Customer Portal -> Save) that makes the default; with
        `customer_update` ({"enabled", "allowed_updates"}), what customers may change in the portal."""
        body: dict[str, Any] = _target(account, mode)
        if customer_update is not None:
            body["customer_update"] = customer_update
        return self._call("POST", "portal/save-settings", json=body)

    def portal_edit(self, customer_id: str, changes: dict[str, Any], *, account: str | None = None,
                    mode: str = "test") -> dict[str, Any]:
        """Stripe mock: the customer changes their own details in the customer portal (as the portal
        configuration's features.customer_update allows); Stripe records a customer.updated event."""
        return self._call("POST", f"customers/{customer_id}/portal-edit",
                          json=_target(account, mode, changes=changes))

    def configure_portal_suitelet(self, **changes: Any) -> dict[str, Any]:
        """NetSuite mock: change the portal Suitelet's parameters (Stripe URL and key, return URL, secret)."""
        return self._call("PATCH", "portal-suitelet", json=changes)

    def suitelet_log(self) -> list[dict[str, Any]]:
        """NetSuite mock: the portal Suitelet's execution log (where the admin's remedies go)."""
        return self._call("GET", "portal-suitelet/log")

    def edit_stripe_customer(self, customer_id: str, changes: dict[str, Any], *, account: str | None = None,
                             mode: str = "test") -> dict[str, Any]:
        """Stripe mock: a Dashboard edit (metadata keys merge); Stripe records it as a customer.updated event."""
        return self._call("PATCH", f"customers/{customer_id}", json=_target(account, mode, changes=changes))

    def delete_stripe_customer(self, customer_id: str, *, account: str | None = None, mode: str = "test") -> None:
        """Stripe mock: a Dashboard delete; Stripe records it as a customer.deleted event."""
        self._call("DELETE", f"customers/{customer_id}", params=_target(account, mode))

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "clock", json={"advance_seconds": seconds})

    def login_audit(self) -> list[dict[str, Any]]:
        """NetSuite mock: the Login Audit Trail's Detail for every refused login (why NetSuite refused it)."""
        return self._call("GET", "login-audit")


def _target(account: str | None, mode: str, **more: Any) -> dict[str, Any]:
    """The Stripe mock's account and mode for a control call; without an account, the mock's own (its first)."""
    return {**({"account": account} if account else {}), "mode": mode, **more}
