"""The results table: flattened records in a QAbstractTableModel that fetches pages as it scrolls.

Rows are stored once per page as tuples of flattened values (dotted columns, arrays summarised),
aligned to the growing list of all known columns, so `data()` is two list look-ups. The raw record
is kept as compact UTF-8 JSON (far smaller than nested dicts) for the detail panel, links and the
export of loaded rows.

Paging follows the Qt fetch-more protocol. The view calls `fetchMore()` when it reaches the end;
that schedules one page task. When the page arrives the fetcher has already advanced its cursor and
the in-flight flag is cleared *before* `beginInsertRows`: views and the model tester call
`fetchMore()` again from inside `rowsInserted`, and that call must ask for the next page, never the
same one again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from explorer.core.catalog import Endpoint, FieldType
from explorer.core.flatten import ColumnSet, cell_text, flatten_record, schema_columns
from explorer.core.humanize import human_bytes, local_datetime, looks_like_datetime
from explorer.core.names import name_fields_for
from explorer.core.records import RecordStore
from explorer.ui import memory
from explorer.ui.async_utils import TaskOwner

log = logging.getLogger(__name__)

#: The flattened value of a cell as stored (str, int, float, bool; arrays as their summary text).
RawValueRole = Qt.ItemDataRole.UserRole
#: True when the cell's column points at another resource and the cell has a value.
LinkRole = Qt.ItemDataRole.UserRole + 1
#: The dotted column name of a cell (or of a header section).
ColumnNameRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex

_NUMERIC = (FieldType.INTEGER, FieldType.NUMBER)
_INTERN_MAX = 32  # short strings repeat a lot (types, names, statuses): share one object each


class PageLike(Protocol):
    records: list[dict[str, Any]]
    total_count: int | None


class FetcherLike(Protocol):
    """What the model needs of `explorer.core.paging.PageFetcher`."""

    @property
    def has_more(self) -> bool: ...

    @property
    def total_count(self) -> int | None: ...

    async def fetch_next(self) -> Any: ...


class RecordTableModel(QAbstractTableModel):
    """Loaded records of one query, one row each, columns chosen by the user.

    Signals:
        page_loaded(int): rows were appended (the count).
        fetch_failed(object): fetching a page failed (the exception); the rows so far stay.
        loading_changed(bool): a page request started (True) or ended (False).
        counts_changed(): the loaded or total count changed.
        notice(str): something the user should know about the pages (e.g. fewer records than
            total_count announced).
    """

    page_loaded = Signal(int)
    fetch_failed = Signal(object)
    loading_changed = Signal(bool)
    counts_changed = Signal()
    notice = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._endpoint: Endpoint | None = None
        self._all = ColumnSet()
        self._shown: list[str] = []
        self._shown_index: list[int] = []
        self._shown_link: list[bool] = []
        self._shown_numeric: list[bool] = []
        self._shown_bytes: list[bool] = []
        self._shown_name_index: list[int] = []
        self._show_new_columns = True
        self._rows: list[tuple[Any, ...]] = []
        self.records = RecordStore()  # the raw records, shared with the export
        self._fetcher: FetcherLike | None = None
        self._total: int | None = None
        self._in_flight = False
        self._loading_all = False
        self._error: BaseException | None = None
        self._generation = 0
        self.tasks = TaskOwner("Loading rows")  # "fetch": the page request in flight
        self._strings: dict[str, str] = {}
        self._link_fields: frozenset[str] = frozenset()
        self._field_types: dict[str, FieldType] = {}
        self._descriptions: dict[str, str] = {}
        self._sorted_column: str | None = None

    # ------------------------------------------------------------ setting up
    def start(
        self,
        endpoint: Endpoint,
        fetcher: FetcherLike | None,
        *,
        visible_columns: Sequence[str] | None = None,
        fetch_first: bool = True,
    ) -> None:
        """Forget everything and show the records `fetcher` will bring (None: an empty table)."""
        self.cancel_fetch()
        self._generation += 1
        self.beginResetModel()
        self._endpoint = endpoint
        self._link_fields = frozenset(lk.source_field for lk in endpoint.links)
        self._field_types = {f.path: f.type for f in endpoint.record_fields}
        self._descriptions = {
            f.path: f.description for f in endpoint.record_fields if f.description
        }
        self._all = ColumnSet(schema_columns(endpoint))
        for column in visible_columns or ():
            self._all.add(column)
        self._rows = []
        self.records.clear()
        self._strings = {}
        self._fetcher = fetcher
        self._total = None
        self._in_flight = False
        self._loading_all = False
        self._error = None
        self._show_new_columns = not visible_columns
        self._set_shown(list(visible_columns) if visible_columns else self._all.columns)
        self.endResetModel()
        self.counts_changed.emit()
        if fetch_first and fetcher is not None:
            self.fetchMore(QModelIndex())

    def set_records(
        self,
        endpoint: Endpoint,
        records: Iterable[Mapping[str, Any]],
        *,
        visible_columns: Sequence[str] | None = None,
    ) -> None:
        """Show exactly these records (a single record, or a list that came in one answer)."""
        self.start(endpoint, None, visible_columns=visible_columns, fetch_first=False)
        items = [dict(r) for r in records]
        self._append(items)
        self._total = len(items)
        self.counts_changed.emit()

    # ------------------------------------------------------------ queries about the contents
    @property
    def endpoint(self) -> Endpoint | None:
        return self._endpoint

    @property
    def loaded_count(self) -> int:
        return len(self._rows)

    @property
    def total_count(self) -> int | None:
        return self._total

    @property
    def has_more(self) -> bool:
        return self._fetcher is not None and self._fetcher.has_more

    @property
    def is_loading(self) -> bool:
        return self._in_flight or self._loading_all

    @property
    def paging_short(self) -> str:
        """`cursor (catalog)`, `link-header (detection)`: the style and its source, briefly."""
        style = getattr(self._fetcher, "paging_style", "")
        source = getattr(self._fetcher, "paging_source", "")
        if not isinstance(style, str) or not style:
            return ""
        if style == "none":
            style = "one request, no paging"
        return f"{style} ({source})" if isinstance(source, str) and source else style

    @property
    def paging_summary(self) -> str:
        """How the rows are paged, once known (`cursor (catalog)`, `link-header (detection)`)."""
        summary = getattr(self._fetcher, "paging_summary", "")
        return summary if isinstance(summary, str) else ""

    @property
    def fetch_task(self) -> asyncio.Task[Any] | None:
        """The page request in flight, if any."""
        return self.tasks.get("fetch")

    @property
    def error(self) -> BaseException | None:
        return self._error

    def visible_columns(self) -> list[str]:
        return list(self._shown)

    def all_columns(self) -> list[str]:
        return self._all.columns

    def column_name(self, column: int) -> str | None:
        return self._shown[column] if 0 <= column < len(self._shown) else None

    def column_of(self, name: str) -> int:
        try:
            return self._shown.index(name)
        except ValueError:
            return -1

    def is_link_column(self, column: int) -> bool:
        return 0 <= column < len(self._shown_link) and self._shown_link[column]

    def record(self, row: int) -> dict[str, Any]:
        """The raw record of a row, as the API sent it."""
        return self.records.record(row)

    def record_blobs(self, rows: range | None = None) -> list[bytes]:
        """The raw records as JSON bytes (decode them off the GUI thread)."""
        return self.records.blobs(rows)

    def page_rows(self, row: int) -> range:
        """The rows that came in the same page as `row`."""
        return self.records.page_rows(row)

    def row_text(self, row: int) -> str:
        """Every cell of a row as one lower-case string, for "find in loaded rows": as the API
        sent it and, for a date-time, also as the table shows it (local time), so both the ISO
        text and what the user reads off the screen are found."""
        parts: list[str] = []
        for value in self._rows[row]:
            text = cell_text(value)
            parts.append(text)
            if type(value) is str and looks_like_datetime(value):
                shown = local_datetime(value)
                if shown is not None and shown != text:
                    parts.append(shown)
        return "\x1f".join(parts).lower()

    def row_values(self, row: int) -> tuple[Any, ...]:
        return self._rows[row]

    def cell_value(self, row: int, column_name: str) -> Any:
        """The flattened value of one cell by column name ("" when the record lacks it)."""
        columns = self._all.columns
        try:
            i = columns.index(column_name)
        except ValueError:
            return ""
        values = self._rows[row]
        value = values[i] if i < len(values) else None
        return "" if value is None else value

    def column_values(self, column_name: str, rows: range) -> list[Any]:
        """One column's flattened values over some rows (None where the record has no value)."""
        try:
            i = self._all.columns.index(column_name)
        except ValueError:
            return [None] * len(self._rows[rows.start : rows.stop])
        return [v[i] if i < len(v) else None for v in self._rows[rows.start : rows.stop]]

    @property
    def generation(self) -> int:
        """Counts the starts over (a new query); the rows of one generation only grow."""
        return self._generation

    def set_sorted_column(self, name: str | None) -> None:
        self._sorted_column = name

    # ------------------------------------------------------------ columns
    def set_visible_columns(self, columns: Sequence[str]) -> None:
        """Show these columns in this order (unknown names are added as empty columns)."""
        for column in columns:
            self._all.add(column)
        self.beginResetModel()
        self._show_new_columns = False
        self._set_shown(list(columns))
        self.endResetModel()

    def show_all_columns(self) -> None:
        self.beginResetModel()
        self._show_new_columns = True
        self._set_shown(self._all.columns)
        self.endResetModel()

    def _set_shown(self, columns: list[str]) -> None:
        positions = {name: i for i, name in enumerate(self._all.columns)}
        self._shown = [c for c in columns if c in positions]
        self._shown_index = [positions[c] for c in self._shown]
        self._shown_link = [c in self._link_fields for c in self._shown]
        # A link cell shows the name the record carries beside the id (client.name), if any.
        self._shown_name_index = [
            next((positions[n] for n in name_fields_for(c) if n in positions), -1) if link else -1
            for c, link in zip(self._shown, self._shown_link, strict=True)
        ]
        self._shown_numeric = [self._field_types.get(c) in _NUMERIC for c in self._shown]
        self._shown_bytes = [c.endswith("bytes") for c in self._shown]

    # ------------------------------------------------------------ fetching
    def cancel_fetch(self) -> None:
        """Stop a page request in flight (the rows so far stay)."""
        self.tasks.cancel("fetch")
        _cancel_fetcher(self._fetcher)
        if self._in_flight:
            self._in_flight = False
            self.loading_changed.emit(False)

    def allow_more_pages(self) -> bool:
        """After the page cap stopped the rows: allow as many pages again (True if it did)."""
        fetcher = self._fetcher
        allow = getattr(fetcher, "allow_more_pages", None)
        if fetcher is None or not callable(allow) or not allow(getattr(fetcher, "page_cap", 1)):
            return False
        self._error = None
        self.counts_changed.emit()
        return True

    def retry(self) -> None:
        """After a failed page: forget the error and ask for that page again."""
        self._error = None
        self.fetchMore(QModelIndex())

    async def wait_idle(self) -> None:
        """Wait until the page request in flight (if any) has finished."""
        task = self.tasks.get("fetch")
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)

    async def load_all(self, progress: Callable[[int, int | None], None] | None = None) -> None:
        """Fetch every remaining page, one after the other; cancelling keeps what was loaded.

        Raises what the fetcher raises (the rows so far stay, `error` is set).
        """
        if self._fetcher is None:
            return
        await self.wait_idle()
        if self._error is not None:
            self._error = None
        generation = self._generation
        fetcher = self._fetcher
        self._loading_all = True
        self.loading_changed.emit(True)
        try:
            while fetcher.has_more and generation == self._generation:
                try:
                    page = await fetcher.fetch_next()
                except asyncio.CancelledError:
                    _cancel_fetcher(fetcher)  # the request itself runs shielded in the fetcher
                    raise
                except Exception as exc:
                    if generation == self._generation:
                        self._error = exc
                    raise
                if generation != self._generation:
                    return
                if page is not None:
                    self._add_page(page)
                if progress is not None:
                    progress(len(self._rows), self._total)
                await asyncio.sleep(0)  # let the window paint between pages
        finally:
            if generation == self._generation:
                self._loading_all = False
                self.loading_changed.emit(False)

    async def _fetch_one(self, generation: int, fetcher: FetcherLike) -> None:
        try:
            page = await fetcher.fetch_next()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported through fetch_failed; rows so far stay
            if generation != self._generation:
                return
            log.info("page request failed: %s", exc)
            self._in_flight = False
            self._error = exc
            self.loading_changed.emit(False)
            self.fetch_failed.emit(exc)
            return
        if generation != self._generation:
            return
        # The fetcher has advanced; clear the flag before inserting (a re-entrant fetchMore from
        # rowsInserted then asks for the *next* page).
        self._in_flight = False
        if page is not None:
            self._add_page(page)
        else:
            self.counts_changed.emit()
        self.loading_changed.emit(False)

    def _add_page(self, page: Any) -> None:
        total = getattr(page, "total_count", None)
        if total is None and self._fetcher is not None:
            total = self._fetcher.total_count
        if total is not None:
            self._total = total
        added = self._append(page.records)
        memory.rows_stored()  # the process's collector policy (explorer/ui/memory.py)
        warning = getattr(page, "warning", None)
        if warning:
            self.notice.emit(warning)
        if self._fetcher is not None and not self._fetcher.has_more and self._total is None:
            self._total = len(self._rows)
        self.counts_changed.emit()
        self.page_loaded.emit(added)

    def _append(self, records: Sequence[Mapping[str, Any]]) -> int:
        if not records:
            return 0
        # A null stays None (shown as an empty cell): the column summary tells it from "".
        flats = [flatten_record(r, arrays="summary", null=None) for r in records]
        new_columns: list[str] = []
        for flat in flats:
            new_columns.extend(self._all.absorb(flat))
        columns = self._all.columns
        strings = self._strings
        rows = []
        for flat in flats:
            values = []
            for name in columns:
                value = flat.get(name)
                if type(value) is str and len(value) <= _INTERN_MAX:
                    value = strings.setdefault(value, value)
                values.append(value)
            rows.append(tuple(values))
        if new_columns and self._show_new_columns:
            first = len(self._shown)
            self.beginInsertColumns(QModelIndex(), first, first + len(new_columns) - 1)
            self._set_shown(self._shown + new_columns)
            self.endInsertColumns()
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.records.add_page(records)
        self.endInsertRows()
        return len(rows)

    # ------------------------------------------------------------ Qt overrides
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if row >= len(self._rows) or column >= len(self._shown):
            return None
        values = self._rows[row]
        i = self._shown_index[column]
        value = values[i] if i < len(values) else None
        if value is None:
            value = ""
        if role == Qt.ItemDataRole.DisplayRole:
            named = self._shown_name_index[column]
            if named >= 0 and named < len(values) and type(values[named]) is str and values[named]:
                return values[named]  # the name, not the id; the id is in the tooltip and copies
            return self._display(value, column)
        if role == RawValueRole:
            return value
        if role == LinkRole:
            return self._shown_link[column] and value != ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._shown_numeric[column] or (type(value) in (int, float)):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            text = cell_text(value)
            if text != self.data(index):
                return text  # the value as the API sent it (ISO time, exact bytes)
            return text if len(text) > 40 else None
        if role == ColumnNameRole:
            return self._shown[column]
        return None

    def _display(self, value: Any, column: int) -> str:
        """What a cell shows: dates in local time, byte counts readable; raw on copy/export."""
        if type(value) is str:
            if looks_like_datetime(value):
                return local_datetime(value) or value
            return value
        if self._shown_bytes[column] and type(value) in (int, float):
            return human_bytes(value)
        return cell_text(value)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(section + 1)
            return None
        if not 0 <= section < len(self._shown):
            return None
        name = self._shown[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return name
        if role == ColumnNameRole:
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            sortable = self._endpoint is not None and name in self._endpoint.sort_fields
            hint = (
                "Click to sort on the server."
                if sortable
                else "The API cannot sort by this column."
            )
            description = self._descriptions.get(name)
            return f"{name}\n{description}\n{hint}" if description else f"{name}\n{hint}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._fetcher is None:
            return False
        if self._in_flight or self._loading_all or self._error is not None:
            return False
        return self._fetcher.has_more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        fetcher = self._fetcher
        assert fetcher is not None
        self._in_flight = True
        self.loading_changed.emit(True)
        self.tasks.start("fetch", self._fetch_one(self._generation, fetcher))


def _cancel_fetcher(fetcher: Any) -> None:
    cancel = getattr(fetcher, "cancel", None)
    if callable(cancel):
        cancel()
