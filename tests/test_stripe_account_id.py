"""StripeGateway.account_id: the key's own account (GET /v1/account, https://docs.stripe.com/api/accounts/retrieve),
asked once; a restricted key's 403 names the account (stripe/stripe-node#2246), which is taken from it."""

import json

import pytest

from sync_core.errors import StripeServiceError
from sync_core.retry import RetryPolicy
from sync_core.stripe.gateway import StripeGateway

FAST = RetryPolicy(max_retries=0, base_seconds=0.001, max_seconds=0.001)


def gateway(httpserver, key="sk_test_FAKEKEY1234"):
    return StripeGateway(api_key=key, base_url=httpserver.url_for(""), policy=FAST)


def refusal(message):
    return json.dumps({"error": {"type": "invalid_request_error", "message": message}})


async def test_the_account_is_asked_once(httpserver):
    httpserver.expect_oneshot_request("/v1/account", method="GET").respond_with_json({"id": "acct_1Nv0FGQ9RKHgCVdK",
                                                                                      "object": "account"})
    gw = gateway(httpserver)
    assert await gw.account_id() == "acct_1Nv0FGQ9RKHgCVdK"
    assert await gw.account_id() == "acct_1Nv0FGQ9RKHgCVdK" and gw.requests == 1
    assert gw.mode == "test" and gateway(httpserver, "rk_live_FAKEKEY1234").mode == "live"


async def test_a_restricted_key_s_refusal_names_the_account(httpserver):
    httpserver.expect_request("/v1/account").respond_with_data(refusal(
        "The provided key 'rk_test_****1234' does not have the required permissions for this endpoint on account "
        "'acct_1PJBLEBBLEfV'. Having the 'rak_accounts_kyc_id_numbers_read' permission would allow this request "
        "to continue."), status=403, content_type="application/json")
    assert await gateway(httpserver, "rk_test_FAKEKEY1234").account_id() == "acct_1PJBLEBBLEfV"


async def test_a_refusal_naming_no_account_is_reported_with_the_key_remedy(httpserver):
    httpserver.expect_request("/v1/account").respond_with_data(refusal("Forbidden."), status=403,
                                                               content_type="application/json")
    with pytest.raises(StripeServiceError) as err:
        await gateway(httpserver, "rk_test_FAKEKEY1234").account_id()
    assert err.value.status == 403 and "CUSTSYNC_STRIPE_API_KEY" in err.value.remedy
