"""A live picture of the profile's rate budget, small enough for the status bar.

A bar shows the requests in the current window against the limit; a strip shows the last minute of
requests (429s in red); while the governor holds requests back the text counts down the wait.
Updates arrive through `RateGovernor.subscribe` and are repainted at most 10 times a second. While
the window holds requests (or 429s of the last minute), a slow timer re-reads the governor so the
gauge falls back as they age out; once the window is empty no timer runs, so the view costs no CPU
while idle.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from explorer.core.ratelimit import BudgetSnapshot, RateGovernor
from explorer.ui import theme
from explorer.ui.bridge import follow

REPAINT_INTERVAL_MS = 100  # at most 10 repaints a second
FALL_BACK_INTERVAL_MS = 250  # how often a non-empty window is re-read as requests age out
TIMELINE_SPAN_S = 60.0


@dataclass(frozen=True)
class BudgetState:
    """What the view shows, read from a governor's BudgetSnapshot."""

    used: int
    limit: int  # the profile's budget
    effective_limit: int  # lower than `limit` for a while after 429s
    period_s: float
    remaining: int
    next_slot_s: float
    recent_429: int
    waiting: int  # requests held back right now
    waiting_s: float  # how long they wait (0 when nothing waits)

    @classmethod
    def from_snapshot(cls, snap: BudgetSnapshot) -> BudgetState:
        held = snap.waiting > 0 or snap.paused_for_s > 0
        return cls(
            used=snap.in_window,
            limit=snap.limit,
            effective_limit=snap.effective_limit,
            period_s=snap.period_s,
            remaining=snap.remaining,
            next_slot_s=snap.next_slot_in_s,
            recent_429=snap.recent_429s,
            waiting=snap.waiting,
            waiting_s=snap.current_wait_s if held else 0.0,
        )


