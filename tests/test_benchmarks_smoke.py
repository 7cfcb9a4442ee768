"""The benchmark code runs: each benchmark at a tiny size returns sane figures (nothing is timed
against a target here; that is what `python -m benchmarks.run` is for)."""

from __future__ import annotations

import json

import pytest

from benchmarks import (
    export_throughput,
    fetch,
    memory,
    spec_import,
    startup,
    summary,
    ui_stall,
    window_child,
)
from benchmarks import run as run_module
from benchmarks.common import Figure, parse_result, sandbox_process, scale_for, summary_table
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


# ---------------------------------------------------------------- each benchmark, tiny
def by_name(figures: list[Figure]) -> dict[str, Figure]:
    return {f.name: f for f in figures}


def test_fetch_benchmark_runs_cursor_offset_and_naive() -> None:
    settings = fetch.FetchSettings(
        records=400, page_size=100, latency_ms=0, limit=3, period_s=0.3, concurrency=2
    )
    figures = by_name(fetch.run(settings, repeats=1))
    for kind in ("cursor", "offset"):
        assert figures[f"fetch_{kind}_records"].value == 400
        assert figures[f"fetch_{kind}_requests"].value == 4
        assert figures[f"fetch_{kind}_429s"].value == 0
        # 4 pages at 3 per 0.3 s: the 4th waits for the window, so the floor is at least 0.3 s.
        assert figures[f"fetch_{kind}_floor_s"].value >= 0.3
        assert figures[f"fetch_{kind}_ratio"].value >= 1.0
    assert figures["fetch_naive_records"].value == 400
    assert figures["fetch_vs_naive"].value > 0


def test_window_child_loads_exports_and_reports_stalls_and_memory() -> None:
    with sandbox_process(scale=scale_for(300)) as sandbox:
        run = window_child.run_window_child(
            sandbox.url, sandbox.api_key, rows=300, heartbeat=True, export=True
        )
    assert run.result is not None, run.stderr[-2000:]
    stalls = by_name(ui_stall.figures_from(run.result))
    assert stalls["ui_stall_load_s"].value > 0
    assert stalls["ui_stall_max_ms"].value >= stalls["ui_stall_p99_ms"].value >= 0
    assert run.result["export_bytes"] > 300 * 50  # a header and 300 rows of many columns
    rows = by_name(memory.rows_figures_from(run.result))
    assert rows["rss_rows_loaded"].value == 300
    assert rows["rss_mb_100k_rows"].value > rows["rss_mb_before_load"].value * 0.5 > 10


def test_summary_benchmark_counts_every_row_of_each_column() -> None:
    figures = by_name(summary.run(rows=1_500))
    assert figures["summary_rows"].value == 1_500
    for column in summary.COLUMNS:
        assert figures[f"summary_ms_{column}"].value > 0
    assert figures["summary_ms_100k"].value == max(
        figures[f"summary_ms_{c}"].value for c in summary.COLUMNS
    )
    assert figures["summary_stall_max_ms"].value >= 0


def test_rows_like_the_sandbox_have_their_own_ids() -> None:
    rows = summary.rows_like_the_sandbox(1_200)
    assert len({r["id"] for r in rows}) == len({r["serial_number"] for r in rows}) == 1_200
    assert {r["type"] for r in rows} > {"WORKSTATION"}  # the sandbox's variety, not one shape


def test_cli_export_benchmarks_count_rows_and_memory() -> None:
    throughput = by_name(export_throughput.run(records=500))
    assert throughput["export_rows"].value == 500
    assert throughput["export_rows_per_s"].value > 0
    peak = by_name(memory.export_peak(records=500))
    assert peak["export_1m_rows"].value == 500
    assert 10 < peak["export_peak_rss_mb_1m"].value < 1000


def test_startup_benchmark_sees_the_window_painted() -> None:
    figure = by_name(startup.run(repeats=1))["startup_ms"]
    assert figure.value is not None, figure.note
    assert 0 < figure.value < 60_000


def test_generated_openapi_document_is_as_large_as_asked_and_imports() -> None:
    document = spec_import.generate_openapi(min_bytes=150_000)
    assert len(json.dumps(document)) >= 150_000
    figures = by_name(spec_import.run(min_bytes=150_000, repeats=1))
    assert figures["spec_import_ms"].value > 0
    # Each resource has two paths: list and create; get, update and delete by id.
    assert figures["spec_import_endpoints"].value == 5 * len(document["paths"]) // 2


def test_a_failing_benchmark_is_reported_as_not_measured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> list[Figure]:
        raise RuntimeError("sandbox would not start")

    monkeypatch.setattr(run_module, "benchmarks", lambda quick, explain=False: {"startup": broken})
    figures = run_module.run_all(["startup"])
    assert [(f.name, f.verdict) for f in figures] == [("startup_ms", "not measured")]
    assert "startup_ms: n/a  # RuntimeError: sandbox would not start" in capsys.readouterr().out
