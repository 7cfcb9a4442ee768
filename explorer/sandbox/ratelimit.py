"""The server side of the rate limit: a sliding window per caller (API key or Scout user)."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `limit` admitted requests in any `period_s` window, per key.

    Refused requests are not recorded, so a client hammering through 429s does not push its own
    recovery further away (an emulator choice; the docs do not say).
    """

    def __init__(self, limit: int, period_s: float, clock: Callable[[], float]) -> None:
        self.limit, self.period_s, self._clock = limit, period_s, clock
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str) -> int | None:
        """None if the request may proceed, else the whole seconds to wait (Retry-After)."""
        with self._lock:
            now = self._clock()
            window = self._windows.setdefault(key, deque())
            horizon = now - self.period_s
            while window and window[0] <= horizon:
                window.popleft()
            if len(window) < self.limit:
                window.append(now)
                return None
            wait = window[0] + self.period_s - now
            return max(1, math.ceil(wait))

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
