"""`explorer-cli export` to an Excel workbook, over real HTTP to the sandbox: the format from
--format or the file's extension, typed cells, the row limit, stop and resume, and LibreOffice
reading the workbook back (when it is installed)."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from explorer.cli import EXIT_INTERRUPTED, EXIT_USAGE
from explorer.core import xlsx
from explorer.core.errors import ExportIncomplete, TooManyRows
from explorer.exporting.cli import RESUME_HINT, exit_status
from tests.test_cli import (  # noqa: F401 (the fixtures are used by name)
    HARDWARE,
    api_total,
    cli_command,
    cli_env,
    pages_held_after,
    read_csv,
    run_cli,
    run_cli_process,
    slow_sandbox,
    wait_for_rows,
)


def export_to(
    capsys: pytest.CaptureFixture[str], sandbox: Any, out: Path, *extra: str
) -> tuple[int, str]:
    status, stdout, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(out), "--base-url", sandbox.url, *extra
    )
    assert stdout == ""
    return status, stderr


def workbook_rows(path: Path) -> list[dict[str, Any]]:
    with open(path, "rb") as handle:  # a handle: openpyxl judges a file by its name otherwise
        book = openpyxl.load_workbook(handle, read_only=True)
        rows = book.active.iter_rows(values_only=True)
        header = next(rows)
        found = [dict(zip(header, row, strict=True)) for row in rows]
        book.close()
    return found


def as_api_text(value: Any) -> str:
    """A workbook value spelt as the API sent it (what the CSV export writes)."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # the sandbox's instants are UTC, shown in UTC
        return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    return str(value)


