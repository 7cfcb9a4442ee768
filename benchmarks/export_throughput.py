"""Export throughput from the sandbox with no rate limit (export_rows_per_s).

`explorer-cli export` of every hardware asset (200,000 by default) to a CSV file, as a user runs
it: its own process, from start to exit, so start-up and the final rename count too.
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.common import (
    UNLIMITED_BUDGET,
    ChildRun,
    Figure,
    child_env,
    child_failure,
    not_measured,
    run_child,
    sandbox_process,
    scale_for,
)

HARDWARE_PATH = "/core/v1/assets/hardware"


def cli_argv(*args: str) -> list[str]:
    """`explorer-cli ARGS`: the installed console script next to this Python, else the module."""
    script = Path(sys.executable).with_name("explorer-cli")
    if script.exists():
        return [str(script), *args]
    found = shutil.which("explorer-cli")
    return [found, *args] if found else [sys.executable, "-m", "explorer.cli", *args]


def cli_export(base_url: str, api_key: str, out_path: Path, *, page_size: int = 200) -> ChildRun:
    """Run `explorer-cli export` of every hardware asset, with the budget out of the way."""
    limit, period = UNLIMITED_BUDGET
    argv = cli_argv(
        "export",
        HARDWARE_PATH,
        "--out",
        str(out_path),
        "--base-url",
        base_url,
        "--page-size",
        str(page_size),
        "--rate",
        f"{limit}/{period:g}",
    )
    return run_child(argv, env=child_env({"EXPLORER_API_KEY": api_key}), timeout_s=3600)


def count_rows(path: Path) -> int:
    """Data rows of a CSV file (embedded newlines in cells counted correctly)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def run(records: int = 200_000) -> list[Figure]:
    with (
        sandbox_process(scale=scale_for(records)) as sandbox,
        tempfile.TemporaryDirectory(prefix="explorer-bench-export-") as folder,
    ):
        out = Path(folder) / "hardware.csv"
        result = cli_export(sandbox.url, sandbox.api_key, out)
        if result.returncode != 0 or not out.exists():
            return [not_measured("export_rows_per_s", child_failure(result))]
        rows = count_rows(out)
    return [
        Figure("export_rows_per_s", rows / result.elapsed_s, unit="rows/s"),
        Figure("export_rows", rows, headline=False),
        Figure("export_s", result.elapsed_s, unit="s", headline=False),
    ]
