"""The rate governor under a fake clock: the budget is never exceeded, 429s pause and adapt."""

from __future__ import annotations

import asyncio

import pytest

from explorer.core.ratelimit import MAX_IN_FLIGHT_S, BudgetSnapshot, Governors, RateGovernor
from explorer.core.settings import Profile


class FakeTime:
    """A clock whose sleep advances time instantly (and yields, so other tasks run)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def make(limit: int, period: float, margin: float = 0.0) -> tuple[RateGovernor, FakeTime]:
    t = FakeTime()
    return RateGovernor(limit, period, clock=t.clock, sleep=t.sleep, margin_s=margin), t


def max_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    best = 0
    j = 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] < start + period:
            j += 1
        best = max(best, j - i)
    return best


@pytest.mark.parametrize(("limit", "period"), [(50, 5.0), (10, 1.0), (3, 0.5)])
def test_never_more_than_limit_sends_in_any_window(limit: int, period: float) -> None:
    governor, t = make(limit, period, margin=0.01)
    sent: list[float] = []

    async def worker() -> None:
        for _ in range(10):
            await governor.acquire()
            sent.append(t.now)

    async def scenario() -> None:
        await asyncio.gather(*(worker() for _ in range(17)))

    asyncio.run(scenario())
    assert len(sent) == 170
    assert max_in_any_window(sent, period) == limit  # full use of the budget, never more
    # and the run is as fast as the budget allows (plus the margins)
    floor = (170 // limit - (1 if 170 % limit == 0 else 0)) * period
    assert floor <= sent[-1] <= floor * 1.05 + 0.1


def test_first_come_first_served() -> None:
    governor, _t = make(2, 1.0)
    order: list[int] = []

    async def one(i: int) -> None:
        await governor.acquire()
        order.append(i)

    async def scenario() -> None:
        tasks = []
        for i in range(8):
            tasks.append(asyncio.create_task(one(i)))
            await asyncio.sleep(0)  # arrive in this order
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert order == list(range(8))


def test_acquire_reports_the_wait() -> None:
    governor, _t = make(1, 2.0)

    async def scenario() -> list[float]:
        return [await governor.acquire(), await governor.acquire()]

    assert asyncio.run(scenario()) == [0.0, 2.0]


def test_a_429_pauses_everyone_until_retry_after() -> None:
    governor, t = make(10, 1.0)

    async def scenario() -> float:
        await governor.acquire()
        governor.record_response(429, retry_after=7.0)
        snap = governor.snapshot()
        assert snap.paused_for_s == 7.0
        assert snap.current_wait_s == 7.0
        await governor.acquire()
        return t.now

    assert asyncio.run(scenario()) == 7.0


def test_429_without_retry_after_pauses_one_period() -> None:
    governor, _t = make(10, 3.0)
    governor.record_response(429, None)
    assert governor.snapshot().paused_for_s == 3.0


def test_429s_lower_the_limit_once_per_burst_then_it_recovers() -> None:
    governor, t = make(20, 1.0)
    for _ in range(10):  # one burst of 429s from requests already in flight
        governor.record_response(429, retry_after=1.0)
    assert governor.effective_limit == 15
    t.now += 1.0
    governor.record_response(429, retry_after=1.0)
    assert governor.effective_limit == 11
    snap = governor.snapshot()
    assert (snap.limit, snap.effective_limit, snap.recent_429s) == (20, 11, 11)
    # two clean periods bring one request back, and so on up to the profile's limit
    t.now += 2.0
    assert governor.snapshot().effective_limit == 12
    t.now += 100.0
    assert governor.snapshot().effective_limit == 20
    assert governor.snapshot().recent_429s == 0


def test_adapts_to_a_stricter_server_and_finishes() -> None:
    """The profile says 20/s but the server allows 8/s: after a few 429s none follow."""
    governor, t = make(20, 1.0, margin=0.01)
    server_times: list[float] = []
    statuses: list[int] = []

    def server() -> int:
        recent = [s for s in server_times if s > t.now - 1.0]
        if len(recent) >= 8:
            return 429
        server_times.append(t.now)
        return 200

    async def fetch() -> None:
        while True:
            await governor.acquire()
            status = server()
            statuses.append(status)
            governor.record_response(status, retry_after=1.0 if status == 429 else None)
            if status == 200:
                return

    async def scenario() -> None:
        await asyncio.gather(*(fetch() for _ in range(200)))

    asyncio.run(scenario())
    assert statuses.count(200) == 200
    assert 0 < statuses.count(429) < 40
    assert governor.effective_limit <= 8
    late = statuses[len(statuses) // 2 :]
    assert late.count(429) <= 2


def test_snapshot_counts_window_remaining_and_next_slot() -> None:
    governor, t = make(3, 10.0)

    async def scenario() -> BudgetSnapshot:
        await governor.acquire()
        t.now = 2.0
        await governor.acquire()
        await governor.acquire()
        return governor.snapshot()

    snap = asyncio.run(scenario())
    assert (snap.in_window, snap.remaining, snap.waiting) == (3, 0, 0)
    assert snap.next_slot_in_s == pytest.approx(8.0)
    t.now = 10.5
    snap = governor.snapshot()
    assert (snap.in_window, snap.remaining, snap.next_slot_in_s) == (2, 1, 0.0)


def test_subscribers_see_changes_and_can_leave() -> None:
    governor, _t = make(2, 1.0)
    seen: list[BudgetSnapshot] = []
    unsubscribe = governor.subscribe(seen.append)

    async def scenario() -> None:
        await governor.acquire()

    asyncio.run(scenario())
    assert seen
    assert seen[-1].in_window == 1
    count = len(seen)
    governor.record_response(429, 1.0)
    assert len(seen) == count + 1
    assert seen[-1].recent_429s == 1
    unsubscribe()
    governor.record_response(429, 1.0)
    assert len(seen) == count + 1


def test_a_broken_subscriber_does_not_stop_requests(caplog: pytest.LogCaptureFixture) -> None:
    governor, _t = make(2, 1.0)

    def broken(snapshot: BudgetSnapshot) -> None:
        raise RuntimeError("view gone")

    governor.subscribe(broken)
    assert asyncio.run(governor.acquire()) == 0.0
    assert "subscriber failed" in caplog.text


def test_cancelled_waiter_leaves_the_queue_clean() -> None:
    governor = RateGovernor(1, 60.0)

    async def scenario() -> None:
        await governor.acquire()
        waiter = asyncio.create_task(governor.acquire())
        await asyncio.sleep(0)  # the waiter runs up to its wait
        assert governor.snapshot().waiting == 1
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert governor.snapshot().waiting == 0
        assert governor.snapshot().in_window == 1

    asyncio.run(scenario())


def test_one_governor_per_profile_shared_across_event_loops() -> None:
    governors = Governors()
    governor_for = governors.for_profile
    a = Profile("A", "https://a.example", rate_limit=5, rate_period_s=1.0)
    same = governor_for(a)
    assert governor_for(a) is same
    assert governor_for(Profile("B", "https://b.example")) is not same
    # an edited budget reconfigures the same governor
    assert governor_for(a.with_changes(rate_limit=7)) is same
    assert same.limit == 7
    # usable from one asyncio.run after another (the CLI and tests do this)
    asyncio.run(same.acquire())
    asyncio.run(same.acquire())
    assert same.snapshot().in_window == 2
    governors.forget("A")
    assert governor_for(a) is not same  # a deleted profile's budget is gone


def test_invalid_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateGovernor(0, 1.0)


def test_an_answered_request_counts_from_its_answer_time() -> None:
    """The server counted a slow request when it arrived, at the latest when it answered."""
    governor, t = make(2, 10.0)

    async def scenario() -> float:
        first = await governor.acquire_slot()
        second = await governor.acquire_slot()
        governor.record_response(200, None, slot=second)  # answered at once
        t.now = 4.0  # the first request's answer arrives 4 s after it left
        governor.record_response(200, None, slot=first)
        t.now = 10.0  # the second has left the window; the first has not
        snap = governor.snapshot()
        assert snap.in_window == 1
        await governor.acquire()  # takes the second's place at once
        start = t.now
        await governor.acquire()  # must wait for the first's answer time + period
        return t.now - start

    assert asyncio.run(scenario()) == pytest.approx(4.0)


def test_margin_applies_to_requests_in_flight_not_to_answered_ones() -> None:
    governor, t = make(2, 1.0, margin=0.2)

    async def scenario() -> tuple[float, float]:
        first = await governor.acquire_slot()
        second = await governor.acquire_slot()
        t.now = 0.05
        governor.record_response(200, slot=first)  # answered: the server counted it by 0.05
        # `second` is still on the way: it may be counted as late as 0 + margin.
        waited_third = await governor.acquire()
        governor.record_response(200, slot=second)
        return waited_third, t.now

    waited, now = asyncio.run(scenario())
    assert now == pytest.approx(1.05)  # answer time + period, no margin on top
    assert waited == pytest.approx(1.0)
    # With both answered, the next slot frees at the second answer + period, again no margin.
    assert governor.snapshot().next_slot_in_s == pytest.approx(1.05 + 1.0 - now)


def test_a_request_on_its_way_keeps_its_place_until_its_answer() -> None:
    """The server may count a slow request at any moment until it answers: no slot frees early."""
    governor, t = make(1, 1.0, margin=0.05)

    async def scenario() -> float:
        slow = await governor.acquire_slot()
        t.now = 3.0  # three periods later, still no answer
        assert governor.snapshot().in_window == 1
        assert governor.snapshot().remaining == 0
        answer_at = 3.5

        async def sleep_then_answer(seconds: float) -> None:  # the answer comes at 3.5 s
            await t.sleep(seconds)
            if t.now >= answer_at and not slow.answered:
                governor.record_response(200, slot=slow)

        governor._sleep = sleep_then_answer
        await governor.acquire()  # waits for the answer, then one period from it
        return t.now

    assert asyncio.run(scenario()) >= 3.5 + 1.0


def test_a_request_that_failed_frees_its_place_one_period_after_the_failure() -> None:
    governor, t = make(1, 1.0)

    async def scenario() -> float:
        lost = await governor.acquire_slot()
        t.now = 2.0
        governor.ended(lost)  # a timeout or a dropped connection: no answer will come
        await governor.acquire()
        return t.now

    assert asyncio.run(scenario()) == pytest.approx(3.0)


def test_a_request_nobody_reports_on_stops_holding_its_place() -> None:
    """A cancelled task never reports its request's end: the slot is let go after a while."""
    governor, t = make(1, 1.0)

    async def scenario() -> float:
        await governor.acquire_slot()  # never answered, never ended
        await governor.acquire()
        return t.now

    assert asyncio.run(scenario()) == pytest.approx(MAX_IN_FLIGHT_S + 1.0, abs=0.05)
