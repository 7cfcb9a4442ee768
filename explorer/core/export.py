"""Streaming export to CSV or an Excel workbook: every matching record, written page by page, safe
to interrupt and resume.

How a file comes to be:
- Rows go to `<out>.partial` as each page arrives (encoding and writing run in a worker thread, so
  the window's event loop never waits on the disk); nothing is held beyond the current page.
- After every complete page, `<out>.partial.json` records the byte length of the partial file, the
  paging resume point, the columns and the row count. An interrupted, failed or cancelled export
  leaves both files; `resume=True` truncates the partial file to the recorded length and continues
  with the page after the last complete one, so there is no duplicate and no gap.
- Only a complete export is renamed (`os.replace`, atomic) to `<out>`; the state file goes away.
- An Excel export (`XlsxOptions`) follows the same rules with one difference: a workbook is a zip
  and cannot be appended to, so `<out>.partial` holds the rows as JSON lines (values as the API
  sent them), and once every row is in, the workbook is built from it in one streamed pass and
  renamed into place (see xlsx.py). Cancel, failure and resume work exactly as for CSV; a resume
  after a stop while the workbook was being built goes straight to building it again.

Column policy: the header is the caller's `columns` when given (other fields are left out), else
the catalog's documented record fields followed by the columns of the first page. A column that
first appears in a later page is appended at the end: rows from then on carry it, and when the
export completes the file is rewritten once, streaming, with the full header and every row padded
to the same width. Without new columns there is no rewrite.

Cells a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage return)
get a leading single quote, as OWASP's CSV injection guidance advises; numbers from the API are
left alone (-5 stays a number). In a workbook such text is a string cell with Excel's quote prefix
instead, its value unchanged. The guard can be turned off.

No secret is written: the state file holds the endpoint, the query parameters (a sensitive one,
such as `api_key` or `access_token`, with its value masked: a resume takes it from the command
again), the base URL without credentials, counters, and the next page's resume point with any
credential the server put into its paging token replaced by a placeholder (secretstash.py).

The files may hold customer data, so they are private to the user (0600), created without
following links, and an export holds `<out>.partial.lock` while it writes: a second export to the
same file is refused, naming the process that holds it (see safefiles.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from explorer.core import safefiles, xlsx
from explorer.core.catalog import Endpoint
from explorer.core.errors import (
    ExplorerError,
    ExportCancelled,
    ExportError,
    ExportIncomplete,
    ResumeMismatch,
    TooManyRows,
)
from explorer.core.fetch import request_for
from explorer.core.flatten import ColumnSet, cell_text, flatten_record, schema_columns
from explorer.core.humanize import eta, rows_done, speed_parts
from explorer.core.paging import ResumePoint, iter_pages
from explorer.core.query import Query
from explorer.core.requestlog import MASK, is_sensitive_name
from explorer.core.secretstash import restore, stash

if TYPE_CHECKING:
    from explorer.core.client import ApiClient

_T = TypeVar("_T")
# The export errors live in the one error tree (errors.py); imported here for existing callers.
__all__ = [
    "CsvOptions",
    "ExportCancelled",
    "ExportError",
    "ExportFormat",
    "ExportIncomplete",
    "ExportOptions",
    "ExportProgress",
    "ExportResult",
    "ResumeMismatch",
    "TooManyRows",
    "XlsxOptions",
    "export_csv",
    "export_query",
    "export_records",
    "export_records_csv",
    "partial_path_for",
    "read_state",
    "state_path_for",
]
STATE_VERSION = 1
BOM = b"\xef\xbb\xbf"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- options, progress, result


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def suffix(self) -> str:
        return f".{self.value}"

    @property
    def noun(self) -> str:
        return "an Excel workbook" if self is ExportFormat.XLSX else "a CSV file"

    @classmethod
    def for_path(cls, path: str | os.PathLike[str]) -> ExportFormat | None:
        """The format a file name asks for by its extension (`.xlsx`, `.csv`), else None."""
        suffix = Path(path).suffix.lower()
        return next((f for f in cls if f.suffix == suffix), None)


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    bom: bool = False  # UTF-8 byte-order mark, so Excel reads the file as UTF-8
    header: bool = True
    neutralise_formulas: bool = True

    def __post_init__(self) -> None:
        if len(self.delimiter) != 1 or self.delimiter in "\"'\r\n":
            raise ExportError(
                f"Unusable delimiter {self.delimiter!r}",
                explanation="The delimiter must be a single character other than a quote or a "
                "line break, for example , or ; or a tab.",
            )

    @property
    def format(self) -> ExportFormat:
        return ExportFormat.CSV

    def to_dict(self) -> dict[str, Any]:
        return {
            "delimiter": self.delimiter,
            "bom": self.bom,
            "header": self.header,
            "neutralise_formulas": self.neutralise_formulas,
        }


@dataclass(frozen=True)
class XlsxOptions:
    """An Excel workbook: one worksheet, typed cells (see xlsx.py)."""

    header: bool = True  # also what the frozen row and the filters sit on
    neutralise_formulas: bool = True

    @property
    def format(self) -> ExportFormat:
        return ExportFormat.XLSX

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format.value,
            "header": self.header,
            "neutralise_formulas": self.neutralise_formulas,
        }


ExportOptions = CsvOptions | XlsxOptions


@dataclass(frozen=True)
class ExportProgress:
    """Passed to the `progress` callback after every page."""

    rows_written: int
    total_count: int | None
    pages: int
    requests: int
    elapsed_s: float
    waited_s: float
    rate_limited: int
    resumed_at_row: int = 0  # rows already in the file when this run started
    workbook_rows: int | None = None  # while an Excel workbook is built: rows put in so far

    @property
    def rows_per_s(self) -> float:
        """This run's speed (rows resumed from an earlier run do not count)."""
        done = self.rows_written - self.resumed_at_row
        return done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate, when the total is known."""
        return eta(self.rows_written, self.total_count, self.rows_per_s)

    def describe(self) -> str:
        """One line: `250 of 1,000 rows (25%), 125 rows/s, 6 s left, 2 × 429`."""
        if self.workbook_rows is not None:
            return f"building the workbook: {rows_done(self.workbook_rows, self.rows_written)}"
        parts = [rows_done(self.rows_written, self.total_count)]
        parts += speed_parts(self.rows_per_s, self.eta_s)
        if self.rate_limited:
            parts.append(f"{self.rate_limited} × 429")
        return ", ".join(parts)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows_written: int  # rows in the file, including those written before a resume
    total_count: int | None  # what the API said matches; None when it does not say
    pages: int
    requests: int  # this run's requests (retries included)
    retries: int
    elapsed_s: float  # this run
    waited_s: float  # time spent waiting for the rate limit
    rate_limited: int  # 429 answers received
    columns: tuple[str, ...]
    header_rewritten: bool = False
    resumed_at_row: int | None = None  # rows already in the partial file when resuming
    duplicates_dropped: int = 0  # records the API repeated across pages (written once)
    warning: str | None = None  # from paging, e.g. the collected count differs from total_count
    cells_cut: int = 0  # workbook cells cut to Excel's 32,767 characters

    @property
    def shortfall(self) -> int | None:
        """total_count minus rows written (negative: more rows than announced); None if unknown."""
        return None if self.total_count is None else self.total_count - self.rows_written

    def summary(self) -> str:
        total = "unknown" if self.total_count is None else f"{self.total_count:,}"
        text = (
            f"{self.rows_written:,} rows written, total_count {total}, "
            f"{self.requests:,} requests, {self.elapsed_s:.1f} s, "
            f"waited {self.waited_s:.1f} s, {self.rate_limited} × 429"
        )
        if self.shortfall:
            if self.shortfall > 0:
                text += f"; {self.shortfall:,} fewer rows than total_count"
            else:
                text += f"; {-self.shortfall:,} more rows than total_count"
            text += " (the data changed during the export, or the API skipped records)"
        if self.duplicates_dropped:
            plural = "s" if self.duplicates_dropped != 1 else ""
            text += f"; {self.duplicates_dropped:,} repeated record{plural} written once"
        if self.cells_cut:
            plural = "s" if self.cells_cut != 1 else ""
            text += (
                f"; {self.cells_cut:,} cell{plural} longer than Excel's "
                f"{xlsx.MAX_CELL_CHARS:,} characters cut (a CSV export keeps them whole)"
            )
        if self.resumed_at_row is not None:
            text += f"; resumed after row {self.resumed_at_row:,}"
        return text


# Given records are written this many at a time (see export_csv).
RECORDS_SLICE = 500


# ---------------------------------------------------------------- paths and state


def resolve_out_path(text: str, base_dir: Path, *, suffix: str = ".csv") -> Path:
    """The file a typed path names: `~` expanded, relative to `base_dir`, `suffix` added to a
    name without one. Raises ExportError saying what is wrong (blocking: it stats the path)."""
    typed = text.strip()
    if not typed:
        raise ExportError("No file", explanation="Type or choose the file to write.")
    path = Path(typed).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    if typed.endswith(("/", os.sep)) or path.is_dir() or not path.name:
        raise ExportError(
            f"{path} is a folder",
            explanation=f"{path} is a folder; add a file name, for example {path / 'export.csv'}.",
        )
    if not path.suffix:
        path = path.with_name(path.name + suffix)
    if not path.parent.is_dir():
        raise ExportError(
            f"No folder {path.parent}",
            explanation=f"The folder {path.parent} does not exist; choose another place.",
        )
    if path.exists() and not path.is_file():
        raise ExportError(
            f"{path} is not a regular file",
            explanation=f"{path} exists and is not a regular file; choose another name.",
        )
    return path


def partial_path_for(out_path: str | os.PathLike[str]) -> Path:
    out = Path(out_path)
    return out.with_name(out.name + ".partial")


def state_path_for(out_path: str | os.PathLike[str]) -> Path:
    out = Path(out_path)
    return out.with_name(out.name + ".partial.json")


@dataclass
class ExportState:
    """What `<out>.partial.json` holds: enough to continue, nothing secret."""

    endpoint: str
    path: str
    params: list[tuple[str, str]]
    page_size: int | None
    base_url: str | None
    options: dict[str, Any]
    columns: list[str]
    columns_fixed: bool
    header_columns: int  # how many of `columns` the header line names (0: not written yet)
    rows_written: int = 0
    pages: int = 0
    bytes: int = 0  # length of the partial file after the last complete page
    resume: dict[str, Any] | None = None  # paging's ResumePoint.to_dict() of the next page
    total_count: int | None = None
    complete: bool = False
    stopped_because: str | None = None
    version: int = STATE_VERSION

    def to_json(self) -> str:
        data = self.__dict__.copy()
        data["params"] = [list(p) for p in masked_params(self.params)]
        return json.dumps(data, indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ExportState:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
            raise ValueError("unknown state file version")
        raw["params"] = [(str(k), str(v)) for k, v in raw.get("params", [])]
        _check_types(raw)
        return cls(**raw)


def _check_types(raw: dict[str, Any]) -> None:
    """ValueError unless every field of a state file has its type (a hand-edited or damaged one)."""

    def whole(value: Any) -> bool:
        return type(value) is int and value >= 0

    if not all(whole(raw.get(k, 0)) for k in ("header_columns", "rows_written", "pages", "bytes")):
        raise ValueError("a counter is not a whole number")
    columns = raw.get("columns")
    if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
        raise ValueError("the columns are not a list of names")
    if not isinstance(raw.get("options"), dict) or not isinstance(raw.get("endpoint"), str):
        raise ValueError("the options or the endpoint are not readable")
    if not isinstance(raw.get("path"), str) or not isinstance(raw.get("columns_fixed"), bool):
        raise ValueError("the path or the column policy is not readable")
    if not isinstance(raw.get("resume") or {}, dict):
        raise ValueError("the resume point is not an object")
    for name in ("page_size", "total_count"):
        if raw.get(name) is not None and type(raw[name]) is not int:
            raise ValueError(f"{name} is not a whole number")


def masked_params(params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The parameters with the value of each sensitive one masked, as the request log does."""
    return [(name, MASK if is_sensitive_name(name) else value) for name, value in params]


