"""Find in loaded rows: a proxy that hides non-matching rows, filled in chunks so it stays fast.

The match set is computed in slices of rows with a pause between them (the window keeps painting
while 100,000 rows are searched); the proxy then consults that bitmap, which is O(1) per row.
Rows appended while a search is active are checked as they arrive. The search is over what is
loaded only: while it is active the proxy does not ask for more pages.

A row filter (a click on a column summary's bar where the API cannot filter) narrows the rows the
same way, computed in slices too; a row shows when it passes both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from explorer.ui.async_utils import TaskOwner
from explorer.ui.results.table_model import RecordTableModel

_CHUNK = 4000  # rows matched per slice (~10 ms)

Index = QModelIndex | QPersistentModelIndex
#: Which of these source rows pass (one bool each).
RowFilter = Callable[[range], Sequence[bool]]


class FindProxyModel(QSortFilterProxyModel):
    """Shows the rows of a RecordTableModel whose text contains a needle (case-insensitive).

    Signals:
        search_finished(int): the matches of the current needle are known (their count).
    """

    search_finished = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._matches: bytearray | None = None
        self._row_filter: RowFilter | None = None
        self._row_matches = bytearray()
        self.tasks = TaskOwner("Find")

    @property
    def task(self) -> asyncio.Task[Any] | None:
        """The search in progress, if any."""
        return self.tasks.get("search")

    @property
    def needle(self) -> str:
        return self._needle

    def records_model(self) -> RecordTableModel:
        model = self.sourceModel()
        assert isinstance(model, RecordTableModel)
        return model

    async def search(self, text: str) -> int:
        """Filter to the rows containing `text`; returns the number of matching rows."""
        needle = text.strip().lower()
        self.tasks.cancel("search")  # an older search (never the one calling)
        model = self.records_model()
        if not needle:
            self._set_matches("", None)
            self.search_finished.emit(model.rowCount())
            return model.rowCount()
        matches = bytearray()
        row = 0
        while row < model.rowCount():
            stop = min(row + _CHUNK, model.rowCount())
            matches.extend(needle in model.row_text(r) for r in range(row, stop))
            row = stop
            if row < model.rowCount():
                await asyncio.sleep(0)
        self._set_matches(needle, matches)
        count = self.rowCount()
        self.search_finished.emit(count)
        return count

    @property
    def row_filter(self) -> RowFilter | None:
        return self._row_filter

    async def filter_rows(self, row_filter: RowFilter) -> int:
        """Show only the rows `row_filter` passes (and the find matches); returns how many show."""
        self.tasks.cancel("rows")  # an older one (never the one calling)
        model = self.records_model()
        passed = bytearray()
        row = 0
        while row < model.rowCount():
            stop = min(row + _CHUNK, model.rowCount())
            passed.extend(row_filter(range(row, stop)))
            row = stop
            if row < model.rowCount():
                await asyncio.sleep(0)
        self.beginFilterChange()
        self._row_filter, self._row_matches = row_filter, passed
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        count = self.rowCount()
        self.search_finished.emit(count)
        return count

    def start_row_filter(self, row_filter: RowFilter) -> None:
        self.tasks.start("rows", self.filter_rows(row_filter))

    def clear_row_filter(self) -> None:
        self.tasks.cancel("rows")
        if self._row_filter is None:
            return
        self.beginFilterChange()
        self._row_filter, self._row_matches = None, bytearray()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        self.search_finished.emit(self.rowCount())

    def _set_matches(self, needle: str, matches: bytearray | None) -> None:
        self.beginFilterChange()
        self._needle, self._matches = needle, matches
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def start_search(self, text: str) -> None:
        """Start `search` as a task (cancelling one still running)."""
        self.tasks.start("search", self.search(text))

    def cancel(self) -> None:
        self.tasks.cancel("search")

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row_filter = self._row_filter
        if row_filter is not None:
            passed = self._row_matches
            if source_row < len(passed):
                if not passed[source_row]:
                    return False
            elif not row_filter(range(source_row, source_row + 1))[0]:
                return False
        if not self._needle:
            return True
        matches = self._matches
        if matches is not None and source_row < len(matches):
            return bool(matches[source_row])
        return self._needle in self.records_model().row_text(source_row)

    def canFetchMore(self, parent: Index) -> bool:
        # "Find" searches what is loaded; scrolling through matches must not pull more pages.
        return not self._needle and self._row_filter is None and super().canFetchMore(parent)


class FindBar(QWidget):
    """The "find in loaded rows" box with its match count.

    Signals:
        text_changed(str): the text to find (debounced).
    """

    text_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Find in loaded rows (Ctrl+F)")
        self.edit.setProperty("role", "search")
        self.edit.setClearButtonEnabled(True)
        layout.addWidget(self.edit, 1)
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        layout.addWidget(self.count_label)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(lambda: self.text_changed.emit(self.edit.text()))
        self.edit.textChanged.connect(lambda _t: self._debounce.start())
        self.edit.returnPressed.connect(self.flush)

    def flush(self) -> None:
        """Apply the text now (Enter, or a test that does not want to wait for the debounce)."""
        self._debounce.stop()
        self.text_changed.emit(self.edit.text())

    def show_count(self, matches: int, loaded: int) -> None:
        if not self.edit.text().strip():
            self.count_label.setText("")
        else:
            self.count_label.setText(f"{matches:,} of {loaded:,} loaded rows match")

    def activate(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def clear(self) -> None:
        self.edit.clear()
        self.flush()
