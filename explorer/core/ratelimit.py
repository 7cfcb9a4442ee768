"""The rate governor: one per profile, shared by every tab, export and CLI call of that profile.

A sliding window of send times keeps this process inside the budget (`limit` requests per
`period_s`), so that the app alone never draws a 429. Waiters are served first come, first served.
The server counts a request when it arrives, which is later than when we let it go; so when the
answer comes back, the request's place in the window moves to the answer's time (the server
certainly counted it before answering). A request still on its way may be counted at any moment
until its answer comes, so it keeps its place in the window until then (a request lost to a
timeout or a cancel lets it go after `MAX_IN_FLIGHT_S`). Requests that report no answer
(`acquire()`) are taken as counted by their send time plus a small margin.

When the server answers 429 anyway (another integration shares the key, or its real budget is
smaller), everyone pauses until `Retry-After` has passed, and the effective limit drops by a
quarter (at most once per period, since the 429s of one burst all report the same overload). It
creeps back by one request every two clean periods.

A pause lasts at most `max_pause_s` (15 minutes): a `Retry-After: 86400` (or `inf`) would
otherwise hold every request for a day without a word. `pause_reason` in the snapshot says why
the requests wait, so the window and the CLI can tell the user, who can cancel.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.core.humanize import format_duration

if TYPE_CHECKING:
    from explorer.core.settings import Profile

log = logging.getLogger(__name__)

RECENT_429_WINDOW_S = 60.0
DECREASE_FACTOR = 0.75
MAX_PAUSE_S = 15 * 60.0
# An unanswered request whose end nobody reported (its task was cancelled) holds its slot this long.
MAX_IN_FLIGHT_S = 120.0


class LoopLock:
    """An asyncio.Lock for the running event loop.

    For objects that outlive one event loop (a governor in the process-wide registry, an auth
    object reused by the CLI and tests across asyncio.run() calls): asyncio.Lock binds to the
    first loop that waits on it.
    """

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock = asyncio.Lock()
            self._loop = loop
        return self._lock


@dataclass
class Slot:
    """One request's place in the window; `time` moves to the answer's time when it comes."""

    time: float
    waited_s: float = 0.0
    answered: bool = False  # the server has certainly counted it by `time`: no margin needed
    reports_answer: bool = True  # False for acquire(): its answer is never reported


@dataclass(frozen=True)
class BudgetSnapshot:
    """What the budget view shows; all times in seconds from now."""

    limit: int  # the profile's budget
    effective_limit: int  # what the governor allows now (lower after 429s)
    period_s: float
    in_window: int  # requests sent in the last period
    remaining: int  # requests that may go now without waiting
    next_slot_in_s: float  # when the oldest request of a full window leaves it
    recent_429s: int  # 429s seen in the last minute
    current_wait_s: float  # how long a request asked for now would wait (pause or full window)
    waiting: int  # requests waiting for a slot
    paused_for_s: float = 0.0  # time left of a 429 pause
    pause_reason: str = ""  # why, while paused: what the server asked for, and the cap


class RateGovernor:
    def __init__(
        self,
        limit: int = 50,
        period_s: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin_s: float | None = None,
        max_pause_s: float = MAX_PAUSE_S,
    ) -> None:
        self._clock = clock
        self.max_pause_s = max_pause_s
        self._pause_reason = ""
        self._sleep = sleep
        self._sent: list[Slot] = []
        self._429s: deque[float] = deque()
        self._paused_until = -math.inf
        self._last_decrease = -math.inf
        self._last_change = clock()
        self._waiting = 0
        self._subscribers: list[Callable[[BudgetSnapshot], None]] = []
        self._lock = LoopLock()
        self.limit = 1
        self.period_s = 1.0
        self.margin_s = 0.0
        self.effective_limit = 1
        self.reconfigure(limit, period_s, margin_s=margin_s)

    def reconfigure(self, limit: int, period_s: float, *, margin_s: float | None = None) -> None:
        """Change the budget (the profile was edited); the send history is kept."""
        if limit < 1 or period_s <= 0:
            raise ValueError("a rate budget needs at least 1 request per a positive period")
        changed = (limit, period_s) != (self.limit, self.period_s)
        self.limit = limit
        self.period_s = period_s
        # Covers jitter between our send and the server's count of it. Answered requests are
        # already anchored at their answer time, so this only needs to absorb network jitter of
        # requests in flight: 1 % of the period (50 ms for ScalePad's 5 s), 250 ms at most.
        self.margin_s = margin_s if margin_s is not None else min(0.25, max(0.05, period_s * 0.01))
        if changed:
            self.effective_limit = limit
        self._notify()

    # ------------------------------------------------------------ waiting for a slot
    async def acquire(self) -> float:
        """Wait until a request may be sent, and count it as sent. Returns the seconds waited."""
        return (await self.acquire_slot(reports_answer=False)).waited_s

    async def acquire_slot(self, *, reports_answer: bool = True) -> Slot:
        """Like acquire(); the slot holds its place until record_response() or ended() gets it."""
        start = self._clock()
        self._waiting += 1
        self._notify()
        try:
            async with self._lock.get():
                while True:
                    now = self._clock()
                    wait = self._wait_needed(now)
                    if wait <= 0:
                        slot = Slot(now, now - start, reports_answer=reports_answer)
                        self._sent.append(slot)
                        return slot
                    await self._sleep(wait)
        finally:
            self._waiting -= 1
            self._notify()

    def record_response(
        self, status: int, retry_after: float | None = None, *, slot: Slot | None = None
    ) -> None:
        """Learn from an answer: a 429 pauses everyone and lowers the effective limit."""
        now = self._clock()
        if slot is not None:
            self.ended(slot)
        if status != 429:
            return
        self._429s.append(now)
        asked = retry_after if retry_after is not None else self.period_s
        pause = min(asked, self.max_pause_s)
        if now + pause > self._paused_until:
            self._paused_until = now + pause
            self._pause_reason = _pause_reason(retry_after, pause, asked)
        if now - self._last_decrease >= self.period_s:
            lowered = max(1, math.floor(self.effective_limit * DECREASE_FACTOR))
            if lowered < self.effective_limit:
                log.info(
                    "429 received: sending at most %d requests per %.3g s for now (budget %d)",
                    lowered,
                    self.period_s,
                    self.limit,
                )
            self.effective_limit = lowered
            self._last_decrease = now
        self._last_change = now
        self._notify()

    def ended(self, slot: Slot) -> None:
        """The request got no answer (it failed): the server counted it, if at all, by now."""
        if not slot.answered:
            slot.time = max(slot.time, self._clock())
            slot.answered = True
            self._notify()

    # ------------------------------------------------------------ observing
    def snapshot(self) -> BudgetSnapshot:
        now = self._clock()
        self._tidy(now)
        in_window = len(self._sent)
        slot = self._slot_wait(now, look_again_soon=False)
        paused = max(0.0, self._paused_until - now)
        return BudgetSnapshot(
            limit=self.limit,
            effective_limit=self.effective_limit,
            period_s=self.period_s,
            in_window=in_window,
            remaining=max(0, self.effective_limit - in_window),
            next_slot_in_s=slot,
            recent_429s=sum(1 for t in self._429s if now - t <= RECENT_429_WINDOW_S),
            current_wait_s=max(slot, paused),
            waiting=self._waiting,
            paused_for_s=paused,
            pause_reason=self._pause_reason if paused > 0 else "",
        )

    def subscribe(self, callback: Callable[[BudgetSnapshot], None]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    # ------------------------------------------------------------ internals
    def _counted_at(self, slot: Slot, now: float) -> float:
        """The latest moment the server may have counted this request: its answer's time; while
        it is on the way, now (it may arrive at any moment), at least its send time plus the
        margin; for a request whose answer is never reported, its send time plus the margin."""
        if slot.answered:
            return slot.time
        if not slot.reports_answer:
            return slot.time + self.margin_s
        return max(slot.time + self.margin_s, min(now, slot.time + MAX_IN_FLIGHT_S))

    def _tidy(self, now: float) -> None:
        horizon = now - self.period_s
        if self._sent and min(self._counted_at(s, now) for s in self._sent) <= horizon:
            self._sent = [s for s in self._sent if self._counted_at(s, now) > horizon]
        while self._429s and now - self._429s[0] > RECENT_429_WINDOW_S:
            self._429s.popleft()
        # Slow recovery: one more request per two periods without a 429.
        while self.effective_limit < self.limit and now - self._last_change >= 2 * self.period_s:
            self.effective_limit += 1
            self._last_change += 2 * self.period_s

    def _slot_wait(self, now: float, *, look_again_soon: bool = True) -> float:
        if len(self._sent) < self.effective_limit:
            return 0.0
        by_time = sorted(self._sent, key=lambda s: self._counted_at(s, now))
        oldest = by_time[len(by_time) - self.effective_limit]
        wait = max(0.0, self._counted_at(oldest, now) + self.period_s - now)
        if look_again_soon and not oldest.answered and oldest.reports_answer:
            # Its place frees one period after its answer, which may come any moment: look again
            # soon rather than sleeping a whole period.
            return min(wait, max(self.margin_s, 0.01))
        return wait

    def _wait_needed(self, now: float) -> float:
        self._tidy(now)
        return max(self._paused_until - now, self._slot_wait(now))

    def _notify(self) -> None:
        if not self._subscribers:
            return
        snap = self.snapshot()
        for callback in list(self._subscribers):
            try:
                callback(snap)
            except Exception:  # a broken view must not stop the requests
                log.exception("A rate budget subscriber failed")


def _pause_reason(retry_after: float | None, pause: float, asked: float) -> str:
    if retry_after is None:
        return f"the API answered 429 (too many requests); waiting {format_duration(pause)}"
    if asked > pause:
        wanted = format_duration(asked) if math.isfinite(asked) else "for ever"
        return (
            f"the API answered 429 and asked to wait {wanted} (Retry-After); explorer waits "
            f"at most {format_duration(pause)} before trying again"
        )
    return f"the API answered 429 and asked to wait {format_duration(pause)} (Retry-After)"


class Governors:
    """The rate governors of one process, one per profile name, shared by everything that talks to
    that profile's API (tabs, exports, Test connection). The composition root (the window's
    `AppServices`, or one CLI run) owns an instance; nothing reaches governors through a global.
    """

    def __init__(self) -> None:
        self._by_profile: dict[str, RateGovernor] = {}

    def for_profile(self, profile: Profile) -> RateGovernor:
        """The governor of this profile (created on first use; an edited budget reconfigures it)."""
        governor = self._by_profile.get(profile.name)
        if governor is None:
            governor = RateGovernor(profile.rate_limit, profile.rate_period_s)
            self._by_profile[profile.name] = governor
        elif (governor.limit, governor.period_s) != (profile.rate_limit, profile.rate_period_s):
            governor.reconfigure(profile.rate_limit, profile.rate_period_s)
        return governor

    def forget(self, profile_name: str) -> None:
        """Drop a deleted profile's governor."""
        self._by_profile.pop(profile_name, None)
