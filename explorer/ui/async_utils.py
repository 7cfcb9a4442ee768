"""Running coroutines from Qt slots, and telling the user calmly when something fails.

The asyncio loop is the GUI thread (qasync), so a slot starts a coroutine with `spawn`, which keeps
a reference to the task on its owner (so it can be cancelled when the owner closes) and sends any
failure to `report_error`. Errors reach the user as one short line (the error's `explanation`), in
the status bar or a non-modal message box; the traceback goes to the log only.

Signals are emitted on `messages()`, a QObject that the main window connects to. Messages posted
before a window listens are buffered and replayed when it connects (qutebrowser's message bridge).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from enum import StrEnum
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from explorer.core.errors import ExplorerError

log = logging.getLogger("explorer.ui")


_singletons_guarded = False


class _RefcountProbe(QObject):
    fired = Signal()


def guard_pyside_refcount_bugs() -> bool:
    """Keep PySide6 from crashing the interpreter on Python 3.11; True if the guard was needed.

    WORKAROUND(PySide6 6.12.0, Python < 3.12): the bindings treat None, True and False as
    immortal, as they are since Python 3.12: every call of a method returning void (`setText`,
    `setObjectName`, `invalidate`, ...) or returning a null QVariant gives back `None` without a
    new reference, and every `signal.emit()` does the same with `True`. Each such call takes one
    reference away; after a few thousand CPython aborts with "none_dealloc: deallocating None" (or
    "bool_dealloc"). This gives the three the immortality the bindings assume (a reference count
    no program can exhaust). It probes first and does nothing where the bindings behave.
    """
    global _singletons_guarded
    if sys.version_info >= (3, 12) or _singletons_guarded:
        return False
    probe = _RefcountProbe()
    nones, trues = sys.getrefcount(None), sys.getrefcount(True)
    probe.setObjectName("probe")  # returns void
    probe.fired.emit()
    if sys.getrefcount(None) >= nones and sys.getrefcount(True) >= trues:
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40
    _singletons_guarded = True
    return True


# Before the window makes any Qt call (every UI module imports this one).
guard_pyside_refcount_bugs()

T = TypeVar("T")


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class MessageBridge(QObject):
    """Carries user-facing messages from anywhere in the app to whichever window shows them.

    Signals:
        message_posted(level: str, text: str, details: str): `details` is for a "Details" button
            (never a traceback of secrets; the log holds the traceback).
    """

    message_posted = Signal(str, str, str)

    def __init__(self) -> None:
        super().__init__()
        self._pending: list[tuple[str, str, str]] = []
        self._listeners = 0

    def post(self, level: Level, text: str, details: str = "") -> None:
        if self._listeners:
            self.message_posted.emit(str(level), text, details)
        else:
            self._pending.append((str(level), text, details))

    def listen(self, slot: Callable[[str, str, str], None]) -> None:
        """Connect a receiver and hand it what was posted before it existed."""
        self.message_posted.connect(slot)
        self._listeners += 1
        pending, self._pending = self._pending, []
        for item in pending:
            slot(*item)

    def stop_listening(self, slot: Callable[[str, str, str], None]) -> None:
        try:
            self.message_posted.disconnect(slot)
        except (RuntimeError, TypeError):  # was not connected
            return
        self._listeners = max(0, self._listeners - 1)


_bridge: MessageBridge | None = None


def messages() -> MessageBridge:
    """The process-wide message bridge (created on first use, after the QApplication)."""
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
    return _bridge


def log_file_path() -> str | None:
    """The file the app logs to (set up by explorer/app.py), if any."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return None


def describe_error(exc: BaseException) -> str:
    """One plain line for the user: the error's explanation, or a generic sentence."""
    if isinstance(exc, ExplorerError):
        return exc.explanation
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"A file could not be used ({what}{where})."
    return "Something unexpected went wrong; the details are in the log. Try again."


def error_details(exc: BaseException) -> str:
    """The technical line behind the explanation (no traceback): status, URL, message."""
    if isinstance(exc, ExplorerError):
        return str(exc) if str(exc) != exc.explanation else ""
    return f"{type(exc).__name__}: {exc}"


def report_error(exc: BaseException, *, context: str = "") -> None:
    """Log an error and show its explanation; cancellations stay silent."""
    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
        return
    prefix = f"{context}: " if context else ""
    if isinstance(exc, ExplorerError):
        log.warning("%s%s", prefix, exc)
    else:
        log.error("%sunexpected error", prefix, exc_info=(type(exc), exc, exc.__traceback__))
    messages().post(Level.ERROR, prefix + describe_error(exc), error_details(exc))


