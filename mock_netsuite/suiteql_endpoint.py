"""POST /services/rest/query/v1/suiteql: the SuiteQL HTTP endpoint."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from .context import current
from .errors import NsError
from .paging import collection, parse_limit_offset
from .suiteql_sql import SuiteQL, render_value

bp = Blueprint("suiteql", __name__)

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
MAX_RESULTS = 100_000
_engine = SuiteQL()


@bp.post(SUITEQL_PATH)
def run_suiteql():
    prefer = request.headers.get("Prefer", "")
    if "transient" not in [p.strip().lower() for p in prefer.split(",")]:
        # Unconfirmed: code and wording of NetSuite's answer to a missing "Prefer: transient".
        raise NsError(400, "INVALID_PARAMETER",
                      "SuiteQL queries require the request header 'Prefer: transient'.")
    limit, offset = parse_limit_offset(request.args)
    try:
        body = json.loads(request.get_data().decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise NsError(400, "INVALID_CONTENT", f"Invalid content in the request body: not valid JSON ({exc}).") from None
    if not isinstance(body, dict) or not isinstance(body.get("q"), str):
        raise NsError(400, "INVALID_CONTENT", "The request body must be a JSON object with a string 'q'.",
                      error_path="q")
    _, rows = _engine.run(body["q"], current().store)
    rows = rows[:MAX_RESULTS]
    page = rows[offset:offset + limit]
    # Unconfirmed: null columns are left out of each item (as the record service does).
    items = [{"links": [], **{k: render_value(v) for k, v in r.items() if v is not None and v != ""}}
             for r in page]
    url = request.host_url.rstrip("/") + SUITEQL_PATH
    return Response(json.dumps(collection(url, {}, items, len(rows), limit, offset)), status=200,
                    content_type="application/vnd.oracle.resource+json; type=collection")
