"""`explorer-cli` against hostile input and misbehaving servers, in real processes over loopback."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from explorer.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tests.test_cli import (  # noqa: F401 (the fixtures are used by name)
    HARDWARE,
    clean_export_file,
    cli_command,
    cli_env,
    run_cli,
    slow_sandbox,
    wait_for_rows,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and modes are POSIX")


def test_a_second_export_to_the_same_file_is_refused_and_the_first_one_is_intact(
    slow_sandbox: Any,  # noqa: F811
    clean_export_file: Path,  # noqa: F811
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "shared.csv"
    with subprocess.Popen(**cli_command(slow_sandbox, out, cli_env), text=True) as first:
        wait_for_rows(out, 40, first)
        second = subprocess.run(**cli_command(slow_sandbox, out, cli_env), text=True, timeout=120)
        _, first_stderr = first.communicate(timeout=120)
    assert second.returncode == EXIT_FAILED
    last = second.stderr.strip().splitlines()[-1]
    assert f"process {first.pid}" in last
    assert "Traceback" not in second.stderr
    assert first.returncode == EXIT_OK, first_stderr
    assert out.read_bytes() == clean_export_file.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("shared")) == [
        "shared.csv"
    ]


@posix_only
def test_out_naming_a_fifo_exits_2_and_leaves_it_alone(
    sandbox: Any,
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    status, _, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(fifo), "--base-url", sandbox.url
    )
    assert status == EXIT_USAGE, stderr
    assert "named pipe" in stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
