"""The mass sync's in-flight limit: grows while the process has CPU to spare, shrinks when it is saturated."""

from types import SimpleNamespace

from sync_core.run.in_flight import MINIMUM, FixedLimit, InFlightLimit
from sync_core.run.run_state import in_flight_limit
from sync_core.stripe.limits import LimitSettings, StripeLimits


class Clocks:
    """A wall clock and a CPU clock the test advances by hand."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def spend(self, seconds: float, busy: float) -> None:
        self.wall += seconds
        self.cpu += seconds * busy


def limit_with(clocks: Clocks, maximum: int = 32) -> InFlightLimit:
    return InFlightLimit(maximum, clock=lambda: clocks.wall, cpu_clock=lambda: clocks.cpu)


def test_waiting_on_slow_services_grows_to_the_maximum():
    clocks = Clocks()
    limit = limit_with(clocks)
    seen = [limit.limit]
    for _ in range(5):
        clocks.spend(0.3, busy=0.2)
        seen.append(limit.observe())
    assert seen == [4, 8, 16, 32, 32, 32]
    assert limit.peak == 32


def test_a_saturated_process_goes_back_down_and_stays_at_the_minimum():
    clocks = Clocks()
    limit = limit_with(clocks)
    for _ in range(3):
        clocks.spend(0.3, busy=0.1)
        limit.observe()
    assert limit.limit == 32
    seen = []
    for _ in range(5):
        clocks.spend(0.3, busy=0.95)
        seen.append(limit.observe())
    assert seen == [16, 8, 4, 4, 4]
    assert limit.peak == 32


def test_between_spare_and_saturated_the_limit_holds():
    clocks = Clocks()
    limit = limit_with(clocks)
    clocks.spend(0.3, busy=0.1)
    assert limit.observe() == 8
    for _ in range(4):
        clocks.spend(0.3, busy=0.7)
        assert limit.observe() == 8


def test_nothing_changes_within_a_window():
    clocks = Clocks()
    limit = limit_with(clocks)
    for _ in range(10):
        clocks.spend(0.01, busy=0.0)
        assert limit.observe() == 4


def test_small_runs_never_exceed_their_customers():
    clocks = Clocks()
    limit = limit_with(clocks, maximum=3)
    assert limit.limit == 3
    clocks.spend(1.0, busy=0.0)
    assert limit.observe() == 3


def test_a_limit_the_operator_set_is_kept():
    limit = FixedLimit(16)
    assert (limit.limit, limit.observe(), limit.peak) == (16, 16, 16)


def services_limited(settings: LimitSettings, workers: int | None = None) -> SimpleNamespace:
    """What `in_flight_limit` reads of a run's services: the workers setting, NetSuite's concurrency, Stripe's limits."""
    config = SimpleNamespace(sync=SimpleNamespace(workers=workers), netsuite=SimpleNamespace(concurrency=5))
    return SimpleNamespace(config=config, stripe=SimpleNamespace(limits=StripeLimits(settings)))


def test_a_run_held_by_stripes_limits_keeps_what_they_need_in_flight_however_busy():
    """Live mode's creates and updates at 25/s each need about 25 in flight (half a second each): a run starts
    there and a busy process (journaling its quiet rows as the writes begin) does not take it below."""
    live = in_flight_limit(services_limited(LimitSettings.for_mode(True)), 10_000)
    test = in_flight_limit(services_limited(LimitSettings.for_mode(False)), 10_000)
    assert isinstance(live, InFlightLimit) and isinstance(test, InFlightLimit)
    # its minimum: a saturated process halves down to it, no further (as the tests above show)
    assert (live.limit, live.minimum, test.limit, test.minimum) == (25, 25, 13, 13)


def test_limits_above_what_the_process_can_send_leave_it_to_the_cpu():
    unthrottled = in_flight_limit(services_limited(LimitSettings(1_000_000, 1_000_000)), 10_000)
    assert unthrottled.limit == MINIMUM and unthrottled.maximum == 64
    assert in_flight_limit(services_limited(LimitSettings.for_mode(True), workers=6), 10_000).limit == 6