@pytest.fixture
def with_key(sandbox: Any, cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Any:  # noqa: F811
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    return sandbox


def test_an_xlsx_out_is_a_workbook_holding_what_the_csv_export_holds(
    with_key: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The servers (a few hundred, with the sandbox's awkward names among them) as a workbook and
    as CSV: the same cells, typed; the layout; the guard. The whole list is LibreOffice's test."""
    sandbox = with_key
    servers = ("--filter", "type=SERVER")
    out = tmp_path / "servers.xlsx"
    status, stderr = export_to(capsys, sandbox, out, *servers)
    assert status == 0, stderr
    total = api_total(sandbox, HARDWARE, {"filter[type]": "eq:SERVER"})
    assert stderr.strip().splitlines()[-1].startswith(f"{total:,} rows written")
    assert sandbox.api_key not in stderr
    # Unguarded, so that both hold the values as the API sent them.
    csv_out = tmp_path / "servers.csv"
    status, stderr = export_to(capsys, sandbox, csv_out, *servers, "--no-formula-guard")
    assert status == 0, stderr
    expected = read_csv(csv_out)
    rows = workbook_rows(out)
    assert len(rows) == total == len(expected)
    assert list(rows[0]) == list(expected[0])  # the same columns, in the same order
    for column in ("id", "serial_number", "name", "configuration.ram_bytes", "record_created_at"):
        assert [as_api_text(r[column]) for r in rows] == [e[column] for e in expected], column
    first = rows[0]
    assert isinstance(first["configuration.ram_bytes"], int)
    assert isinstance(first["record_created_at"], datetime)
    assert isinstance(first["serial_number"], str)
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{total + 1}"
    formulas = [c for c in sheet["B"][1:] if str(c.value).startswith(("=", "-", "+", "@"))]
    assert formulas  # the sandbox names some assets "=cmd|' /C calc'!A0" and "-old-nas"
    assert all(c.data_type == "s" and c.quotePrefix for c in formulas)
    assert sandbox.api_key.encode() not in out.read_bytes()


def test_format_xlsx_with_another_extension_writes_a_workbook(
    with_key: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hardware.data"
    status, stderr = export_to(capsys, with_key, out, "--format", "xlsx", "--filter", "type=SERVER")
    assert status == 0, stderr
    assert zipfile.is_zipfile(out)
    assert len(workbook_rows(out)) == api_total(with_key, HARDWARE, {"filter[type]": "eq:SERVER"})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--format", "csv"), "--format csv writes a CSV file, but --out x.xlsx names an Excel"),
        (("--delimiter", ";"), "--bom and --delimiter shape a CSV file"),
        (("--bom",), "--bom and --delimiter shape a CSV file"),
    ],
)
def test_csv_settings_for_a_workbook_are_usage_errors(
    extra: tuple[str, ...],
    message: str,
    with_key: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, stderr = export_to(capsys, with_key, tmp_path / "x.xlsx", *extra)
    assert status == EXIT_USAGE
    assert message in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_more_records_than_a_worksheet_holds_exit_2_pointing_to_csv(
    with_key: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1_000)
    total = api_total(with_key, HARDWARE)
    assert total > 1_000
    status, stderr = export_to(capsys, with_key, tmp_path / "big.xlsx")
    assert status == EXIT_USAGE
    last = stderr.strip().splitlines()[-1]
    assert f"{total:,} records match" in last
    assert "1,000 rows, the header included" in last
    assert "Export to CSV instead (a .csv file, or --format csv)" in last
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("big")]


def test_a_workbook_passing_the_limit_without_a_count_exits_2_without_a_resume_hint(
    tmp_path: Path,
) -> None:
    cause = TooManyRows(xlsx.MAX_ROWS, xlsx.MAX_ROWS, announced=False)
    stopped = ExportIncomplete(
        cause,
        partial_path=tmp_path / "x.xlsx.partial",
        state_path=tmp_path / "x.xlsx.partial.json",
        rows_written=1_048_500,
    )
    assert exit_status(stopped) == EXIT_USAGE
    message = stopped.explain(RESUME_HINT)
    assert "the API did not say how many match. Export to CSV instead" in message
    assert message.endswith("The rows so far are kept in x.xlsx.partial.")
    assert "--resume" not in message


def test_stopping_an_xlsx_export_halfway_then_resuming_gives_each_row_once(
    slow_sandbox: Any,  # noqa: F811
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    clean = tmp_path / "clean.xlsx"
    status, stderr = run_cli_process(slow_sandbox, clean, cli_env)
    assert status == 0, stderr
    out = tmp_path / "stopped.xlsx"
    with pages_held_after(slow_sandbox, pages=6):  # 20 rows a page: 100 rows, then one more
        process = subprocess.Popen(**cli_command(slow_sandbox, out, cli_env), text=True)
        with process:
            try:
                wait_for_rows(out, 100, process)
                process.send_signal(signal.SIGINT)
                _, stderr = process.communicate(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
    assert process.returncode == EXIT_INTERRUPTED, stderr
    last = stderr.strip().splitlines()[-1]
    assert "stopped.xlsx.partial (as JSON lines; the workbook is built from them" in last
    assert "--resume" in last
    assert not out.exists()
    status, stderr = run_cli_process(slow_sandbox, out, cli_env, "--resume")
    assert status == 0, stderr
    assert "resumed after row" in stderr.strip().splitlines()[-1]
    rows = workbook_rows(out)
    assert rows == workbook_rows(clean)
    assert len({r["id"] for r in rows}) == len(rows) == api_total(slow_sandbox, HARDWARE)


# ---------------------------------------------------------------- LibreOffice


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Comma, double quote, UTF-8 (76), from line 1, then (token 9) cells written as shown.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"


@pytest.mark.skipif(
    SOFFICE is None, reason="needs LibreOffice (apt install libreoffice-calc-nogui)"
)
def test_libreoffice_opens_the_workbook_with_ids_intact(
    with_key: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hardware.xlsx"
    status, stderr = export_to(capsys, with_key, out)
    assert status == 0, stderr
    status, stderr = export_to(capsys, with_key, tmp_path / "expected.csv", "--no-formula-guard")
    assert status == 0, stderr
    converted = tmp_path / "converted"
    env = {**os.environ, "HOME": str(tmp_path / "office-home")}  # a profile of its own
    assert SOFFICE is not None
    argv = [SOFFICE, "--headless", "--norestore", "--convert-to", CSV_FILTER, "--outdir"]
    done = subprocess.run(
        [*argv, str(converted), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    with open(converted / "hardware.csv", encoding="utf-8", newline="") as handle:
        office = list(csv.DictReader(handle))
    expected = read_csv(tmp_path / "expected.csv")
    assert len(office) == len(expected)
    for column in ("id", "client.id", "serial_number", "name", "manufacturer.name"):
        assert [r[column] for r in office] == [e[column] for e in expected], column
    assert [r["configuration.ram_bytes"] for r in office] == [
        e["configuration.ram_bytes"] for e in expected
    ]
    # Dates are dates, shown in UTC and saying so.
    first = expected[0]["record_created_at"]
    assert office[0]["record_created_at"] == first.replace("T", " ").replace("Z", " UTC")
