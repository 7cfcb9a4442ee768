"""CSV export: cell correctness, options, column policy, atomic rename, failure and resume."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from explorer.core.catalog import Endpoint, FieldType, PaginationKind, SchemaField
from explorer.core.export import (
    BOM,
    CsvOptions,
    ExportError,
    ExportProgress,
    ExportResult,
    export_csv,
    neutralise,
    partial_path_for,
    read_state,
    state_path_for,
)

LIST = Endpoint(
    "GET",
    "/core/v1/things",
    pagination=PaginationKind.CURSOR,
    record_fields=(SchemaField("id", FieldType.INTEGER), SchemaField("name")),
)


def read_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def export_records(
    tmp_path: Path, records: list[dict[str, Any]], name: str = "out.csv", **kwargs: Any
) -> tuple[Path, ExportResult]:
    out = tmp_path / name
    result = asyncio.run(export_csv(None, LIST, None, out, records=records, **kwargs))
    return out, result


AWKWARD = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "line\nbreak",
    "windows\r\nbreak",
    "semi;colon",
    "tab\tinside",
    "ünïcødé 漢字 🚀",
    "  leading and trailing  ",
    "",
    "'already quoted",
]


def test_awkward_values_read_back_through_the_csv_module(tmp_path: Path) -> None:
    records = [{"id": i, "name": text} for i, text in enumerate(AWKWARD)]
    out, result = export_records(tmp_path, records)
    rows = read_rows(out)
    assert rows[0] == ["id", "name"]
    assert rows[1:] == [[str(i), text] for i, text in enumerate(AWKWARD)]
    assert result.rows_written == len(AWKWARD)
    assert result.columns == ("id", "name")


def test_values_keep_their_json_spelling(tmp_path: Path) -> None:
    records = [
        {
            "id": 1,
            "name": None,
            "ok": True,
            "ratio": 0.25,
            "big": 12345678901234567890,
            "neg": -5,
            "tags": ["x", "ÿ"],
            "client": {"id": 7, "name": "Acme"},
        },
    ]
    out, _ = export_records(tmp_path, records)
    header, row = read_rows(out)
    assert dict(zip(header, row, strict=True)) == {
        "id": "1",
        "name": "",
        "ok": "true",
        "ratio": "0.25",
        "big": "12345678901234567890",
        "neg": "-5",
        "tags": '["x","ÿ"]',
        "client.id": "7",
        "client.name": "Acme",
    }


FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x")']


def test_formula_cells_get_a_leading_quote_but_numbers_do_not(tmp_path: Path) -> None:
    records = [{"id": -1, "name": text} for text in FORMULAS]
    out, _ = export_records(tmp_path, records)
    rows = read_rows(out)[1:]
    assert [r[1] for r in rows] == ["'" + text for text in FORMULAS]
    assert {r[0] for r in rows} == {"-1"}


def test_formula_guard_can_be_turned_off(tmp_path: Path) -> None:
    records = [{"id": 1, "name": text} for text in FORMULAS]
    out, _ = export_records(tmp_path, records, options=CsvOptions(neutralise_formulas=False))
    assert [r[1] for r in read_rows(out)[1:]] == FORMULAS


def test_neutralise_leaves_safe_text_alone() -> None:
    assert neutralise("a=b") == "a=b"
    assert neutralise("") == ""
    assert neutralise("-") == "'-"


def test_bom_only_when_asked(tmp_path: Path) -> None:
    with_bom, _ = export_records(tmp_path, [{"id": 1}], "bom.csv", options=CsvOptions(bom=True))
    without, _ = export_records(tmp_path, [{"id": 1}], "plain.csv")
    assert with_bom.read_bytes().startswith(BOM)
    assert not without.read_bytes().startswith(BOM)
    assert read_rows(with_bom) == read_rows(without) == [["id", "name"], ["1", ""]]


def test_other_delimiters_quote_cells_holding_them(tmp_path: Path) -> None:
    records = [{"id": 1, "name": "a;b"}, {"id": 2, "name": "c\td"}, {"id": 3, "name": "e,f"}]
    for delimiter in (";", "\t"):
        out, _ = export_records(
            tmp_path, records, f"d{ord(delimiter)}.csv", options=CsvOptions(delimiter=delimiter)
        )
        text = out.read_text(encoding="utf-8")
        assert text.splitlines()[0] == f"id{delimiter}name"
        assert read_rows(out, delimiter)[1:] == [["1", "a;b"], ["2", "c\td"], ["3", "e,f"]]
    assert '"a;b"' in (tmp_path / "d59.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("delimiter", ["", ";;", '"', "\n"])
def test_unusable_delimiters_are_refused_with_advice(delimiter: str) -> None:
    with pytest.raises(ExportError) as caught:
        CsvOptions(delimiter=delimiter)
    assert "single character" in caught.value.explanation


def test_header_row_can_be_left_out(tmp_path: Path) -> None:
    out, _ = export_records(tmp_path, [{"id": 1, "name": "a"}], options=CsvOptions(header=False))
    assert read_rows(out) == [["1", "a"]]


def test_lines_end_with_crlf_and_the_file_is_utf8(tmp_path: Path) -> None:
    out, _ = export_records(tmp_path, [{"id": 1, "name": "é"}])
    assert out.read_bytes() == "id,name\r\n1,é\r\n".encode()


def test_explicit_columns_choose_and_order_the_cells(tmp_path: Path) -> None:
    records = [{"id": 1, "name": "a", "client": {"name": "Acme"}, "other": 9}]
    out, result = export_records(tmp_path, records, columns=["client.name", "missing", "id"])
    assert read_rows(out) == [["client.name", "missing", "id"], ["Acme", "", "1"]]
    assert result.columns == ("client.name", "missing", "id")


def test_no_records_still_gives_the_documented_header(tmp_path: Path) -> None:
    out, result = export_records(tmp_path, [])
    assert read_rows(out) == [["id", "name"]]
    assert result.rows_written == 0


def test_a_finished_export_leaves_no_partial_or_state_file(tmp_path: Path) -> None:
    out, _ = export_records(tmp_path, [{"id": 1}])
    assert out.exists()
    assert not partial_path_for(out).exists()
    assert not state_path_for(out).exists()
    assert read_state(out) is None


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[ExportProgress] = []
    export_records(tmp_path, [{"id": 1}, {"id": 2}], progress=seen.append)
    assert [p.rows_written for p in seen] == [2]
    assert seen[0].total_count == 2


def test_summary_reports_a_difference_from_total_count() -> None:
    result = ExportResult(
        path=Path("x.csv"),
        rows_written=98,
        total_count=100,
        pages=1,
        requests=2,
        retries=0,
        elapsed_s=1.25,
        waited_s=0.5,
        rate_limited=1,
        columns=("id",),
    )
    assert result.shortfall == 2
    text = result.summary()
    assert text.startswith("98 rows written, total_count 100, 2 requests, 1.2 s, waited 0.5 s")
    assert "1 × 429" in text
    assert "2 fewer rows than total_count" in text


def test_state_file_round_trips() -> None:
    from explorer.core.export import ExportState

    state = ExportState(
        endpoint="GET /x",
        path="/x",
        params=[("filter[a]", "eq:1")],
        page_size=10,
        base_url="http://h",
        options=CsvOptions().to_dict(),
        columns=["a"],
        columns_fixed=False,
        header_columns=1,
        rows_written=5,
        pages=1,
        bytes=42,
        resume={"cursor": "c"},
    )
    again = ExportState.from_json(state.to_json())
    assert again == state
    assert json.loads(state.to_json())["params"] == [["filter[a]", "eq:1"]]
    with pytest.raises(ValueError):
        ExportState.from_json(json.dumps({"version": 99}))


def test_csv_text_is_parseable_by_csv_sniffing_readers(tmp_path: Path) -> None:
    out, _ = export_records(tmp_path, [{"id": 1, "name": 'x"y\nz'}])
    reader = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert list(reader) == [{"id": "1", "name": 'x"y\nz'}]
