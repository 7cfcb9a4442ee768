"""Start-up: process start to the main window painted, median of 5 (startup_ms).

Each run is a fresh process (`benchmarks/startup_probe.py` around `explorer.app.main`) with a
config folder of its own, offscreen. The time runs from just before the process is spawned to
the first paint of its first top-level window.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from benchmarks.common import Figure, child_env, not_measured
from benchmarks.startup_probe import SHOWN_PREFIX

TARGET_MS = 1500.0


def startup_once(app_args: Sequence[str] = (), timeout_s: float = 30.0) -> float:
    """Milliseconds from spawn to the first window painted, in a fresh config folder."""
    with tempfile.TemporaryDirectory(prefix="explorer-bench-startup-") as config:
        env = child_env({"EXPLORER_CONFIG_DIR": config})
        started = time.time()
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.startup_probe", *app_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            start_new_session=True,  # so the app's own children (a demo sandbox) stop with it
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise TimeoutError(f"the window did not appear within {timeout_s:.0f} s") from None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for row in stdout.splitlines():
        if row.startswith(SHOWN_PREFIX):
            return (float(row[len(SHOWN_PREFIX) :]) - started) * 1000
    tail = " / ".join(stderr.strip().splitlines()[-3:])
    raise RuntimeError(f"the app exited ({proc.returncode}) without showing a window: {tail}")


def run(repeats: int = 5, app_args: Sequence[str] = ()) -> list[Figure]:
    try:
        timings = [startup_once(app_args) for _ in range(repeats)]
    except (RuntimeError, TimeoutError) as exc:
        return [not_measured("startup_ms", str(exc), target=TARGET_MS)]
    return [
        Figure("startup_ms", statistics.median(timings), TARGET_MS, unit="ms"),
        Figure("startup_ms_max", max(timings), unit="ms", headline=False),
    ]
