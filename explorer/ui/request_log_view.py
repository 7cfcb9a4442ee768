"""This session's requests: a live table, the selected entry in detail, "Copy as cURL", and
"Export as HAR" (all of them, or the selected rows) to share a trace.

Entries come from the core's RequestLog (secrets already masked there). New entries arrive through
`RequestLog.subscribe`; the callback only emits a queued signal, so a request logged on any thread
reaches the table on the GUI thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import (
    ApiError,
    AuthError,
    Forbidden,
    NotFound,
    NotSubscribed,
    RateLimited,
    ServerError,
    ValidationFailed,
)
from explorer.core.har import SUFFIX as HAR_SUFFIX
from explorer.core.har import write_har
from explorer.core.requestlog import RequestLog, RequestLogEntry, to_curl
from explorer.ui import theme
from explorer.ui.async_utils import Level, TaskOwner, messages
from explorer.ui.bridge import follow
from explorer.ui.saved_queries import default_folder

_AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: The RequestLog entry behind a row.
EntryRole = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("Time", "Method", "URL", "Status", "ms", "Size")
MAX_ROWS = 5000  # the view keeps the newest entries; the core log has its own cap
BODY_PREVIEW_CHARS = 20_000


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


_EXPLAINED: dict[int, type[ApiError]] = {
    401: AuthError,
    402: NotSubscribed,
    403: Forbidden,
    404: NotFound,
    422: ValidationFailed,
    429: RateLimited,
}


def status_explanation(entry: RequestLogEntry) -> str | None:
    """What a failed request means, in the words the error tree uses (None for successes)."""
    if entry.error:
        return entry.error
    status = entry.status
    if status is None or status < 400:
        return None
    kind = _EXPLAINED.get(status) or (ServerError if status >= 500 else ApiError)
    return kind.default_explanation


def _failed(entry: RequestLogEntry) -> bool:
    """No answer, or an error answer; a 429 is counted apart (the client waits, then retries)."""
    return entry.status is None or (entry.status >= 400 and entry.status != 429)


def _rate_limited(entry: RequestLogEntry) -> bool:
    return entry.status == 429


def _replayable(entry: RequestLogEntry) -> bool:
    """A GET opens again in a tab; logins and other methods do not."""
    return entry.method.upper() == "GET"


def _time_text(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s).strftime("%H:%M:%S")


class RequestLogModel(QAbstractTableModel):
    """Rows of request-log entries, oldest first (the view sorts newest on top)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[RequestLogEntry] = []
        self.failed = 0  # entries without an answer or with a 4xx/5xx status other than 429
        self.rate_limited = 0  # 429 answers: waited out and retried by the client

    def set_entries(self, entries: list[RequestLogEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)[-MAX_ROWS:]
        self.failed = sum(1 for e in self._entries if _failed(e))
        self.rate_limited = sum(1 for e in self._entries if _rate_limited(e))
        self.endResetModel()

    def append(self, entry: RequestLogEntry) -> None:
        if len(self._entries) >= MAX_ROWS:
            self.beginRemoveRows(QModelIndex(), 0, 0)
            gone = self._entries.pop(0)
            self.failed -= _failed(gone)
            self.rate_limited -= _rate_limited(gone)
            self.endRemoveRows()
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self.failed += _failed(entry)
        self.rate_limited += _rate_limited(entry)
        self.endInsertRows()

    def entry(self, row: int) -> RequestLogEntry:
        return self._entries[row]

    def entries(self) -> list[RequestLogEntry]:
        return list(self._entries)

    def rowCount(self, parent: _AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == 3:
            return theme.status_color(entry.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return status_explanation(entry) or (entry.url if col == 2 else None)
        if role == EntryRole:
            return entry
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return self._sort_key(entry, col)
        return None

    @staticmethod
    def _display(entry: RequestLogEntry, col: int) -> str:
        if col == 0:
            return _time_text(entry.time)
        if col == 1:
            return str(entry.method)
        if col == 2:
            return str(entry.url)
        if col == 3:
            return str(entry.status) if entry.status is not None else "failed"
        if col == 4:
            return f"{entry.duration_ms:.0f}"
        return format_size(entry.response_size)

    @staticmethod
    def _sort_key(entry: RequestLogEntry, col: int) -> Any:
        keys: tuple[Callable[[RequestLogEntry], Any], ...] = (
            lambda e: e.id,
            lambda e: e.method,
            lambda e: e.url,
            lambda e: e.status or 0,
            lambda e: e.duration_ms,
            lambda e: e.response_size,
        )
        return keys[col](entry)


class _LogFilter(QSortFilterProxyModel):
    """Matches every typed word against method, URL and status; "errors" keeps failures only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = tuple(text.lower().split())
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _AnyIndex) -> bool:
        if not self._words:
            return True
        entry = self.sourceModel().index(source_row, 0, source_parent).data(EntryRole)
        failed = _failed(entry)
        text = f"{entry.method} {entry.url} {entry.status or 'failed'}".lower()
        for word in self._words:
            if word in ("errors", "error", "failed"):
                if not failed:
                    return False
            elif word not in text:
                return False
        return True


def entry_detail(entry: RequestLogEntry) -> str:
    """The selected entry as text: request line, masked headers, body previews, explanation."""
    lines = [f"{entry.method} {entry.url}"]
    status = entry.status if entry.status is not None else "no response"
    extra = [f"{entry.duration_ms:.0f} ms", format_size(entry.response_size)]
    if entry.attempt > 1:
        extra.append(f"retry {entry.attempt - 1}")
    if entry.waited_s:
        extra.append(f"waited {entry.waited_s:.2f} s for the rate limit")
    lines.append(f"→ {status}  ({', '.join(extra)})")
    explanation = status_explanation(entry)
    if explanation:
        lines += ["", f"What happened: {explanation}"]
    for title, headers in (
        ("Request headers", entry.request_headers),
        ("Response headers", entry.response_headers),
    ):
        if headers:
            lines += ["", title]
            lines += [f"  {k}: {v}" for k, v in headers]
    for title, body in (
        ("Request body", entry.request_body),
        ("Response body", entry.response_body),
    ):
        if body:
            lines += ["", title, _pretty(body)]
    if entry.truncated:
        lines.append("… (the log keeps the start of long bodies only)")
    return "\n".join(lines)


def _pretty(text: str) -> str:
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    if len(text) > BODY_PREVIEW_CHARS:
        text = (
            text[:BODY_PREVIEW_CHARS] + f"\n… ({len(text) - BODY_PREVIEW_CHARS:,} more characters)"
        )
    return text


class RequestLogView(QWidget):
    """Filter box, table and detail of the process's RequestLog.

    Signals:
        entry_added(entry): a request was logged (already on the GUI thread).
        replay_requested(entry): reopen this GET request in a tab ("Replay in a tab").
    """

    entry_added = Signal(object)
    replay_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log: RequestLog | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.model = RequestLogModel(self)
        self.proxy = _LogFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter: words of the URL, a status, or 'errors'")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.copy_button = QPushButton(theme.icon("toolbar/copy"), "Copy as cURL", self)
        self.copy_button.setToolTip(
            "Copy the selected request as a curl command; the key or token is written as "
            "$EXPLORER_API_KEY / $EXPLORER_TOKEN"
        )
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_as_curl)
        self.replay_button = QPushButton(theme.icon("toolbar/run"), "Replay in a tab", self)
        self.replay_button.setToolTip("Reopen the selected GET request in a tab of this profile")
        self.replay_button.setEnabled(False)
        self.replay_button.clicked.connect(self.replay_selected)
        self.count_label = QLabel("No requests yet", self)
        self.count_label.setProperty("role", "hint")
        self.tasks = TaskOwner("Exporting the request log as HAR")
        self._har_dialog: QFileDialog | None = None
        self.har_button = self._make_har_button()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.copy_button)
        top.addWidget(self.har_button)
        top.addWidget(self.replay_button)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, sample in (
            (0, "88:88:88"),
            (1, "DELETE"),
            (3, "failed"),
            (4, "88888"),
            (5, "888.8 KB"),
        ):
            header.resizeSection(col, self.fontMetrics().horizontalAdvance(sample) + 28)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.table.selectionModel().selectionChanged.connect(self._update_har_actions)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._entry_menu)

        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a request to see its headers and body.")
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.detail.setFont(mono)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        self._update_har_actions()

    # ------------------------------------------------------------ public API
    def set_request_log(self, request_log: RequestLog | None) -> None:
        """Show `request_log` (None detaches) and follow it live."""
        if request_log is self._log:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._log = request_log
        self.model.set_entries(list(request_log.entries()) if request_log is not None else [])
        if request_log is not None:
            self._unsubscribe = follow(request_log.subscribe, self._append, self)
        self._update_count()

    def selected_entry(self) -> RequestLogEntry | None:
        index = self.table.currentIndex()
        return index.data(EntryRole) if index.isValid() else None

    def select_row(self, view_row: int) -> None:
        self.table.selectRow(view_row)

    def copy_as_curl(self) -> str | None:
        entry = self.selected_entry()
        if entry is None or self._log is None:
            return None
        command = to_curl(entry)  # the key or token stays a $EXPLORER_* variable
        QGuiApplication.clipboard().setText(command)
        self.count_label.setText("cURL command copied")
        return command

    def selected_entries(self) -> list[RequestLogEntry]:
        """The entries of the selected rows (several with Shift or Ctrl)."""
        return [index.data(EntryRole) for index in self.table.selectionModel().selectedRows()]

    def export_har(self) -> QFileDialog | None:
        """Ask where to save every request in the log as a HAR file."""
        return self._choose_har_file(self.model.entries(), "Export the request log as HAR")

    def export_selected_har(self) -> QFileDialog | None:
        """Ask where to save the selected requests as a HAR file."""
        entries = self.selected_entries()
        what = "request" if len(entries) == 1 else f"{len(entries)} requests"
        return self._choose_har_file(entries, f"Export the selected {what} as HAR")

    async def write_har_file(self, path: Path, entries: list[RequestLogEntry]) -> int:
        """Write the HAR file off the GUI thread (atomically: a temp file, then a rename)."""
        count = await asyncio.to_thread(write_har, path, entries)
        requests = "1 request" if count == 1 else f"{count:,} requests"
        messages().post(Level.INFO, f"Saved {requests} as HAR to {path}")
        return count

    def replay_selected(self) -> RequestLogEntry | None:
        entry = self.selected_entry()
        if entry is None or not _replayable(entry):
            return None
        self.replay_requested.emit(entry)
        return entry

    def entry_menu(self) -> QMenu:
        """The selected entry's actions (the table's context menu)."""
        menu = QMenu(self)
        menu.addAction(self.copy_button.text(), self.copy_as_curl)
        replay = menu.addAction(self.replay_button.text(), self.replay_selected)
        replay.setEnabled(self.replay_button.isEnabled())
        menu.addSeparator()
        menu.addAction(self.export_selected_har_action)
        return menu

    def _entry_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.setCurrentIndex(index)
            menu = self.entry_menu()
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one menu per right-click
            menu.popup(self.table.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------ internals
    def _make_har_button(self) -> QToolButton:
        self.export_har_action = QAction("Export as HAR…", self)
        self.export_har_action.setToolTip(
            "Save every request in the log as a HAR file, which opens in a browser's network "
            "panel; keys, passwords, tokens and cookie values stay masked"
        )
        self.export_har_action.triggered.connect(self.export_har)
        self.export_selected_har_action = QAction("Export selected as HAR…", self)
        self.export_selected_har_action.setToolTip(
            "Save the selected requests (Shift or Ctrl to select several) as a HAR file"
        )
        self.export_selected_har_action.triggered.connect(self.export_selected_har)
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        menu.addAction(self.export_har_action)
        menu.addAction(self.export_selected_har_action)
        button = QToolButton(self)
        button.setText("Export HAR")
        button.setIcon(theme.icon("toolbar/export"))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setToolTip("Share a trace: save requests as a HAR file, secrets masked")
        button.setMenu(menu)
        return button

    def _update_har_actions(self) -> None:
        self.export_har_action.setEnabled(self.model.rowCount() > 0)
        self.export_selected_har_action.setEnabled(self.table.selectionModel().hasSelection())

    def _choose_har_file(self, entries: list[RequestLogEntry], title: str) -> QFileDialog | None:
        if not entries:
            messages().post(Level.INFO, "No requests to export yet.")
            return None
        name = f"explorer-trace-{datetime.now():%Y%m%d-%H%M%S}{HAR_SUFFIX}"
        dialog = QFileDialog(
            self, title, str(default_folder() / name), "HAR files (*.har);;All files (*)"
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(HAR_SUFFIX.lstrip("."))
        dialog.fileSelected.connect(
            lambda chosen: self.tasks.start("har", self.write_har_file(Path(chosen), entries))
        )
        self._har_dialog = dialog
        dialog.open()  # open(), not exec(): no nested event loop under qasync
        return dialog

    def _append(self, entry: RequestLogEntry) -> None:
        self.model.append(entry)
        self._update_count()
        self.entry_added.emit(entry)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        failed = self.model.failed
        text = f"{n} request{'s' if n != 1 else ''}" if n else "No requests yet"
        if failed:
            text += f", {failed} failed"
        limited = self.model.rate_limited
        if limited:
            text += f", {limited} × 429 waited out and retried"
        self.count_label.setText(text)
        self._update_har_actions()

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(EntryRole) if current.isValid() else None
        self.copy_button.setEnabled(entry is not None)
        self.replay_button.setEnabled(entry is not None and _replayable(entry))
        self.detail.setPlainText(entry_detail(entry) if entry is not None else "")

    def closeEvent(self, event: Any) -> None:
        self.set_request_log(None)
        super().closeEvent(event)
