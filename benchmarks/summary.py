"""Column summaries over 100,000 loaded rows in the window (summary_ms_100k, summary_stall_max_ms).

The window runs in a child process (the app's own composition, offscreen, as for ui_stall). Its
hardware tab is given 100,000 rows shaped like the sandbox's (the sandbox's own records, each
copy with its own id and serial number, so an id column really has 100,000 distinct values),
then "Summarize column" runs on a text, a number, a date and an id column in turn. Each figure
is the time from the request to the figures being shown; a 10 ms heartbeat measures how late the
event loop was meanwhile. summary_ms_100k is the slowest column, the stall the longest of all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

from benchmarks.common import (
    ChildRun,
    Figure,
    child_env,
    child_failure,
    not_measured,
    python_module_argv,
    run_child,
    sandbox_process,
)

TARGET_MS = 1000.0
STALL_TARGET_MS = 100.0
COLUMNS = ("type", "configuration.ram_bytes", "record_created_at", "id")
SHAPES = 500  # sandbox records the rows are copied from


def run(rows: int = 100_000) -> list[Figure]:
    with sandbox_process(scale=0.05) as sandbox:
        argv = python_module_argv("benchmarks.summary", sandbox.url, "--rows", str(rows))
        child = run_child(argv, env=child_env({"EXPLORER_API_KEY": sandbox.api_key}), timeout_s=900)
    return figures_from(child, rows)


def figures_from(child: ChildRun, rows: int) -> list[Figure]:
    result = child.result
    if result is None or "columns" not in result:
        reason = child_failure(child)
        return [
            not_measured("summary_ms_100k", reason, target=TARGET_MS),
            not_measured("summary_stall_max_ms", reason, target=STALL_TARGET_MS),
        ]
    columns: dict[str, dict[str, float]] = result["columns"]
    figures = [
        Figure("summary_ms_100k", max(c["ms"] for c in columns.values()), TARGET_MS, unit="ms"),
        Figure(
            "summary_stall_max_ms",
            max(c["stall_max_ms"] for c in columns.values()),
            STALL_TARGET_MS,
            unit="ms",
        ),
    ]
    for name, column in columns.items():
        figures.append(Figure(f"summary_ms_{name}", column["ms"], unit="ms", headline=False))
        figures.append(
            Figure(f"summary_stall_ms_{name}", column["stall_max_ms"], unit="ms", headline=False)
        )
    figures.append(Figure("summary_rows", float(result["rows"]), headline=False))
    return figures


# ---------------------------------------------------------------- child side
def rows_like_the_sandbox(count: int) -> list[dict[str, Any]]:
    """`count` hardware records: the sandbox's own, copied, each with a unique id and serial."""
    from explorer.sandbox.tenant import Tenant

    tenant = Tenant(seed=1, scale=1)
    shapes = [tenant.hardware.record(i) for i in range(SHAPES)]
    return [
        {
            **shapes[i % SHAPES],
            "id": f"{i:08x}-0000-4000-8000-{i:012x}",
            "serial_number": f"SN{i:09d}",
        }
        for i in range(count)
    ]


async def scenario(args: argparse.Namespace, result: dict[str, Any]) -> None:
    from benchmarks.window_child import Heartbeat, _wait_until, app_window, hardware_tab

    window = await app_window()
    try:
        tab = await hardware_tab(window)
        tab.model.set_records(tab.endpoint, rows_like_the_sandbox(args.rows))
        result["rows"] = tab.model.loaded_count
        await asyncio.sleep(0.2)
        columns: dict[str, dict[str, float]] = {}
        for column in COLUMNS:
            heartbeat = Heartbeat()
            heartbeat.start()
            started = time.perf_counter()
            tab.summarize_column(column)
            await _wait_until(
                lambda: (
                    tab.summary.summary is not None
                    and tab.summary.summary.rows == args.rows
                    and not tab.summary.computing
                ),
                120,
                f"the summary of {column}",
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
            stalls = heartbeat.stop()
            columns[column] = {"ms": elapsed_ms, "stall_max_ms": stalls["max_ms"]}
        result["columns"] = columns
    except BaseException as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        window.close()


def child_main(argv: list[str]) -> int:
    from benchmarks.window_child import prepare_profile, run_app_with

    parser = argparse.ArgumentParser(prog="benchmarks.summary")
    parser.add_argument("base_url")
    parser.add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    prepare_profile(args.base_url, os.environ["EXPLORER_API_KEY"])
    return run_app_with(lambda result: scenario(args, result))


if __name__ == "__main__":
    raise SystemExit(child_main(sys.argv[1:]))
