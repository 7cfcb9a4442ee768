"""Excel export: `explorer-cli export --out FILE.xlsx` of every hardware asset of a sandbox with
1,000,000 of them, as a user runs it (its own process, start to exit, so fetching every page,
spooling the rows, building the workbook and the final rename all count).

Figures: xlsx_export_rows_per_s (rows in the workbook over the whole run) and
xlsx_export_peak_rss_mb (the process's peak resident memory; target under 200 MB).
The rows are counted in the workbook itself, by streaming its worksheet.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from benchmarks.common import Figure, child_failure, not_measured, sandbox_process, scale_for
from benchmarks.export_throughput import cli_export

PEAK_TARGET_MB = 200.0
SHEET = "xl/worksheets/sheet1.xml"
CHUNK = 1 << 20  # bytes of the worksheet read at a time


def count_workbook_rows(path: Path) -> int:
    """Data rows of a workbook's first sheet: its `<row ` tags (text in cells is escaped, so
    never one), less the header."""
    rows = 0
    carry = b""
    with zipfile.ZipFile(path) as archive, archive.open(SHEET) as sheet:
        while chunk := sheet.read(CHUNK):
            data = carry + chunk
            rows += data.count(b"<row ")
            # A tag cut by the chunk's end starts in its last 4 bytes: counted with the next.
            carry = data[-4:]
    return rows - 1


def run(records: int = 1_000_000) -> list[Figure]:
    names = ("xlsx_export_rows_per_s", "xlsx_export_peak_rss_mb")
    with (
        sandbox_process(scale=scale_for(records)) as sandbox,
        tempfile.TemporaryDirectory(prefix="explorer-bench-xlsx-") as folder,
    ):
        out = Path(folder) / "hardware.xlsx"
        result = cli_export(sandbox.url, sandbox.api_key, out)
        if result.returncode != 0 or not out.exists():
            reason = child_failure(result)
            return [
                not_measured(names[0], reason),
                not_measured(names[1], reason, target=PEAK_TARGET_MB),
            ]
        rows = count_workbook_rows(out)
        size_mb = out.stat().st_size / 1e6
    return [
        Figure("xlsx_export_rows_per_s", rows / result.elapsed_s, unit="rows/s"),
        Figure("xlsx_export_peak_rss_mb", result.peak_rss_mb, PEAK_TARGET_MB, unit="MB"),
        Figure("xlsx_export_rows", rows, headline=False),
        Figure("xlsx_export_s", result.elapsed_s, unit="s", headline=False),
        Figure("xlsx_export_file_mb", size_mb, unit="MB", headline=False),
    ]
