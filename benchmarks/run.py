"""Run the benchmarks against the built-in sandbox: `python -m benchmarks.run [--only NAME,...]`.

Prints one `name: value` line per figure as each benchmark finishes (with the machine's load
before it), then a summary table of the issue's figures with their targets. `--quick` runs every
benchmark at a tiny size: it checks that the harness works, its figures mean nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/run.py`: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    dedup,
    export_throughput,
    fetch,
    memory,
    spec_import,
    startup,
    summary,
    ui_stall,
    xlsx_export,
)
from benchmarks.common import Figure, load_text, not_measured, print_figures, summary_table

# Figures each benchmark reports, so a benchmark that fails still shows its rows as not measured.
FIGURES: dict[str, tuple[str, ...]] = {
    "fetch": (
        "fetch_cursor_ratio",
        "fetch_cursor_429s",
        "fetch_offset_ratio",
        "fetch_offset_429s",
        "fetch_vs_naive",
    ),
    "ui_stall": ("ui_stall_max_ms", "ui_stall_p99_ms"),
    "memory": ("rss_mb_100k_rows", "export_peak_rss_mb_1m"),
    "export": ("export_rows_per_s",),
    "xlsx": ("xlsx_export_rows_per_s", "xlsx_export_peak_rss_mb"),
    "startup": ("startup_ms",),
    "spec_import": ("spec_import_ms",),
    "dedup": ("dedup_mb_per_million_ids",),
    "summary": ("summary_ms_100k", "summary_stall_max_ms"),
}


def benchmarks(quick: bool, explain: bool = False) -> dict[str, Callable[[], list[Figure]]]:
    if quick:
        return {
            "fetch": lambda: fetch.run(
                fetch.FetchSettings(records=600, page_size=50, latency_ms=5, limit=5, period_s=0.5),
                repeats=1,
            ),
            "ui_stall": lambda: ui_stall.run(rows=2_000, explain=explain),
            "memory": lambda: memory.run(rows=2_000, export_records=5_000),
            "export": lambda: export_throughput.run(records=5_000),
            "xlsx": lambda: xlsx_export.run(records=5_000),
            "startup": lambda: startup.run(repeats=1),
            "spec_import": lambda: spec_import.run(min_bytes=200_000, repeats=1),
            "dedup": lambda: dedup.run(count=20_000),
            "summary": lambda: summary.run(rows=2_000),
        }
    return {
        "fetch": fetch.run,
        "ui_stall": lambda: ui_stall.run(explain=explain),
        "memory": memory.run,
        "export": export_throughput.run,
        "xlsx": xlsx_export.run,
        "startup": startup.run,
        "spec_import": spec_import.run,
        "dedup": dedup.run,
        "summary": summary.run,
    }


def run_all(names: Sequence[str], quick: bool = False, explain: bool = False) -> list[Figure]:
    chosen = benchmarks(quick, explain)
    figures: list[Figure] = []
    for name in names:
        print(f"# {name} ({load_text()})", flush=True)
        started = time.perf_counter()
        try:
            produced = chosen[name]()
        except Exception as exc:  # noqa: BLE001 (a broken benchmark must not hide the rest)
            traceback.print_exc()
            produced = [not_measured(f, f"{type(exc).__name__}: {exc}") for f in FIGURES[name]]
        print_figures(produced)
        print(f"# {name} took {time.perf_counter() - started:.1f} s", flush=True)
        figures += produced
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help=f"comma-separated benchmarks to run (default: all of {', '.join(FIGURES)})",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a harness check only")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also show where the GUI thread was while it stalled (sampled stacks)",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    figures = run_all(names, quick=args.quick, explain=args.explain)
    print()
    note = "; --quick: tiny sizes, not comparable with the targets" if args.quick else ""
    print(f"summary ({load_text()}{note}):")
    print(summary_table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
