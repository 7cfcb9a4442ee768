"""The budget view follows a real RateGovernor: counts, 429 pause countdown, throttled repaint."""

from __future__ import annotations

import asyncio
import time

from explorer.core.ratelimit import RateGovernor
from explorer.ui.budget_view import REPAINT_INTERVAL_MS, BudgetView


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


def test_counts_down_a_429_pause_then_goes_idle(qtbot, run, until):
    governor = RateGovernor(limit=5, period_s=30.0)
    view = make_view(qtbot, governor)

    async def scenario():
        await governor.acquire()
        governor.record_response(429, retry_after=0.4)
        await until(lambda: "waiting" in view.label.text())
        first = view.label.text()
        await until(lambda: view.label.text() != first)  # the countdown moves on its own
        await until(lambda: "waiting" not in view.label.text(), timeout=3)
        await until(lambda: view.is_idle)

    run(scenario())
    assert "1×429" in view.label.text()
    assert view.state.recent_429 == 1


def test_lowered_limit_is_explained(qtbot, run, until):
    governor = RateGovernor(limit=8, period_s=30.0)
    view = make_view(qtbot, governor)
    governor.record_response(429, retry_after=0.0)
    run(until(lambda: "pushed back" in view.toolTip()))
    assert "at most 6 of the profile's 8" in view.toolTip()


def test_bursts_of_updates_are_repainted_at_most_ten_times_a_second(qtbot, run, until):
    governor = RateGovernor(limit=1000, period_s=30.0)
    view = make_view(qtbot, governor)
    before = view.refresh_count

    async def burst() -> float:
        started = time.monotonic()
        for _ in range(200):
            await governor.acquire()  # each one notifies twice (waiting, then sent)
        await until(lambda: view.label.text().startswith("200/1000"))
        return time.monotonic() - started

    elapsed = run(burst())
    repaints = view.refresh_count - before
    # 400 notifications; at most one repaint per interval, however long this machine took.
    assert 1 <= repaints <= 1 + elapsed * 1000 / REPAINT_INTERVAL_MS


def test_detach_stops_following(qtbot, run, until):
    governor = RateGovernor(limit=10, period_s=30.0)
    view = make_view(qtbot, governor)
    witness = make_view(qtbot, governor)  # still attached: shows when an update has come through
    view.detach()

    async def more():
        await governor.acquire()
        await until(lambda: witness.state is not None and witness.state.used == 1)

    run(more())
    assert view.state is not None
    assert view.state.used == 0


def test_a_stricter_server_shows_429s_and_the_wait(qtbot, run, until, make_sandbox, services):
    """The profile allows 20 requests a second, the server only 4: the view shows the 429s and
    counts down the pause the governor takes, then settles on a lowered limit."""
    from explorer.core.client import connect
    from explorer.core.ratelimit import governor_for
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
    governor = governor_for(profile)
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
