"""follow(): core callbacks from any thread reach the GUI thread, and stop with the widget."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QWidget

from explorer.ui.bridge import follow


class FakeCoreObject:
    def __init__(self) -> None:
        self.subscribers: list[Callable[[Any], None]] = []

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def notify(self, value: Any) -> None:
        for callback in list(self.subscribers):
            callback(value)


def test_a_callback_from_a_worker_thread_runs_on_the_gui_thread(qtbot):
    core = FakeCoreObject()
    receiver = QWidget()
    qtbot.addWidget(receiver)
    seen: list[tuple[Any, bool]] = []
    follow(core.subscribe, lambda v: seen.append((v, QThread.currentThread() is gui)), receiver)
    gui = receiver.thread()
    worker = threading.Thread(target=core.notify, args=("snapshot",))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [("snapshot", True)]


def test_the_subscription_ends_with_the_receiver_and_unsubscribe_is_idempotent(qtbot):
    core = FakeCoreObject()
    receiver = QObject()
    unsubscribe = follow(core.subscribe, lambda v: None, receiver)
    assert len(core.subscribers) == 1
    receiver.deleteLater()
    qtbot.waitUntil(lambda: not core.subscribers)
    unsubscribe()  # already gone: nothing happens
    other = QObject()
    stop = follow(core.subscribe, lambda v: None, other)
    stop()
    stop()
    assert core.subscribers == []
