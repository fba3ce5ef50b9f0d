"""Masking of bearer values (API keys, tokens, portal session URLs) for logs and screens."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


def mask_key(key: str | None) -> str:
    """sk_test_****abcd: the prefix and the last four, as Stripe shows keys."""
    if not key:
        return "(none)"
    prefix = re.match(r"^(sk|rk|pk)_(test|live)_", key)
    return f"{prefix.group(0) if prefix else ''}****{key[-4:]}"


def mask_url(url: str | None) -> str | None:
    """A portal session URL is a bearer link: keep the host and the start of the path only."""
    if not url:
        return url
    parts = urlsplit(url)
    path = parts.path
    keep = path[: path.rfind("/") + 1] if "/" in path else ""
    return f"{parts.scheme}://{parts.netloc}{keep}****"