def read_state(out_path: str | os.PathLike[str]) -> ExportState | None:
    """The saved state of an unfinished export to `out_path`, or None when there is none.

    Blocking (small file): call it through asyncio.to_thread from the event loop.
    """
    state_path = state_path_for(out_path)
    if not state_path.exists() or not partial_path_for(out_path).exists():
        return None
    try:
        return ExportState.from_json(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, RecursionError) as exc:
        raise ExportError(
            f"Unreadable export state {state_path}: {exc}",
            explanation=f"The saved state {state_path.name} of the unfinished export cannot be "
            "read; delete it and the .partial file and export again from the start.",
        ) from exc


def _write_state(path: Path, state: ExportState) -> None:
    with _writing(path):
        safefiles.write_atomic(path, utf8(state.to_json()))


def utf8(text: str) -> bytes:
    """UTF-8 bytes; a lone surrogate (JSON allows "\\ud800", UTF-8 cannot hold it) becomes "?"."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A failed write (a full disk, a lost network drive) as an ExportError naming the file."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ExportError(
            f"Could not write {path}: {reason}",
            explanation=f"Could not write {path}: {reason} (free some space, or check the "
            "folder and its permissions)",
        ) from exc


# ---------------------------------------------------------------- cells


def neutralise(text: str) -> str:
    """OWASP CSV-injection guard: a leading quote makes a spreadsheet show the text, not run it."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def header_cells(columns: Sequence[str], options: ExportOptions) -> list[str]:
    """Field names come from the server too: guarded like the cells below them."""
    return [neutralise(c) for c in columns] if options.neutralise_formulas else list(columns)


