"""What every benchmark shares: figures and their targets, the sandbox process, child processes
and their resident memory, the machine's load.

Benchmarks never share a process with what they measure when it matters: the sandbox always runs
in its own process (so it does not compete with the measured client for the GIL), and anything
whose memory is measured runs in a child process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explorer.sandbox import SandboxProcess

REPO_ROOT = Path(__file__).resolve().parent.parent

# The sandbox's "no rate limit".
UNLIMITED_RATE = None
# What the client's governor is told when the server has no limit, so it never holds a request.
UNLIMITED_BUDGET = (1_000_000, 1.0)
# Marks the one line of a child process's stdout that carries its result as JSON.
RESULT_PREFIX = "bench-result: "


@dataclass(frozen=True)
class Figure:
    """One measured figure: `name: value` in the output, and a row of the summary when `target`.

    `value` is None when the figure could not be measured; `note` then says why (and is shown
    next to a measured figure as context, e.g. the load or the floor it was compared with).
    """

    name: str
    value: float | None
    target: float | None = None
    higher_is_better: bool = False
    unit: str = ""
    note: str = ""
    headline: bool = True  # one of the named figures (in the summary table)

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not measured"
        if self.target is None:
            return "-"
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "pass" if ok else "miss"

    def value_text(self) -> str:
        return "n/a" if self.value is None else format_number(self.value)

    def target_text(self) -> str:
        if self.target is None:
            return "-"
        return f"{'>=' if self.higher_is_better else '<='} {format_number(self.target)}"


def format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def not_measured(name: str, reason: str, *, target: float | None = None) -> Figure:
    return Figure(name, None, target=target, note=reason)


def print_figures(figures: Sequence[Figure]) -> None:
    """The `name: value` lines, one per figure, as the figures arrive."""
    for figure in figures:
        line = f"{figure.name}: {figure.value_text()}"
        if figure.value is None and figure.note:
            line += f"  # {figure.note}"
        print(line, flush=True)


def summary_table(figures: Sequence[Figure]) -> str:
    """A Markdown table of the headline figures: value, unit, target and pass/miss."""
    rows = [("figure", "value", "unit", "target", "result")]
    rows += [
        (f.name, f.value_text(), f.unit, f.target_text(), f.verdict) for f in figures if f.headline
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in rows[1:]]
    return "\n".join(out)


def load_text() -> str:
    """The 1, 5 and 15 minute load averages and the core count, printed next to each figure set."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


# ---------------------------------------------------------------- the sandbox, in its own process
def scale_for(records: int) -> float:
    """The sandbox scale that generates exactly `records` hardware assets (the tenant makes
    round(BASE_VOLUMES["hardware"] * scale) of them; fractions are allowed)."""
    from explorer.sandbox.tenant import BASE_VOLUMES

    return records / BASE_VOLUMES["hardware"]


@contextmanager
def sandbox_process(
    *, scale: float = 1, latency_ms: float = 0, rate: str | None = UNLIMITED_RATE, seed: int = 1
) -> Iterator[SandboxProcess]:
    """A sandbox in a child process, stopped on exit (a fresh one has an empty rate window)."""
    from explorer.sandbox import SandboxConfig, launch_sandbox_process

    with launch_sandbox_process(
        SandboxConfig(scale=scale, latency_ms=latency_ms, rate=rate, seed=seed)
    ) as handle:
        yield handle


# ---------------------------------------------------------------- child processes and memory
@dataclass(frozen=True)
class ChildRun:
    returncode: int
    stdout: str
    stderr: str
    elapsed_s: float
    peak_rss_mb: float  # VmHWM of the child, polled while it ran
    result: dict[str, Any] | None  # the child's RESULT_PREFIX line, parsed


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured child: offscreen Qt, the repository importable, a config
    folder of its own (so no user profile or keychain is touched)."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("EXPLORER_CONFIG_DIR", tempfile.mkdtemp(prefix="explorer-bench-config-"))
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    if extra:
        env.update(extra)
    return env


def read_status_kb(pid: int, key: str) -> int | None:
    """A `/proc/<pid>/status` memory line (VmRSS, VmHWM) in kB; None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for row in status:
                if row.startswith(key + ":"):
                    return int(row.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def run_child(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 600.0,
    poll_s: float = 0.02,
) -> ChildRun:
    """Run a child to its end, polling its peak resident memory (VmHWM, which only grows, so the
    last reading before it exits is its peak to within `poll_s`).

    `getrusage(RUSAGE_CHILDREN)` is not used: it takes the maximum over every child ever waited
    for (the sandbox included), and on Linux a child's figure can include its parent's memory at
    the time of the fork.
    """
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as out,
        tempfile.TemporaryFile("w+", encoding="utf-8") as err,
    ):
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=err, env=dict(env) if env else child_env()
        )
        peak_kb = 0
        try:
            while proc.poll() is None:
                peak_kb = max(peak_kb, read_status_kb(proc.pid, "VmHWM") or 0)
                if time.perf_counter() - started > timeout_s:
                    proc.kill()
                    proc.wait()
                    raise TimeoutError(f"{argv[0]} ran longer than {timeout_s:.0f} s")
                time.sleep(poll_s)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return ChildRun(
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        elapsed_s=elapsed,
        peak_rss_mb=peak_kb / 1024,
        result=parse_result(stdout),
    )


def python_module_argv(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def emit_result(result: Mapping[str, Any]) -> None:
    """Called in a child process: hand `result` back to the parent (see `parse_result`)."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def parse_result(stdout: str) -> dict[str, Any] | None:
    for row in reversed(stdout.splitlines()):
        if row.startswith(RESULT_PREFIX):
            parsed: dict[str, Any] = json.loads(row[len(RESULT_PREFIX) :])
            return parsed
    return None


def own_rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    pid = os.getpid()
    return (
        (read_status_kb(pid, "VmRSS") or 0) / 1024,
        (read_status_kb(pid, "VmHWM") or 0) / 1024,
    )


def child_failure(run: ChildRun) -> str:
    """A one-line reason for a failed child, from the end of its stderr."""
    tail = [row for row in run.stderr.strip().splitlines() if row.strip()][-3:]
    return f"exit {run.returncode}: " + (" / ".join(tail) if tail else "no output")
