"""Excel export: typed cells read back with openpyxl, the header and filters, the formula guard,
long text, the worksheet's row limit, and resume after a failure or a cancel (exactly once)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from explorer.core import xlsx
from explorer.core.catalog import Endpoint, FieldType, PaginationKind, SchemaField
from explorer.core.errors import ExportError, Forbidden, TooManyRows
from explorer.core.export import (
    ExportCancelled,
    ExportFormat,
    ExportIncomplete,
    ExportProgress,
    ExportResult,
    ResumeMismatch,
    XlsxOptions,
    export_records,
    partial_path_for,
    read_state,
    state_path_for,
)
from explorer.core.exportjob import ExportJob
from tests.core.test_export import FORMULAS, FakeApi, run_export

TYPED = Endpoint(
    "GET",
    "/core/v1/things",
    pagination=PaginationKind.CURSOR,
    record_fields=(
        SchemaField("id", FieldType.STRING),
        SchemaField("count", FieldType.INTEGER),
        SchemaField("updated_at", FieldType.DATETIME),
        SchemaField("label", FieldType.STRING),
    ),
)


def write_records(
    tmp_path: Path,
    records: list[dict[str, Any]],
    name: str = "out.xlsx",
    endpoint: Endpoint = TYPED,
    **options: Any,
) -> tuple[Path, ExportResult]:
    out = tmp_path / name
    result = asyncio.run(export_records(records, endpoint, out, options=XlsxOptions(**options)))
    return out, result


def sheet_of(path: Path) -> Any:
    return openpyxl.load_workbook(path).active


def decoded(value: Any) -> Any:
    """Text with ECMA-376's `_xHHHH_` escapes decoded, as Excel and LibreOffice read it
    (openpyxl leaves inline strings escaped)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def rows_of(path: Path) -> list[dict[str, Any]]:
    """Every data row as {header: value}, text decoded as a spreadsheet reads it."""
    rows = list(sheet_of(path).iter_rows(values_only=True))
    header = rows[0]
    return [{h: decoded(v) for h, v in zip(header, row, strict=True)} for row in rows[1:]]


def cells_by_header(path: Path, row: int = 2) -> dict[str, Any]:
    sheet = sheet_of(path)
    header = [c.value for c in sheet[1]]
    return dict(zip(header, sheet[row], strict=True))


def no_build_leftovers(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".build")]


# ---------------------------------------------------------------- cells


