"""Stripe's Events API for customers, against the mock server.

Docs followed (cited per test): the event object https://docs.stripe.com/api/events/object, list
https://docs.stripe.com/api/events/list, retrieve https://docs.stripe.com/api/events/retrieve, types
https://docs.stripe.com/api/events/types, pagination https://docs.stripe.com/api/pagination.
"""

import httpx
import pytest
import stripe

from tests.support.stripe_helpers import DEMO_KEY, events, get, make_client

LIVE_KEY = "sk_live_custsync_demo_4242424242424242"
DAY = 24 * 3600


def create(server, key=DEMO_KEY, idempotency_key=None, **fields):
    headers = {"Authorization": f"Bearer {key}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    r = httpx.post(server.url + "/v1/customers", data=fields, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return r


def test_api_changes_record_events_naming_their_request(server, client):
    """Event object: request.id is the API request, request.idempotency_key its key; data.object the
    customer at that moment; newest first (events/object, events/list, events/types customer.*)."""
    made = create(server, idempotency_key="ns-101", email="ada@x.test", name="Ada")
    cus = made.json()
    updated = client.v1.customers.update(cus["id"], {"email": "ada@new.test"})
    client.v1.customers.delete(cus["id"])

    listed = events(server)
    assert listed["object"] == "list" and listed["url"] == "/v1/events" and listed["has_more"] is False
    deleted, update, created = listed["data"]
    assert [e["type"] for e in listed["data"]] == ["customer.deleted", "customer.updated", "customer.created"]
    assert created["id"].startswith("evt_") and created["object"] == "event"
    assert created["request"] == {"id": made.headers["Request-Id"], "idempotency_key": "ns-101"}
    assert created["data"] == {"object": cus}
    assert created["livemode"] is False and created["pending_webhooks"] == 0
    assert created["api_version"] == made.headers["Stripe-Version"]
    assert update["data"]["object"] == updated.to_dict()
    assert update["request"]["id"] == updated.last_response.request_id
    # customer.deleted carries the customer as it was (events/types: data.object is a customer).
    assert deleted["data"]["object"]["email"] == "ada@new.test" and "previous_attributes" not in deleted["data"]


def test_update_that_changes_nothing_records_no_event(server, client):
    """Only changes make events: an update with the values the customer already has is none (events/types)."""
    cus = client.v1.customers.create({"email": "a@x.test", "metadata": {"k": "v"}})
    client.v1.customers.update(cus.id, {"email": "a@x.test", "metadata": {"k": "v"}})
    client.v1.customers.update(cus.id, {})
    assert [e["type"] for e in events(server)["data"]] == ["customer.created"]


def test_previous_attributes_hold_old_values_of_what_changed(server, client):
    """data.previous_attributes: "the names of the updated attributes and their values prior to the
    event"; an array attribute whole (events/object). A hash changed in place names its changed keys."""
    cus = client.v1.customers.create({"email": "a@x.test", "name": "A", "metadata": {"keep": "1", "drop": "2"},
                                      "address": {"city": "Oslo", "country": "NO"}, "preferred_locales": ["nb"]})
    client.v1.customers.update(cus.id, {"email": "b@x.test", "metadata": {"drop": "", "new": "3"},
                                        "address": {"city": "Bergen"}, "preferred_locales": ["nb", "en"]})
    event = events(server, limit=1)["data"][0]
    assert event["type"] == "customer.updated"
    assert event["data"]["previous_attributes"] == {
        "email": "a@x.test", "metadata": {"drop": "2", "new": None}, "address": {"city": "Oslo"},
        "preferred_locales": ["nb"]}
    assert event["data"]["object"]["email"] == "b@x.test"


def test_dashboard_changes_record_events_without_a_request(server, ctl):
    """Changes made in the Dashboard are events too; request.id null: no API request made them
    (events/object, request.id: "If null, the event was automatic")."""
    r = ctl.post("/_mock/customers", json={"customer": {"id": "cus_D", "email": "d@x.test", "metadata": {"a": 1}}})
    assert r.status_code == 200, r.text
    r = ctl.patch("/_mock/customers/cus_D", json={"changes": {"name": "Dee", "metadata": {"a": None, "b": "2"}}})
    assert r.status_code == 200 and r.json()["metadata"] == {"b": "2"}
    assert ctl.delete("/_mock/customers/cus_D").json() == {"id": "cus_D", "object": "customer", "deleted": True}

    deleted, updated, created = events(server)["data"]
    assert [created["type"], updated["type"], deleted["type"]] == [
        "customer.created", "customer.updated", "customer.deleted"]
    assert all(e["request"] == {"id": None, "idempotency_key": None} for e in (created, updated, deleted))
    assert updated["data"]["previous_attributes"] == {"metadata": {"a": "1", "b": None}, "name": None}
    assert get(server, "/v1/customers/cus_D").json()["deleted"] is True


def test_dashboard_change_refusals(ctl):
    assert ctl.patch("/_mock/customers/cus_none", json={"changes": {"name": "x"}}).status_code == 404
    r = ctl.patch("/_mock/customers/cus_none", json={"changes": {"id": "cus_other"}})
    assert r.status_code == 400 and r.json()["field"] == "changes.id"
    ctl.post("/_mock/customers", json={"customer": {"id": "cus_A"}}).raise_for_status()
    r = ctl.post("/_mock/customers", json={"customer": {"id": "cus_A"}})
    assert r.status_code == 400 and r.json()["field"] == "customer.id"
    r = ctl.patch("/_mock/customers/cus_A", json={"changes": {"email": 5}})
    assert r.status_code == 400 and r.json()["field"] == "changes.email"
    assert ctl.post("/_mock/customers", json={"mode": "x", "customer": {}}).json()["field"] == "mode"


def test_order_is_total_and_cursors_walk_both_ways_over_130_events(server, ctl):
    """Pagination: starting_after pages toward older objects, ending_before toward newer ones; events
    of one second list in the order they happened, newest first (pagination, events/list)."""
    ids = [ctl.post("/_mock/customers", json={"customer": {"id": f"cus_{i:03}"}}).json()["id"] for i in range(130)]
    newest_first = ids[::-1]

    seen, after = [], None
    while True:
        page = events(server, limit=50, **({"starting_after": after} if after else {}))
        seen += page["data"]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    assert [e["data"]["object"]["id"] for e in seen] == newest_first
    assert len({e["id"] for e in seen}) == 130
    assert len({e["created"] for e in seen}) < 130  # many share a second, and still list in order

    back, before = [], seen[-1]["id"]
    while True:
        page = events(server, limit=40, ending_before=before)
        back = page["data"] + back
        if not page["has_more"]:
            break
        before = page["data"][0]["id"]
    assert [e["id"] for e in back] == [e["id"] for e in seen[:-1]]
    assert events(server, limit=100, ending_before=seen[0]["id"])["data"] == []


def test_type_filter_exact_and_wildcard(server, client):
    """type: "a specific event name, or group of events using * as a wildcard" (events/list)."""
    cus = client.v1.customers.create({"email": "a@x.test"})
    client.v1.customers.update(cus.id, {"name": "A"})
    assert [e["type"] for e in events(server, type="customer.updated")["data"]] == ["customer.updated"]
    assert [e["type"] for e in events(server, type="customer.*")["data"]] == ["customer.updated", "customer.created"]
    assert [e["type"] for e in events(server, type="*.created")["data"]] == ["customer.created"]
    assert len(events(server, type="*")["data"]) == 2
    assert events(server, type="customer")["data"] == []
    assert events(server, type="invoice.*")["data"] == []


def test_types_array(server, client):
    """types: "up to 20 strings containing specific event names" (events/list)."""
    cus = client.v1.customers.create({"email": "a@x.test"})
    client.v1.customers.update(cus.id, {"name": "A"})
    client.v1.customers.delete(cus.id)
    got = events(server, **{"types[]": ["customer.created", "customer.deleted"]})
    assert [e["type"] for e in got["data"]] == ["customer.deleted", "customer.created"]
    r = get(server, "/v1/events", {"types[]": [f"t.{i}" for i in range(21)]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "types"


def test_types_pages_walk_both_ways(server, ctl):
    """Cursors over a types[] filter: every matching event once, in order, both ways (pagination)."""
    for i in range(12):
        ctl.post("/_mock/customers", json={"customer": {"id": f"cus_{i}"}}).raise_for_status()
        ctl.patch(f"/_mock/customers/cus_{i}", json={"changes": {"name": str(i)}}).raise_for_status()
        if i % 3 == 0:
            ctl.delete(f"/_mock/customers/cus_{i}").raise_for_status()
    wanted = {"customer.created", "customer.deleted"}
    expected = [e["id"] for e in events(server, limit=100)["data"] if e["type"] in wanted]
    types = {"types[]": sorted(wanted)}
    seen, page = [], events(server, limit=5, **types)
    seen += page["data"]
    while page["has_more"]:
        page = events(server, limit=5, starting_after=seen[-1]["id"], **types)
        seen += page["data"]
    assert [e["id"] for e in seen] == expected and len(expected) == 16
    back, page = [], events(server, limit=5, ending_before=expected[-1], **types)
    back = page["data"]
    while page["has_more"]:
        page = events(server, limit=5, ending_before=back[0]["id"], **types)
        back = page["data"] + back
    assert [e["id"] for e in back] == expected[:-1]


@pytest.mark.parametrize("params, param", [
    ({"type": "customer.created", "types[]": "customer.created"}, "types"),  # "either type or types, but not both"
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"),  # "Limit can range between 1 and 100"
    ({"customer": "cus_x"}, "customer"),  # not a parameter of /v1/events
    ({"starting_after": "evt_nope"}, "starting_after"),
    ({"created[after]": "1"}, "created[after]"),
    ({"expand[]": "data.object"}, "expand[0]"),
    ({"delivery_success": "maybe"}, "delivery_success"),
])
def test_bad_list_parameters_are_400(server, params, param):
    r = get(server, "/v1/events", params)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert r.json()["error"].get("param") == param


def test_both_cursors_are_refused(server):
    """Pagination: one of starting_after and ending_before."""
    r = get(server, "/v1/events", {"starting_after": "evt_a", "ending_before": "evt_b"})
    assert r.status_code == 400


def test_created_filters(server, client, ctl):
    """created: an integer or a hash of gt/gte/lt/lte (events/list, "Only return events that were
    created during the given date interval"); created is the mock clock's time."""
    client.v1.customers.create({"email": "old@x.test"})
    advanced = ctl.post("/_mock/clock", json={"advance_seconds": 1000}).json()["now"]
    client.v1.customers.create({"email": "new@x.test"})
    new, old = events(server)["data"]
    assert advanced <= new["created"] <= ctl.get("/_mock/clock").json()["now"]
    assert new["created"] - old["created"] >= 1000

    def emails(**params):
        return [e["data"]["object"]["email"] for e in events(server, **params)["data"]]

    assert emails(**{"created[gt]": old["created"]}) == ["new@x.test"]
    assert emails(**{"created[gte]": old["created"]}) == ["new@x.test", "old@x.test"]
    assert emails(**{"created[lt]": new["created"]}) == ["old@x.test"]
    assert emails(**{"created[lte]": old["created"]}) == ["old@x.test"]
    assert emails(created=new["created"]) == ["new@x.test"]


def test_events_older_than_30_days_are_gone(server, client, ctl):
    """List "going back up to 30 days"; retrieve "if it was created in the last 30 days" (events/list,
    events/retrieve): older ones are not listed, not retrievable (404) and no cursor (400)."""
    client.v1.customers.create({"email": "a@x.test"})
    [old] = events(server)["data"]
    ctl.post("/_mock/clock", json={"advance_seconds": 30 * DAY - 5}).raise_for_status()
    assert events(server)["data"] == [old]
    ctl.post("/_mock/clock", json={"advance_seconds": 10}).raise_for_status()
    client.v1.customers.create({"email": "b@x.test"})
    [kept] = events(server)["data"]
    assert kept["data"]["object"]["email"] == "b@x.test"
    r = get(server, f"/v1/events/{old['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "resource_missing"
    assert get(server, "/v1/events", {"starting_after": old["id"]}).status_code == 400


def test_retrieve(server, client):
    """Retrieve an event (events/retrieve); an unknown id: resource_missing."""
    client.v1.customers.create({"email": "a@x.test"})
    [listed] = events(server)["data"]
    r = get(server, f"/v1/events/{listed['id']}")
    assert r.status_code == 200 and r.json() == listed
    r = get(server, "/v1/events/evt_nope")
    assert r.status_code == 404 and r.json()["error"]["message"] == "No such event: 'evt_nope'"


def test_a_key_sees_only_its_own_mode(server, put_state):
    """Test and live data are separate (https://docs.stripe.com/keys#test-live-modes); an id of the other
    mode gets Stripe's hint."""
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY, LIVE_KEY]}]})
    create(server, email="t@x.test")
    create(server, key=LIVE_KEY, email="l@x.test")
    [test_event] = events(server)["data"]
    [live_event] = events(server, key=LIVE_KEY)["data"]
    assert test_event["livemode"] is False and test_event["data"]["object"]["email"] == "t@x.test"
    assert live_event["livemode"] is True and live_event["data"]["object"]["email"] == "l@x.test"
    r = get(server, f"/v1/events/{test_event['id']}", key=LIVE_KEY)
    assert r.status_code == 404 and "a similar object exists in test mode" in r.json()["error"]["message"]


