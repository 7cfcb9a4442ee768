"""GUI responsiveness: how late a 10 ms heartbeat timer fires while the window loads 100,000
rows through "Load all", and while it exports them (ui_stall_max_ms, ui_stall_p99_ms).

The window runs in a child process (benchmarks/window_child.py), offscreen, against a sandbox in
another process with no rate limit, so the only thing slowing the heartbeat is the window's own
work on its event loop.
"""

from __future__ import annotations

from benchmarks import window_child
from benchmarks.common import Figure, child_failure, not_measured, sandbox_process, scale_for

MAX_TARGET_MS = 100.0
P99_TARGET_MS = 30.0


def run(rows: int = 100_000) -> list[Figure]:
    with sandbox_process(scale=scale_for(rows)) as sandbox:
        result = window_child.run_window_child(
            sandbox.url, sandbox.api_key, rows=rows, heartbeat=True, export=True
        )
    if result.result is None:
        reason = child_failure(result)
        return [
            not_measured("ui_stall_max_ms", reason, target=MAX_TARGET_MS),
            not_measured("ui_stall_p99_ms", reason, target=P99_TARGET_MS),
        ]
    load, export = result.result["load_stalls"], result.result["export_stalls"]
    return [
        Figure("ui_stall_max_ms", max(load["max_ms"], export["max_ms"]), MAX_TARGET_MS, unit="ms"),
        Figure("ui_stall_p99_ms", max(load["p99_ms"], export["p99_ms"]), P99_TARGET_MS, unit="ms"),
        Figure("ui_stall_load_max_ms", load["max_ms"], unit="ms", headline=False),
        Figure("ui_stall_load_p99_ms", load["p99_ms"], unit="ms", headline=False),
        Figure("ui_stall_load_s", load["seconds"], unit="s", headline=False),
        Figure("ui_stall_export_max_ms", export["max_ms"], unit="ms", headline=False),
        Figure("ui_stall_export_p99_ms", export["p99_ms"], unit="ms", headline=False),
        Figure("ui_stall_export_s", export["seconds"], unit="s", headline=False),
    ]
