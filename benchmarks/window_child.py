"""The window in a process of its own, for ui_stall and rss_mb_100k_rows.

Parent side: `run_window_child` starts `python -m benchmarks.window_child URL --rows N
[--heartbeat] [--export]` with the sandbox's API key in `EXPLORER_API_KEY` and returns what the
child reported.

Child side: the app's own composition (`explorer.app`: theme, qasync loop, AppServices,
MainWindow), offscreen, with a profile for the sandbox whose budget never holds a request. It
opens a results tab on hardware assets (which runs its first page), then presses "Load all"
and waits for every row; then exports the loaded rows through the tab's export path (the
progress dialog the Export... button opens). With --heartbeat a 10 ms timer measures how late
the event loop serves it during each phase. It reports resident memory after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import (
    ChildRun,
    child_env,
    emit_result,
    own_rss_mb,
    python_module_argv,
    run_child,
)
from benchmarks.stalls import stall_stats

if TYPE_CHECKING:
    from explorer.ui.main_window import MainWindow
    from explorer.ui.results.tab import ResultsTab

HARDWARE = "GET /core/v1/assets/hardware"
HEARTBEAT_MS = 10
PROFILE_NAME = "Benchmark"


def run_window_child(
    base_url: str,
    api_key: str,
    *,
    rows: int,
    heartbeat: bool = False,
    export: bool = False,
    sample_stalls: bool = False,
) -> ChildRun:
    argv = python_module_argv("benchmarks.window_child", base_url, "--rows", str(rows))
    for flag, wanted in (
        ("--heartbeat", heartbeat),
        ("--export", export),
        ("--sample-stalls", sample_stalls),
    ):
        if wanted:
            argv.append(flag)
    return run_child(argv, env=child_env({"EXPLORER_API_KEY": api_key}), timeout_s=1800)


# ---------------------------------------------------------------- child side
class Heartbeat:
    """A precise 10 ms timer on the GUI thread; the gaps between its ticks show the stalls."""

    def __init__(self, interval_ms: int = HEARTBEAT_MS) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval_ms = interval_ms
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.gaps_ms: list[float] = []
        self.running = False
        self._last = 0.0

    def start(self) -> None:
        self.gaps_ms = []
        self._last = time.perf_counter()
        self.running = True
        self.timer.start()

    @property
    def late_ms(self) -> float:
        """How overdue the next tick is now (read from another thread by the stall sampler)."""
        return (time.perf_counter() - self._last) * 1000 - self.interval_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000)
        self._last = now

    def stop(self) -> dict[str, Any]:
        self.timer.stop()
        self.running = False
        # The time since the last tick counts too: a stall at the very end is a stall.
        self.gaps_ms.append((time.perf_counter() - self._last) * 1000)
        return stall_stats(self.gaps_ms, self.interval_ms).to_dict()


class StallSampler(threading.Thread):
    """While the heartbeat is overdue, samples what every thread is running.

    Every `every_ms` it checks the heartbeat; when a tick is more than `threshold_ms` late it
    records the innermost Python frames of the GUI thread and of each worker thread that is in
    Python code (a worker holding the GIL stalls the GUI thread as surely as the GUI thread's own
    work; the GUI thread then shows only the event loop). Each sample stands for about
    `every_ms` of stall, so the counts show where the stalled time goes.
    """

    def __init__(self, heartbeat: Heartbeat, threshold_ms: float = 20, every_ms: float = 2) -> None:
        super().__init__(daemon=True, name="stall-sampler")
        self.heartbeat = heartbeat
        self.threshold_ms = threshold_ms
        self.every_s = every_ms / 1000
        self.main_id = threading.main_thread().ident
        self.samples: collections.Counter[str] = collections.Counter()
        self.phase = ""  # set by the scenario: samples are counted per phase
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.every_s):
            if not self.heartbeat.running or self.heartbeat.late_ms < self.threshold_ms:
                continue
            for ident, frame in sys._current_frames().items():
                if ident == self.ident:
                    continue
                stack = traceback.extract_stack(frame)[-8:]
                if ident != self.main_id and _idle_worker(stack):
                    continue
                where = " < ".join(
                    f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
                )
                thread = "gui" if ident == self.main_id else "worker"
                self.samples[f"{self.phase} [{thread}]: {where}"] += 1

    def stop(self) -> list[tuple[str, int]]:
        self._done.set()
        self.join()
        return self.samples.most_common(24)


class GcWatch:
    """Durations of the garbage collector's passes (a full pass holds the GIL for all threads).

    A pass longer than `slow_ms` also records where it ran: the collector runs in whichever
    thread's allocation crossed the threshold, so its stack shows whose objects pile up.
    """

    def __init__(self, slow_ms: float = 20.0) -> None:
        self.passes: list[tuple[int, float]] = []  # (generation, milliseconds)
        self.slow: list[str] = []
        self.slow_ms = slow_ms
        self._started = 0.0

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._started) * 1000
            self.passes.append((info["generation"], ms))
            if ms >= self.slow_ms:
                stack = traceback.extract_stack()[-7:-1]
                thread = (
                    "gui" if threading.current_thread() is threading.main_thread() else "worker"
                )
                where = " < ".join(
                    f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
                )
                self.slow.append(f"gen {info['generation']} {ms:.0f} ms [{thread}]: {where}")

    def take(self) -> dict[str, Any]:
        """What was seen since the last take: the longest pass and the full (gen 2) passes."""
        passes, self.passes = self.passes, []
        slow, self.slow = self.slow, []
        full = [ms for generation, ms in passes if generation == 2]
        return {
            "slow": slow[:8],
            "passes": len(passes),
            "max_ms": max((ms for _, ms in passes), default=0.0),
            "full_passes": len(full),
            "full_max_ms": max(full, default=0.0),
            "full_total_ms": sum(full),
        }


def _idle_worker(stack: list[traceback.FrameSummary]) -> bool:
    """A pool thread waiting for work (or any thread blocked in a lock or select)."""
    innermost = stack[-1].name if stack else ""
    return innermost in ("wait", "_worker", "get", "select", "poll", "_wait_for_tstate_lock")


async def _wait_until(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout_s:.0f} s")
        await asyncio.sleep(0.01)


def prepare_profile(base_url: str, api_key: str) -> None:
    """Save a profile for the sandbox as the last one used, and its key in an in-memory keyring,
    so the app opens it by itself at start-up as it would for a returning user."""
    import keyring
    import keyring.backend

    from explorer.core.secrets import SERVICE_NAME
    from explorer.core.settings import AuthKind, Profile, Settings, SettingsStore

    class BenchmarkKeyring(keyring.backend.KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self.entries = {(SERVICE_NAME, PROFILE_NAME): api_key}

        def get_password(self, service: str, username: str) -> str | None:
            return self.entries.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.entries[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.entries.pop((service, username), None)

    keyring.set_keyring(BenchmarkKeyring())
    profile = Profile(
        name=PROFILE_NAME,
        base_url=base_url,
        auth_kind=AuthKind.API_KEY,
        catalog="scalepad",
        rate_limit=1_000_000,  # the sandbox runs without a limit; the governor must not pace
        rate_period_s=1.0,
        page_size=200,
    )
    SettingsStore().save(Settings(profiles=[profile], last_profile=PROFILE_NAME))


async def app_window() -> MainWindow:
    """The app's main window, once it is there."""
    from PySide6.QtWidgets import QApplication

    from explorer.ui.main_window import MainWindow

    def main_window() -> MainWindow | None:
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)

    await _wait_until(lambda: main_window() is not None, 60, "the main window")
    window = main_window()
    assert window is not None
    return window


