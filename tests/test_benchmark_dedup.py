"""benchmarks/dedup.py runs and measures the detector's own memory, not the ids it was given."""

from __future__ import annotations

from benchmarks import dedup


def test_dedup_benchmark_reports_bytes_per_id_below_a_plain_set() -> None:
    figures = {f.name: f.value for f in dedup.run(count=50_000)}
    per_id = figures["dedup_bytes_per_id"]
    assert per_id is not None
    assert figures["dedup_set_bytes_per_id"] is not None
    assert 8 <= per_id < figures["dedup_set_bytes_per_id"]
    assert figures["dedup_mb_per_million_ids"] == per_id  # a million ids, in MB