def test_numbers_booleans_and_dates_are_typed_and_lookalike_text_stays_text(
    tmp_path: Path,
) -> None:
    record = {
        "id": "007",
        "count": 42,
        "updated_at": "2024-05-01T12:30:00+02:00",
        "label": "2024-01-01",  # documented as a string: stays text
        "ratio": 0.25,
        "negative": -5,
        "ok": True,
        "off": False,
        "exact": 123456789012345,  # 15 digits: a number
        "long_id": 1234567890123456789,  # 19 digits: text, so no digit is lost
        "id_text": "12345678901234567",
        "part": "1E10",
        "phone": "+44 20 7946 0958",
        "thousands": "1,234",
        "zip": "02134",
        "day": "2024-02-29",
        "utc": "2025-05-23T13:36:05Z",
        "local": "2025-05-23T13:36:05",
        "not_a_date": "20240101",
        "too_early": "1899-12-31",
        "nothing": None,
        "client": {"id": 7, "name": "Acme"},
        "tags": ["x", "y"],
    }
    out, result = write_records(tmp_path, [record])
    assert result.rows_written == 1
    cells = cells_by_header(out)
    kinds = {name: (cell.value, cell.data_type) for name, cell in cells.items()}
    assert kinds["id"] == ("007", "s")
    assert kinds["count"] == (42, "n")
    assert kinds["ratio"] == (0.25, "n")
    assert kinds["negative"] == (-5, "n")
    assert kinds["ok"] == (True, "b")
    assert kinds["off"] == (False, "b")
    assert kinds["exact"] == (123456789012345, "n")
    assert kinds["long_id"] == ("1234567890123456789", "s")
    for name in ("id_text", "part", "phone", "thousands", "zip", "not_a_date", "too_early"):
        assert kinds[name] == (record[name], "s"), name
    assert kinds["label"] == ("2024-01-01", "s")
    assert kinds["client.id"] == (7, "n")
    assert kinds["tags"] == ('["x","y"]', "s")
    assert cells["nothing"].value is None
    # Dates: real Excel dates; an instant with an offset shown in UTC, its format saying so.
    assert cells["updated_at"].value == datetime(2024, 5, 1, 10, 30)
    assert cells["updated_at"].number_format == 'yyyy-mm-dd hh:mm:ss "UTC"'
    assert cells["utc"].value == datetime(2025, 5, 23, 13, 36, 5)
    assert "UTC" in cells["utc"].number_format
    assert cells["local"].value == datetime(2025, 5, 23, 13, 36, 5)
    assert cells["local"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert cells["day"].value == datetime(2024, 2, 29)
    assert cells["day"].number_format == "yyyy-mm-dd"
    assert cells["day"].is_date


def test_a_documented_date_column_converts_and_keeps_what_is_not_a_date(tmp_path: Path) -> None:
    records = [
        {"id": "a", "updated_at": "2024-05-01T00:00:00Z"},
        {"id": "b", "updated_at": "soon"},
        {"id": "c", "updated_at": ""},
    ]
    out, _ = write_records(tmp_path, records)
    values = [row["updated_at"] for row in rows_of(out)]
    assert values == [datetime(2024, 5, 1), "soon", None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", (date(2024, 5, 1), False)),
        ("2024-05-01T12:00:00.123456789Z", (datetime(2024, 5, 1, 12, 0, 0, 123456), True)),
        ("2024-05-01T12:00:00-0130", (datetime(2024, 5, 1, 13, 30), True)),
        ("2024-05-01 08:15", (datetime(2024, 5, 1, 8, 15), False)),
        ("20240501", None),
        ("2024-13-01", None),
        ("2024-05-01T25:00:00Z", None),
        ("9999-12-31T23:00:00-05:00", None),  # past the last date Excel has
        ("1899-12-31T00:00:00Z", None),  # before the first
        (" 2024-05-01", None),
    ],
)
def test_iso_dates_excel_can_show(text: str, expected: Any) -> None:
    assert xlsx.iso_datetime(text) == expected


def test_awkward_text_reads_back_as_written(tmp_path: Path) -> None:
    texts = [
        "comma, inside",
        'a "quoted" word',
        "line\nbreak",
        "ünïcødé 漢字 🚀",
        "  leading and trailing  ",
        "<b>&amp;</b>",
        "bell\x07 and _x0041_ that only looks escaped",
    ]
    out, _ = write_records(tmp_path, [{"id": str(i), "label": t} for i, t in enumerate(texts)])
    assert [row["label"] for row in rows_of(out)] == texts


def test_control_characters_are_escaped_as_the_file_format_defines(tmp_path: Path) -> None:
    # XML cannot hold U+0007; ECMA-376 writes it _x0007_, and a literal "_x0041_" as
    # _x005F_x0041_ so that it is not read as an escape (Excel and LibreOffice decode both).
    out, _ = write_records(tmp_path, [{"id": "1", "label": "bell\x07 _x0041_"}])
    assert "<t>bell_x0007_ _x005F_x0041_</t>" in worksheet_xml(out)


def test_a_lone_surrogate_does_not_break_the_file(tmp_path: Path) -> None:
    out, _ = write_records(tmp_path, [{"id": "1", "label": "bad \ud800 half"}])
    assert rows_of(out)[0]["label"] == "bad ? half"


