"""What the RESTlet's search actions share: finding a saved search, checking page arguments, slicing a page."""
from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable

from . import search_filters
from .context import current
from .errors import RestletError

MIN_PAGE_SIZE, MAX_PAGE_SIZE = 5, 1000  # N/search runPaged limits


def search_id_of(body: dict, key: str = "searchId") -> str:
    search_id = body.get(key)
    if not isinstance(search_id, str) or not search_id:
        raise RestletError("SSS_MISSING_REQD_ARGUMENT", f"Missing a required argument: {key}")
    return search_id


def find_search(search_id: str) -> dict:
    search = next((s for s in current().store.config()["saved_searches"] if s["id"] == search_id), None)
    if search is None:
        raise RestletError("INVALID_SEARCH", f"That search or mass update does not exist: {search_id}")
    return search


def describe_columns(search: dict) -> list[dict]:
    return [{"name": c["name"], "label": c["label"], "join": c["join"], "summary": c["summary"]}
            for c in search["columns"]]


_MATCHING_KEPT = 8
_matching: dict[tuple, list[dict]] = {}
_matching_lock = threading.Lock()


def matching_customers(criteria: list, also: Callable[[dict], bool] | None = None, also_key=None) -> list[dict]:
    """The customers a search's criteria (and `also`, named by `also_key`) choose, in internal id order;
    kept per store generation so that the pages of one read filter the account once."""
    store = current().store
    generation, customers = store.snapshot()
    key = (id(store), generation, json.dumps(criteria), also_key)
    with _matching_lock:
        hit = _matching.get(key)
    if hit is not None:
        return hit
    chosen = [c for c in customers if search_filters.matches(criteria, c) and (also is None or also(c))]
    with _matching_lock:
        if len(_matching) >= _MATCHING_KEPT:
            _matching.pop(next(iter(_matching)))
        _matching[key] = chosen
    return chosen


def page_args(body: dict) -> tuple[int, int]:
    page, page_size = body.get("page", 0), body.get("pageSize", MAX_PAGE_SIZE)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE:
        raise RestletError("INVALID_PAGE_SIZE", f"pageSize must be an integer from {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}.")
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise RestletError("INVALID_PAGE_RANGE", "page must be an integer from 0.")
    return page, page_size


def page_of(matching: list, page: int, page_size: int) -> dict:
    """The paging keys of a response and the page's rows (under "rows", for the caller to render)."""
    total = len(matching)
    page_count = math.ceil(total / page_size)
    if page >= max(page_count, 1):
        raise RestletError("INVALID_PAGE_RANGE", f"page {page} is out of range; the search has {page_count} page(s).")
    return {"page": page, "pageSize": page_size, "pageCount": page_count, "totalResults": total,
            "hasMore": page + 1 < page_count, "rows": matching[page * page_size:(page + 1) * page_size]}
