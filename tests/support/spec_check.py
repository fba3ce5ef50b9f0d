"""Responses checked against the schemas of the spec the mock vendors (mock_stripe/spec/stripe-openapi.json).

Stripe's spec is OpenAPI 3.0: `nullable: true` beside a type, an enum or an `anyOf`. JSON Schema says that
with `null`, so each schema is rewritten once (nullable -> `null` allowed) and jsonschema validates against
it; `$ref`s resolve inside the same document."""

from __future__ import annotations

import json
from functools import lru_cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_stripe.validation import SPEC_FILE

URI = "urn:mock-stripe-spec"


def _json_schema(node):
    if isinstance(node, list):
        return [_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: (_json_schema(v) if k != "properties" else {p: _json_schema(s) for p, s in v.items()})
           for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=1)
def _registry() -> Registry:
    with open(SPEC_FILE, encoding="utf-8") as fh:
        spec = _json_schema(json.load(fh))
    return Registry().with_resource(URI, Resource.from_contents(spec, default_specification=DRAFT202012))


def errors(obj, schema: str) -> list[str]:
    """What in `obj` the spec's `components.schemas[schema]` does not allow ("path: message"), none when it fits."""
    validator = Draft202012Validator({"$ref": f"{URI}#/components/schemas/{schema}"}, registry=_registry())
    return [f"{'.'.join(map(str, e.absolute_path)) or '(object)'}: {e.message}" for e in validator.iter_errors(obj)]


def list_errors(body, schema: str) -> list[str]:
    out = [f"(list): {k} missing" for k in ("object", "data", "has_more", "url") if k not in body]
    for k, item in enumerate(body.get("data", [])):
        out += [f"data.{k}.{e}" for e in errors(item, schema)]
    return out
