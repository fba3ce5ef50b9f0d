"""Client of the mocks' control endpoints (/_mock/...): the only way testbed reaches their state."""

from __future__ import annotations

from typing import Any

import httpx


class MockControlError(RuntimeError):
    pass


class MockControl:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            response = httpx.request(method, f"{self.url}/_mock/{path}", timeout=self._timeout, **kw)
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

    def save_portal_settings(self, *, account: str | None = None, mode: str = "test") -> None:
        """Stripe mock: the Dashboard step (Settings -> Customer Portal -> Save) that makes the default."""
        self._call("POST", "portal/save-settings", json=_target(account, mode))

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


def _target(account: str | None, mode: str, **more: Any) -> dict[str, Any]:
    """The Stripe mock's account and mode for a control call; without an account, the mock's own (its first)."""
    return {**({"account": account} if account else {}), "mode": mode, **more}
