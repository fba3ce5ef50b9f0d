"""Errors the engine reports: each carries what went wrong and what to do about it."""

from __future__ import annotations


class SyncError(Exception):
    """An error with a cause a person can act on."""

    service = "custsync"
    rule: str | None = None  # the rule an error breaks, when it is one (a customer's outcome shows it)

    def __init__(self, message: str, *, remedy: str | None = None, code: str | None = None,
                 status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        self.code = code
        self.status = status
        self.retryable = retryable

    def __str__(self) -> str:
        parts = [f"{self.service}: {self.message}"]
        if self.code:
            parts[0] += f" [{self.code}]"
        if self.remedy:
            parts.append(f"Remedy: {self.remedy}")
        return "\n".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {"service": self.service, "message": self.message, "code": self.code,
                "status": self.status, "remedy": self.remedy}


class NetSuiteError(SyncError):
    service = "NetSuite"


class CredentialsRefused(NetSuiteError):
    """NetSuite refused custsync's own credentials (its token request): a configuration to mend, not a
    customer's problem. The CLI exits 2 when this comes before any work."""


class StripeServiceError(SyncError):
    service = "Stripe"


class MappingError(SyncError):
    service = "mapping (R9)"
    rule = "R9"  # the customer's outcome names the rule though no decision was taken


class LiveModeRefused(SyncError):
    service = "Stripe"