def row_cells(flat: Mapping[str, Any], columns: Sequence[str], options: ExportOptions) -> list[str]:
    cells = []
    for column in columns:
        value = flat.get(column, "")
        text = cell_text(value)
        if options.neutralise_formulas and isinstance(value, str):
            text = neutralise(text)
        cells.append(text)
    return cells


def _writer(buffer: IO[str], options: CsvOptions) -> Any:
    # QUOTE_MINIMAL quotes a cell holding the delimiter, a quote, CR or LF; "\r\n" per RFC 4180.
    return csv.writer(buffer, delimiter=options.delimiter, lineterminator="\r\n")


# ---------------------------------------------------------------- the file writer


class _PartialFile:
    """The `.partial` file and its state; every method blocks (run it in a worker thread).

    A CSV export writes its rows there as CSV (the header with the first page); an Excel export
    spools them as JSON lines, and the workbook is built from them once they are all in.
    """

    def __init__(self, out_path: Path, state: ExportState, options: ExportOptions) -> None:
        self.out_path = out_path
        self.partial_path = partial_path_for(out_path)
        self.state_path = state_path_for(out_path)
        self.state = state
        self.options = options
        self.csv = options if isinstance(options, CsvOptions) else None  # None: spooled rows
        self.lock = safefiles.ExclusiveLock(self.partial_path)
        self._file: IO[bytes] | None = None

    @property
    def spooled(self) -> bool:
        return self.csv is None

    # -- opening
    def open_fresh(self) -> None:
        safefiles.check_target(self.out_path)
        self.partial_path.parent.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            self._file = os.fdopen(safefiles.create_private(self.partial_path), "wb")
            if self.csv is not None and self.csv.bom:
                self._file.write(BOM)
            self._file.flush()
            self.state.bytes = self._file.tell()
            _write_state(self.state_path, self.state)
        except BaseException:
            self.close()
            self.lock.release()
            raise

    def open_resumed(self) -> None:
        safefiles.check_target(self.out_path)
        self.lock.acquire()
        try:
            self._file = os.fdopen(safefiles.open_existing(self.partial_path), "r+b")
            size = os.fstat(self._file.fileno()).st_size
            if size < self.state.bytes:
                raise ExportError(
                    f"{self.partial_path} is shorter than its state file says",
                    explanation=f"{self.partial_path.name} is shorter than recorded, so it cannot "
                    "be resumed; delete it and its .json file and export again from the start.",
                )
            self._file.truncate(self.state.bytes)  # drops a page that was half written
            self._file.seek(self.state.bytes)
        except BaseException:
            self.close()
            self.lock.release()
            raise

    # -- writing
    def write_page(
        self,
        records: Sequence[Mapping[str, Any]],
        resume: dict[str, Any] | None,
        total_count: int | None,
    ) -> None:
        """Append one complete page as rows (the header first, with the first page), then record
        where the next page starts.

        The state changes only once the rows are flushed, so a failed write leaves the state of
        the previous page and a resume truncates the half-written rows away. Flushed, not fsynced:
        a killed process loses nothing flushed, and an fsync per page would cost more than the
        export; after a power cut open_resumed notices a file shorter than recorded.
        """
        assert self._file is not None
        self._check_room(len(records), total_count)
        flats = [flatten_record(r) for r in records]
        column_set = ColumnSet(self.state.columns)
        if not self.state.columns_fixed:
            for flat in flats:
                column_set.absorb(flat)
        columns = column_set.columns
        if self.csv is None and len(columns) > xlsx.MAX_COLUMNS:
            raise ExportError(
                f"{len(columns):,} columns are more than an Excel worksheet holds",
                explanation=f"The records have {len(columns):,} columns and an Excel worksheet "
                f"holds {xlsx.MAX_COLUMNS:,}; choose the columns to export, or export to CSV.",
            )
        header_columns = self.state.header_columns
        if self.csv is None:
            # The workbook's header is written when it is built, from the final columns.
            text = xlsx.spool_lines([[flat.get(c, "") for c in columns] for flat in flats])
        else:
            buffer = io.StringIO()
            writer = _writer(buffer, self.csv)
            if self.state.pages == 0 and header_columns == 0 and self.csv.header:
                writer.writerow(header_cells(columns, self.csv))
                header_columns = len(columns)
            for flat in flats:
                writer.writerow(row_cells(flat, columns, self.csv))
            text = buffer.getvalue()
        with _writing(self.partial_path):
            self._file.write(utf8(text))
            self._file.flush()
        state = self.state
        state.bytes = self._file.tell()
        state.columns = columns
        state.header_columns = header_columns
        state.rows_written += len(flats)
        state.pages += 1
        state.resume = resume
        if total_count is not None:
            state.total_count = total_count
        _write_state(self.state_path, state)

    def _check_room(self, more: int, total_count: int | None) -> None:
        """TooManyRows before a page that would not fit on one worksheet (workbooks only):
        refused at once when the API's count says so, else at the page that passes the limit."""
        if self.csv is not None:
            return
        limit = xlsx.max_data_rows(self.options.header)
        if total_count is not None and total_count > limit:
            raise TooManyRows(total_count, xlsx.MAX_ROWS, announced=True)
        if self.state.rows_written + more > limit:
            announced = self.state.total_count is not None
            raise TooManyRows(self.state.rows_written + more, xlsx.MAX_ROWS, announced=announced)

    # -- ending
    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            with contextlib.suppress(OSError):  # rows not flushed are not in the state either
                file.close()

    def stop(self, reason: str | None) -> None:
        """Keep the partial file and the state of the last complete page for a resume."""
        self.close()
        self.state.stopped_because = reason
        try:
            if self.state_path.exists():
                # When this fails (the disk is full) the state of the last page stays valid.
                with contextlib.suppress(ExportError):
                    _write_state(self.state_path, self.state)
        finally:
            self.lock.release()

    def discard(self) -> None:
        """Remove the partial file and its state (nothing in them is worth a resume)."""
        self.close()
        self.partial_path.unlink(missing_ok=True)
        self.state_path.unlink(missing_ok=True)
        self.lock.release()

    def seal(self) -> None:
        """Every row is in: flushed to disk, the state says complete, the file is closed."""
        self.state.complete = True
        if self._file is not None:
            csv_options = self.csv
            if (
                csv_options is not None
                and csv_options.header
                and self.state.pages == 0
                and self.state.header_columns == 0
            ):
                # No record at all: the file still gets the documented header.
                self.write_page([], None, None)
                self.state.pages = 0
            with _writing(self.partial_path):
                self._file.flush()
                os.fsync(self._file.fileno())
            self.state.bytes = self._file.tell()
            _write_state(self.state_path, self.state)
        self.close()

    def publish(self, built: Path) -> None:
        """Rename the finished file into place and remove what the export kept on the way."""
        safefiles.replace_into(built, self.out_path)
        if built != self.partial_path:
            self.partial_path.unlink(missing_ok=True)
        self.state_path.unlink(missing_ok=True)
        self.lock.release()

    def finish(self) -> bool:
        """Rename the complete CSV file into place; True when the header had to be rewritten."""
        self.seal()
        rewritten = self._needs_rewrite()
        if rewritten:
            self._rewrite_with_full_header()
        self.publish(self.partial_path)
        return rewritten

    def _needs_rewrite(self) -> bool:
        if self.state.columns_fixed or self.state.rows_written == 0:
            return False
        if self.options.header:
            return len(self.state.columns) > self.state.header_columns
        return self._first_row_narrower()

    def _first_row_narrower(self) -> bool:
        # Without a header line, the first row tells how many columns the first page had.
        assert self.csv is not None
        with open(self.partial_path, encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle, delimiter=self.csv.delimiter), None)
        return first is not None and len(first) < len(self.state.columns)

    def _rewrite_with_full_header(self) -> None:
        """Stream the partial file into a new one with the final header, padding short rows."""
        assert self.csv is not None
        options = self.csv
        width = len(self.state.columns)
        fd, rewrite = safefiles.temp_beside(self.partial_path, ".rewrite")
        with (
            _writing(rewrite),
            safefiles.removed_on_failure(rewrite),
            open(self.partial_path, encoding="utf-8", newline="") as source,
            os.fdopen(fd, "w", encoding="utf-8", newline="") as target,
        ):
            if options.bom:
                source.read(1)  # the BOM, decoded as one character
                target.write("\ufeff")
            reader = csv.reader(source, delimiter=options.delimiter)
            writer = _writer(target, options)
            if options.header:
                next(reader, None)
                writer.writerow(header_cells(self.state.columns, options))
            for row in reader:
                writer.writerow(row + [""] * (width - len(row)))
        os.replace(rewrite, self.partial_path)
        self.state.header_columns = width if options.header else 0


