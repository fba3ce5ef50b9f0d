"""deploy/netsuite/restlet_contract.json is the one statement of the RESTlet contract:
the mock must answer every example with the same shape, and the SuiteScript must name every part of it."""
from __future__ import annotations

import json
import re

import pytest

from tests.support.ns_helpers import DEPLOY_DIR, RESTLET, SCRIPTS_DIR, SEARCH_DEPLOY, make_client

CONTRACT = json.loads((DEPLOY_DIR / "restlet_contract.json").read_text())
SCRIPT = (SCRIPTS_DIR / "custsync_search_restlet.js").read_text()


def shape(value):
    """Keys and types, not values; the keys of result "values" are data (column names) and kept too."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def keys(value, out: set) -> set:
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            if k != "values":  # its keys are column names: data, not contract
                keys(v, out)
    elif isinstance(value, list):
        for v in value:
            keys(v, out)
    return out


@pytest.fixture
def contract_state(seed):
    seed(CONTRACT["state"]["customers"])


@pytest.mark.parametrize("example", CONTRACT["examples"], ids=[e["name"] for e in CONTRACT["examples"]])
def test_mock_answers_each_example_in_shape(ns, contract_state, example):
    resp = ns.post(RESTLET, params=SEARCH_DEPLOY, json=example["request"])
    expected = example["response"]
    assert resp.status_code == expected["status"]
    assert resp.headers["content-type"].startswith("application/json")
    assert shape(resp.json()) == shape(expected["body"])
    if "error" in expected["body"]:
        assert resp.json()["error"]["code"] == expected["body"]["error"]["code"]


def test_platform_errors_in_shape(server, control, contract_state):
    platform = CONTRACT["platform_errors"]
    with make_client(server, client_secret="wrong") as bad:
        resp = bad.post(RESTLET, params=SEARCH_DEPLOY, json=CONTRACT["examples"][0]["request"])
    assert resp.status_code == platform["bad_auth"]["status"]
    assert resp.json() == platform["bad_auth"]["body"]

    doc = control.get("/_mock/state").json()
    doc["deployments"][0]["status"] = "TESTING"
    assert control.put("/_mock/state", json=doc).status_code == 204
    with make_client(server) as good:
        resp = good.post(RESTLET, params=SEARCH_DEPLOY, json=CONTRACT["examples"][0]["request"])
    assert resp.status_code == platform["deployment_not_released"]["status"]
    assert resp.json() == platform["deployment_not_released"]["body"]


def test_script_names_every_action_key_and_error_code():
    assert "@NApiVersion 2.1" in SCRIPT and "@NScriptType Restlet" in SCRIPT
    assert re.search(r"define\(\[\s*'N/search'", SCRIPT)
    for needed in ("search.load", ".columns", "runPaged", "fetch(", "post"):
        assert needed in SCRIPT, needed
    actions = {e["request"]["action"] for e in CONTRACT["examples"]
               if isinstance(e["request"], dict) and "action" in e["request"]}
    assert {"columns", "results"} <= actions
    for action in actions - {"delete"}:
        assert f"'{action}'" in SCRIPT, action
    response_keys = set()
    for example in CONTRACT["examples"]:
        keys(example["response"]["body"], response_keys)
    missing = [k for k in sorted(response_keys) if not re.search(rf"\b{re.escape(k)}\b", SCRIPT)]
    assert not missing, f"the script never names {missing}"
    codes = {e["response"]["body"]["error"]["code"] for e in CONTRACT["examples"] if "error" in e["response"]["body"]}
    for code in codes:
        assert f"'{code}'" in SCRIPT, code
