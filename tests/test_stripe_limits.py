"""Stripe's two rate limits in the client (https://docs.stripe.com/rate-limits): the account's (live 100/s, a
sandbox 25/s) and each named operation's (25/s, live included), on a virtual clock: requests are counted by
when they would leave, and no test waits for real time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from sync_core.config import load_config
from sync_core.stripe import limits as ops
from sync_core.stripe.limits import WINDOW_S, LimitSettings, StripeLimits, side_by_side
from tests.support.windows import most_within


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer instead of waiting for it."""

    def __init__(self, lateness: float = 0.0, stalls: dict[int, float] | None = None) -> None:
        super().__init__()
        self.now = 1000.0
        select = self._selector.select
        jumps = [0]

        def jump(timeout=None):
            if timeout:
                jumps[0] += 1
                # A loop on a busy machine wakes sleepers late, now and then much later (a stall).
                self.now += timeout + lateness + (stalls or {}).get(jumps[0], 0.0)
            return select(0)

        self._selector.select = jump  # type: ignore[method-assign]

    def time(self) -> float:
        return self.now


@pytest.fixture
def virtual(monkeypatch):
    loop = VirtualClockLoop()
    monkeypatch.setattr(time, "monotonic", loop.time)
    yield loop
    loop.close()


def send_times(loop: VirtualClockLoop, settings: LimitSettings, requests: list[str]) -> list[tuple[float, str]]:
    """When each request (an operation name, all queued at once) would leave."""
    limits = StripeLimits(settings)
    sent: list[tuple[float, str]] = []

    async def one(operation: str) -> None:
        async with limits.slot(operation):
            sent.append((loop.time(), operation))

    async def run() -> None:
        await asyncio.gather(*(one(op) for op in requests))

    loop.run_until_complete(run())
    return sent


def test_settings_follow_the_keys_mode_and_the_accounts_raised_limits():
    live, test = LimitSettings.for_mode(True), LimitSettings.for_mode(False)
    assert (live.requests_per_second, live.operation_requests_per_second, live.search_requests_per_second) == (100, 25, 20)
    assert test.requests_per_second == 25 and test.rate(ops.CREATE) == 25 and test.rate(ops.SEARCH_CUSTOMERS) == 20
    raised = LimitSettings.for_mode(True, requests_per_second=300, operation_requests_per_second=80)
    assert raised.requests_per_second == 300 and raised.rate(ops.UPDATE) == 80
    env = {"CUSTSYNC_STRIPE_API_KEY": "sk_live_FAKE", "CUSTSYNC_STRIPE_OPERATION_REQUESTS_PER_SECOND": "40"}
    from_config = LimitSettings.from_config(load_config(env=env).stripe)
    assert from_config == LimitSettings(100, 40, 18)  # [stripe] search_requests_per_second keeps its margin
    assert LimitSettings.from_config(load_config(env={"CUSTSYNC_STRIPE_API_KEY": "sk_test_FAKE"}).stripe) \
        == LimitSettings(25, 25, 18)


def test_live_creates_and_updates_go_side_by_side_each_within_its_own_limit(virtual):
    sent = send_times(virtual, LimitSettings.for_mode(True), [ops.CREATE, ops.UPDATE] * 100)
    by_op = {op: [t for t, o in sent if o == op] for op in (ops.CREATE, ops.UPDATE)}
    assert most_within(by_op[ops.CREATE]) <= 25 and most_within(by_op[ops.UPDATE]) <= 25
    assert most_within([t for t, _ in sent]) <= 50
    took = max(t for t, _ in sent) - min(t for t, _ in sent)
    assert took < 100 / 25 * 1.05  # side by side: as long as one operation's 100 take, not twice that


def test_test_mode_holds_every_operation_within_the_accounts_25(virtual):
    sent = send_times(virtual, LimitSettings.for_mode(False), [ops.CREATE, ops.UPDATE, ops.RETRIEVE] * 40)
    assert most_within([t for t, _ in sent]) <= 25
    assert Counter(op for _, op in sent) == {ops.CREATE: 40, ops.UPDATE: 40, ops.RETRIEVE: 40}


def test_an_operation_held_back_by_the_account_keeps_its_own_spacing(virtual):
    """Five operations at 25/s each ask more than the live 100/s: the account holds them back. When four of
    them are done, the fifth's requests held back must not then leave together, past its own 25 a second."""
    others = [ops.UPDATE, ops.RETRIEVE, ops.LIST, ops.EVENTS]
    sent = send_times(virtual, LimitSettings.for_mode(True), others * 50 + [ops.CREATE] * 100)
    assert most_within([t for t, _ in sent]) <= 100
    for name in [*others, ops.CREATE]:
        assert most_within([t for t, o in sent if o == name]) <= 25, name