# ---------------------------------------------------------------- the export


CancelCheck = asyncio.Event | Callable[[], bool]


def _cancelled(cancel: CancelCheck | None) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, asyncio.Event):
        return cancel.is_set()
    return bool(cancel())


@dataclass
class _Counters:
    """Request statistics of this run, as differences of the client's cumulative `.stats`."""

    client: ApiClient | None
    start: dict[str, float] = field(default_factory=dict)

    KEYS = ("requests", "retries", "rate_limited", "waited_s")

    def __post_init__(self) -> None:
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        stats = getattr(self.client, "stats", None)
        return {k: float(getattr(stats, k, 0) or 0) for k in self.KEYS}

    def delta(self) -> dict[str, float]:
        now = self._now()
        return {k: now[k] - self.start[k] for k in self.KEYS}


def _base_url(client: ApiClient | None) -> str | None:
    if client is None:
        return None
    text = str(client.base_url)
    if "@" in text.split("//", 1)[-1].split("/", 1)[0]:  # drop user:password@ if any
        scheme, _, rest = text.partition("//")
        text = f"{scheme}//{rest.split('@', 1)[1]}"
    return text.split("?", 1)[0]


class _Run:
    """One run of an export into a `_PartialFile`: progress reports, cancellation, the result."""

    def __init__(
        self,
        client: ApiClient | None,
        sink: _PartialFile,
        progress: Callable[[ExportProgress], None] | None,
        cancel: CancelCheck | None,
        resumed_at: int | None,
    ) -> None:
        self.started = time.monotonic()
        self.counters = _Counters(client)
        self.sink = sink
        self.progress = progress
        self.cancel = cancel
        self.resumed_at = resumed_at
        self.cells_cut = 0

    def report(self, workbook_rows: int | None = None) -> None:
        if self.progress is None:
            return
        delta = self.counters.delta()
        state = self.sink.state
        self.progress(
            ExportProgress(
                rows_written=state.rows_written,
                total_count=state.total_count,
                pages=state.pages,
                requests=int(delta["requests"]),
                elapsed_s=time.monotonic() - self.started,
                waited_s=delta["waited_s"],
                rate_limited=int(delta["rate_limited"]),
                resumed_at_row=self.resumed_at or 0,
                workbook_rows=workbook_rows,
            )
        )

    async def stop_if_cancelled(self) -> None:
        if _cancelled(self.cancel):
            await asyncio.to_thread(self.sink.stop, "cancelled")
            raise ExportCancelled(
                partial_path=self.sink.partial_path,
                state_path=self.sink.state_path,
                rows_written=self.sink.state.rows_written,
            )

    async def failed(self, exc: ExplorerError | OSError, *, resumable: bool) -> ExplorerError:
        """The error to raise: ExportIncomplete keeping the partial file, or the cause itself
        (and no files left behind) when there is nothing worth resuming."""
        cause: ExplorerError = (
            exc if isinstance(exc, ExplorerError) else ExportError(f"{type(exc).__name__}: {exc}")
        )
        if not resumable or self.sink.state.pages == 0:
            await asyncio.to_thread(self.sink.discard)
            return cause
        await asyncio.to_thread(self.sink.stop, cause.explanation)
        return ExportIncomplete(
            cause,
            partial_path=self.sink.partial_path,
            state_path=self.sink.state_path,
            rows_written=self.sink.state.rows_written,
        )

    @contextlib.asynccontextmanager
    async def guarded(self, *, resumable: bool) -> AsyncIterator[None]:
        """Turn what stops the run into the export's errors, keeping the partial file sound."""
        try:
            yield
        except ExportIncomplete:
            raise
        except (ExplorerError, OSError) as exc:
            error = await self.failed(exc, resumable=resumable)
            if error is exc:
                raise
            raise error from exc
        except BaseException:
            # Task cancelled (window closed, Ctrl-C) or a bug: keep what is there, then let it
            # go on. Synchronous on purpose: a cancelled task should not start new awaits.
            self.sink.stop("interrupted")
            raise

    def result(self, out: Path, rewritten: bool, warning: str | None) -> ExportResult:
        delta = self.counters.delta()
        state = self.sink.state
        resume_state = state.resume or {}
        return ExportResult(
            path=out,
            rows_written=state.rows_written,
            total_count=state.total_count,
            pages=state.pages,
            requests=int(delta["requests"]),
            retries=int(delta["retries"]),
            elapsed_s=time.monotonic() - self.started,
            waited_s=delta["waited_s"],
            rate_limited=int(delta["rate_limited"]),
            columns=tuple(state.columns),
            header_rewritten=rewritten,
            resumed_at_row=self.resumed_at,
            duplicates_dropped=int(resume_state.get("duplicates", 0) or 0),
            warning=warning,
            cells_cut=self.cells_cut,
        )


