"""Requests checked as Stripe's OpenAPI spec describes them, not from hand-written lists.

`spec/stripe-openapi.json` is the part of Stripe's spec the mock serves (docs/mocks.md says where it came
from and how to refresh it). Each route names its operation there; `check` takes a request's decoded form
parameters (`forms.decode`: every value a string or a nested dict) and returns them typed as the schema
says (integers, booleans, lists, objects), or refuses the first wrong one with Stripe's error and `param`
(`address[line1]`, `expand[0]`):

- a name the schema does not have: "Received unknown parameter: NAME" (parameter_unknown);
- a required one missing: "Missing required param: NAME." (parameter_missing);
- an integer that is not one: "Invalid integer: VALUE" (parameter_invalid_integer); a boolean: "Invalid
  boolean: VALUE"; a hash or an array where the schema has the other, or a string: "Invalid hash", "Invalid
  array", "Invalid string: ...";
- a value outside an enum: "Invalid NAME: must be one of a, b, or c" (Stripe's wording, e.g. "Invalid usage:
  must be one of reusable or single_use", stripe/stripe-dotnet#1092);
- a string over maxLength: "Invalid string: VALUE...; must be at most N characters" (wording unconfirmed).

`""` is a value only where the schema allows it (Stripe's `anyOf [..., {"enum": [""]}]`: "unset this").
What the schema cannot say (an email's shape, metadata's 50 keys, `limit` from 1 to 100, which properties
can be expanded, ids that name nothing) stays with the endpoints.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

from .errors import StripeError, invalid_integer, missing_parameter, unknown_parameter

SPEC_FILE = Path(__file__).resolve().parent / "spec" / "stripe-openapi.json"
_FORM = "application/x-www-form-urlencoded"
_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")


@lru_cache(maxsize=1)
def spec() -> dict:
    with open(SPEC_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def _bad(message: str, param: str) -> StripeError:
    return StripeError(400, message, param=param, executed=False)


def _ref(schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def spec_path(method: str, rule: str) -> str | None:
    """The spec's path for a Flask route (`/v1/customers/<customer_id>` -> `/v1/customers/{customer}`), or None
    when the spec does not describe that operation."""
    segments = rule.strip("/").split("/")
    for path, methods in spec()["paths"].items():
        theirs = path.strip("/").split("/")
        if method.lower() in methods and len(theirs) == len(segments) and all(
                a == b or (a.startswith("<") and b.startswith("{")) for a, b in zip(segments, theirs)):
            return path
    return None


@cache
def request_schema(method: str, path: str) -> dict:
    """One object schema for everything a request of the operation may carry: its query parameters and its
    form body (the mock reads both alike)."""
    operation = spec()["paths"][path][method.lower()]
    properties: dict = {}
    required: list[str] = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            properties[parameter["name"]] = parameter["schema"]
            if parameter.get("required"):
                required.append(parameter["name"])
    content = (operation.get("requestBody") or {}).get("content", {}).get(_FORM)
    if content:
        body = _ref(content["schema"])
        properties.update(body.get("properties", {}))
        required += body.get("required", [])
    return {"type": "object", "properties": properties, "required": required}


def check(method: str, path: str, params: dict) -> dict:
    """`params` as the operation's schema types them; StripeError (400) naming the first wrong parameter."""
    return _object(request_schema(method, path), params, "")


def _name(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _value(schema: dict, value, param: str):
    schema = _ref(schema)
    if "anyOf" in schema:
        return _any_of(schema["anyOf"], value, param)
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            raise _bad("Invalid hash", param)
        return _object(schema, value, param)
    if kind == "array":
        return _array(schema, value, param)
    if isinstance(value, dict):
        if kind == "string":
            raise _bad("Invalid string: a hash was given where a string is expected", param)
        if kind == "integer":
            raise invalid_integer(param, "(hash)")
        if kind == "boolean":
            raise _bad("Invalid boolean: (hash)", param)
    if kind == "integer":
        if not _INTEGER.match(value.strip()):
            raise invalid_integer(param, value)
        return int(value)
    if kind == "number":
        if not _NUMBER.match(value.strip()):
            raise _bad(f"Invalid decimal: {value}", param)
        return float(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise _bad(f"Invalid boolean: {value}", param)
        return value == "true"
    if "enum" in schema and value not in schema["enum"]:
        raise _bad(f"Invalid {param}: must be one of {_one_of(schema['enum'])}", param)
    limit = schema.get("maxLength")
    if limit is not None and len(value) > limit:
        shown = value if len(value) <= 30 else value[:30] + "..."
        raise _bad(f"Invalid string: {shown}; must be at most {limit} characters", param)
    return value


def _one_of(values: list) -> str:
    values = [v for v in values if v != ""] or ["an empty string"]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + (", or " if len(values) > 2 else " or ") + values[-1]


def _shape(schema: dict) -> str:
    schema = _ref(schema)
    kind = schema.get("type")
    if kind == "string" and schema.get("enum") == [""]:
        return "empty"
    return kind or "any"


def _any_of(alternatives: list[dict], value, param: str):
    """The first alternative the value fits; when none does, the error of the one its shape is meant for (a hash
    for an object or an array, a string for a string), as Stripe names the problem."""
    errors: list[tuple[bool, StripeError]] = []
    for alternative in alternatives:
        try:
            return _value(alternative, value, param)
        except StripeError as err:
            shape = _shape(alternative)
            meant = shape in ("object", "array") if isinstance(value, dict) else shape not in ("object", "array", "empty")
            errors.append((meant, err))
    raise next((err for meant, err in errors if meant), errors[0][1])


def _object(schema: dict, value: dict, param: str) -> dict:
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    out = {}
    for key, item in value.items():
        name = _name(param, key)
        if key in properties:
            out[key] = _value(properties[key], item, name)
        elif isinstance(extra, dict):
            out[key] = _value(extra, item, name)
        else:
            raise unknown_parameter(name)
    for key in schema.get("required", []):
        if key not in value:
            raise missing_parameter(_name(param, key))
    return out


def _array(schema: dict, value, param: str) -> list:
    """Stripe's arrays come as `x[0]=..&x[1]=..` or `x[]=..` (a dict of digit keys once decoded)."""
    if not isinstance(value, dict) or not value or not all(k.isdigit() for k in value):
        raise _bad("Invalid array", param)
    items = schema.get("items", {})
    return [_value(items, value[k], f"{param}[{i}]") for i, k in enumerate(sorted(value, key=int))]
