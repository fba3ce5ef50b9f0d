"""Error responses in NetSuite's shapes: REST (o:errorDetails) and RESTlet ({"error": ...})."""
from __future__ import annotations

import json

from flask import Response

ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error"

TITLES = {
    400: ("Bad Request", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"),
    401: ("Unauthorized", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2"),
    403: ("Forbidden", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4"),
    404: ("Not Found", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5"),
    405: ("Method Not Allowed", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6"),
    415: ("Unsupported Media Type", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.16"),
    429: ("Too Many Requests", "https://www.rfc-editor.org/rfc/rfc6585.html#section-4"),
    500: ("Internal Server Error", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1"),
    503: ("Service Unavailable", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4"),
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI "
    "at Setup > Users/Roles > User Management > View Login Audit Trail."
)


class NsError(Exception):
    """A REST (record / SuiteQL) error, rendered in NetSuite's error shape."""

    def __init__(self, status: int, code: str, detail: str, *, error_path: str | None = None,
                 query_param: str | None = None, error_header: str | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.error_path, self.query_param, self.error_header = error_path, query_param, error_header
        self.headers = headers or {}

    def response(self) -> Response:
        return ns_error_response(self.status, self.code, self.detail, error_path=self.error_path,
                                 query_param=self.query_param, error_header=self.error_header,
                                 headers=self.headers)


class RestletError(Exception):
    """A RESTlet error: what NetSuite sends when the script throws (or refuses the call)."""

    def __init__(self, code: str, message: str, status: int = 400, headers: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.headers = headers or {}

    def response(self) -> Response:
        return restlet_error_response(self.status, self.code, self.message, self.headers)


def ns_error_response(status: int, code: str, detail: str, *, error_path: str | None = None,
                      query_param: str | None = None, error_header: str | None = None,
                      headers: dict | None = None) -> Response:
    title, type_url = TITLES.get(status, ("Error", "https://www.rfc-editor.org/rfc/rfc9110.html"))
    entry = {"detail": detail, "o:errorCode": code}
    if error_path is not None:
        entry["o:errorPath"] = error_path
    if query_param is not None:
        entry["o:errorQueryParam"] = query_param
    if error_header is not None:
        entry["o:errorHeader"] = error_header
    body = {"type": type_url, "title": title, "status": status, "o:errorDetails": [entry]}
    resp = Response(json.dumps(body), status=status, content_type=ERROR_CONTENT_TYPE)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def restlet_error_response(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    resp = Response(json.dumps({"error": {"code": code, "message": message}}), status=status,
                    content_type="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp
