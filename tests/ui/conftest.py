"""Shared fixtures for window tests: a qasync loop under pytest-qt, app services, a live context.

How async code is driven in these tests
---------------------------------------
The app runs on qasync: the asyncio loop *is* the Qt event loop. Each test that needs it takes
`qloop`: the session's one `qasync.QEventLoop(qapp)` (the app, too, has one loop for its whole
life), set as the current loop, with a per-test exception handler. Then:

* `run(coro, timeout=...)` drives a coroutine to completion on the loop (through
  `explorer.ui.async_utils.run_until_complete`, not qasync's, which processes events once more
  with no running loop); while it runs, Qt events are processed too (paints, timers, signals).
* Inside a coroutine, wait for a condition with `await until(lambda: ..., timeout=...)`, which
  polls with `asyncio.sleep`. Never call `qtbot.wait*` inside a running coroutine (nested loops).
* Qt actions that start tasks (a button calling `spawn(...)`) can be triggered outside the loop
  (`qtbot.mouseClick`, `button.click()`); the task is scheduled and runs at the next `run(...)`,
  e.g. `run(until(lambda: dialog.result_label.text()))`.
* `loop.stop()` and `QEventLoop(app, already_running=True)` are never used: they leave the
  QApplication in a state where later pytest-qt waits return at once.

At teardown `qloop` cancels the test's leftover tasks (before pytest-qt processes events) and
fails the test if the loop reported an exception (an error in a callback or a task nobody
awaited). `QApplication.quitOnLastWindowClosed` is off, as in the app.

Services and contexts
---------------------
* `services`: the app's `AppServices` (explorer/app.py) over a temporary config folder, the
  in-memory keyring (tests/fixtures_keyring.py) and a fresh request log.
* `sandbox_profile`: a profile in those settings pointing at the session's sandbox, its API key in
  the (memory) keyring.
* `app_context`: the `AppContext` the window would build for that profile (real client, governor,
  merged demo catalog), released at teardown.
"""

from __future__ import annotations

import asyncio
import os
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

os.environ.setdefault("QT_API", "pyside6")

import qasync  # after QT_API is set: qasync picks the binding from it

from explorer.ui.async_utils import guard_pyside_refcount_bugs, run_until_complete

# Tests make Qt calls too (see the function's docstring for the PySide6 6.12 bug).
guard_pyside_refcount_bugs()

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 15.0


@pytest.fixture(scope="session")
def _session_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the whole session, as the app has one loop for its whole life.

    Separate loops per test leave library state behind (anyio keeps per-loop worker threads and
    task groups for httpx connections), which then runs without a running loop in a later test.
    """
    # Closing a test's last window must not quit the QApplication: a quit with no running loop
    # makes later pytest-qt waits return at once (the window's own shutdown ends the app).
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        _drain(loop)
        run_until_complete(loop, loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def qloop(_session_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop, current for this test; fails the test if the loop reported errors."""
    loop = _session_loop
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        _drain(loop)
        loop.set_exception_handler(None)
    if errors:
        pytest.fail("the event loop reported errors:\n" + "\n".join(map(_describe, errors)))


def _describe(context: dict[str, Any]) -> str:
    exc = context.get("exception")
    if isinstance(exc, BaseException):
        trace = "".join(traceback.format_exception(exc))
        return f"{context.get('message', '')}\n{trace}"
    return str(context.get("message", context))


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the loop's unfinished tasks and let them unwind, with the loop running."""
    if loop.is_closed():
        return
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        run_until_complete(loop, asyncio.gather(*pending, return_exceptions=True))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # pytest-qt processes Qt events before fixtures are torn down; qasync would then run task
    # steps with no running loop. Stop the test's tasks first, while the loop can still run.
    loop = getattr(item, "funcargs", {}).get("qloop")
    if isinstance(loop, asyncio.AbstractEventLoop):
        _drain(loop)
    yield


@pytest.fixture
def run(qloop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """`run(coro, timeout=15)` -> the coroutine's result, with Qt events processed meanwhile."""

    def _run(coro: Coroutine[Any, Any, T] | Awaitable[T], timeout: float = DEFAULT_TIMEOUT_S) -> T:
        return run_until_complete(qloop, asyncio.wait_for(coro, timeout))

    return _run


async def wait_for_condition(
    predicate: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT_S, interval: float = 0.01
) -> Any:
    """Poll `predicate` on the loop until it returns something truthy; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def settle(timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Wait until nothing is left to run: no task but the caller's, no Qt event waiting.

    A check that nothing happened (no request sent, no row added) is sound from then on:
    whatever could have done it has finished, however slow the machine. A fixed sleep only
    hopes so. Each quiet round lets Qt process its posted events and due zero-time timers (a
    view asking the model for more rows, a queued refresh), which may start new tasks.
    """
    from PySide6.QtCore import QCoreApplication

    me = asyncio.current_task()
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while quiet_rounds < 3:
        others = [t for t in asyncio.all_tasks() if t is not me and not t.done() and not _runs(t)]
        if not others:
            quiet_rounds += 1
            QCoreApplication.sendPostedEvents()
            await asyncio.sleep(0)
            continue
        quiet_rounds = 0
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"still running after {timeout} s: {others}")
        await asyncio.wait(others, timeout=remaining)


def _runs(task: asyncio.Task[Any]) -> bool:
    """True for the task of `run(...)` itself (asyncio.wait_for around the test's coroutine)."""
    return getattr(task.get_coro(), "__qualname__", "") == "wait_for"


@pytest.fixture
def settled() -> Callable[..., Awaitable[None]]:
    """`await settled()` inside a coroutine driven by `run`: see `settle`."""
    return settle


@pytest.fixture
def until() -> Callable[..., Awaitable[Any]]:
    """`await until(lambda: ..., timeout=15)` inside a coroutine driven by `run`."""
    return wait_for_condition


@pytest.fixture
def services(qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Any]:
    """The app's services over a temporary config folder and the in-memory keyring."""
    from explorer.app import AppServices

    created = run_until_complete(qloop, AppServices.create(tmp_path / "config"))
    try:
        yield created
    finally:
        run_until_complete(qloop, created.aclose())


@pytest.fixture
def sandbox_profile(services: Any, sandbox: Any, qloop: asyncio.AbstractEventLoop) -> Any:
    """A saved profile for the session's sandbox (all bundled catalogs), its key in the keyring."""
    from explorer.core.catalogs import PRESETS
    from explorer.core.settings import AuthKind, Profile

    profile = Profile(
        name="Sandbox",
        base_url=sandbox.url,
        auth_kind=AuthKind.API_KEY,
        catalog=PRESETS["sandbox"].catalog,
        rate_limit=1000,
        rate_period_s=1.0,
        page_size=50,
    )
    services.settings.upsert_profile(profile)
    services.settings_store.save(services.settings)
    run_until_complete(qloop, services.secrets.set(profile.name, sandbox.api_key))
    return profile


@pytest.fixture
def app_context(
    services: Any, sandbox_profile: Any, qloop: asyncio.AbstractEventLoop
) -> Iterator[Any]:
    """The AppContext the window builds for `sandbox_profile` (real client against the sandbox)."""
    context = run_until_complete(qloop, services.open_context(sandbox_profile.name))
    try:
        yield context
    finally:
        run_until_complete(qloop, services.release_context(context))
