"""Suite-wide fixtures and guards."""

from __future__ import annotations

import os

import pytest

# Shared fixtures live in plugin modules, one per concern, so each can grow on its own.
pytest_plugins = ["tests.fixtures_sandbox", "tests.fixtures_keyring"]

# Tests never need a display; set it before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # CI must fail when nothing ran (a collection mistake would otherwise look green).
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