async def hardware_tab(window: MainWindow) -> ResultsTab:
    """A hardware tab of the window, once its profile is open, with its first page loaded."""
    window.resize(1280, 800)
    await _wait_until(lambda: window.context is not None, 60, "the profile to open")
    context = window.context
    assert context is not None
    endpoint = context.catalog.find(HARDWARE)
    if endpoint is None:
        raise RuntimeError(f"{HARDWARE} is not in the catalog")
    tab = window.open_tab(endpoint)
    if tab is None:
        raise RuntimeError("no results tab was opened")
    await _wait_until(lambda: tab.model.loaded_count > 0, 60, "the first page")
    await tab.model.wait_idle()
    return tab


async def scenario(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """Drive the running app: wait for its window and profile, Load all, export the rows."""
    from explorer.core.export import CsvOptions
    from explorer.ui.results.export_dialog import ExportRequest, ExportScope

    window = await app_window()
    gc_watch = GcWatch()
    sampler: StallSampler | None = None
    try:
        tab = await hardware_tab(window)
        gc.collect()
        result["rss_before_load_mb"] = own_rss_mb()[0]

        heartbeat = Heartbeat() if args.heartbeat else None
        sampler = StallSampler(heartbeat) if heartbeat and args.sample_stalls else None
        if sampler:
            sampler.phase = "load"
            sampler.start()
        gc_watch.__enter__()
        if heartbeat:
            heartbeat.start()
        started = time.perf_counter()
        tab.start_load_all()
        task = tab.load_all_task
        if task is None:
            raise RuntimeError("Load all did not start")
        await task
        result["load_s"] = time.perf_counter() - started
        result["load_gc"] = gc_watch.take()
        if heartbeat:
            result["load_stalls"] = heartbeat.stop()
        result["rows_loaded"] = tab.model.loaded_count
        if tab.model.loaded_count < args.rows:
            raise RuntimeError(f"only {tab.model.loaded_count} of {args.rows} rows were loaded")
        await asyncio.sleep(0.2)  # let deferred work after the last page settle
        gc.collect()
        result["rss_after_load_mb"], result["peak_rss_mb"] = own_rss_mb()

        if args.export:
            with tempfile.TemporaryDirectory(prefix="explorer-bench-window-") as folder:
                request = ExportRequest(
                    scope=ExportScope.LOADED,
                    all_columns=False,
                    options=CsvOptions(),
                    path=Path(folder) / "hardware.csv",
                )
                if sampler:
                    sampler.phase = "export"
                if heartbeat:
                    heartbeat.start()
                started = time.perf_counter()
                dialog = tab.start_export(request)
                await _wait_until(lambda: dialog.task is not None, 10, "the export")
                assert dialog.task is not None
                await dialog.task
                result["export_s"] = time.perf_counter() - started
                result["export_gc"] = gc_watch.take()
                if heartbeat:
                    result["export_stalls"] = heartbeat.stop()
                result["export_bytes"] = request.path.stat().st_size
    except BaseException as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if sampler:
            result["stall_samples"] = sampler.stop()
        if gc_watch._callback in gc.callbacks:
            gc_watch.__exit__()
        window.close()


def child_main(argv: list[str]) -> int:
    """Start the app through its own `explorer.app.main()`, with the scenario riding along."""
    parser = argparse.ArgumentParser(prog="benchmarks.window_child")
    parser.add_argument("base_url")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--heartbeat", action="store_true")
    parser.add_argument("--export", action="store_true")
    parser.add_argument("--sample-stalls", action="store_true")
    args = parser.parse_args(argv)
    prepare_profile(args.base_url, os.environ["EXPLORER_API_KEY"])
    return run_app_with(lambda result: scenario(args, result))


def run_app_with(drive: Any) -> int:
    """Run the app (`explorer.app.main()`) with `drive(result)`, a coroutine, riding along;
    print the result dict it filled for the parent."""
    os.environ.setdefault("QT_API", "pyside6")
    from explorer.ui.async_utils import guard_pyside_refcount_bugs

    guard_pyside_refcount_bugs()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from explorer import app as explorer_app

    # main() adopts an existing QApplication; the timer fires once its event loop runs.
    qt_app = QApplication(["explorer"])
    result: dict[str, Any] = {}
    driver: list[asyncio.Task[None]] = []
    QTimer.singleShot(0, lambda: driver.append(asyncio.ensure_future(drive(result))))
    status = explorer_app.main([])
    del qt_app
    if driver and driver[0].done() and not driver[0].cancelled() and driver[0].exception():
        print(f"scenario failed: {result.get('error')}", file=sys.stderr)
        return 1
    emit_result(result)
    return status


if __name__ == "__main__":
    raise SystemExit(child_main(sys.argv[1:]))
