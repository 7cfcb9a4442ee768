"""Export from a results tab to an Excel workbook: the format and the file extension follow each
other, the rows come out typed, too many rows are refused in the dialog, and a cancelled export
resumes (its workbook built once every row is in)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import openpyxl

from explorer.core import xlsx
from explorer.core.export import ExportFormat
from explorer.core.query import Query
from explorer.ui.results.export_dialog import ExportScope, suggested_file_name
from tests.ui.results.test_export_dialog import (
    HARDWARE,
    _type_path,
    loaded,
    start_big_export,
    two_pages,
)

COLUMNS = ["id", "name", "configuration.ram_bytes", "record_created_at"]


def workbook_rows(path):
    book = openpyxl.load_workbook(path)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    return rows


def test_format_and_extension_follow_each_other(qtbot, make_tab, app_context, run, until, tmp_path):
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=5))
    run(until(loaded(tab, 5)))
    dialog = tab.open_export_dialog(ExportScope.LOADED)
    dialog.path_edit.setText(str(tmp_path / "hardware.csv"))
    assert dialog.export_format() is ExportFormat.CSV
    assert dialog.windowTitle() == "Export to CSV"
    dialog.set_format(ExportFormat.XLSX)
    assert dialog.path_edit.text() == str(tmp_path / "hardware.xlsx")
    assert dialog.windowTitle() == "Export to Excel"
    assert not dialog.delimiter_combo.isEnabled()
    assert not dialog.bom_check.isEnabled()
    assert dialog.header_check.isEnabled()
    assert dialog.formula_check.isEnabled()
    hint = dialog.target_label.text()
    assert hint.startswith(f"Writes hardware.xlsx in {tmp_path} once every row is in")
    assert "hardware.xlsx.partial, kept for Resume" in hint
    _type_path(qtbot, dialog, str(tmp_path / "typed.csv"))  # typing .csv picks CSV again
    assert dialog.export_format() is ExportFormat.CSV
    assert dialog.delimiter_combo.isEnabled()
    _type_path(qtbot, dialog, str(tmp_path / "named"))  # no extension: the format's is added
    dialog.set_format(ExportFormat.XLSX)
    assert dialog.target() == tmp_path / "named.xlsx"
    dialog.reject()


def test_loaded_rows_to_a_workbook_and_the_format_offered_next_time(
    make_tab, app_context, run, until, tmp_path
):
    tab = two_pages(make_tab, app_context, run, until)
    tab.apply_columns(COLUMNS)
    dialog = tab.open_export_dialog(ExportScope.LOADED)
    dialog.set_format(ExportFormat.XLSX)
    dialog.path_edit.setText(str(tmp_path / "loaded.xlsx"))
    dialog.export_button.click()
    progress = tab._exports[-1]
    run(progress.task, timeout=60)
    assert "Done: 100 rows written to loaded.xlsx" in progress.rows_label.text()
    rows = workbook_rows(tmp_path / "loaded.xlsx")
    assert list(rows[0]) == COLUMNS
    records = [tab.model.record(r) for r in range(100)]
    assert [r[0] for r in rows[1:]] == [rec["id"] for rec in records]
    computers = [(row, rec) for row, rec in zip(rows[1:], records, strict=True) if row[2]]
    assert computers
    assert all(row[2] == rec["configuration"]["ram_bytes"] for row, rec in computers)
    assert all(isinstance(row[3], datetime) for row in rows[1:])
    again = tab.open_export_dialog()
    assert again.export_format() is ExportFormat.XLSX  # the last choice is offered again
    assert again.path_edit.text().endswith(suggested_file_name(tab._endpoint, ExportFormat.XLSX))
    again.reject()


def test_more_rows_than_a_worksheet_holds_are_refused_in_the_dialog(
    make_tab, app_context, run, until, tmp_path, monkeypatch
):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 40)
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=50))
    run(until(loaded(tab, 50)))
    dialog = tab.open_export_dialog(ExportScope.LOADED)
    dialog.path_edit.setText(str(tmp_path / "big.xlsx"))
    assert not dialog.export_button.isEnabled()
    text = dialog.target_label.text()
    assert text.startswith("50 records match, and an Excel worksheet holds 40 rows")
    assert "Export to CSV instead" in text
    dialog.set_format(ExportFormat.CSV)
    assert dialog.export_button.isEnabled()
    dialog.reject()


def test_cancel_keeps_the_rows_and_resume_builds_the_workbook(
    make_tab, app_context, run, until, tmp_path
):
    out = tmp_path / "big.xlsx"
    _tab, progress, _ = start_big_export(make_tab, app_context, run, until, out)

    async def cancel_midway():
        await until(lambda: progress.bar.value() >= 100)
        progress.cancel_button.click()
        await asyncio.gather(progress.task, return_exceptions=True)

    run(cancel_midway(), timeout=60)
    assert not out.exists()
    assert "big.xlsx.partial" in progress.outcome_label.text()
    assert progress.resume_button.isVisibleTo(progress)
    progress.resume_button.click()
    run(progress.task, timeout=120)
    assert "Done: 3,000 rows written to big.xlsx" in progress.rows_label.text()
    rows = workbook_rows(out)
    assert rows[0] == ("id", "name")
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids)) == 3000
    assert not (tmp_path / "big.xlsx.partial").exists()
