"""NetSuite TBA signing: the header our TokenAuth builds is the one oauthlib's Client.sign builds."""

from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from sync_core.netsuite.auth import TokenAuth
from tests.support.properties import examples

CREDENTIALS = dict(realm="1234567_SB1", consumer_key="ck-\u00e9 x", consumer_secret="cs&1", token_id="tid", token_secret="ts=2")

query_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
queries = st.lists(st.tuples(st.sampled_from(["q", "limit", "offset", "script", "deploy", "a b", "fields"]), query_values),
                   max_size=4)


def oauthlib_header(method: str, url: str, nonce: str, timestamp: str) -> str:
    client = Client(CREDENTIALS["consumer_key"], client_secret=CREDENTIALS["consumer_secret"],
                    resource_owner_key=CREDENTIALS["token_id"], resource_owner_secret=CREDENTIALS["token_secret"],
                    signature_method=SIGNATURE_HMAC_SHA256, realm=CREDENTIALS["realm"], nonce=nonce, timestamp=timestamp)
    return client.sign(url, http_method=method)[1]["Authorization"]


def parts(header: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in header.removeprefix("OAuth ").split(","))


@settings(max_examples=examples(300), deadline=None)
@given(method=st.sampled_from(["GET", "POST", "PATCH", "DELETE"]),
       path=st.sampled_from(["/services/rest/record/v1/customer/1001", "/services/rest/query/v1/suiteql",
                             "/app/site/hosting/restlet.nl", "/services/rest/record/v1/customer"]),
       query=queries, host=st.sampled_from(["http://127.0.0.1:5123", "https://1234567-sb1.suitetalk.api.netsuite.com"]))
def test_header_matches_oauthlib_client(method, path, query, host):
    url = host + path + ("?" + urlencode(query) if query else "")
    ours = TokenAuth(**CREDENTIALS).authorization(method, url, nonce="n0nce", timestamp="1700000000")
    assert parts(ours) == parts(oauthlib_header(method, url, "n0nce", "1700000000"))


def test_each_request_gets_a_fresh_nonce():
    auth = TokenAuth(**CREDENTIALS)
    first, second = (parts(auth.authorization("GET", "http://127.0.0.1/x")) for _ in range(2))
    assert first["oauth_nonce"] != second["oauth_nonce"]
    assert first["oauth_signature"] != second["oauth_signature"]
