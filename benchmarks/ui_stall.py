"""GUI responsiveness: how late a 10 ms heartbeat timer fires while the window loads 100,000
rows through "Load all", and while it exports them (ui_stall_max_ms, ui_stall_p99_ms).

The window runs in a child process (benchmarks/window_child.py), offscreen, against a sandbox in
another process with no rate limit, so the only thing slowing the heartbeat is the window's own
work on its event loop. Each figure is the worse of the two phases. With `explain`, the child
also samples what the GUI thread runs while the heartbeat is late, and the longest garbage
collector passes are reported: that is where a miss comes from.
"""

from __future__ import annotations

from typing import Any

from benchmarks import window_child
from benchmarks.common import Figure, child_failure, not_measured, sandbox_process, scale_for

MAX_TARGET_MS = 100.0
P99_TARGET_MS = 30.0


def figures_from(result: dict[str, Any]) -> list[Figure]:
    """The figures of a window child run with heartbeat and export."""
    load, export = result["load_stalls"], result["export_stalls"]
    return [
        Figure("ui_stall_max_ms", max(load["max_ms"], export["max_ms"]), MAX_TARGET_MS, unit="ms"),
        Figure("ui_stall_p99_ms", max(load["p99_ms"], export["p99_ms"]), P99_TARGET_MS, unit="ms"),
        Figure("ui_stall_load_max_ms", load["max_ms"], unit="ms", headline=False),
        Figure("ui_stall_load_p99_ms", load["p99_ms"], unit="ms", headline=False),
        Figure("ui_stall_load_s", load["seconds"], unit="s", headline=False),
        Figure("ui_stall_load_gc_max_ms", result["load_gc"]["max_ms"], unit="ms", headline=False),
        Figure("ui_stall_export_max_ms", export["max_ms"], unit="ms", headline=False),
        Figure("ui_stall_export_p99_ms", export["p99_ms"], unit="ms", headline=False),
        Figure("ui_stall_export_s", export["seconds"], unit="s", headline=False),
        Figure(
            "ui_stall_export_gc_max_ms", result["export_gc"]["max_ms"], unit="ms", headline=False
        ),
    ]


def print_stall_samples(result: dict[str, Any]) -> None:
    """Where the GUI thread was while the heartbeat was late (2 ms samples, most frequent first)."""
    for where, count in result.get("stall_samples", []):
        print(f"#   {count:5d} x 2 ms  {where}")
    for phase in ("load", "export"):
        for where in result.get(f"{phase}_gc", {}).get("slow", []):
            print(f"#   slow garbage collection during {phase}: {where}")


def run(rows: int = 100_000, *, explain: bool = False) -> list[Figure]:
    with sandbox_process(scale=scale_for(rows)) as sandbox:
        run = window_child.run_window_child(
            sandbox.url,
            sandbox.api_key,
            rows=rows,
            heartbeat=True,
            export=True,
            sample_stalls=explain,
        )
    if run.result is None:
        reason = child_failure(run)
        return [
            not_measured("ui_stall_max_ms", reason, target=MAX_TARGET_MS),
            not_measured("ui_stall_p99_ms", reason, target=P99_TARGET_MS),
        ]
    if explain:
        print_stall_samples(run.result)
    return figures_from(run.result)
