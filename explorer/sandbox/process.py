"""A sandbox in a child process, so the window's interpreter never serves HTTP itself.

The child is `python -m explorer.sandbox --json ...` (or, in a frozen app, the app executable
with `--sandbox-server`). It prints one JSON line with its URL and credentials and stops when
its stdin closes, so it cannot outlive a parent that crashed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from explorer.sandbox.config import SandboxConfig
from explorer.sandbox.server import STATS_PATH, StatsSnapshot


class SandboxStartError(RuntimeError):
    """The child process did not come up."""


def child_command(config: SandboxConfig) -> list[str]:
    args = [
        "--json",
        "--port", str(config.port),
        "--scale", repr(float(config.scale)),
        "--latency-ms", repr(float(config.latency_ms)),
        "--rate", config.rate or "0",
        "--token-ttl", repr(float(config.token_ttl_s)),
        "--fault-rate", repr(float(config.fault_rate)),
        "--seed", str(config.seed),
        "--unsubscribed", ",".join(config.unsubscribed),
    ]  # fmt: skip
    for flag, on in (
        ("--null-next-cursor", config.null_next_cursor),
        ("--clamp-page-size", config.oversize_page == "clamp"),
        ("--nonatomic-paging", config.nonatomic_paging),
    ):
        if on:
            args.append(flag)
    if getattr(sys, "frozen", False):
        return [sys.executable, "--sandbox-server", *args]
    return [sys.executable, "-m", "explorer.sandbox", *args]


class SandboxProcess:
    """A running child sandbox with the same attributes as SandboxHandle."""

    def __init__(self, config: SandboxConfig, *, timeout_s: float = 20.0) -> None:
        self.config = config
        env = dict(os.environ)
        if not getattr(sys, "frozen", False):  # the child must import this same package
            root = str(Path(__file__).resolve().parents[2])
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        for name, value in (
            ("EXPLORER_SANDBOX_API_KEY", config.api_key),
            ("EXPLORER_SANDBOX_SCOUT_USERNAME", config.scout_username),
            ("EXPLORER_SANDBOX_SCOUT_PASSWORD", config.scout_password),
        ):
            if value:
                env[name] = value
        self._proc = subprocess.Popen(
            child_command(config),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        info = self._read_announcement(timeout_s)
        self.pid = self._proc.pid
        self.url: str = info["url"]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.api_key: str = info["api_key"]
        self.alt_api_key: str = info["alt_api_key"]
        self.scout_username: str = info["scout_username"]
        self.scout_password: str = info["scout_password"]
        self.scout_restricted_username: str = info["scout_restricted_username"]
        self.scout_restricted_password: str = info["scout_restricted_password"]

    def _read_announcement(self, timeout_s: float) -> dict[str, Any]:
        assert self._proc.stdout is not None
        stdout = self._proc.stdout
        box: list[bytes] = []
        reader = threading.Thread(target=lambda: box.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout_s)
        line = box[0] if box else b""
        try:
            info = json.loads(line)
            if not isinstance(info, dict) or "url" not in info:
                raise ValueError(line)
        except ValueError:
            self.stop()
            raise SandboxStartError(
                f"the sandbox process did not start (exit status {self._proc.poll()}); "
                "run `python -m explorer.sandbox` to see why"
            ) from None
        return info

    def _call(self, method: str, path: str) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path, method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    @property
    def stats(self) -> StatsSnapshot:
        """The child's counters now (one loopback request, not counted itself)."""
        return StatsSnapshot.from_dict(self._call("GET", STATS_PATH))

    def reset_stats(self) -> None:
        self._call("POST", STATS_PATH + "/reset")

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close the child's stdin (it stops by itself), then terminate it if it lingers."""
        proc = self._proc
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def launch_sandbox_process(
    config: SandboxConfig | None = None, *, timeout_s: float = 20.0
) -> SandboxProcess:
    """Start a sandbox in a child process and wait until it listens."""
    return SandboxProcess(config or SandboxConfig(), timeout_s=timeout_s)
