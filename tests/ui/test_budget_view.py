"""The budget view follows a real RateGovernor: counts, 429 pause countdown, throttled repaint."""

from __future__ import annotations

import asyncio

from explorer.core.ratelimit import RateGovernor
from explorer.ui.budget_view import BudgetView


def make_view(qtbot, governor: RateGovernor) -> BudgetView:
    view = BudgetView()
    qtbot.addWidget(view)
    view.attach(governor)
    view.show()
    return view


def test_shows_requests_in_window_against_the_limit(qtbot, run, until):
    governor = RateGovernor(limit=4, period_s=30.0)
    view = make_view(qtbot, governor)

    async def three_requests():
        for _ in range(3):
            await governor.acquire()
        await until(lambda: view.label.text().startswith("3/4"))

    run(three_requests())
    assert view.state.used == 3
    assert view.bar.fraction == 0.75
    assert "1 left" in view.toolTip()


class Clock:
    """A clock the test moves by hand, shared by the governor and the view."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_clocked(qtbot, limit: int, period_s: float) -> tuple[RateGovernor, BudgetView, Clock]:
    clock = Clock()
    governor = RateGovernor(limit=limit, period_s=period_s, clock=clock)
    view = BudgetView(clock=clock)
    qtbot.addWidget(view)
    view.attach(governor)
    view.show()
    return governor, view, clock


def test_counts_down_a_429_pause_then_falls_back_and_goes_idle(qtbot, run, until):
    governor, view, clock = make_clocked(qtbot, limit=5, period_s=30.0)

    async def scenario():
        await governor.acquire()
        governor.record_response(429, retry_after=0.4)
        await until(lambda: view.label.text() == "waiting 0.4 s for the rate limit")
        clock.now += 0.2
        await until(lambda: view.label.text() == "waiting 0.2 s for the rate limit")
        clock.now += 0.3
        await until(lambda: "waiting" not in view.label.text())
        assert view.label.text() == "1/3 in 30 s (lowered from 5 after 429s) · 1×429"
        assert not view.is_idle  # the window is not empty: it is followed as it ages
        clock.now += 121.0  # the request left the window, the 429 the minute; the limit recovered
        await until(lambda: view.is_idle)

    run(scenario())
    assert view.label.text() == "0/5 in 30 s"
    assert view.state.recent_429 == 0


def test_the_gauge_falls_back_as_the_window_empties_then_no_timer_runs(qtbot, run, until):
    governor, view, clock = make_clocked(qtbot, limit=4, period_s=5.0)

    async def scenario():
        for _ in range(3):
            await governor.acquire()
        await until(lambda: view.label.text() == "3/4 in 5 s")
        assert not view.is_idle
        clock.now += 5.5  # nothing new was sent: the three requests leave the window
        await until(lambda: view.label.text() == "0/4 in 5 s")
        await until(lambda: view.is_idle)

    run(scenario())
    assert view.bar.fraction == 0.0


def test_lowered_limit_is_explained(qtbot, run, until):
    governor = RateGovernor(limit=8, period_s=30.0)
    view = make_view(qtbot, governor)
    governor.record_response(429, retry_after=0.0)
    run(until(lambda: "pushed back" in view.toolTip()))
    assert "at most 6 of the profile's 8" in view.toolTip()


def test_bursts_of_updates_are_repainted_at_most_ten_times_a_second(qtbot, run):
    governor = RateGovernor(limit=1000, period_s=30.0)
    view = make_view(qtbot, governor)
    before = view.refresh_count

    async def burst():
        for _ in range(200):
            await governor.acquire()  # each one notifies twice (waiting, then sent)
        await asyncio.sleep(0.25)

    run(burst())
    assert 1 <= view.refresh_count - before <= 4  # 400 notifications, a few repaints
    assert view.label.text().startswith("200/1000")


def test_detach_stops_following(qtbot, run, until):
    governor = RateGovernor(limit=10, period_s=30.0)
    view = make_view(qtbot, governor)
    view.detach()

    async def more():
        await governor.acquire()
        await asyncio.sleep(0.2)

    run(more())
    assert view.state is not None
    assert view.state.used == 0


def test_a_stricter_server_shows_429s_and_the_wait(qtbot, run, until, make_sandbox, services):
    """The profile allows 20 requests a second, the server only 4: the view shows the 429s and
    counts down the pause the governor takes, then settles on a lowered limit."""
    from explorer.core.client import connect
    from explorer.core.ratelimit import RateGovernor
    from explorer.core.settings import AuthKind, Profile

    server = make_sandbox(rate="4/1")
    profile = Profile(
        name="Strict server",
        base_url=server.url,
        auth_kind=AuthKind.API_KEY,
        catalog="scalepad",
        rate_limit=20,
        rate_period_s=1.0,
    )
    run(services.secrets.set(profile.name, server.api_key))
    governor = RateGovernor(profile.rate_limit, profile.rate_period_s)
    view = make_view(qtbot, governor)
    texts: list[str] = []

    async def burst():
        client = await connect(profile, services.secrets, governor=governor)
        async with client:
            watch = asyncio.ensure_future(
                until(lambda: texts.append(view.label.text()) or "waiting" in texts[-1], timeout=10)
            )
            await asyncio.gather(
                *(client.get_json("/core/v1/clients", params={"page_size": 1}) for _ in range(10))
            )
            await watch

    run(burst(), timeout=30)
    assert any(t.startswith("waiting ") and t.endswith(" s for the rate limit") for t in texts)
    run(until(lambda: "×429" in view.label.text(), timeout=5))
    assert view.state.recent_429 >= 1
    assert view.state.effective_limit < 20


def test_a_deleted_view_unsubscribes_itself(qtbot, run):
    governor = RateGovernor(limit=10, period_s=30.0)
    view = BudgetView()
    view.attach(governor)
    assert len(governor._subscribers) == 1
    view.deleteLater()
    qtbot.waitUntil(lambda: not governor._subscribers)
    run(governor.acquire())  # nothing left to call


def test_timeline_shows_the_last_minute_and_stops_when_it_is_empty(qtbot):
    now = [1000.0]
    view = BudgetView(clock=lambda: now[0])
    qtbot.addWidget(view)
    view.note_request(200)
    now[0] += 20
    view.note_request(429)
    assert view.timeline.visible_ticks() == [(20.0, False), (0.0, True)]
    assert not view.is_idle  # it ages the ticks once a second
    now[0] += 50  # the first request is now older than a minute
    view.timeline._age()
    assert view.timeline.visible_ticks() == [(50.0, True)]
    now[0] += 20
    view.timeline._age()
    assert view.timeline.visible_ticks() == []
    assert view.is_idle
