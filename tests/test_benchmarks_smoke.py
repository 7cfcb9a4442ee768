"""The benchmark code runs: each benchmark at a tiny size returns sane figures (nothing is timed
against a target here; that is what `python -m benchmarks.run` is for)."""

from __future__ import annotations

import pytest

from benchmarks.common import Figure, parse_result, summary_table
from benchmarks.floor import fetch_floor_s, nominal_floor_s
from benchmarks.stalls import percentile, stall_stats


# ---------------------------------------------------------------- the floor
def test_cursor_floor_of_the_benchmark_setting_is_six_seconds() -> None:
    # 100 pages, 50 per 5 s, 20 ms each: 50 pages by t=1 s, the 51st waits for t=5 s, 50 more.
    assert nominal_floor_s(100, 0.02, limit=50, period_s=5.0) == pytest.approx(6.0)


def test_floor_is_the_latency_sum_when_the_budget_never_binds() -> None:
    assert fetch_floor_s([0.2] * 30, limit=50, period_s=5.0) == pytest.approx(6.0)


def test_floor_uses_each_measured_latency() -> None:
    latencies = [0.1, 0.3, 0.2]
    assert fetch_floor_s(latencies, limit=2, period_s=1.0) == pytest.approx(1.0 + 0.2)


def test_concurrent_floor_fills_the_budget_then_waits_for_the_window() -> None:
    # 4 in flight: 50 pages take 13 rounds of 20 ms; the next 50 start at 5 s.
    floor = nominal_floor_s(100, 0.02, limit=50, period_s=5.0, concurrency=4)
    assert floor == pytest.approx(5.0 + 13 * 0.02)


def test_floor_rejects_an_empty_budget() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        fetch_floor_s([0.1], limit=0, period_s=1.0)


# ---------------------------------------------------------------- stalls and figures
def test_stall_stats_measure_lateness_beyond_the_interval() -> None:
    gaps = [10.0] * 98 + [45.0, 12.0]
    stats = stall_stats(gaps, 10.0)
    assert (stats.ticks, stats.max_ms, stats.p99_ms, stats.median_ms) == (100, 35.0, 2.0, 0.0)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0


def test_figures_pass_and_miss_against_their_targets() -> None:
    verdicts = [
        Figure("a", 1.0, 1.05).verdict,
        Figure("b", 2.0, 1.05).verdict,
        Figure("c", 5000.0, 1000.0, higher_is_better=True).verdict,
        Figure("d", None, 1.0).verdict,
    ]
    assert verdicts == ["pass", "miss", "pass", "not measured"]


def test_summary_table_lists_only_headline_figures() -> None:
    table = summary_table([Figure("shown", 1.0, 2.0), Figure("detail", 3.0, headline=False)])
    assert "shown" in table
    assert "detail" not in table


def test_a_child_result_line_is_read_back() -> None:
    stdout = 'noise\nbench-result: {"rss_mb": 12.5}\nmore noise\n'
    assert parse_result(stdout) == {"rss_mb": 12.5}
