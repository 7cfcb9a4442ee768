"""The duplicate detector's memory: bytes a paging walk keeps for each record id it has seen
(dedup_mb_per_million_ids), measured with tracemalloc over one million UUID-like ids, with a
Python set of the same ids (strings kept alive by the set) for comparison, and the cost of one
lookup-and-insert.

Runs in this process (no sandbox): the ids are made first, so only the detector's own
allocations are counted.
"""

from __future__ import annotations

import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.common import Figure
from explorer.core.paging import SeenIds

# The budget: the 1M-record export stays under 150 MB with whole-walk detection; the
# detector itself should take a small share of it.
TARGET_MB_PER_MILLION = 16.0


def _ids(count: int) -> list[str]:
    rng = uuid.UUID(int=0x5EED)  # fixed ids: the same figure on every run
    base = rng.int
    return [str(uuid.UUID(int=(base + i * 0x9E3779B97F4A7C15) % (1 << 128))) for i in range(count)]


def _measure(
    make: Callable[[], Any], add: Callable[[Any, str], object], ids: Iterable[str]
) -> tuple[float, float]:
    """(bytes allocated and kept, seconds) for adding every id to a fresh container."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        container = make()
        started = time.perf_counter()
        for ident in ids:
            add(container, ident)
        elapsed = time.perf_counter() - started
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del container
    return float(kept), elapsed


def _timed(make: Callable[[], Any], add: Callable[[Any, str], object], ids: list[str]) -> float:
    """Seconds to add every id, without tracemalloc's overhead."""
    container = make()
    started = time.perf_counter()
    for ident in ids:
        add(container, ident)
    return time.perf_counter() - started


def run(count: int = 1_000_000) -> list[Figure]:
    ids = _ids(count)
    scale = 1_000_000 / count
    seen_bytes, _ = _measure(SeenIds, SeenIds.add, ids)
    # A set must keep its id strings alive once the records are gone: copies, as a walk would.
    set_bytes, _ = _measure(set, lambda ids_set, ident: ids_set.add(ident.encode().decode()), ids)
    seen_s = _timed(SeenIds, SeenIds.add, ids)
    set_s = _timed(set, set.add, ids)
    return [
        Figure(
            "dedup_mb_per_million_ids",
            seen_bytes * scale / 1e6,
            TARGET_MB_PER_MILLION,
            unit="MB",
            note=f"{count:,} ids",
        ),
        Figure("dedup_bytes_per_id", seen_bytes / count, unit="B", headline=False),
        Figure("dedup_set_bytes_per_id", set_bytes / count, unit="B", headline=False),
        Figure("dedup_us_per_id", seen_s / count * 1e6, unit="µs", headline=False),
        Figure("dedup_set_us_per_id", set_s / count * 1e6, unit="µs", headline=False),
    ]
