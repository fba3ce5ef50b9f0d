"""limit/offset paging shared by the record list and SuiteQL."""
from __future__ import annotations

from urllib.parse import urlencode

from .errors import NsError

MAX_PAGE = 1000


def parse_limit_offset(args) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = args.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise NsError(400, "INVALID_PARAMETER", f"Invalid value for the query parameter '{name}': {raw}.",
                          query_param=name) from None

    limit, offset = number("limit", MAX_PAGE), number("offset", 0)
    if not 1 <= limit <= MAX_PAGE:
        raise NsError(400, "INVALID_PARAMETER",
                      f"Invalid value for the query parameter 'limit': {limit}. The value must be between 1 and {MAX_PAGE}.",
                      query_param="limit")
    if offset < 0:
        raise NsError(400, "INVALID_PARAMETER", "Invalid value for the query parameter 'offset': it must be 0 or more.",
                      query_param="offset")
    # Reported by integrators (not shown in Oracle's pages we checked): offset must be a multiple of limit.
    if offset % limit:
        raise NsError(400, "INVALID_PARAMETER",
                      f"Invalid value for the query parameter 'offset': {offset}. "
                      f"The offset must be a multiple of the limit ({limit}).",
                      query_param="offset")
    return limit, offset


def collection(url: str, extra_params: dict, items: list, total: int, limit: int, offset: int) -> dict:
    """The collection body: links (prev/next/last/self), count, hasMore, items, offset, totalResults."""
    def link(rel: str, off: int) -> dict:
        return {"rel": rel, "href": f"{url}?{urlencode({**extra_params, 'limit': limit, 'offset': off})}"}

    has_more = offset + len(items) < total
    links = []
    if offset > 0:
        links.append(link("prev", max(offset - limit, 0)))
    if has_more:
        links.append(link("next", offset + limit))
    links.append(link("last", ((total - 1) // limit) * limit if total else 0))
    links.append(link("self", offset))
    return {"links": links, "count": len(items), "hasMore": has_more, "items": items,
            "offset": offset, "totalResults": total}