def test_text_longer_than_a_cell_is_cut_with_a_note(tmp_path: Path) -> None:
    records = [
        {"id": "1", "label": "x" * 40_000},
        {"id": "2", "label": "🚀" * 20_000},  # 40,000 UTF-16 units
        {"id": "3", "label": "y" * xlsx.MAX_CELL_CHARS},  # exactly full: kept whole
    ]
    out, result = write_records(tmp_path, records)
    labels = [row["label"] for row in rows_of(out)]
    note = " … [cut: {} characters in full; a CSV export keeps them all]"
    # Compared by parts, so that a failure does not make pytest diff 40,000 characters.
    first, second, third = labels
    assert len(first) == xlsx.MAX_CELL_CHARS
    assert first.endswith(note.format("40,000"))
    assert set(first[: -len(note.format("40,000"))]) == {"x"}
    assert len(second.encode("utf-16-le")) // 2 in (xlsx.MAX_CELL_CHARS - 1, xlsx.MAX_CELL_CHARS)
    assert second.endswith(note.format("20,000"))
    assert set(second[: -len(note.format("20,000"))]) == {"🚀"}
    assert (len(third), set(third)) == (xlsx.MAX_CELL_CHARS, {"y"})
    assert result.cells_cut == 2
    assert "2 cells longer than Excel's 32,767 characters cut" in result.summary()


# ---------------------------------------------------------------- layout and guard


