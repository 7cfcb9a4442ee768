"""Excel workbooks (.xlsx) built from the rows an export spooled, streamed with XlsxWriter.

Why a spool: a workbook is a zip file, which cannot be appended to, so an Excel export gathers its
rows in `<out>.partial` as JSON lines (one array of cell values per row, each value as the API sent
it), under the same state, resume, lock and rename rules as a CSV export. Once every row is in, the
workbook is built from the spool in one pass in XlsxWriter's constant-memory mode (one row in
memory at a time), in a private folder beside the output, and renamed into place.

Cells:
- JSON numbers are numbers; an integer of more than 15 digits (Excel keeps 15) is written as text
  so that it stays exact. Booleans are booleans. A null is an empty cell.
- Text stays text: it is written as a string, which Excel never reinterprets, so `007`, 16-digit
  ids, `1E10`-like part numbers, `+44 20 7946 0958` and `1,234` keep their spelling.
- ISO 8601 dates and date-times become Excel dates. A date-time with an offset (`Z`, `+02:00`) is
  shown in UTC and its number format says "UTC" (CSV writes the same instant as the API spelt
  it); one without an offset is shown as it is. Where the catalog documents a column, its type
  decides: a date or date-time column converts, any other documented column stays as sent (a
  string column that looks like a date stays text). An undocumented column converts text that is
  exactly an ISO date or date-time.
- Formula guard: text starting with = + - @, a tab or a carriage return gets Excel's quote
  prefix, the cell style Excel itself gives text typed after a ', so it stays text even when the
  cell is edited; the value is unchanged.
- Text longer than a cell holds (32,767 characters) is cut, ending with a note of its full length.
Layout: a bold header row, frozen, with filters over every row; column widths from the header and
the first rows.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from explorer.core import safefiles
from explorer.core.catalog import FieldType
from explorer.core.errors import ExportError
from explorer.core.flatten import cell_text

MAX_ROWS = 1_048_576  # rows of one worksheet, the header included
MAX_COLUMNS = 16_384  # columns of one worksheet
MAX_CELL_CHARS = 32_767  # characters (UTF-16 units) of one cell
EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number
WIDTH_SAMPLE_ROWS = 100  # rows the column widths are measured on
MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths, in characters
DATE_TYPES = (FieldType.DATE, FieldType.DATETIME)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_UTC_FORMAT = 'yyyy-mm-dd hh:mm:ss "UTC"'


def max_data_rows(header: bool) -> int:
    """How many records fit on one worksheet below the header (read at call time, so a test can
    lower MAX_ROWS)."""
    return MAX_ROWS - (1 if header else 0)


# ---------------------------------------------------------------- the spool


def spool_lines(rows: Sequence[Sequence[Any]]) -> str:
    """Rows as JSON lines, each value as the API sent it (str, int, float, bool)."""
    return "".join(
        json.dumps(list(row), ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows
    )


def spooled_rows(handle: IO[bytes], path: Path) -> Iterator[list[Any]]:
    """The rows of a spool, one list of values per line (a narrower row is from before a column
    first appeared). A damaged line is an ExportError naming the file."""
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, list):
            raise ExportError(
                f"{path} is damaged at line {number:,}",
                explanation=f"The rows kept in {path.name} are damaged (line {number:,}), so no "
                "workbook can be built from them; delete it and its .json file and export again.",
            )
        yield row


# ---------------------------------------------------------------- cells


def iso_datetime(text: str) -> tuple[datetime | date, bool] | None:
    """(value, in UTC) for text that is exactly an ISO 8601 date or date-time Excel can show, else
    None. A date-time with an offset is converted to UTC (naive, as Excel has no time zones)."""
    if len(text) == 10 and _ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return (day, False) if day.year >= 1900 else None
    match = _ISO_DATETIME.fullmatch(text)
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    aware = match.group("zone") is not None
    if aware:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    return (moment, aware) if moment.year >= 1900 else None


def excel_text(text: str) -> tuple[str, bool]:
    """(text that fits a cell, whether it was cut): over 32,767 characters it is cut, ending with
    a note of its full length."""
    if len(text) <= MAX_CELL_CHARS // 2 or _utf16_len(text) <= MAX_CELL_CHARS:
        return text, False
    full = len(text)
    note = f" … [cut: {full:,} characters in full; a CSV export keeps them all]"
    keep = MAX_CELL_CHARS - len(note)
    # Excel counts UTF-16 units (a character outside the BMP is two); a pair cut in half goes.
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * keep]
    return units.decode("utf-16-le", "ignore") + note, True


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _display_width(value: Any, dates: bool) -> int:
    """About how many characters a value takes in its cell."""
    if isinstance(value, str):
        if dates and (parsed := iso_datetime(value)) is not None:
            moment, utc = parsed
            return 10 if not isinstance(moment, datetime) else (23 if utc else 19)
        return max((len(line) for line in value[:500].splitlines()), default=0)
    if isinstance(value, bool):
        return 5
    return len(cell_text(value))


# ---------------------------------------------------------------- the workbook


class WorkbookBuilder:
    """One worksheet built from a spool, row by row; every method blocks (run it in a worker).

    `column_types` holds the catalog's type of each documented column; `guarded` the prefixes of
    text that gets the quote prefix (empty: the formula guard is off).
    """

    def __init__(
        self,
        spool: Path,
        target: Path,
        columns: Sequence[str],
        column_types: Mapping[str, FieldType],
        *,
        header: bool,
        guarded: tuple[str, ...],
    ) -> None:
        self.target = target
        self.columns = list(columns)
        self.header = header
        self.guarded = guarded
        self.rows = 0  # records written to the worksheet
        self.cells_cut = 0
        # Per column: convert ISO text to dates (documented as a date, or not documented at all).
        self._dates = [
            column_types.get(c) in DATE_TYPES or c not in column_types for c in self.columns
        ]
        # Private (0700), beside the target so that the final rename is atomic; XlsxWriter's
        # temporary files go there too rather than to a shared /tmp.
        self._folder = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".build", dir=target.parent)
        )
        self._built = self._folder / target.name
        try:
            self._spool = open(spool, "rb")  # noqa: SIM115 - closed by close() or discard()
            self._file = os.fdopen(safefiles.create_private(self._built), "w+b")
            self._start(spool)
        except BaseException:
            self.discard()
            raise

    def _start(self, spool: Path) -> None:
        self._pending = spooled_rows(self._spool, spool)
        self._book = xlsxwriter.Workbook(
            self._file,
            {"constant_memory": True, "tmpdir": str(self._folder), "use_zip64": True},
        )
        try:
            self._sheet = self._book.add_worksheet(_sheet_name(self.target))
        except xlsxwriter.exceptions.InvalidWorksheetName:  # a name Excel reserves ("History")
            self._sheet = self._book.add_worksheet("Export")
        self._formats = {
            "bold": self._book.add_format({"bold": True}),
            "bold_guarded": self._book.add_format({"bold": True, "quote_prefix": True}),
            "guarded": self._book.add_format({"quote_prefix": True}),
            "date": self._book.add_format({"num_format": _DATE_FORMAT}),
            "datetime": self._book.add_format({"num_format": _DATETIME_FORMAT}),
            "utc": self._book.add_format({"num_format": _UTC_FORMAT}),
        }
        sample = list(itertools.islice(self._pending, WIDTH_SAMPLE_ROWS))
        self._set_widths(sample)
        self._pending = itertools.chain(sample, self._pending)
        if self.header:
            for col, name in enumerate(self.columns):
                style = "bold_guarded" if name.startswith(self.guarded) else "bold"
                self._sheet.write_string(0, col, excel_text(name)[0], self._formats[style])
            self._sheet.freeze_panes(1, 0)

    def _set_widths(self, sample: Sequence[Sequence[Any]]) -> None:
        for col, name in enumerate(self.columns):
            widest = len(name) + 3  # room for the filter button
            for row in sample:
                if col < len(row):
                    widest = max(widest, _display_width(row[col], self._dates[col]))
            self._sheet.set_column(col, col, max(MIN_WIDTH, min(widest + 1, MAX_WIDTH)))

    def add_rows(self, limit: int) -> bool:
        """Write up to `limit` more rows of the spool; False once it is used up."""
        written = 0
        while written < limit:
            row = next(self._pending, None)
            if row is None:
                return False
            self._write_row(row)
            written += 1
        return True

    def _write_row(self, row: Sequence[Any]) -> None:
        line = self.rows + (1 if self.header else 0)
        sheet = self._sheet
        dates = self._dates
        for col, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                if dates[col] and value[:1].isdigit() and (parsed := iso_datetime(value)):
                    moment, utc = parsed
                    if isinstance(moment, datetime):
                        style = "utc" if utc else "datetime"
                    else:
                        style = "date"
                    sheet.write_datetime(line, col, moment, self._formats[style])
                    continue
                self._write_text(line, col, value)
            elif kind is bool:
                sheet.write_boolean(line, col, value)
            elif kind is int:
                if len(str(abs(value))) <= EXACT_DIGITS:
                    sheet.write_number(line, col, value)
                else:
                    self._write_text(line, col, str(value))
            elif kind is float and math.isfinite(value):
                sheet.write_number(line, col, value)
            elif value is not None:
                self._write_text(line, col, cell_text(value))
        self.rows += 1

    def _write_text(self, line: int, col: int, text: str) -> None:
        text, cut = excel_text(text)
        self.cells_cut += cut
        if text.startswith(self.guarded):
            self._sheet.write_string(line, col, text, self._formats["guarded"])
        else:
            self._sheet.write_string(line, col, text)

    def close(self) -> Path:
        """Finish the workbook (filters over every row); returns the built file, beside the
        target, for the caller to rename into place."""
        if self.header and self.columns:
            self._sheet.autofilter(0, 0, self.rows, len(self.columns) - 1)
        self._spool.close()
        try:
            self._book.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # wraps the OSError
            cause = exc.args[0] if exc.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(exc)) from exc
        self._file.close()
        return self._built

    def discard(self) -> None:
        """Remove the build folder (and a workbook not renamed into place); safe to repeat."""
        # XlsxWriter has no way to abandon a workbook: close the worksheet's row file too.
        rows_file = getattr(getattr(self, "_sheet", None), "row_data_fh", None)
        for handle in (getattr(self, "_spool", None), getattr(self, "_file", None), rows_file):
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def _sheet_name(target: Path) -> str:
    """The file's name as the sheet's (31 characters at most, none of []:*?/\\)."""
    name = re.sub(r"[\[\]:*?/\\]", "_", target.stem).strip("'") or "Export"
    return name[:31]
