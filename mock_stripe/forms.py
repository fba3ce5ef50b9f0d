"""Decode Stripe's form encoding with bracket syntax into nested dicts; Stripe's metadata update.

`a[b][c]=1` -> {"a": {"b": {"c": "1"}}}; `a[]=x&a[]=y` and `a[0]=x&a[1]=y` both
give {"a": {"0": "x", "1": "y"}}: lists stay dicts with digit keys until the
spec says a parameter is an array (`validation.check`), so metadata keys like
"0" survive.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from .errors import StripeError

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEG = re.compile(r"\[([^\[\]]*)\]")


def _bad(message: str, param: str) -> StripeError:
    return StripeError(400, message, param=param, executed=False)


def decode(query: str) -> dict:
    root: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        m = _KEY.match(key)
        if not m:
            raise _bad(f"Invalid parameter name: '{key}' (unbalanced or misplaced brackets).", key)
        segs = [m.group(1), *_SEG.findall(m.group(2))]
        node, path = root, ""
        for i, seg in enumerate(segs):
            if seg == "":
                seg = str(len(node))  # `[]` appends
            path = seg if i == 0 else f"{path}[{seg}]"
            if i == len(segs) - 1:
                if isinstance(node.get(seg), dict):
                    raise _bad("Invalid array" if _digits(node[seg]) else "Invalid hash", path)
                node[seg] = value
            else:
                child = node.setdefault(seg, {})
                if not isinstance(child, dict):
                    raise _bad("Invalid hash", path)
                node = child
    return root


def _digits(d: dict) -> bool:
    return bool(d) and all(k.isdigit() for k in d)


def merge_metadata(current: dict, value, param: str = "metadata") -> dict:
    """Stripe's metadata update: keys merge, "" unsets a key, metadata="" unsets all."""
    if value == "":
        return {}
    merged = dict(current)
    for key, val in value.items():  # the spec has made it a dict of strings
        if len(key) > 40:
            raise _bad("Metadata keys can have up to 40 characters.", f"{param}[{key}]")
        if len(val) > 500:
            raise _bad("Metadata values can have up to 500 characters.", f"{param}[{key}]")
        if val == "":
            merged.pop(key, None)
        else:
            merged[key] = val
    if len(merged) > 50:
        raise _bad("You can specify up to 50 keys in metadata.", param)
    return merged