async def _open_sink(
    out: Path, fresh: ExportState, options: ExportOptions, saved: ExportState | None
) -> tuple[_PartialFile, int | None]:
    """The partial file: continued from `saved` (checked to match), else started afresh."""
    try:
        if saved is not None and saved.pages > 0:
            _check_resumable(saved, fresh)
            sink = _PartialFile(out, saved, options)
            await asyncio.to_thread(sink.open_resumed)
            return sink, saved.rows_written
        sink = _PartialFile(out, fresh, options)
        await asyncio.to_thread(sink.open_fresh)
        return sink, None
    except OSError as exc:
        raise ExportError(
            f"Cannot write {out}: {exc}",
            explanation=f"Cannot write {out.name} in {out.parent}: {exc.strerror or exc}; "
            "choose another folder or free some space.",
        ) from exc


async def export_query(
    client: ApiClient,
    endpoint: Endpoint,
    query: Query,
    out_path: str | os.PathLike[str],
    *,
    options: ExportOptions | None = None,
    columns: Sequence[str] | None = None,
    resume: bool = False,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: CancelCheck | None = None,
) -> ExportResult:
    """Export every record matching `query` to `out_path`, page by page, as CSV or (with
    XlsxOptions) as an Excel workbook.

    `columns` (else `query.columns`, else all) fixes the columns and their order. `cancel` is an
    asyncio.Event or a callable, checked after every page. `resume=True` continues the
    `.partial` file an earlier run of the same query left.

    Raises ExportIncomplete (with `.cause`) when fetching or writing fails, ExportCancelled when
    `cancel` is set, ResumeMismatch when the partial file was made by another query, ExportError
    when the file cannot be created, TooManyRows when a workbook cannot hold the records. A cancelled task keeps the partial file and its state too,
    then propagates the cancellation.
    """
    options = options or CsvOptions()
    out = Path(out_path)
    fixed = list(columns) if columns else list(query.columns)
    request = request_for(endpoint, query)
    fresh = ExportState(
        endpoint=endpoint.id,
        path=request.path,
        params=request.params,
        page_size=query.page_size,
        base_url=_base_url(client),
        options=options.to_dict(),
        columns=fixed or schema_columns(endpoint),
        columns_fixed=bool(fixed),
        header_columns=0,
    )
    saved = await asyncio.to_thread(read_state, out) if resume else None
    # A paging token may carry the credential: it is saved without it (secretstash), and a
    # resume that cannot put it back is refused before the partial file is touched.
    secrets = client.secret_values()
    if saved is not None and saved.resume and not saved.complete:
        restore(saved.resume, secrets)
    sink, resumed_at = await _open_sink(out, fresh, options, saved)
    run = _Run(client, sink, progress, cancel, resumed_at)
    warning: str | None = None
    async with run.guarded(resumable=True):
        if not sink.state.complete:
            saved_resume = sink.state.resume
            start_at = (
                ResumePoint.from_dict(restore(saved_resume, secrets)) if saved_resume else None
            )
            pages = iter_pages(
                client,
                endpoint,
                request.params,
                page_size=query.page_size,
                resume=start_at,
                path=request.path,
            )
            try:
                async for page in pages:
                    await _finish_in_thread(
                        sink.write_page,
                        page.records,
                        stash(page.resume.to_dict(), secrets),
                        page.total_count,
                    )
                    warning = page.warning or warning
                    run.report()
                    if page.is_last:
                        break
                    await run.stop_if_cancelled()
            finally:
                await pages.aclose()  # stops page fetches still running ahead
        rewritten = await _complete(run, endpoint)
    return run.result(out, rewritten, warning)