class BudgetBar(QWidget):
    """The gauge: requests in the current window against the limit, as a filled bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fraction = 0.0
        self._throttled = False
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_state(self, state: BudgetState) -> None:
        limit = state.effective_limit or state.limit
        self._fraction = min(1.0, state.used / limit) if limit else 0.0
        self._throttled = state.waiting_s > 0 or state.remaining == 0
        self.update()

    @property
    def fraction(self) -> float:
        return self._fraction

    def sizeHint(self) -> QSize:
        return QSize(120, 14)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        bar = QRectF(0.5, 0.5, self.width() - 1, self.height() - 1)
        # Track and border from the text colour, so the gauge reads in light and dark themes.
        border, track = (
            QColor(pal.color(QPalette.ColorRole.Text)),
            QColor(pal.color(QPalette.ColorRole.Text)),
        )
        border.setAlphaF(0.55)
        track.setAlphaF(0.12)
        p.setPen(border)
        p.setBrush(track)
        p.drawRoundedRect(bar, 3, 3)
        if self._fraction > 0:
            fill = QRectF(bar.x(), bar.y(), bar.width() * self._fraction, bar.height())
            calm = self._fraction < 0.8 and not self._throttled
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.SUCCESS_COLOR if calm else theme.WARNING_COLOR))
            p.drawRoundedRect(fill, 3, 3)
        p.end()


class BudgetTimeline(QWidget):
    """The last minute of requests, one tick each, newest on the right; 429s in red.

    It repaints once a second while a tick is inside the minute, then stops (no CPU when idle).
    """

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._ticks: deque[tuple[float, bool]] = deque(maxlen=600)  # (clock time, was a 429)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._age)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("Requests in the last minute (429 answers in red)")

    def add_tick(self, rate_limited: bool) -> None:
        self._ticks.append((self._clock(), rate_limited))
        if not self._timer.isActive():
            self._timer.start()
        self.update()

    def visible_ticks(self) -> list[tuple[float, bool]]:
        """(age in seconds, was a 429) of the ticks inside the last minute."""
        now = self._clock()
        return [(now - t, limited) for t, limited in self._ticks if now - t <= TIMELINE_SPAN_S]

    @property
    def is_idle(self) -> bool:
        return not self._timer.isActive()

    def sizeHint(self) -> QSize:
        return QSize(90, 14)

    def _age(self) -> None:
        if not self.visible_ticks():
            self._ticks.clear()
            self._timer.stop()
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        w, h = self.width(), self.height()
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.drawLine(0, h - 1, w - 1, h - 1)  # the baseline, so an empty minute still reads
        for age, limited in self.visible_ticks():
            x = int(w - 1 - (age / TIMELINE_SPAN_S) * (w - 2))
            if limited:
                p.setPen(QColor(theme.ERROR_COLOR))
                p.drawLine(x, 0, x, h - 1)
            else:
                p.setPen(pal.color(QPalette.ColorRole.Text))
                p.drawLine(x, h // 3, x, h - 1)
        p.end()


class BudgetView(QWidget):
    """Gauge, one-minute timeline and a line of text, fed by a governor (`attach`) and the request
    log (`note_request`).
    """

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ):
        super().__init__(parent)
        self._clock = clock
        self._governor: RateGovernor | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._state: BudgetState | None = None
        self._wait_deadline = 0.0
        self.refresh_count = 0  # repaints so far (the throttle's effect is observable)
        self.bar = BudgetBar(self)
        self.timeline = BudgetTimeline(self, clock=clock)
        self.label = QLabel("No requests yet", self)
        self.label.setProperty("role", "hint")
        self.label.setMinimumWidth(
            self.fontMetrics().horizontalAdvance("waiting 88.8 s for the rate limit") + 8
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        layout.addWidget(self.bar)
        layout.addWidget(self.timeline)
        layout.addWidget(self.label)
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(REPAINT_INTERVAL_MS)
        self._repaint_timer.timeout.connect(self._refresh)
        self._countdown = QTimer(self)
        self._countdown.setInterval(REPAINT_INTERVAL_MS)
        self._countdown.timeout.connect(self._tick_countdown)
        self._fall_back = QTimer(self)
        self._fall_back.setInterval(FALL_BACK_INTERVAL_MS)
        self._fall_back.timeout.connect(self._reread)
        self.setToolTip("Rate-limit budget of this profile")

    # ------------------------------------------------------------ public API
    def attach(self, governor: RateGovernor | None) -> None:
        """Follow `governor` (None detaches), showing its snapshot at once."""
        self.detach()
        self._governor = governor
        if governor is None:
            return
        self._unsubscribe = follow(governor.subscribe, self._on_snapshot, self)
        self._on_snapshot(governor.snapshot())
        self._refresh()

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._governor = None
        self._fall_back.stop()

    def note_request(self, status: int | None) -> None:
        """Add a tick to the timeline (called for each logged response)."""
        self.timeline.add_tick(status == 429)

    @property
    def state(self) -> BudgetState | None:
        return self._state

    @property
    def is_idle(self) -> bool:
        """True when no timer runs (nothing to animate)."""
        return (
            not self._repaint_timer.isActive()
            and not self._countdown.isActive()
            and not self._fall_back.isActive()
            and self.timeline.is_idle
        )

    # ------------------------------------------------------------ internals
    def _on_snapshot(self, snapshot: BudgetSnapshot) -> None:
        self._state = BudgetState.from_snapshot(snapshot)
        self._follow_ageing()
        if self._state.waiting_s > 0:
            self._wait_deadline = self._clock() + self._state.waiting_s
            if not self._countdown.isActive():
                self._countdown.start()
        if not self._repaint_timer.isActive():
            self._repaint_timer.start()

    def _tick_countdown(self) -> None:
        if self._clock() >= self._wait_deadline:
            self._countdown.stop()
            if self._governor is not None:  # the wait is over: show the fresh budget
                self._state = BudgetState.from_snapshot(self._governor.snapshot())
        self._refresh()

    def _follow_ageing(self) -> None:
        """Keep re-reading while something in the window can still age out; stop when empty."""
        state = self._state
        ageing = (
            state is not None
            and self._governor is not None
            and (state.used > 0 or state.recent_429 > 0 or state.effective_limit < state.limit)
        )
        if ageing and not self._fall_back.isActive():
            self._fall_back.start()
        elif not ageing:
            self._fall_back.stop()

    def _reread(self) -> None:
        if self._governor is None:
            self._fall_back.stop()
            return
        self._state = BudgetState.from_snapshot(self._governor.snapshot())
        self._follow_ageing()
        self._refresh()

    def _refresh(self) -> None:
        state = self._state
        if state is None:
            return
        self.refresh_count += 1
        self.bar.set_state(state)
        left = max(0.0, self._wait_deadline - self._clock())
        if self._countdown.isActive() and left > 0:
            text = f"waiting {left:.1f} s for the rate limit"
            role = "warning"
        else:
            text = f"{state.used}/{state.effective_limit} in {state.period_s:g} s"
            role = "hint"
            if state.effective_limit < state.limit:
                text += f" (lowered from {state.limit} after 429s)"
                role = "warning"
            if state.remaining == 0 and state.next_slot_s > 0:
                text += f" · next in {state.next_slot_s:.1f} s"
            if state.recent_429:
                text += f" · {state.recent_429}×429"
                role = "warning"
        self.label.setText(text)
        if self.label.property("role") != role:
            self.label.setProperty("role", role)
            theme.restyle(self.label)
        tip = (
            f"Rate-limit budget: {state.used} of {state.effective_limit} requests used in the "
            f"last {state.period_s:g} s, {state.remaining} left; next free slot in "
            f"{state.next_slot_s:.1f} s; {state.recent_429} answers 429 in the last minute."
        )
        if state.effective_limit < state.limit:
            tip += (
                f" The server pushed back, so at most {state.effective_limit} of the profile's "
                f"{state.limit} are sent for now; it recovers by itself."
            )
        self.setToolTip(tip)

    def closeEvent(self, event: Any) -> None:
        self.detach()
        super().closeEvent(event)
