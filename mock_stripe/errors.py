"""Stripe-shaped API errors: {"error": {"type", "code", "message", "param", "doc_url"}}."""

from __future__ import annotations


class StripeError(Exception):
    """An error answered to the client in Stripe's shape.

    `executed` False means the endpoint never began executing (bad parameters,
    auth, rate limits): Stripe saves no idempotent result for those.
    """

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None, executed: bool = True,
                 headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.executed = executed
        self.headers = headers or {}

    def body(self) -> dict:
        err = {"type": self.type}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = "https://stripe.com/docs/error-codes/" + self.code.replace("_", "-")
        err["message"] = self.message
        if self.param:
            err["param"] = self.param
        return {"error": err}


def resource_missing(label: str, obj_id: str, param: str = "id", status: int = 404) -> StripeError:
    return StripeError(status, f"No such {label}: '{obj_id}'", code="resource_missing", param=param)


def unknown_parameter(name: str) -> StripeError:
    return StripeError(400, f"Received unknown parameter: {name}", code="parameter_unknown",
                       param=name, executed=False)


def missing_parameter(name: str) -> StripeError:
    return StripeError(400, f"Missing required param: {name}.", code="parameter_missing",
                       param=name, executed=False)


def invalid_parameter(name: str, message: str, code: str = "parameter_invalid_empty") -> StripeError:
    return StripeError(400, message, code=code, param=name, executed=False)


def invalid_integer(name: str, value) -> StripeError:
    return StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer",
                       param=name, executed=False)


def unrecognized_url(method: str, path: str) -> StripeError:
    return StripeError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        executed=False,
    )


def api_error(message: str = "An unknown error occurred") -> StripeError:
    return StripeError(500, message, type="api_error")


RATE_LIMIT_MESSAGE = ("Request rate limit exceeded. Learn more about rate limits here "
                      "https://stripe.com/docs/rate-limits.")


def rate_limited() -> StripeError:
    return StripeError(429, RATE_LIMIT_MESSAGE, code="rate_limit", executed=False)
