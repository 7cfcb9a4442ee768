"""`explorer --smoke` from source: the same checks CI runs against the frozen bundle."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from explorer import resources, smoke

ROOT = Path(__file__).resolve().parent.parent
OK_LINE = re.compile(
    r"^smoke ok \(from source\): Qt [\d.]+ on offscreen, resources 3 catalogs \((\d+) endpoints\), (\d+) icons, "
    r"keyring (.+), sandbox (\d+) of (\d+) rows via cursor in [\d.]+ s, "
    r"table (\d+)x(\d+) rendered 1280x400, chart \d+ bars, [\d.]+ s$"
)


def test_run_smoke_checks_everything_and_says_what(capsys: pytest.CaptureFixture[str]) -> None:
    status = smoke.run_smoke([])

    out = capsys.readouterr().out.strip()
    assert status == 0, out
    match = OK_LINE.match(out)
    assert match, out
    endpoints, icons, keyring_text, rows, total, table_rows, columns = match.groups()
    assert keyring_text.startswith("system keychain (")
    assert keyring_text.endswith("MemoryKeyring)")  # the suite's in-memory backend
    assert int(endpoints) > 10
    assert int(icons) >= 8 + 1 + 14  # the PNG sizes, the app SVG, the toolbar set
    assert int(rows) == smoke.SMOKE_PAGE_SIZE * smoke.SMOKE_PAGES
    assert int(total) > int(rows)
    assert int(table_rows) == int(rows)
    assert int(columns) > 5


@pytest.mark.usefixtures("failing_keyring")
def test_no_keychain_is_reported_not_failed(capsys: pytest.CaptureFixture[str]) -> None:
    status = smoke.run_smoke([])

    out = capsys.readouterr().out
    assert status == 0, out
    assert "keyring session-only (secrets cannot be saved: no system keychain was found" in out


def test_a_keyring_that_cannot_start_is_reported_not_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def cannot_start() -> None:
        raise RuntimeError("Unable to initialize SecretService: no D-Bus session")

    monkeypatch.setattr(keyring, "get_keyring", cannot_start)

    status = smoke.run_smoke([])

    out = capsys.readouterr().out
    assert status == 0, out
    assert "keyring session-only (secrets cannot be saved: the keyring could not start" in out
    assert "Unable to initialize SecretService" in out


def test_a_missing_icon_fails_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Everything but the icons: the catalogs still load, so the failure must name the icons.
    shutil.copytree(ROOT / "resources" / "catalogs", tmp_path / "catalogs")
    monkeypatch.setattr(resources, "resource_root", lambda: tmp_path)

    status = smoke.run_smoke([])

    out = capsys.readouterr().out.strip()
    assert status == 1
    assert out.startswith("smoke FAILED: a bundled file is missing: explorer-16.png"), out
    assert "Traceback" not in out


def test_a_blank_table_is_a_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(smoke, "_distinct_colours", lambda image: 1)

    status = smoke.run_smoke([])

    assert status == 1
    assert capsys.readouterr().out.strip() == (
        "smoke FAILED: the results table was drawn blank (no text or grid visible)"
    )


def test_failure_reasons_are_one_short_line() -> None:
    missing = ModuleNotFoundError("No module named 'keyring.backends.SecretService'")
    missing.name = "keyring.backends.SecretService"
    long_error = ValueError("first line " + "x" * 1000 + "\nsecond line")

    assert smoke.failure_reason(missing) == (
        "module keyring.backends.SecretService is missing (a frozen build must collect it)"
    )
    reason = smoke.failure_reason(long_error)
    assert reason.startswith("ValueError: first line xxx")
    assert len(reason) == smoke.MAX_REASON
    assert "second line" not in reason


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "offscreen"),
        ({"DISPLAY": ":0"}, None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, None),
        ({"QT_QPA_PLATFORM": "xcb"}, "xcb"),
    ],
)
def test_offscreen_only_without_a_display(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", "linux")

    smoke._use_offscreen_without_display()

    assert os.environ.get("QT_QPA_PLATFORM") == expected


def test_explorer_smoke_command_line(tmp_path: Path) -> None:
    """`python -m explorer --smoke` in a fresh process with no display, as a user would run it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # the smoke check must choose offscreen by itself
    env["EXPLORER_CONFIG_DIR"] = str(tmp_path / "config")

    result = subprocess.run(
        [sys.executable, "-m", "explorer", "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert OK_LINE.match(result.stdout.strip()), result.stdout + result.stderr
    assert not (tmp_path / "config").exists()  # it touches no settings
