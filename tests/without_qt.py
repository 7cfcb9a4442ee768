"""Run Python in a child process in which Qt cannot be imported.

A meta-path finder placed first refuses PySide6, shiboken6 and qasync (and says so on stderr, so
a caller that swallows the ImportError is still caught). The command line and every module the
packaging marks headless must work in such a process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

QT_PACKAGES = ("PySide6", "shiboken6", "qasync")
BLOCKED = "blocked import of Qt: "

PRELUDE = f"""
import importlib.abc, sys

class _NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {QT_PACKAGES!r}:
            sys.stderr.write({BLOCKED!r} + name + "\\n")
            raise ModuleNotFoundError("No module named " + repr(name), name=name)
        return None

sys.meta_path.insert(0, _NoQt())
"""


def python_without_qt(
    code: str, *, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `code` with Qt blocked; `env` adds to this process's environment (empty: removes)."""
    merged = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        cwd=cwd,
        env={name: value for name, value in merged.items() if value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cli_without_qt(
    *argv: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `explorer-cli` script itself with Qt blocked."""
    script = Path(sys.executable).with_name("explorer-cli")
    code = (
        "import runpy\n"
        f"sys.argv = [{str(script)!r}, *{list(argv)!r}]\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    return python_without_qt(code, cwd=cwd, env=env)
