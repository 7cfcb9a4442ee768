"""The one adapter from the core's callbacks to the window.

Core objects (the rate governor, the request log, an export job) call their subscribers from
wherever they run: the event loop, or a worker thread. `follow` turns such a subscription into a
queued Qt signal, so the slot always runs on the GUI thread, and unsubscribes when the receiving
widget is destroyed, so a long-lived core object never calls into a deleted widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

Subscribe = Callable[[Callable[[Any], None]], Callable[[], None]]


class _Relay(QObject):
    arrived = Signal(object)


def follow(
    subscribe: Subscribe, slot: Callable[[Any], None], receiver: QObject
) -> Callable[[], None]:
    """Deliver every callback of `subscribe` to `slot` on the GUI thread; returns unsubscribe.

    The relay is a child of `receiver`: it goes when the receiver goes, and so does the
    subscription. Calling the returned function more than once is harmless.
    """
    relay = _Relay(receiver)
    relay.arrived.connect(slot, Qt.ConnectionType.QueuedConnection)
    unsubscribe_core = subscribe(relay.arrived.emit)
    done = False

    def unsubscribe() -> None:
        nonlocal done
        if not done:
            done = True
            unsubscribe_core()

    receiver.destroyed.connect(lambda *_: unsubscribe())
    return unsubscribe
