"""A live picture of the profile's rate budget, small enough for the status bar.

A bar shows the requests in the current window against the limit; a strip shows the last minute of
requests (429s in red); while the governor holds requests back the text counts down the wait.
Updates arrive through `RateGovernor.subscribe` and are repainted at most 10 times a second; when
nothing happens no timer runs, so the view costs no CPU while idle.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from explorer.core.ratelimit import BudgetSnapshot, RateGovernor
from explorer.ui import theme

REPAINT_INTERVAL_MS = 100  # at most 10 repaints a second
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
    """The gauge: used / limit as a filled bar, and a one-minute strip of request ticks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fraction = 0.0
        self._throttled = False
        self._ticks: deque[tuple[float, bool]] = deque(maxlen=400)  # (monotonic time, was 429)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_state(self, state: BudgetState) -> None:
        limit = state.effective_limit or state.limit
        self._fraction = min(1.0, state.used / limit) if limit else 0.0
        self._throttled = state.waiting_s > 0 or state.remaining == 0
        self.update()

    def add_tick(self, when: float, rate_limited: bool) -> None:
        self._ticks.append((when, rate_limited))
        self.update()

    @property
    def fraction(self) -> float:
        return self._fraction

    def sizeHint(self) -> QSize:
        return QSize(160, 20)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        w, h = self.width(), self.height()
        bar = QRectF(0.5, 0.5, w - 1, h - 6)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(bar, 3, 3)
        if self._fraction > 0:
            fill = QRectF(bar.x(), bar.y(), bar.width() * self._fraction, bar.height())
            if self._throttled:
                color = QColor(theme.WARNING_COLOR)
            elif self._fraction < 0.8:
                color = QColor(theme.SUCCESS_COLOR)
            else:
                color = QColor(theme.WARNING_COLOR)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawRoundedRect(fill, 3, 3)
        # The timeline: newest on the right, one tick per request in the last minute.
        now = time.monotonic()
        top = bar.bottom() + 2
        for when, limited in self._ticks:
            age = now - when
            if age > TIMELINE_SPAN_S:
                continue
            x = w - 1 - (age / TIMELINE_SPAN_S) * (w - 2)
            p.setPen(QColor(theme.ERROR_COLOR) if limited else pal.color(QPalette.ColorRole.Mid))
            p.drawLine(int(x), int(top), int(x), h - 1)
        p.end()


class BudgetView(QWidget):
    """Gauge plus one line of text, fed by a governor (`attach`) and the request log (`note_request`).

    Signals:
        _snapshot_arrived(object): internal; moves governor callbacks onto the GUI thread.
    """

    _snapshot_arrived = Signal(object)

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
        self.label = QLabel("No requests yet", self)
        self.label.setProperty("role", "hint")
        self.label.setMinimumWidth(
            self.fontMetrics().horizontalAdvance("waiting 88.8 s for the rate limit") + 8
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(REPAINT_INTERVAL_MS)
        self._repaint_timer.timeout.connect(self._refresh)
        self._countdown = QTimer(self)
        self._countdown.setInterval(REPAINT_INTERVAL_MS)
        self._countdown.timeout.connect(self._tick_countdown)
        self._snapshot_arrived.connect(self._on_snapshot, Qt.ConnectionType.QueuedConnection)
        self.setToolTip("Rate-limit budget of this profile")

    # ------------------------------------------------------------ public API
    def attach(self, governor: RateGovernor | None) -> None:
        """Follow `governor` (None detaches), showing its snapshot at once."""
        self.detach()
        self._governor = governor
        if governor is None:
            return
        self._unsubscribe = unsubscribe = governor.subscribe(self._snapshot_arrived.emit)
        # A view deleted without detach() must not stay subscribed to a long-lived governor.
        self.destroyed.connect(lambda *_: unsubscribe())
        self._on_snapshot(governor.snapshot())
        self._refresh()

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._governor = None

    def note_request(self, status: int | None) -> None:
        """Add a tick to the timeline (called for each logged response)."""
        self.bar.add_tick(self._clock(), status == 429)

    @property
    def state(self) -> BudgetState | None:
        return self._state

    @property
    def is_idle(self) -> bool:
        """True when no timer runs (nothing to animate)."""
        return not self._repaint_timer.isActive() and not self._countdown.isActive()

    # ------------------------------------------------------------ internals
    def _on_snapshot(self, snapshot: BudgetSnapshot) -> None:
        self._state = BudgetState.from_snapshot(snapshot)
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
            if state.remaining == 0 and state.next_slot_s > 0:
                text += f" · next in {state.next_slot_s:.1f} s"
            role = "hint"
            if state.recent_429:
                text += f" · {state.recent_429}×429"
                role = "warning"
        self.label.setText(text)
        if self.label.property("role") != role:
            self.label.setProperty("role", role)
            self.label.style().unpolish(self.label)
            self.label.style().polish(self.label)
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
