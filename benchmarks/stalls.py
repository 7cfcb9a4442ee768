"""Event-loop stalls from a heartbeat timer's ticks (the numbers behind ui_stall_*)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class StallStats:
    """How late a periodic timer fired: each tick's gap to the previous one minus the interval.

    A timer due every 10 ms that fires after 45 ms was held up 35 ms by whatever ran on the loop
    in between; that lateness is the stall the user feels as a frozen window.
    """

    ticks: int
    seconds: float
    max_ms: float
    p99_ms: float
    median_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that really occurred)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def stall_stats(gaps_ms: Sequence[float], interval_ms: float) -> StallStats:
    """Lateness statistics of a heartbeat from the gaps between its consecutive ticks."""
    late = [max(0.0, gap - interval_ms) for gap in gaps_ms]
    return StallStats(
        ticks=len(gaps_ms),
        seconds=sum(gaps_ms) / 1000,
        max_ms=max(late, default=0.0),
        p99_ms=percentile(late, 0.99),
        median_ms=percentile(late, 0.5),
    )