def test_header_is_bold_frozen_with_filters_and_fitted_widths(tmp_path: Path) -> None:
    records = [
        {"id": f"{i:03d}", "count": i, "label": "a rather long label " * (i % 3)} for i in range(30)
    ]
    out, _ = write_records(tmp_path, records)
    sheet = sheet_of(out)
    assert sheet.title == "out"
    assert [c.value for c in sheet[1]] == ["id", "count", "updated_at", "label"]
    assert all(c.font.b for c in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D31"
    widths = {col: sheet.column_dimensions[col].width for col in "ABCD"}
    assert widths["D"] > widths["A"] >= len("id") + 3
    assert widths["D"] >= len("a rather long label " * 2)
    assert all(w <= xlsx.MAX_WIDTH + 1 for w in widths.values())


def test_without_a_header_there_is_nothing_to_freeze_or_filter(tmp_path: Path) -> None:
    out, _ = write_records(tmp_path, [{"id": "a"}, {"id": "b"}], header=False)
    sheet = sheet_of(out)
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == ["a", "b"]
    assert sheet.freeze_panes is None
    assert sheet.auto_filter.ref is None


def worksheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_formula_guard_keeps_formula_text_as_quoted_text(tmp_path: Path) -> None:
    records = [{"id": str(i), "label": text} for i, text in enumerate(FORMULAS)]
    records.append({"id": "n", "label": "plain", "count": -5})
    out, _ = write_records(tmp_path, records, endpoint=TYPED)
    sheet = sheet_of(out)
    labels = [sheet.cell(row=r, column=4) for r in range(2, len(FORMULAS) + 2)]
    assert [decoded(c.value) for c in labels] == FORMULAS  # the value itself is unchanged
    assert all(c.data_type == "s" and c.quotePrefix for c in labels)
    plain = sheet.cell(row=len(FORMULAS) + 2, column=4)
    assert (plain.value, plain.quotePrefix) == ("plain", False)
    assert sheet.cell(row=len(FORMULAS) + 2, column=2).value == -5  # numbers are left alone
    assert "<f>" not in worksheet_xml(out)  # no cell is a formula


def test_guarded_header_names_and_the_guard_turned_off(tmp_path: Path) -> None:
    out, _ = write_records(tmp_path, [{"=x": "=1+1", "id": "1"}], endpoint=Endpoint("GET", "/x"))
    first = sheet_of(out)
    assert (first["A1"].value, first["A1"].quotePrefix) == ("=x", True)
    off, _ = write_records(
        tmp_path, [{"=x": "=1+1"}], "off.xlsx", endpoint=Endpoint("GET", "/x"), **unguarded()
    )
    cell = sheet_of(off)["A2"]
    # Still a string cell that Excel shows and never runs, just without the prefix.
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", False)
    assert "<f>" not in worksheet_xml(off)


def unguarded() -> dict[str, Any]:
    return {"neutralise_formulas": False}


def test_the_workbook_is_private_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    out, _ = write_records(tmp_path, [{"id": "1"}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]
    if os.name == "posix":
        assert out.stat().st_mode & 0o777 == 0o600


def test_a_format_follows_the_file_extension() -> None:
    assert ExportFormat.for_path("a/b.XLSX") is ExportFormat.XLSX
    assert ExportFormat.for_path("b.csv") is ExportFormat.CSV
    assert ExportFormat.for_path("b.txt") is None


# ---------------------------------------------------------------- paged, resumable


def xlsx_export(api: FakeApi, out: Path, **kwargs: Any) -> ExportResult:
    kwargs.setdefault("options", XlsxOptions())
    return asyncio.run(run_export(api, out, **kwargs))


def ids_in(path: Path) -> list[str]:
    return [row["id"] for row in rows_of(path)]


def test_paged_export_builds_one_workbook_with_every_record_once(tmp_path: Path) -> None:
    out = tmp_path / "all.xlsx"
    seen: list[ExportProgress] = []
    result = xlsx_export(FakeApi(1050, late_from=700), out, progress=seen.append)
    assert ids_in(out) == [f"t{i:05d}" for i in range(1050)]
    assert result.rows_written == result.total_count == 1050
    assert result.columns[-1] == "late.field"
    rows = rows_of(out)
    assert rows[699]["late.field"] is None
    assert rows[700]["late.field"] == 700
    assert rows[1]["name"] == "=cmd() 1"
    building = [p.workbook_rows for p in seen if p.workbook_rows is not None]
    assert building[0] == 0
    assert building[-1] == 1050
    assert seen[-1].describe() == "building the workbook: 1,050 of 1,050 rows (100%)"
    assert not partial_path_for(out).exists()
    assert not state_path_for(out).exists()
    assert no_build_leftovers(tmp_path)


def test_failure_keeps_the_rows_and_resume_gives_each_row_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "resumed.xlsx"
    api = FakeApi(1050)
    api.fail_after_pages = 4
    with pytest.raises(ExportIncomplete) as caught:
        xlsx_export(api, out)
    assert isinstance(caught.value.cause, Forbidden)
    assert "resumed.xlsx.partial" in caught.value.explanation
    assert not out.exists()
    state = read_state(out)
    assert state is not None
    assert (state.rows_written, state.pages) == (400, 4)
    assert state.options["format"] == "xlsx"
    # A page half written when the process died: the resume drops it.
    with open(partial_path_for(out), "ab") as handle:
        handle.write(b'["t99999","half a ro')
    healthy = FakeApi(1050)
    result = xlsx_export(healthy, out, resume=True)
    assert healthy.requests[0].url.params["cursor"] == "400"
    assert result.resumed_at_row == 400
    assert ids_in(out) == [f"t{i:05d}" for i in range(1050)]
    assert no_build_leftovers(tmp_path)


def test_cancel_while_the_workbook_is_built_then_resume_builds_it_without_fetching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("explorer.core.export.WORKBOOK_SLICE", 100)
    out = tmp_path / "cancelled.xlsx"
    building: list[int] = []

    def progress(p: ExportProgress) -> None:
        if p.workbook_rows is not None:
            building.append(p.workbook_rows)

    with pytest.raises(ExportCancelled):
        xlsx_export(FakeApi(450), out, progress=progress, cancel=lambda: bool(building[1:]))
    assert building == [0, 100]  # stopped between two steps of the build
    assert not out.exists()
    assert partial_path_for(out).exists()
    state = read_state(out)
    assert state is not None
    assert state.complete
    assert state.rows_written == 450
    assert no_build_leftovers(tmp_path)
    again = FakeApi(450)
    result = xlsx_export(again, out, resume=True)
    assert again.requests == []  # every row was in already
    assert result.rows_written == 450
    assert ids_in(out) == [f"t{i:05d}" for i in range(450)]


def stopped_export(out: Path, count: int, pages: int) -> None:
    """An export of `count` records that fails after `pages` pages, its rows kept."""
    api = FakeApi(count)
    api.fail_after_pages = pages
    with pytest.raises(ExportIncomplete):
        xlsx_export(api, out)


def test_resume_with_other_options_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "mismatch.xlsx"
    stopped_export(out, 500, 2)
    with pytest.raises(ResumeMismatch, match="export options"):
        xlsx_export(FakeApi(500), out, resume=True, options=XlsxOptions(**unguarded()))


def test_a_damaged_spool_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "damaged.xlsx"
    stopped_export(out, 300, 2)
    spool = partial_path_for(out)
    spool.write_bytes(b"{not json" + spool.read_bytes()[9:])
    with pytest.raises(ExportIncomplete) as caught:
        xlsx_export(FakeApi(300), out, resume=True)
    assert isinstance(caught.value.cause, ExportError)
    assert "damaged (line 1)" in caught.value.cause.explanation
    assert not out.exists()
    assert no_build_leftovers(tmp_path)


# ---------------------------------------------------------------- the row limit


class CountlessApi(FakeApi):
    """The same list without total_count: the number of records is unknown until the end."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        answer = super().handler(request)
        body = json.loads(answer.content)
        body.pop("total_count", None)
        return httpx.Response(answer.status_code, json=body)


def test_more_records_than_a_worksheet_holds_are_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 251)  # a header and 250 rows
    out = tmp_path / "big.xlsx"
    api = FakeApi(251)
    with pytest.raises(TooManyRows) as caught:
        xlsx_export(api, out)
    assert len(api.requests) == 1  # the first page told the count; nothing more was fetched
    assert caught.value.explanation.startswith("251 records match, and an Excel worksheet holds")
    assert "251 rows, the header included" in caught.value.explanation
    assert "Export to CSV instead" in caught.value.explanation
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # Exactly as many as fit: fine.
    fits = tmp_path / "fits.xlsx"
    xlsx_export(FakeApi(250), fits)
    assert len(ids_in(fits)) == 250


def test_without_a_count_the_export_stops_at_the_limit_and_keeps_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 251)
    out = tmp_path / "countless.xlsx"
    with pytest.raises(ExportIncomplete) as caught:
        xlsx_export(CountlessApi(400), out)
    error = caught.value
    assert isinstance(error.cause, TooManyRows)
    assert "the API did not say how many match" in error.explanation
    assert "resume" not in error.explanation.lower()  # resuming would stop at the same page
    assert not out.exists()
    state = read_state(out)
    assert state is not None
    assert state.rows_written == 200
    assert len(partial_path_for(out).read_bytes().splitlines()) == 200


def test_given_records_over_the_limit_are_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 11)
    records = [{"id": str(i)} for i in range(11)]
    with pytest.raises(TooManyRows):
        write_records(tmp_path, records)
    assert list(tmp_path.iterdir()) == []
    out, _ = write_records(tmp_path, records, "no-header.xlsx", header=False)  # 11 rows fit
    assert sheet_of(out).max_row == 11


def test_an_export_job_writes_a_workbook_from_given_records(tmp_path: Path) -> None:
    out = tmp_path / "job.xlsx"
    job = ExportJob.for_records([{"id": "1"}, {"id": "2"}], TYPED, out, options=XlsxOptions())
    texts: list[tuple[str, str]] = []
    job.subscribe(lambda j: texts.append(j.progress_text()) if j.running and j.progress else None)
    result = asyncio.run(job.run())
    assert result.rows_written == 2
    assert ids_in(out) == ["1", "2"]
    assert ("Building the workbook: 2 of 2 rows (100%)", texts[-1][1]) == texts[-1]
