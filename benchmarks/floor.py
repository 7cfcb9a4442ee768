"""The fastest any client can fetch a set of pages: the floor a fetch-all is measured against.

Two things bound a fetch of `n` pages from below:

1. **Latency.** A page takes the time the server needs to answer it. Cursor pages are strictly
   sequential (page k+1's cursor is in page k's answer), so their latencies add up; offset pages
   can overlap, up to the client's `concurrency`.
2. **The rate budget.** At most `limit` requests in any `period_s` (the sandbox, like the real
   API, counts over a sliding window). So request i (0-based) cannot start before request
   i - limit started plus `period_s`.

The floor is the finish time of an ideal client that respects both and wastes nothing: request i
starts at

    start[i] = max(earliest moment one of `concurrency` slots is free,
                   start[i - limit] + period_s)            (the second term only when i >= limit)

and takes exactly its measured latency; the floor is when the last one finishes. It is the
larger of "the time the sequential page latencies take" and "the time the rate budget requires",
made exact where the two interleave.

Worked example (the benchmark's setting): 100 cursor pages, 50 requests per 5 s, 20 ms each.
Pages 0-49 run back to back from t=0 and end at t=1.0 s; page 50 must wait for t=5.0 s (page 0
started at 0), and pages 50-99 run back to back from there, the last ending at 5.0 + 50 x 0.02 =
6.0 s. In closed form for cursor paging with equal latencies L and n > limit:
(ceil(n / limit) - 1) x period_s + (n - (ceil(n / limit) - 1) x limit) x L, when limit x L <
period_s; and simply n x L when the latencies alone already keep under the budget.

The latencies are the ones measured in the run itself (request sent to answer read), so the
ratio measured / floor is the overhead of the client alone: waits the budget did not require,
429 penalties, parsing and bookkeeping between pages.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def fetch_floor_s(
    latencies_s: Sequence[float], *, limit: int, period_s: float, concurrency: int = 1
) -> float:
    """The finish time of an ideal client fetching pages with these latencies, in order.

    `concurrency=1` is cursor paging; more is offset paging with that many pages in flight.
    """
    if limit < 1 or concurrency < 1:
        raise ValueError("limit and concurrency must be at least 1")
    free_at = [0.0] * concurrency  # when each slot can take the next request
    starts: list[float] = []
    finish = 0.0
    for i, latency in enumerate(latencies_s):
        start = heapq.heappop(free_at)
        if i >= limit:
            start = max(start, starts[i - limit] + period_s)
        starts.append(start)
        heapq.heappush(free_at, start + latency)
        finish = max(finish, start + latency)
    return finish


def nominal_floor_s(
    pages: int, latency_s: float, *, limit: int, period_s: float, concurrency: int = 1
) -> float:
    """The floor with every page taking exactly the configured server latency."""
    return fetch_floor_s(
        [latency_s] * pages, limit=limit, period_s=period_s, concurrency=concurrency
    )
