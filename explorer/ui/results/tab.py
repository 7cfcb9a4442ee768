"""One results tab: the query builder above, the paged table with its detail panel below.

The tab owns its tasks (a page request lives in the model; "Load all", a single-record fetch and
exports live here) and cancels them when it closes. Sorting goes to the server: a click on a
sortable column header re-runs the query sorted by it; the table never re-sorts loaded rows by
itself, because with partial pages that would look global and be wrong.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import Endpoint, PaginationKind
from explorer.core.errors import ExplorerError
from explorer.core.humanize import format_duration
from explorer.core.paging import PageFetcher
from explorer.core.query import Query, SortKey, build_params, build_path
from explorer.ui.async_utils import describe_error, error_details
from explorer.ui.results.column_chooser import ColumnChooser
from explorer.ui.results.detail_panel import DetailPanel
from explorer.ui.results.export_dialog import (
    ExportDialog,
    ExportProgressDialog,
    ExportRequest,
    ExportScope,
    suggested_file_name,
)
from explorer.ui.results.find_bar import FindBar, FindProxyModel
from explorer.ui.results.links import (
    LINK_CURSOR,
    LinkDelegate,
    RelatedTarget,
    targets_for_field,
    targets_for_record,
)
from explorer.ui.results.query_builder import QueryBuilder
from explorer.ui.results.table_model import LazyRecords, LinkRole, RecordTableModel

if TYPE_CHECKING:
    from explorer.core.ratelimit import BudgetSnapshot, RateGovernor
    from explorer.ui.context import AppContext

log = logging.getLogger(__name__)

# Waits shorter than this pass unremarked (a full window frees a slot within moments).
WAIT_SHOWN_FROM_S = 0.5


class ErrorBanner(QFrame):
    """A calm inline message with Retry: what went wrong and what to do, never a traceback.

    Signals:
        retry_requested(): Retry was pressed.
    """

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(self.retry_requested)
        layout.addWidget(self.retry_button)
        dismiss = QToolButton()
        dismiss.setText("✕")
        dismiss.setAutoRaise(True)
        dismiss.setToolTip("Hide this message")
        dismiss.clicked.connect(self.hide)
        layout.addWidget(dismiss)
        self.hide()

    def show_error(self, exc: BaseException, *, kept: int = 0, retry: bool = True) -> None:
        text = describe_error(exc)
        if kept:
            text += f" The {kept:,} rows loaded so far are kept."
        self.text.setText(text)
        self.setToolTip(error_details(exc))
        self.retry_button.setVisible(retry)
        self.show()


class ResultsTab(QWidget):
    """A query on one endpoint and its results.

    Signals:
        open_related(str, object): open another endpoint (id) with a Query, in a new tab.
        title_changed(str): the tab's title changed.
        _budget_changed(object): internal; moves governor snapshots onto the GUI thread.
    """

    open_related = Signal(str, object)
    title_changed = Signal(str)
    _budget_changed = Signal(object)

    def __init__(
        self,
        context: AppContext,
        endpoint: Endpoint,
        query: Query | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._endpoint = endpoint
        self._query: Query | None = None
        self._load_all_task: asyncio.Task[None] | None = None
        self._single_task: asyncio.Task[None] | None = None
        self._exports: list[ExportProgressDialog] = []
        self._export_dialog: ExportDialog | None = None
        self._export_dir: Path | None = None
        self._last_title = ""
        self._closed = False
        self._load_all_failed = False
        self._runs = 0  # counts runs, so a Load all cancelled by a new run stays quiet

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)

        # --- query builder, collapsible
        head = QHBoxLayout()
        self.collapse_button = QToolButton()
        self.collapse_button.setCheckable(True)
        self.collapse_button.setAutoRaise(True)
        self.collapse_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.collapse_button.toggled.connect(self._set_collapsed)
        head.addWidget(self.collapse_button)
        self.endpoint_label = QLabel(f"{endpoint.method} {endpoint.path}")
        self.endpoint_label.setProperty("role", "hint")
        self.endpoint_label.setToolTip(endpoint.description or endpoint.summary)
        head.addWidget(self.endpoint_label)
        head.addStretch(1)
        layout.addLayout(head)

        profile = getattr(context, "profile", None)
        self.builder = QueryBuilder(
            endpoint,
            getattr(context, "catalog", None),
            getattr(profile, "base_url", ""),
            default_page_size=getattr(profile, "page_size", None),
        )
        self.builder.run_requested.connect(self.run)
        self.builder.message.connect(self.show_status)
        self.builder.other_endpoint_pasted.connect(self._other_endpoint_pasted)
        layout.addWidget(self.builder)

        self.banner = ErrorBanner()
        self.banner.retry_requested.connect(self.retry)
        layout.addWidget(self.banner)

        # --- counts, Load all, find, columns, export
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.count_label = QLabel("Not run yet")
        bar.addWidget(self.count_label)
        self.load_all_button = QPushButton("Load all")
        self.load_all_button.setToolTip("Fetch every remaining page into the table")
        self.load_all_button.clicked.connect(self.start_load_all)
        bar.addWidget(self.load_all_button)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        bar.addWidget(self.progress)
        self.progress_label = QLabel()
        self.progress_label.setProperty("role", "hint")
        self.progress_label.hide()
        bar.addWidget(self.progress_label)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop loading; the rows loaded so far stay")
        self.cancel_button.clicked.connect(self.cancel_load_all)
        self.cancel_button.hide()
        bar.addWidget(self.cancel_button)
        self.wait_label = QLabel()
        self.wait_label.setProperty("role", "hint")
        self.wait_label.setToolTip(
            "Requests wait so the API's rate limit is not exceeded; they continue by themselves."
        )
        self.wait_label.hide()
        bar.addWidget(self.wait_label)
        bar.addStretch(1)
        self.find_bar = FindBar()
        self.find_bar.setMaximumWidth(420)
        bar.addWidget(self.find_bar, 1)
        self.columns_button = QPushButton("Columns…")
        self.columns_button.setToolTip(
            "Show, hide and reorder columns (remembered for this endpoint)"
        )
        self.columns_button.clicked.connect(self.choose_columns)
        bar.addWidget(self.columns_button)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Export to CSV (Ctrl+E)")
        self.export_button.clicked.connect(lambda: self.open_export_dialog())
        bar.addWidget(self.export_button)
        layout.addLayout(bar)

        # --- table and detail panel
        self.model = RecordTableModel(self)
        self.proxy = FindProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(False)
        self.table.setMouseTracking(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.table.setItemDelegate(LinkDelegate(self.table))
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setDefaultSectionSize(140)
        header.setStretchLastSection(False)
        header.sectionClicked.connect(self._header_clicked)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.table.clicked.connect(self._cell_clicked)
        self.table.entered.connect(self._cell_entered)
        self.table.selectionModel().currentChanged.connect(self._current_changed)

        self.detail = DetailPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 320])
        layout.addWidget(self.splitter, 1)

        self.status_label = QLabel()
        self.status_label.setProperty("role", "hint")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.model.counts_changed.connect(self._update_counts)
        self.model.loading_changed.connect(lambda _on: self._update_counts())
        self.model.fetch_failed.connect(self._fetch_failed)
        self.model.notice.connect(self.show_status)
        self.model.modelReset.connect(self.detail.clear)
        self.model.modelReset.connect(lambda: self._show_sort_indicator())
        self.model.columnsInserted.connect(lambda *_: self._show_sort_indicator())
        self.find_bar.text_changed.connect(self.proxy.start_search)
        self.proxy.search_finished.connect(self._show_find_count)
        self.proxy.rowsInserted.connect(lambda *_: self._show_find_count(self.proxy.rowCount()))

        self._wait_until = 0.0
        self._wait_reason = ""
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(250)
        self._wait_timer.timeout.connect(self._show_wait)
        self._unsubscribe_budget = self._follow_budget(getattr(context, "governor", None))

        for keys, slot in (
            ("Ctrl+Return", self.builder.request_run),
            ("Ctrl+Enter", self.builder.request_run),
            ("Ctrl+F", self.find_bar.activate),
            ("Ctrl+E", lambda: self.open_export_dialog()),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self._set_collapsed(False)
        if query is not None:
            self.builder.set_query(query)
        self._update_counts()
        self._emit_title()
        if self.builder.is_valid():
            self.run(self.builder.query())
        else:
            self.show_status("Fill in the marked fields, then Run.")

    # ------------------------------------------------------------ public API
    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def query(self) -> Query:
        """The query the table shows (or, before the first run, the one in the form)."""
        return self._query if self._query is not None else self.builder.query()

    def run(self, query: Query | None = None) -> None:
        """Run a query (default: the form's); the table starts over from the first page."""
        if self._closed:
            return
        if query is None:
            query = self.builder.query()
        if not self.builder.is_valid():
            self.show_status("Fix the marked problems first.")
            return
        if self._endpoint.method.upper() != "GET":
            # Browsing must never change data on the server.
            self.show_status(
                f"{self._endpoint.method} {self._endpoint.path} changes data on the server; "
                "only GET endpoints are fetched here."
            )
            return
        self._runs += 1
        self.cancel_load_all()
        if self._single_task is not None:
            self._single_task.cancel()
        self.banner.hide()
        self.find_bar.edit.blockSignals(True)
        self.find_bar.edit.clear()
        self.find_bar.edit.blockSignals(False)
        self.proxy.cancel()
        self._query = query
        self._show_sort_indicator()
        visible = self._saved_columns()
        if self._endpoint.pagination is PaginationKind.SINGLE:
            self.model.start(self._endpoint, None, visible_columns=visible, fetch_first=False)
            self._single_task = _create_task(self._fetch_single(query, visible))
        else:
            fetcher = PageFetcher(
                self.context.client,
                self._endpoint,
                build_params(query, self._endpoint),
                page_size=query.page_size,
                path=build_path(query, self._endpoint),
            )
            self.model.start(self._endpoint, fetcher, visible_columns=visible)
        self.proxy.start_search("")
        self.show_status("")
        self._emit_title()

    def retry(self) -> None:
        """After an error: continue where it stopped (the rows so far stay)."""
        self.banner.hide()
        if self._endpoint.pagination is PaginationKind.SINGLE or self._query is None:
            self.run(self._query)
        elif self._load_all_failed:
            self.start_load_all()
        else:
            self.model.retry()

    def start_load_all(self) -> None:
        if self._load_all_task is not None and not self._load_all_task.done():
            return
        if not self.model.has_more:
            self.show_status("Everything is loaded already.")
            return
        self.banner.hide()
        self._load_all_failed = False
        self._load_all_task = _create_task(self._load_all())

    def cancel_load_all(self) -> None:
        task = self._load_all_task
        if task is not None and not task.done():
            task.cancel()

    @property
    def load_all_task(self) -> asyncio.Task[None] | None:
        return self._load_all_task

    def choose_columns(self) -> None:
        dialog = ColumnChooser(self.model.all_columns(), self.model.visible_columns(), self)
        dialog.accepted.connect(lambda: self._columns_chosen(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def apply_columns(self, columns: list[str] | None) -> None:
        """Show these columns (None: all, in data order) and remember the choice for the endpoint."""
        store: dict[str, list[str]] | None = getattr(self.context.settings, "columns", None)
        if columns is None:
            self.model.show_all_columns()
            if store is not None:
                store.pop(self._endpoint.id, None)
        else:
            self.model.set_visible_columns(columns)
            if store is not None:
                store[self._endpoint.id] = list(columns)
        self._show_sort_indicator()
        try:
            self.context.save_settings()
        except (OSError, ExplorerError) as exc:
            self.show_status(f"The column choice could not be saved: {describe_error(exc)}")

    def open_export_dialog(self, scope: ExportScope | None = None) -> ExportDialog:
        page = self._current_page_rows()
        directory = self._export_dir or _default_export_dir()
        dialog = ExportDialog(
            page_rows=page,
            loaded=self.model.loaded_count,
            total=self.model.total_count,
            visible_columns=self.model.visible_columns(),
            all_columns_count=len(self.model.all_columns()),
            default_path=directory / suggested_file_name(self._endpoint),
            parent=self,
        )
        if scope is not None:
            dialog.set_scope(scope)
        dialog.export_requested.connect(self.start_export)
        dialog.finished.connect(dialog.deleteLater)
        self._export_dialog = dialog
        dialog.open()
        return dialog

    def start_export(self, request: ExportRequest) -> ExportProgressDialog:
        """Run an export in a progress dialog (returned; its `task` finishes with the export)."""
        self._export_dir = request.path.parent
        columns = None if request.all_columns else self.model.visible_columns()
        records = None
        if request.scope is ExportScope.PAGE:
            rows = self._current_page_rows() or range(0)
            blobs = self.model.record_blobs(rows)
            records = _decoder(blobs)
        elif request.scope is ExportScope.LOADED:
            records = _decoder(self.model.record_blobs())
        dialog = ExportProgressDialog(
            client=self.context.client,
            endpoint=self._endpoint,
            query=self.query,
            request=request,
            columns=columns,
            records=records,
            parent=self,
        )
        self._exports.append(dialog)
        dialog.export_finished.connect(lambda result: self._export_finished(result))
        dialog.show()
        dialog.start(resume=request.resume)
        return dialog

    def focus_url(self) -> None:
        """Put the cursor in the URL line (for a window shortcut such as Ctrl+L)."""
        self.builder.focus_url()

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)

    def link_targets(self, proxy_index: QModelIndex) -> list[RelatedTarget]:
        """Where the link in a table cell leads (empty for a cell that is not a link)."""
        index = self.proxy.mapToSource(proxy_index)
        if not index.isValid() or not index.data(LinkRole):
            return []
        column = self.model.column_name(index.column())
        if column is None:
            return []
        record = self.model.record(index.row())
        return targets_for_field(self._endpoint, column, record, self.context.catalog)

    def follow(self, target: RelatedTarget) -> None:
        self.open_related.emit(target.endpoint_id, target.query)
        self.show_status(f"Opened {target.label} in a new tab.")

    async def close_tab(self) -> None:
        """Cancel what runs and wait for it to stop (the window closes the tab after this)."""
        tasks = self._cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def shutdown(self) -> None:
        """Cancel what runs without waiting."""
        self._cancel_all()

    # ------------------------------------------------------------ running
    async def _fetch_single(self, query: Query, visible: list[str] | None) -> None:
        self.model.loading_changed.emit(True)
        try:
            body = await self.context.client.get_json(
                build_path(query, self._endpoint),
                params=build_params(query, self._endpoint) or None,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the banner with Retry, never as a traceback
            self.banner.show_error(exc)
            self.show_status("")
            return
        finally:
            self.model.loading_changed.emit(False)
        key = self._endpoint.records_key
        if key and isinstance(body, dict) and key in body:
            body = body[key]
        records = [r for r in (body if isinstance(body, list) else [body]) if isinstance(r, dict)]
        self.model.set_records(self._endpoint, records, visible_columns=visible)
        if records:
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    async def _load_all(self) -> None:
        run_number = self._runs
        started = time.monotonic()
        first_rows = self.model.loaded_count
        self.load_all_button.hide()
        self.progress.show()
        self.progress_label.show()
        self.cancel_button.show()

        def progress(loaded: int, total: int | None) -> None:
            elapsed = max(1e-6, time.monotonic() - started)
            rate = (loaded - first_rows) / elapsed
            if total:
                self.progress.setRange(0, total)
                self.progress.setValue(min(loaded, total))
                left = (total - loaded) / rate if rate > 0 else None
                self.progress_label.setText(f"{rate:,.0f} rows/s · {format_duration(left)} left")
            else:
                self.progress.setRange(0, 0)
                self.progress_label.setText(f"{rate:,.0f} rows/s")

        progress(self.model.loaded_count, self.model.total_count)
        try:
            await self.model.load_all(progress)
        except asyncio.CancelledError:
            if run_number == self._runs:
                self.show_status(
                    f"Load all cancelled: {self.model.loaded_count:,} rows loaded; they stay in the table."
                )
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the banner with Retry, never as a traceback
            self._load_all_failed = True
            self.banner.show_error(exc, kept=self.model.loaded_count)
        else:
            self.show_status(f"All {self.model.loaded_count:,} rows loaded.")
        finally:
            self.progress.hide()
            self.progress_label.hide()
            self.cancel_button.hide()
            self.load_all_button.show()
            self._update_counts()

    def _cancel_all(self) -> list[asyncio.Task[Any]]:
        self._closed = True
        if self._unsubscribe_budget is not None:
            self._unsubscribe_budget()
            self._unsubscribe_budget = None
        self._end_wait()
        tasks: list[asyncio.Task[Any]] = []
        for task in (
            self._load_all_task,
            self._single_task,
            self.model.fetch_task,
            self.proxy.task,
        ):
            if task is not None and not task.done():
                task.cancel()
                tasks.append(task)
        self.model.cancel_fetch()
        for dialog in self._exports:
            task = dialog.task
            if task is not None and not task.done():
                task.cancel()
                tasks.append(task)
        return tasks

    # ------------------------------------------------------------ waiting for the rate limit
    def _follow_budget(self, governor: RateGovernor | None) -> Callable[[], None] | None:
        if governor is None:
            return None
        self._budget_changed.connect(self._budget_snapshot, Qt.ConnectionType.QueuedConnection)
        unsubscribe = governor.subscribe(self._budget_changed.emit)
        # A tab deleted without close_tab() must not stay subscribed to the profile's governor.
        self.destroyed.connect(lambda *_: unsubscribe())
        return unsubscribe

    def _budget_snapshot(self, snapshot: BudgetSnapshot) -> None:
        """While this tab loads and requests wait (a 429 pause or a full window), say so."""
        if not snapshot.waiting:
            self._end_wait()
        elif snapshot.current_wait_s >= WAIT_SHOWN_FROM_S and self._busy():
            self._wait_until = time.monotonic() + snapshot.current_wait_s
            self._wait_reason = snapshot.pause_reason  # e.g. what Retry-After asked, and the cap
            self._wait_timer.start()
            self._show_wait()

    def _show_wait(self) -> None:
        left = self._wait_until - time.monotonic()
        if left <= 0 or not self._busy():
            self._end_wait()
            return
        why = f" ({self._wait_reason})" if self._wait_reason else ""
        self.wait_label.setText(
            f"Waiting {format_duration(math.ceil(left))} for the rate limit{why}…"
        )
        self.wait_label.show()
        self.progress_label.hide()  # its rate and time left mean little during a pause

    def _end_wait(self) -> None:
        self._wait_timer.stop()
        self.wait_label.hide()
        loading_all = self._load_all_task is not None and not self._load_all_task.done()
        self.progress_label.setVisible(loading_all)

    def _busy(self) -> bool:
        single = self._single_task is not None and not self._single_task.done()
        return self.model.is_loading or single

    # ------------------------------------------------------------ reactions
    def _fetch_failed(self, exc: BaseException) -> None:
        self.banner.show_error(exc, kept=self.model.loaded_count)
        self._update_counts()

    def _update_counts(self) -> None:
        loaded = self.model.loaded_count
        total = self.model.total_count
        if self._query is None and loaded == 0:
            text = "Not run yet"
        elif loaded == 0 and self.model.error is not None:
            text = "Nothing loaded"
        elif total is not None:
            text = f"{loaded:,} of {total:,} loaded"
        elif self.model.has_more:
            text = f"{loaded:,} loaded, more available"
        else:
            text = f"{loaded:,} loaded"
        if self.model.is_loading:
            text += " · loading…"
        self.count_label.setText(text)
        self.load_all_button.setEnabled(self.model.has_more and self.model.error is None)
        self.export_button.setEnabled(self._query is not None)

    def _show_find_count(self, matches: int) -> None:
        self.find_bar.show_count(matches, self.model.loaded_count)

    def _header_clicked(self, section: int) -> None:
        name = self.model.column_name(section)
        if name is None:
            return
        sortable = self._endpoint.sort_fields
        if name not in sortable:
            self._show_sort_indicator()
            if sortable:
                self.show_status(
                    f"The API cannot sort by {name}. Sortable here: {', '.join(sortable)}."
                )
            else:
                self.show_status(
                    f"The API cannot sort {self._endpoint.path}; rows come in its own order."
                )
            return
        current = self.query.sorts
        descending = bool(current) and current[0].field == name and not current[0].descending
        sorts = (SortKey(name, descending),)
        self.builder.set_sorts(sorts)
        arrow = "descending" if descending else "ascending"
        self.run(self.builder.query())
        self.show_status(f"Sorted by {name}, {arrow}, on the server.")

    def _show_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        sorts = self.query.sorts if self._query is not None else ()
        column = self.model.column_of(sorts[0].field) if sorts else -1
        order = (
            Qt.SortOrder.DescendingOrder
            if sorts and sorts[0].descending
            else Qt.SortOrder.AscendingOrder
        )
        header.setSortIndicator(column, order)

    def _header_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        section = header.logicalIndexAt(pos)
        name = self.model.column_name(section)
        menu = _transient_menu(self)
        if name is not None:
            hide = menu.addAction(f"Hide {name}")
            hide.triggered.connect(
                lambda: self.apply_columns([c for c in self.model.visible_columns() if c != name])
            )
            if name in self._endpoint.sort_fields:
                for descending, label in ((False, "ascending"), (True, "descending")):
                    action = menu.addAction(f"Sort by {name}, {label}")
                    action.triggered.connect(lambda _c=False, d=descending: self._sort_by(name, d))
        menu.addAction("Columns…").triggered.connect(self.choose_columns)
        menu.popup(header.mapToGlobal(pos))

    def _sort_by(self, name: str, descending: bool) -> None:
        self.builder.set_sorts((SortKey(name, descending),))
        self.run(self.builder.query())

    def _columns_chosen(self, dialog: ColumnChooser) -> None:
        self.apply_columns(None if dialog.reset_requested else dialog.chosen())

    def _saved_columns(self) -> list[str] | None:
        store = getattr(self.context.settings, "columns", None) or {}
        saved = store.get(self._endpoint.id)
        return list(saved) if saved else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        index = self.proxy.mapToSource(current)
        if not index.isValid():
            self.detail.clear()
            return
        row = index.row()
        self.detail.show_record(
            self.model.record(row), f"Row {row + 1} of {self.model.loaded_count:,}"
        )
        self.detail.set_cell_value(index.data())

    def _cell_clicked(self, proxy_index: QModelIndex) -> None:
        targets = self.link_targets(proxy_index)
        if not targets:
            return
        if len(targets) == 1:
            self.follow(targets[0])
            return
        menu = _transient_menu(self)
        for target in targets:
            menu.addAction(target.label).triggered.connect(
                lambda _c=False, t=target: self.follow(t)
            )
        rect = self.table.visualRect(proxy_index)
        menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))

    def _cell_entered(self, proxy_index: QModelIndex) -> None:
        if proxy_index.data(LinkRole):
            self.table.viewport().setCursor(LINK_CURSOR)
        else:
            self.table.viewport().unsetCursor()

    def _row_menu(self, pos: QPoint) -> None:
        menu = self.row_menu(self.table.indexAt(pos))
        if menu is not None:
            menu.popup(self.table.viewport().mapToGlobal(pos))

    def row_menu(self, proxy_index: QModelIndex) -> QMenu | None:
        """The context menu of a row: its related records, copy value, copy record."""
        index = self.proxy.mapToSource(proxy_index)
        if not index.isValid():
            return None
        record = self.model.record(index.row())
        menu = _transient_menu(self)
        related = menu.addMenu("Open related…")
        targets = targets_for_record(self._endpoint, record, self.context.catalog)
        for target in targets:
            related.addAction(target.label).triggered.connect(
                lambda _c=False, t=target: self.follow(t)
            )
        related.setEnabled(bool(targets))
        menu.addSeparator()
        copy_value = QAction("Copy value", menu)
        copy_value.triggered.connect(
            lambda: QGuiApplication.clipboard().setText(str(index.data() or ""))
        )
        menu.addAction(copy_value)
        copy_record = QAction("Copy record", menu)
        copy_record.triggered.connect(lambda: QGuiApplication.clipboard().setText(_pretty(record)))
        menu.addAction(copy_record)
        return menu

    def _other_endpoint_pasted(self, endpoint_id: str, query: Query) -> None:
        self.open_related.emit(endpoint_id, query)
        self.show_status(f"That URL is for {endpoint_id}; it opened in a new tab.")

    def _export_finished(self, result: Any) -> None:
        if isinstance(result, BaseException):
            self.show_status(f"Export stopped: {describe_error(result)}")
        else:
            self.show_status(f"Exported {result.rows_written:,} rows to {result.path}.")

    def _current_page_rows(self) -> range | None:
        if self.model.loaded_count == 0:
            return None
        index = self.proxy.mapToSource(self.table.currentIndex())
        row = (
            index.row()
            if index.isValid()
            else self.proxy.mapToSource(self.table.indexAt(QPoint(0, 0))).row()
        )
        return self.model.page_rows(max(0, row))

    def _set_collapsed(self, collapsed: bool) -> None:
        self.builder.set_collapsed(collapsed)
        self.collapse_button.setText("▸ Query" if collapsed else "▾ Query")
        self.collapse_button.setToolTip(
            "Show the query form" if collapsed else "Hide the query form"
        )

    def _emit_title(self) -> None:
        base = self._endpoint.summary or self._endpoint.path
        query = self._query or self.builder.query()
        extras = []
        values = [str(v) for v in query.path_params.values() if v]
        if values:
            extras.append(", ".join(values))
        if query.filters:
            extras.append(f"{len(query.filters)} filter{'s' if len(query.filters) != 1 else ''}")
        title = f"{base} ({'; '.join(extras)})" if extras else base
        if title != self._last_title:
            self._last_title = title
            self.title_changed.emit(title)


def _transient_menu(parent: QWidget) -> QMenu:
    """A popup menu that deletes itself once closed (menus are built anew for each click)."""
    menu = QMenu(parent)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return menu


def _create_task(coro: Any) -> asyncio.Task[Any]:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    return loop.create_task(coro)


def _decoder(blobs: list[bytes]) -> Any:
    async def decode() -> LazyRecords:
        return LazyRecords(blobs)  # decoded slice by slice by the export's worker thread

    return decode


def _pretty(record: Any) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False)


def _default_export_dir() -> Path:
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.home()