async def export_records(
    records: Sequence[Mapping[str, Any]],
    endpoint: Endpoint,
    out_path: str | os.PathLike[str],
    *,
    options: ExportOptions | None = None,
    columns: Sequence[str] | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: CancelCheck | None = None,
) -> ExportResult:
    """Export exactly these records (a page, or the rows loaded in the window), as CSV or (with
    XlsxOptions) as an Excel workbook.

    The same writer, columns and formula guard as `export_query`; nothing is fetched, so there is
    nothing to resume: a failure leaves no file behind, a cancel (ExportCancelled) keeps the rows
    written so far in the `.partial` file.
    """
    options = options or CsvOptions()
    out = Path(out_path)
    fixed = list(columns or ())
    fresh = ExportState(
        endpoint=endpoint.id,
        path=endpoint.path,
        params=[],
        page_size=None,
        base_url=None,
        options=options.to_dict(),
        columns=fixed or schema_columns(endpoint),
        columns_fixed=bool(fixed),
        header_columns=0,
    )
    sink, _ = await _open_sink(out, fresh, options, None)
    run = _Run(None, sink, progress, cancel, None)
    async with run.guarded(resumable=False):
        # In slices, each in the worker thread: flattening 100,000 records in one go would hold
        # the GIL (and set off long garbage-collector passes) for seconds, freezing the window;
        # slices also give progress and a chance to cancel.
        for start in range(0, len(records), RECORDS_SLICE):
            await _finish_in_thread(
                _write_slice, sink, records, start, start + RECORDS_SLICE, len(records)
            )
            run.report()
            if sink.state.rows_written < len(records):
                await run.stop_if_cancelled()
        rewritten = await _complete(run, endpoint)
    return run.result(out, rewritten, None)


