"""Suite-wide fixtures and guards."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

# Shared fixtures live in plugin modules, one per concern, so each can grow on its own.
pytest_plugins = ["tests.fixtures_sandbox", "tests.fixtures_keyring"]

# Tests never need a display; set it before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A suite started in the background (`make test &` in a script) inherits Ctrl-C ignored, and so
# would every CLI process the tests stop with SIGINT: they must see it as a terminal sends it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # CI must fail when nothing ran (a collection mistake would otherwise look green).
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup`, keeping each test class on one worker.

    With pytest 9.2, pytest-xdist's loadgroup no longer sees `xdist_group` marks (it renames node
    ids, which pytest no longer reads: pytest-xdist issue 1386), so the frozen tests were spread
    over both workers and each built the bundle. This scheduler takes a class (there is one:
    tests/test_packaging.py::TestFrozenBundle) as one unit and balances the other tests one by
    one; units with more tests start first, so the bundle's build starts at once.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ClassGroupScheduling(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            scope: str = super()._split_scope(nodeid)
            return scope if scope != nodeid else work_unit(nodeid)  # a group xdist still names

    return ClassGroupScheduling(config, log)


def work_unit(nodeid: str) -> str:
    """What one worker runs as a whole: a test's class, or the test alone."""
    path, *names = nodeid.split("[", 1)[0].split("::")
    return f"{path}::{names[0]}" if len(names) > 1 else nodeid
