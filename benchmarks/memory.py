"""Memory: resident memory after 100,000 hardware assets are loaded into a results tab
(rss_mb_100k_rows), and the peak of `explorer-cli export` over 1,000,000 records
(export_peak_rss_mb_1m). Each is measured in a process of its own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks import window_child
from benchmarks.common import Figure, child_failure, not_measured, sandbox_process, scale_for
from benchmarks.export_throughput import cli_export, count_rows

ROWS_TARGET_MB = 400.0
EXPORT_TARGET_MB = 150.0


def rows_figures_from(result: dict[str, Any]) -> list[Figure]:
    """The figures of a window child run (after its "Load all")."""
    return [
        Figure("rss_mb_100k_rows", result["rss_after_load_mb"], ROWS_TARGET_MB, unit="MB"),
        Figure("rss_mb_before_load", result["rss_before_load_mb"], unit="MB", headline=False),
        Figure("rss_rows_loaded", result["rows_loaded"], headline=False),
    ]


def rows_rss(rows: int = 100_000) -> list[Figure]:
    """RSS of a window process after "Load all" of `rows` hardware assets in one results tab."""
    with sandbox_process(scale=scale_for(rows)) as sandbox:
        run = window_child.run_window_child(sandbox.url, sandbox.api_key, rows=rows)
    if run.result is None:
        return [not_measured("rss_mb_100k_rows", child_failure(run), target=ROWS_TARGET_MB)]
    return rows_figures_from(run.result)


def export_peak(records: int = 1_000_000) -> list[Figure]:
    """Peak RSS of `explorer-cli export` writing every record of a sandbox that has `records`."""
    with (
        sandbox_process(scale=scale_for(records)) as sandbox,
        tempfile.TemporaryDirectory(prefix="explorer-bench-export-") as folder,
    ):
        out = Path(folder) / "hardware.csv"
        run = cli_export(sandbox.url, sandbox.api_key, out)
        if run.returncode != 0 or not out.exists():
            return [
                not_measured("export_peak_rss_mb_1m", child_failure(run), target=EXPORT_TARGET_MB)
            ]
        rows = count_rows(out)
    return [
        Figure("export_peak_rss_mb_1m", run.peak_rss_mb, EXPORT_TARGET_MB, unit="MB"),
        Figure("export_1m_rows", rows, headline=False),
        Figure("export_1m_s", run.elapsed_s, unit="s", headline=False),
    ]


def run(rows: int = 100_000, export_records: int = 1_000_000) -> list[Figure]:
    return rows_rss(rows) + export_peak(export_records)