# The names from when CSV was the only format; they take any ExportOptions too.
export_csv = export_query
export_records_csv = export_records

# Rows put into a workbook per step of its build (each step a worker-thread call, then progress
# and a chance to cancel).
WORKBOOK_SLICE = 20_000


async def _complete(run: _Run, endpoint: Endpoint) -> bool:
    """Put the finished file in place; True when a CSV header had to be rewritten for it."""
    sink = run.sink
    if sink.csv is not None:
        return await _finish_in_thread(sink.finish)
    await _finish_in_thread(sink.seal)
    column_types = {f.path: f.type for f in endpoint.record_fields}
    builder = await _finish_in_thread(
        _writing_call,
        sink.out_path,
        lambda: xlsx.WorkbookBuilder(
            sink.partial_path,
            sink.out_path,
            sink.state.columns,
            column_types,
            header=sink.options.header,
            guarded=FORMULA_PREFIXES if sink.options.neutralise_formulas else (),
        ),
    )
    try:
        run.report(workbook_rows=0)
        more = True
        while more:
            await run.stop_if_cancelled()
            more = await _finish_in_thread(
                _writing_call, sink.out_path, builder.add_rows, WORKBOOK_SLICE
            )
            run.report(workbook_rows=builder.rows)
        built = await _finish_in_thread(_writing_call, sink.out_path, builder.close)
        run.cells_cut = builder.cells_cut
        await _finish_in_thread(sink.publish, built)
    finally:
        builder.discard()  # the build folder; quick, and due even when the task is cancelled
    return False


