"""Capture: the current state of both mocks as a scenario's `given` (and a scenario file around it)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from sync_core.config import Config
from sync_core.masking import mask_url

from . import demo
from .control import MockControl
from .scenario_model import Given
from .scenario_state import BODY, DEFAULT_LABELS, SEARCH_ROLES, friendly_value, paypack_fields

STATUS_KEY = {"RELEASED": "released", "TESTING": "testing", "NOTSCHEDULED": "not-released"}
STRIPE_KEYS = ("id", "email", "name", "business_name", "individual_name", "phone", "description")


def netsuite_customer(record: dict[str, Any], config: Config, custom_ids: list[str],
                      keep_portal_links: bool = False) -> dict[str, Any]:
    """A NetSuite customer in the mock state's shape (addressBook a list of lines) as a scenario writes it; the
    portal link masked unless `keep_portal_links`."""
    out: dict[str, Any] = {"id": str(record["id"])}
    for key in [*BODY, "address", *paypack_fields(config)]:
        value = friendly_value(record, key, config)
        if key == "portal_url" and value and not keep_portal_links:
            value = mask_url(value)  # a bearer link: anyone holding the file would reach the billing details
        if key == "entityid" and value == f"CUST{record['id']}":
            continue  # what the mock generates anyway
        if value not in (None, False, "", {}):
            out[key] = value
    custom = {fid: record.get(fid) for fid in custom_ids if record.get(fid) not in (None, False, "")}
    if custom:
        out["custom"] = custom
    return out


def columns_entry(columns: list[dict[str, Any]]) -> list[Any]:
    if all(c.get("label") == DEFAULT_LABELS.get(c["name"]) for c in columns):
        return [c["name"] for c in columns]  # the shorthand gives back these labels
    return [{"name": c["name"], "label": c.get("label")} for c in columns]


def _searches(searches: list[dict[str, Any]], config: Config) -> dict[str, Any]:
    roles = dict(zip((config.netsuite.customer_sync_search, config.netsuite.mass_customer_sync_search), SEARCH_ROLES))
    defaults = {s["id"]: s for s in demo.saved_searches()}
    out: dict[str, Any] = {}
    for search in searches:
        default = defaults.get(search["id"], {})
        entry: dict[str, Any] = {}
        if search.get("title") != default.get("title", search["id"]):
            entry["title"] = search.get("title")
        if search["columns"] != default.get("columns", demo.DEMO_SEARCH_COLUMNS):
            entry["columns"] = columns_entry(search["columns"])
        if search.get("criteria") != default.get("criteria", []):
            entry["criteria"] = search.get("criteria")
        if entry or not default:
            out[roles.get(search["id"], search["id"])] = entry
    return out


def stripe_customer(c: dict[str, Any]) -> dict[str, Any]:
    """A Stripe customer (the API's or the mock state's) as a scenario writes it."""
    out = {k: c[k] for k in STRIPE_KEYS if c.get(k) is not None}
    address = {k: v for k, v in (c.get("address") or {}).items() if v is not None}
    if address:
        out["address"] = address
    if c.get("created") is not None:  # the API answers a deleted customer with its id alone
        out["created"] = c["created"]
    if c.get("deleted"):
        out["deleted"] = True
    if c.get("metadata"):
        out["metadata"] = dict(c["metadata"])
    return out


def capture_given(netsuite: MockControl, stripe: MockControl, config: Config, *,
                  keep_portal_links: bool = False) -> dict[str, Any]:
    """Both mocks' state as `given` data (the test mode of the first Stripe account). Stored portal links are
    masked (the replay writes the current link) unless `keep_portal_links`."""
    ns, st = netsuite.state(), stripe.state()
    paypack = set(paypack_fields(config).values())
    custom_ids = [f["id"] for f in ns["custom_fields"] if f["id"] not in paypack]
    portal = next((d["status"] for d in ns["deployments"] if d["deploymentId"] == config.netsuite.portal_deployment),
                  "NOTSCHEDULED")
    netsuite_given: dict[str, Any] = {"customers": [netsuite_customer(r, config, custom_ids, keep_portal_links)
                                                  for r in ns["customers"]]}
    searches = _searches(ns["saved_searches"], config)
    if searches:
        netsuite_given["saved_searches"] = searches
    if portal != "RELEASED":
        netsuite_given["portal_deployment"] = STATUS_KEY[portal]
    test: dict[str, Any] = st["accounts"][0]["test"] if st["accounts"] else {"customers": [], "portal_configuration": "none"}
    stripe_given = {"customers": [stripe_customer(c) for c in test["customers"]],
                    "portal_configuration": test["portal_configuration"]}
    given = {"netsuite": netsuite_given, "stripe": stripe_given}
    Given.model_validate(given)  # what we write must load back
    return given


def scenario_document(name: str, given: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": f"Captured from {source}",
        "lesson": f"Captured {time.strftime('%Y-%m-%d %H:%M')} from {source}. Say here what this situation "
                  "teaches, then add the steps that reproduce the report (e.g. `- sync: ID`) with `expect`.\n",
        "rules": [],
        "given": given,
        "steps": [],
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block; short lists of plain values on one line (as people write them)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flat = all(not isinstance(v, dict) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)


def scenario_text(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def write_scenario(path: Path, document: dict[str, Any] | str, *, replace: bool = True) -> None:
    """Write the whole file or nothing: a temporary file beside it, then moved into place. `replace=False`
    refuses a file that exists (FileExistsError), even one made meanwhile."""
    text = document if isinstance(document, str) else scenario_text(document)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic, and fails when the name exists
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)



