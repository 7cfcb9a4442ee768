"""The suite's pytest-qt settings (pyproject.toml) fail a test on a Qt warning.

A pytest run in a child process, with the project's own configuration, over three small tests:
one makes Qt warn, one emits a line from the ignore list, one is quiet.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

INNER_TESTS = """
from PySide6.QtCore import qWarning


def test_warns(qapp):
    qWarning("QObject::connect: No such signal Widget::missing()")


def test_known_harmless(qapp):
    qWarning("This plugin does not support propagateSizeHints()")


def test_quiet(qapp):
    pass
"""


def test_a_qt_warning_fails_the_test_and_the_ignore_list_holds(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS, encoding="utf-8")

    config = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-p", "no:xdist"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *config, "-q", "-rfE", "test_inner.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED test_inner.py::test_warns" in result.stdout, result.stdout
    assert "Qt messages with level WARNING or above emitted" in result.stdout
    assert "1 failed, 2 passed" in result.stdout, result.stdout
