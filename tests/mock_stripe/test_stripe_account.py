"""GET /v1/account, as Stripe's "Retrieve account" documents it (https://docs.stripe.com/api/accounts/retrieve;
stripe-python's AccountService.retrieve_current sends GET /v1/account): the Account object of the key's
own account. Restricted keys: stripe/stripe-node#2246 and dj-stripe/dj-stripe#1131 (403, the account named)."""

import pytest
import stripe

from tests.support.stripe_helpers import DEMO_KEY, make_client

LIVE_KEY = "sk_live_custsync_account_live_0000"
RESTRICTED_KEY = "rk_test_custsync_account_restricted_9876"


def test_the_key_s_own_account_is_returned(client):
    account = client.v1.accounts.retrieve_current()
    assert account.object == "account" and account.id == "acct_demo"


def test_the_account_id_comes_from_the_state_document_and_is_the_same_in_both_modes(server, put_state):
    put_state({"accounts": [{"id": "acct_1Nv0FGQ9RKHgCVdK", "api_keys": [DEMO_KEY, LIVE_KEY]},
                            {"id": "acct_other", "api_keys": ["sk_test_other_account_key_1234"]}]})
    assert make_client(server).v1.accounts.retrieve_current().id == "acct_1Nv0FGQ9RKHgCVdK"
    assert make_client(server, LIVE_KEY).v1.accounts.retrieve_current().id == "acct_1Nv0FGQ9RKHgCVdK"
    assert make_client(server, "sk_test_other_account_key_1234").v1.accounts.retrieve_current().id == "acct_other"


def test_a_restricted_key_is_refused_with_403_naming_the_account(server, put_state):
    put_state({"accounts": [{"id": "acct_restricted", "api_keys": [RESTRICTED_KEY]}]})
    with pytest.raises(stripe.PermissionError) as err:
        make_client(server, RESTRICTED_KEY).v1.accounts.retrieve_current()
    assert err.value.http_status == 403
    message = err.value.user_message
    assert "on account 'acct_restricted'" in message and RESTRICTED_KEY not in message and "9876" in message


def test_unknown_parameters_are_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.retrieve_current({"foo": "bar"})
    assert err.value.code == "parameter_unknown"