def _writing_call(path: Path, function: Callable[..., _T], *args: Any) -> _T:
    """`function(*args)`, a failed write becoming an ExportError naming `path`."""
    with _writing(path):
        return function(*args)


def _write_slice(
    sink: _PartialFile, records: Sequence[Mapping[str, Any]], start: int, end: int, total: int
) -> None:
    """Write records[start:end] (sliced here, in the worker: a lazy sequence decodes on slicing)."""
    sink.write_page(records[start:end], None, total)


async def _finish_in_thread(function: Callable[..., _T], *args: Any) -> _T:
    """Run blocking file work in a thread, and let it finish even if the task is cancelled.

    A cancelled await would leave the thread writing while the cancellation handler closes the
    file; waiting for it keeps the partial file and its state consistent.
    """
    future = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def _check_resumable(saved: ExportState, wanted: ExportState) -> None:
    """Refuse to continue a partial file made by a different query or with other options."""
    differences = []
    if saved.endpoint != wanted.endpoint or saved.path != wanted.path:
        differences.append(f"endpoint {saved.path}")
    if sorted(masked_params(saved.params)) != sorted(masked_params(wanted.params)):
        differences.append("filters or parameters")
    if saved.page_size != wanted.page_size:
        differences.append(f"page size {saved.page_size}")
    if saved.options != wanted.options:
        differences.append("export options (format, delimiter, BOM, header, formula guard)")
    if wanted.columns_fixed and saved.columns != wanted.columns:
        differences.append("columns")
    if saved.base_url and wanted.base_url and saved.base_url != wanted.base_url:
        differences.append(f"server {saved.base_url}")
    if saved.resume is not None:
        try:
            ResumePoint.from_dict(saved.resume)
        except ExplorerError as exc:
            raise ResumeMismatch(
                f"The saved resume point is not valid: {exc}",
                explanation="The saved progress of the unfinished export is damaged, so it "
                "cannot be resumed; run the command without --resume to export again from the "
                "start.",
            ) from exc
    if differences:
        raise ResumeMismatch(
            "The partial export differs in: " + ", ".join(differences),
            explanation="The unfinished export was made with a different "
            + ", ".join(differences)
            + "; run it with the same settings, or export again without resuming.",
        )