def test_loading_or_resetting_the_state_wipes_events(server, ctl, client, put_state):
    """A loaded state stands for a new account: it has no events."""
    client.v1.customers.create({"email": "a@x.test"})
    [event] = events(server)["data"]
    put_state({"accounts": [{"id": "acct_demo", "api_keys": [DEMO_KEY], "test": {"customers": [{"id": "cus_A"}]}}]})
    assert events(server)["data"] == []
    assert get(server, "/v1/events", {"starting_after": event["id"]}).status_code == 400
    client.v1.customers.create({"email": "b@x.test"})
    ctl.post("/_mock/reset").raise_for_status()
    assert events(server)["data"] == []


def test_events_share_rate_limits_and_faults(server, ctl):
    """/v1/events counts against the basic rate limit (https://docs.stripe.com/rate-limits) and the
    mock's injected faults, like any API request."""
    ctl.put("/_mock/faults", json={"rate_429": 1.0}).raise_for_status()
    r = get(server, "/v1/events")
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit"
    ctl.put("/_mock/faults", json={"rate_429": 0.0, "requests_per_second": 2}).raise_for_status()
    codes = [get(server, "/v1/events").status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and 429 in codes[2:]


def test_official_sdk_lists_and_pages_events(server):
    """stripe-python's EventService (StripeClient.v1.events) against the mock: list with a wildcard,
    auto-paging over cursors, retrieve (events/list, pagination)."""
    client = make_client(server)
    made = [client.v1.customers.create({"email": f"c{i}@x.test"}) for i in range(12)]
    client.v1.customers.update(made[0].id, {"name": "First"})
    page = client.v1.events.list({"type": "customer.*", "limit": 5})
    assert len(page.data) == 5 and page.has_more is True
    assert isinstance(page.data[0], stripe.Event) and page.data[0].type == "customer.updated"
    assert page.data[0].data.previous_attributes.to_dict() == {"name": None}
    every = list(page.auto_paging_iter())
    assert [e.data.object.id for e in every if e.type == "customer.created"] == [c.id for c in reversed(made)]
    assert client.v1.events.retrieve(every[-1].id).id == every[-1].id
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.events.list({"type": "customer.created", "types": ["customer.updated"]})
    assert ei.value.http_status == 400
