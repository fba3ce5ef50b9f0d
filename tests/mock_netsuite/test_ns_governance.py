"""Concurrency limit and injected faults (latency, 5xx, 429, dropped connections), counted in stats."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.ns_helpers import RECORD, RESTLET, SEARCH_DEPLOY, customer, error_detail, make_client


@pytest.fixture
def acme(seed):
    seed([customer(101)])


def faults_counted(control) -> dict:
    return control.get("/_mock/stats").json()["faults"]


def fire(server, n: int, send) -> list[httpx.Response]:
    def one(_):
        with make_client(server) as client:
            return send(client)
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_requests_over_the_concurrency_limit_get_429(server, control, acme):
    control.put("/_mock/faults", json={"latency_ms": 600, "concurrency_limit": 3})
    responses = fire(server, 6, lambda c: c.get(f"{RECORD}/customer/101"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 3 and statuses.count(429) == 3
    refused = next(r for r in responses if r.status_code == 429)
    assert error_detail(refused)["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    # the slots are free again afterwards
    control.put("/_mock/faults", json={"latency_ms": 0})
    with make_client(server) as client:
        assert client.get(f"{RECORD}/customer/101").status_code == 200


def test_restlet_over_the_limit_gets_400_sss_request_limit_exceeded(server, control, acme):
    control.put("/_mock/faults", json={"latency_ms": 600, "concurrency_limit": 1})
    body = {"action": "columns", "searchId": "customsearch_paypack_customer_sync"}
    responses = fire(server, 3, lambda c: c.post(RESTLET, params=SEARCH_DEPLOY, json=body))
    refused = [r for r in responses if r.status_code == 400]
    assert len(refused) == 2 and sum(r.status_code == 200 for r in responses) == 1
    assert refused[0].json()["error"]["code"] == "SSS_REQUEST_LIMIT_EXCEEDED"


def test_error_rate_gives_5xx_in_netsuite_shape(ns, control, acme):
    before = faults_counted(control)["5xx"]
    control.put("/_mock/faults", json={"error_rate": 1.0, "seed": 7})
    statuses = {ns.get(f"{RECORD}/customer/101").status_code for _ in range(12)}
    assert statuses <= {500, 503} and statuses
    resp = ns.get(f"{RECORD}/customer/101")
    assert error_detail(resp)["o:errorCode"] in ("UNEXPECTED_ERROR", "SERVICE_UNAVAILABLE")
    assert faults_counted(control)["5xx"] - before == 13


def test_rate_429(ns, control, acme):
    before = faults_counted(control)["429"]
    control.put("/_mock/faults", json={"rate_429": 1.0})
    resp = ns.get(f"{RECORD}/customer/101")
    assert resp.status_code == 429 and error_detail(resp)["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert faults_counted(control)["429"] - before == 1


def test_drop_rate_drops_the_connection(server, control, acme):
    before = faults_counted(control)["dropped"]
    control.put("/_mock/faults", json={"drop_rate": 1.0})
    with make_client(server) as client:
        with pytest.raises(httpx.TransportError):
            client.get(f"{RECORD}/customer/101")
    assert faults_counted(control)["dropped"] - before == 1
    control.put("/_mock/faults", json={"drop_rate": 0.0})
    with make_client(server) as client:
        assert client.get(f"{RECORD}/customer/101").status_code == 200


def test_dropped_patch_was_applied(server, control, acme):
    """A drop loses the answer, not the work: the client cannot tell whether its write happened."""
    control.put("/_mock/faults", json={"drop_rate": 1.0})
    with make_client(server) as client:
        with pytest.raises(httpx.TransportError):
            client.patch(f"{RECORD}/customer/101", json={"email": "after@drop.test"})
    control.put("/_mock/faults", json={"drop_rate": 0.0})
    with make_client(server) as client:
        assert client.get(f"{RECORD}/customer/101").json()["email"] == "after@drop.test"


def test_seeded_faults_repeat(ns, control, acme):
    def run() -> list[int]:
        control.put("/_mock/faults", json={"error_rate": 0.5, "seed": 42})
        return [ns.get(f"{RECORD}/customer/101").status_code for _ in range(16)]
    first, second = run(), run()
    assert first == second
    assert 200 in first and any(s >= 500 for s in first)


def test_latency_is_counted_and_control_paths_are_never_faulted(ns, control, acme):
    before = control.get("/_mock/stats").json()
    control.put("/_mock/faults", json={"latency_ms": 50, "error_rate": 1.0, "drop_rate": 1.0})
    for _ in range(3):
        assert control.get("/_mock/health").status_code == 200
        assert control.get("/_mock/state").status_code == 200
    assert control.get("/_mock/stats").json() == before
    ns.get(f"{RECORD}/customer/101")
    after = control.get("/_mock/stats").json()
    assert after["requests"] - before["requests"] == 1
    assert after["faults"]["latency"] - before["faults"]["latency"] == 1
    assert after["faults"]["5xx"] - before["faults"]["5xx"] == 1