class TaskOwner:
    """The tasks one widget starts, by name: the one way the UI starts and owns async work.

    `start(name, coro)` cancels a task still running under that name first (a new search
    replaces the old one); `cancel_all()` stops everything when the widget closes, and `close()`
    also waits for it. A failure goes to `on_error` when given, else to `report_error`, the one
    reporter (the window's banner and the log); cancellations stay silent.
    """

    def __init__(self, context: str = "") -> None:
        self.context = context
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._anonymous: set[asyncio.Task[Any]] = set()

    def start(
        self,
        name: str | None,
        coro: Coroutine[Any, Any, T],
        *,
        context: str = "",
        on_error: Callable[[BaseException], None] | None = None,
    ) -> asyncio.Task[T]:
        if name is not None:
            self.cancel(name)
        task = _loop().create_task(coro)
        if name is None:
            self._anonymous.add(task)
            task.add_done_callback(self._anonymous.discard)
        else:
            self._tasks[name] = task  # the latest of each name, kept after it ends
        where = context or self.context

        def _done(t: asyncio.Task[T]) -> None:
            if t.cancelled():
                return
            exc = t.exception()
            if exc is None:
                return
            if on_error is not None:
                on_error(exc)
            else:
                report_error(exc, context=where)

        task.add_done_callback(_done)
        return task

    def get(self, name: str) -> asyncio.Task[Any] | None:
        """The latest task started under `name` (it may have ended)."""
        return self._tasks.get(name)

    def running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def cancel(self, name: str) -> asyncio.Task[Any] | None:
        """Cancel the named task unless it is the one calling (it may replace itself)."""
        task = self._tasks.get(name)
        if task is not None and not task.done() and task is not _current_task():
            task.cancel()
            return task
        return None

    def tasks(self) -> list[asyncio.Task[Any]]:
        return [t for t in (*self._tasks.values(), *self._anonymous) if not t.done()]

    def cancel_all(self) -> list[asyncio.Task[Any]]:
        """Cancel every task still running; returns them (to wait for)."""
        running = self.tasks()
        for task in running:
            task.cancel()
        return running

    async def close(self) -> None:
        running = self.cancel_all()
        if running:
            await asyncio.gather(*running, return_exceptions=True)


def _current_task() -> asyncio.Task[Any] | None:
    """The task running now; None from a Qt slot called outside the loop (tests)."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def tasks_of(owner: object) -> TaskOwner:
    """The TaskOwner kept on a widget (created on first use)."""
    found = owner.__dict__.get("_task_owner")
    if found is None:
        found = owner.__dict__["_task_owner"] = TaskOwner()
    assert isinstance(found, TaskOwner)
    return found


def spawn(
    coro: Coroutine[Any, Any, T],
    *,
    owner: object | None = None,
    context: str = "",
    on_error: Callable[[BaseException], None] | None = None,
) -> asyncio.Task[T]:
    """Start `coro` from a slot, owned by `owner`'s TaskOwner (`cancel_owned(owner)` stops it)."""
    tasks = tasks_of(owner) if owner is not None else _UNOWNED
    return tasks.start(None, coro, context=context, on_error=on_error)


def _loop() -> asyncio.AbstractEventLoop:
    """The running loop; from a Qt slot run outside it (tests), the loop set for this thread."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


_UNOWNED = TaskOwner()  # app-wide work such as the final shutdown


def owned_tasks(owner: object) -> set[asyncio.Task[Any]]:
    return set(tasks_of(owner).tasks())


async def cancel_owned(owner: object) -> None:
    """Cancel the tasks started for `owner` and wait until they have stopped."""
    await tasks_of(owner).close()


def run_until_complete(loop: asyncio.AbstractEventLoop, aw: Awaitable[T]) -> T:
    """Run the qasync loop until `aw` is done and return its result.

    WORKAROUND(qasync 0.28.0): its own `run_until_complete` processes Qt events once more after
    the loop has stopped, with no running loop set; a task step due at that moment then fails
    inside httpx/anyio with "no running event loop". This stops the loop and returns, nothing
    more; what is still scheduled runs at the next run.
    """
    future = asyncio.ensure_future(aw, loop=loop)

    def stop(_future: asyncio.Future[T]) -> None:
        loop.stop()

    future.add_done_callback(stop)
    try:
        loop.run_forever()
    finally:
        future.remove_done_callback(stop)
    if not future.done():
        future.cancel()
        raise RuntimeError("The event loop stopped before the work was done.")
    return future.result()


def dialog_result(dialog: QDialog) -> Awaitable[int]:
    """Open `dialog` window-modally without a nested event loop; await its result code."""
    future: asyncio.Future[int] = _loop().create_future()

    def _finished(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(_finished)
    dialog.open()
    return future


# ------------------------------------------------------------------ global safety net
def install_exception_hooks(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Route uncaught exceptions (Qt slots, threads, loop callbacks) to the log and a short message.

    The hooks never open a modal dialog: a nested event loop from inside qasync breaks the loop.
    """

    def _excepthook(
        kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        report_error(exc.with_traceback(tb))

    def _thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            report_error(args.exc_value.with_traceback(args.exc_traceback))

    def _loop_handler(_loop: asyncio.AbstractEventLoop, ctx: dict[str, Any]) -> None:
        exc = ctx.get("exception")
        if isinstance(exc, BaseException):
            report_error(exc)
        else:
            log.warning("event loop: %s", ctx.get("message", ctx))

    sys.excepthook = _excepthook
    threading.excepthook = _thread_hook
    if loop is not None:
        loop.set_exception_handler(_loop_handler)
