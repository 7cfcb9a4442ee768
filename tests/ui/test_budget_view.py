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