def test_a_busy_operation_does_not_hold_another_back(virtual):
    """100 creates queued (four seconds of them) do not delay a retrieve asked for after them."""
    limits = StripeLimits(LimitSettings.for_mode(True))
    sent: dict[str, float] = {}

    async def one(operation: str, key: str) -> None:
        async with limits.slot(operation):
            sent[key] = virtual.time()

    async def run() -> None:
        creates = [asyncio.ensure_future(one(ops.CREATE, f"c{i}")) for i in range(100)]
        await asyncio.sleep(0.5)
        assert limits.load(ops.CREATE) > 2 and limits.load(ops.RETRIEVE) == 0
        await one(ops.RETRIEVE, "r")
        await asyncio.gather(*creates)

    start = virtual.time()
    virtual.run_until_complete(run())
    assert sent["r"] - start < 0.6 and max(sent.values()) - start > 3.5


def test_late_wake_ups_cost_no_throughput(monkeypatch):
    """Each sleeper woken 5 ms late (a busy machine): slots still follow each other at the operation's rate,
    instead of every lateness pushing the next slot back."""
    late = VirtualClockLoop(lateness=0.005)
    monkeypatch.setattr(time, "monotonic", late.time)
    try:
        sent = send_times(late, LimitSettings.for_mode(True), [ops.CREATE] * 101)
    finally:
        late.close()
    took = max(t for t, _ in sent) - min(t for t, _ in sent)
    assert 100 / 25 < took < 100 / 24.25 + 0.02, took  # 97% of the limit: not 100 x (1/24.25 + 0.005)
    assert most_within([t for t, _ in sent], WINDOW_S) <= 25


def test_requests_held_back_by_a_stall_do_not_then_leave_together(monkeypatch):
    """The loop stalls 300 ms (a busy machine): the requests whose slots passed meanwhile do not all leave at
    once after it, which would make 31 in the server's second; no 1.03 s (WINDOW_S) holds more than 25, so a
    request may reach the server up to 31 ms later than the one 25 before it and still find room."""
    stalled = VirtualClockLoop(stalls={40: 0.3, 90: 0.3})
    monkeypatch.setattr(time, "monotonic", stalled.time)
    try:
        sent = send_times(stalled, LimitSettings.for_mode(False), [ops.CREATE, ops.UPDATE] * 60)
    finally:
        stalled.close()
    assert most_within([t for t, _ in sent], WINDOW_S) <= 25  # the account's 25 in test mode
    for name in (ops.CREATE, ops.UPDATE):
        assert most_within([t for t, o in sent if o == name], WINDOW_S) <= 25


def test_searches_keep_to_searchs_own_limit(virtual):
    sent = send_times(virtual, LimitSettings.for_mode(True), [ops.SEARCH_CUSTOMERS] * 60)
    assert most_within([t for t, _ in sent]) <= 20


def test_writes_in_flight_follow_the_limits():
    """Enough creates and updates in flight to use both operations' limits at half a second each."""
    assert StripeLimits(LimitSettings.for_mode(True)).writes_at_once() == 25  # 50/s side by side
    assert StripeLimits(LimitSettings.for_mode(False)).writes_at_once() == 13  # the account's 25/s
    assert StripeLimits(None).writes_at_once() == 0


def test_no_settings_means_no_waiting(virtual):
    sent = send_times(virtual, None, [ops.CREATE] * 50)  # type: ignore[arg-type]
    assert {t for t, _ in sent} == {1000.0}


def test_side_by_side_alternates_operations_and_keeps_dependencies():
    operations = [ops.UPDATE] * 4 + [ops.CREATE] * 4 + [None]
    after: list[tuple[int, ...]] = [()] * 9
    after[5] = (1,)  # a create planned after the update it depends on
    queued = Counter()

    def load(op):
        return queued[op] / 25 if op else 0.0

    order = []
    for k in side_by_side(operations, after, load):
        order.append(k)
        queued[operations[k]] += 1
    assert [operations[k] for k in order if operations[k]] == [ops.UPDATE, ops.CREATE] * 4
    assert order.index(5) > order.index(1)
    assert sorted(order) == list(range(9))


def test_side_by_side_never_takes_a_row_before_what_it_waits_for():
    operations = [ops.CREATE, ops.UPDATE, ops.UPDATE]
    after = [(), (0,), (1,)]  # the updates link the customer the create makes, one after the other
    assert list(side_by_side(operations, after, lambda op: 0.0 if op == ops.UPDATE else 1.0)) == [0, 1, 2]
