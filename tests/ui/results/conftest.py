"""Fixtures for the results-tab tests: tabs that are torn down on the GUI thread, a Scout context."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6


@pytest.fixture
def scout_context(services: Any, sandbox: Any, qloop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    """An AppContext for the sandbox's Scout emulation (JWT login with the sandbox's user)."""
    from explorer.core.settings import AuthKind, JwtSettings, Profile

    profile = Profile(
        name="Scout sandbox",
        base_url=sandbox.url,
        auth_kind=AuthKind.JWT,
        catalog="scout",
        username=sandbox.scout_username,
        jwt=JwtSettings.scout(),
        rate_limit=1000,
        rate_period_s=1.0,
    )
    services.settings.upsert_profile(profile)
    qloop.run_until_complete(services.secrets.set(profile.name, sandbox.scout_password))
    context = qloop.run_until_complete(services.open_context(profile.name))
    try:
        yield context
    finally:
        qloop.run_until_complete(services.release_context(context))


@pytest.fixture
def make_tab(qtbot: Any, qloop: asyncio.AbstractEventLoop) -> Iterator[Callable[..., Any]]:
    """`make_tab(context, endpoint_id, query=None)`: a shown ResultsTab, closed after the test.

    The tabs are closed and their C++ objects deleted here, on the GUI thread: left to the garbage
    collector, a widget could be destroyed from whatever thread happens to collect it.
    """
    from explorer.ui.results.tab import ResultsTab

    tabs: list[ResultsTab] = []

    def _make(
        context: Any, endpoint_id: str, query: Any = None, size: tuple[int, int] = (1100, 560)
    ) -> ResultsTab:
        endpoint = context.catalog.find(endpoint_id)
        assert endpoint is not None, endpoint_id
        tab = ResultsTab(context, endpoint, query)
        tabs.append(tab)
        tab.resize(*size)
        tab.show()
        return tab

    yield _make
    for tab in tabs:
        qloop.run_until_complete(tab.close_tab())
        tab.close()
        shiboken6.delete(tab)
    tabs.clear()
    gc.collect()


@pytest.fixture
def until(qloop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """The shared `until`, plus a dump of the loop's pending tasks when a condition times out."""
    from tests.ui.conftest import wait_for_condition

    async def _until(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        try:
            return await wait_for_condition(predicate, timeout)
        except AssertionError:
            stacks = []
            for task in asyncio.all_tasks(qloop):
                if task is not asyncio.current_task():
                    frames = task.get_stack(limit=6)
                    where = " <- ".join(
                        f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(frames)
                    )
                    stacks.append(f"{task.get_name()}: {where}")
            raise AssertionError(
                "condition not met; pending tasks:\n" + "\n".join(stacks)
            ) from None

    return _until
