"""Decode Stripe's form encoding with bracket syntax into nested dicts.

`a[b][c]=1` -> {"a": {"b": {"c": "1"}}}; `a[]=x&a[]=y` and `a[0]=x&a[1]=y` both
give {"a": {"0": "x", "1": "y"}}: lists stay dicts with digit keys until a
handler asks for a list (`as_list`), so metadata keys like "0" survive.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from .errors import StripeError, invalid_integer, unknown_parameter

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
        segs = [m.group(1)] + _SEG.findall(m.group(2))
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


def as_list(value, param: str) -> list:
    """A list-shaped parameter: `x[0]=..`/`x[]=..` (dict of digit keys), or "" for empty."""
    if value == "":
        return []
    if isinstance(value, dict) and _digits(value):
        return [value[k] for k in sorted(value, key=int)]
    raise _bad("Invalid array", param)


def as_dict(value, param: str) -> dict:
    if isinstance(value, dict):
        return value
    raise _bad("Invalid hash", param)


def as_int(value, param: str) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise invalid_integer(param, value if isinstance(value, str) else "(hash)")


def as_bool(value, param: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise _bad(f"Invalid boolean: {value if isinstance(value, str) else '(hash)'}", param)


def as_str(value, param: str) -> str:
    if isinstance(value, str):
        return value
    raise _bad("Invalid string: a hash was given where a string is expected", param)


def check_known(params: dict, allowed, prefix: str | None = None) -> None:
    """Unknown parameter -> 400 parameter_unknown naming it (nested ones as a[b])."""
    for key in params:
        if key not in allowed:
            raise unknown_parameter(f"{prefix}[{key}]" if prefix else key)


def merge_metadata(current: dict, value, param: str = "metadata") -> dict:
    """Stripe's metadata update: keys merge, "" unsets a key, metadata="" unsets all."""
    if value == "":
        return {}
    merged = dict(current)
    for key, val in as_dict(value, param).items():
        if not isinstance(val, str):
            raise _bad("Invalid hash", f"{param}[{key}]")
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
