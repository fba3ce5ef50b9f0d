"""The client side of portal links against exact RESTlet answers (pytest-httpserver serves them)."""

from __future__ import annotations

import asyncio
import json

import pytest
from werkzeug.wrappers import Response

from sync_core.errors import NetSuiteError
from sync_core.netsuite.auth import TokenAuth
from sync_core.netsuite.client import NetSuiteClient
from sync_core.netsuite.portal_links import LinkSource, open_link
from sync_core.retry import RetryPolicy
from sync_core.rules.decide import PortalOutcome

RESTLET = "/app/site/hosting/restlet.nl"
FAST = RetryPolicy(max_retries=1, base_seconds=0.001, max_seconds=0.002)


@pytest.fixture
def ns(httpserver):
    auth = TokenAuth("1234567_SB1", "ck", "cs", "tid", "ts")
    return NetSuiteClient(rest_url=httpserver.url_for(""), restlet_url=httpserver.url_for(""), auth=auth, policy=FAST)


def links_handler(request):
    body = json.loads(request.get_data())
    assert body["action"] == "portalLinks"
    links = [{"id": i, "url": f"https://x.extforms.netsuite.com/app/site/hosting/scriptlet.nl?cid={i}&sig=s{i}"}
             for i in body["customerIds"]]
    return Response(json.dumps({"links": links}), content_type="application/json")


async def test_links_are_asked_for_in_batches_of_1000(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(links_handler)
    ids = [str(i) for i in range(1, 2502)]
    links = await ns.portal_links(ids)
    assert len(links) == 2501 and links["7"].endswith("cid=7&sig=s7")
    # The batches go out concurrently, so they arrive in any order.
    batches = [json.loads(req.get_data())["customerIds"] for req, _ in httpserver.log]
    assert sorted(len(b) for b in batches) == [501, 1000, 1000]
    assert sorted(i for b in batches for i in b) == sorted(ids)


async def test_an_old_restlet_without_the_action_is_named(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_json(
        {"error": {"code": "INVALID_ACTION", "message": "Unknown action \"portalLinks\"; use \"columns\" or \"results\"."}},
        status=400)
    with pytest.raises(NetSuiteError) as e:
        await ns.portal_links(["101"])
    assert e.value.code == "INVALID_ACTION" and "custsync_search_restlet.js" in e.value.remedy


async def test_a_restlet_without_its_portal_parameters_says_how_to_set_them(ns, httpserver):
    """The script's own error (custsync_search_restlet.js, PORTAL_NOT_CONFIGURED) gets custsync's remedy."""
    httpserver.expect_request(RESTLET).respond_with_json({"error": {"code": "PORTAL_NOT_CONFIGURED", "message": (
        "The RESTlet deployment's script parameters custscript_custsync_portal_script and "
        "custscript_custsync_portal_deploy must name the portal Suitelet's script and deployment ids.")}}, status=400)
    with pytest.raises(NetSuiteError) as e:
        await ns.portal_links(["101"])
    assert e.value.code == "PORTAL_NOT_CONFIGURED" and not e.value.retryable
    assert "suitecloud project:deploy" in e.value.remedy and "custscript_custsync_portal_deploy" in e.value.remedy
    assert len(httpserver.log) == 1


async def test_a_restlet_that_leaves_an_id_out_is_an_error(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_json({"links": [{"id": "101", "url": "https://x/a"}]})
    with pytest.raises(NetSuiteError) as e:
        await ns.portal_links(["101", "102"])
    assert "102" in e.value.message


async def test_concurrent_requests_share_one_restlet_call(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(links_handler)
    source = LinkSource(ns, window=0.01)
    got = await asyncio.gather(*(source.link(str(i)) for i in (101, 102, 103, 101)))
    assert [g.split("cid=")[1].split("&")[0] for g in got] == ["101", "102", "103", "101"]
    assert len(httpserver.log) == 1
    # Nothing is cached: a later request asks again (a rotated secret shows at once).
    await source.link("101")
    assert len(httpserver.log) == 2


async def test_primed_links_cost_one_call_and_are_used_once(ns, httpserver):
    httpserver.expect_request(RESTLET, method="POST").respond_with_handler(links_handler)
    source = LinkSource(ns, window=0.001)
    await source.prime([str(i) for i in range(1, 301)])
    got = [await source.link(str(i)) for i in range(1, 301)]
    assert all(g.endswith(f"cid={i}&sig=s{i}") for i, g in zip(range(1, 301), got))
    assert len(httpserver.log) == 1
    await source.link("1")  # used once: asked again afterwards
    assert len(httpserver.log) == 2


async def test_a_failed_batch_fails_every_waiter(ns, httpserver):
    httpserver.expect_request(RESTLET).respond_with_json({"error": {"code": "INVALID_REQUEST", "message": "no"}},
                                                         status=400)
    source = LinkSource(ns, window=0.01)
    results = await asyncio.gather(source.link("1"), source.link("2"), return_exceptions=True)
    assert all(isinstance(r, NetSuiteError) for r in results)


@pytest.mark.parametrize("status,headers,body,outcome", [
    (302, {"Location": "https://billing.stripe.com/p/session/test_x"}, "", PortalOutcome.OK),
    (200, {}, '<meta name="custsync-portal-page" content="not-linked">', PortalOutcome.NOT_LINKED),
    (400, {}, "<b>SSS_INVALID_SCRIPTLET_ID</b>", PortalOutcome.NOT_RELEASED),
    (500, {}, "oops", PortalOutcome.NOT_RELEASED),
])
async def test_open_link_does_not_follow_the_redirect(httpserver, status, headers, body, outcome):
    httpserver.expect_request("/app/site/hosting/scriptlet.nl").respond_with_data(body, status=status, headers=headers)
    result = await open_link(httpserver.url_for("/app/site/hosting/scriptlet.nl?cid=1&sig=x"))
    assert result.outcome is outcome
    assert len(httpserver.log) == 1  # the session URL was not fetched


async def test_open_link_that_cannot_be_reached():
    result = await open_link("http://127.0.0.1:9/app/site/hosting/scriptlet.nl?cid=1", timeout=2)
    assert result.outcome is PortalOutcome.UNREACHABLE and "extforms" in result.remedy
    assert (await open_link("not a url")).outcome is PortalOutcome.UNREACHABLE
