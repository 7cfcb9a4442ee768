"""The Excel export benchmark runs at a tiny size and counts the rows in the workbook itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks import xlsx_export
from explorer.core.catalog import Endpoint
from explorer.core.export import XlsxOptions, export_records


@pytest.mark.parametrize("chunk", [7, 1 << 20])  # tags cut by chunk ends are counted once
def test_rows_are_counted_in_the_worksheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(xlsx_export, "CHUNK", chunk)
    out = tmp_path / "rows.xlsx"
    records = [{"id": str(i), "note": "<row " * (i % 3)} for i in range(1234)]
    asyncio.run(export_records(records, Endpoint("GET", "/x"), out, options=XlsxOptions()))
    assert xlsx_export.count_workbook_rows(out) == 1234


def test_the_benchmark_exports_a_small_sandbox_to_a_workbook() -> None:
    figures = {f.name: f for f in xlsx_export.run(records=500)}
    assert figures["xlsx_export_rows"].value == 500
    rate = figures["xlsx_export_rows_per_s"].value
    assert rate is not None
    assert rate > 0
    peak = figures["xlsx_export_peak_rss_mb"]
    assert peak.target == 200
    assert peak.value is not None
    assert 10 < peak.value < 1000
    assert figures["xlsx_export_file_mb"].value is not None
