"""The window in a process of its own, for ui_stall and rss_mb_100k_rows (the parent side).

`run_window_child` starts `python -m benchmarks.window_child URL --rows N [--heartbeat]
[--export]` with the sandbox's API key in its environment and returns what the child reported.
"""

from __future__ import annotations

from benchmarks.common import ChildRun, child_env, python_module_argv, run_child


def run_window_child(
    base_url: str, api_key: str, *, rows: int, heartbeat: bool = False, export: bool = False
) -> ChildRun:
    argv = python_module_argv("benchmarks.window_child", base_url, "--rows", str(rows))
    if heartbeat:
        argv.append("--heartbeat")
    if export:
        argv.append("--export")
    return run_child(argv, env=child_env({"EXPLORER_API_KEY": api_key}), timeout_s=1800)
