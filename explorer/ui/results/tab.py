"""One results tab: the query builder above, the paged table with its detail panel below.

The tab owns its tasks (a page request lives in the model; "Load all", a single-record fetch and
exports live here) and cancels them when it closes. Sorting goes to the server: a click on a
sortable column header re-runs the query sorted by it; the table never re-sorts loaded rows by
itself, because with partial pages that would look global and be wrong.
"""

from __future__ import annotations

import asyncio
import csv
import io
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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import Endpoint, PaginationKind
from explorer.core.errors import AuthError, ExplorerError, PageLimitReached
from explorer.core.export import ExportFormat
from explorer.core.exportjob import ExportJob
from explorer.core.fetch import empty_reason
from explorer.core.flatten import cell_text
from explorer.core.humanize import format_duration
from explorer.core.query import Query, SortKey
from explorer.ui.async_utils import describe_error
from explorer.ui.banner import Banner
from explorer.ui.bridge import follow
from explorer.ui.results.column_chooser import ColumnChooser
from explorer.ui.results.controller import ResultsController
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
    record_title,
    targets_for_field,
    targets_for_record,
)
from explorer.ui.results.query_builder import QueryBuilder
from explorer.ui.results.summary_panel import LocalFilterBar, SummaryPanel
from explorer.ui.results.table_model import LinkRole, RawValueRole, RecordTableModel

if TYPE_CHECKING:
    from explorer.core.ratelimit import BudgetSnapshot, RateGovernor
    from explorer.ui.context import AppContext

log = logging.getLogger(__name__)

# Columns are fitted to the first rows' content once per query, within these bounds (px).
COLUMN_FIT_SAMPLE_ROWS = 100
COLUMN_WIDTH_MIN = 48
COLUMN_WIDTH_CAP = 320
# Waits shorter than this pass unremarked (a full window frees a slot within moments).
WAIT_SHOWN_FROM_S = 0.5


class ResultsTab(QWidget):
    """A query on one endpoint and its results.

    Signals:
        open_related(str, object, str): open another endpoint (id) with a Query, in a new tab,
            titled by the third argument ("" for the endpoint's own title).
        title_changed(str): the tab's title changed.
        edit_profile_requested(): the API refused the credential; the profile needs fixing.
    """

    open_related = Signal(str, object, str)
    title_changed = Signal(str)
    edit_profile_requested = Signal()

    def __init__(
        self,
        context: AppContext,
        endpoint: Endpoint,
        query: Query | None = None,
        parent: QWidget | None = None,
        *,
        title: str = "",
        run_now: bool = True,
    ) -> None:
        super().__init__(parent)
        # A restored tab that is not shown waits to run until it is (no burst of requests).
        self._run_when_shown = False
        self.context = context
        self._endpoint = endpoint
        self._fixed_title = title  # "Client: Wonka Logistics" when opened from a link
        self._exports: list[ExportProgressDialog] = []
        self._export_dialog: ExportDialog | None = None
        self._export_dir: Path | None = None
        self._export_format = ExportFormat.CSV  # the last one chosen, offered again
        self._last_title = ""
        self._closed = False

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
        self.builder.stop_requested.connect(self.stop)
        self.builder.message.connect(self.show_status)
        self.builder.other_endpoint_pasted.connect(self._other_endpoint_pasted)
        layout.addWidget(self.builder)

        self.banner = Banner()
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
        # Run reads Stop while anything of this tab is on its way; recomputed on a zero timer
        # because a cancel settles the model's and the controller's flags one after the other.
        self._run_button_sync = QTimer(self)
        self._run_button_sync.setSingleShot(True)
        self._run_button_sync.setInterval(0)
        self._run_button_sync.timeout.connect(self._sync_run_button)
        self._columns_fitted = False  # fitted once per query, after its first rows
        self.controller = ResultsController(context, endpoint, self.model, self)
        self.tasks = self.controller.tasks
        self.controller.status.connect(self.show_status)
        self.controller.failed.connect(self._show_failure)
        self.controller.single_loaded.connect(self._single_loaded)
        self.controller.load_all_running.connect(self._load_all_running)
        self.controller.load_all_progress.connect(self._load_all_progress)
        self.proxy = FindProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Cells, not rows: select a block and Ctrl+C copies it as TSV for a spreadsheet.
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
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

        copy_cells = QAction("Copy cells", self.table)
        copy_cells.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy_cells.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_cells.triggered.connect(self.copy_selection)
        self.table.addAction(copy_cells)

        self.detail = DetailPanel()
        # The record, and beside it the column summary once asked for, share the side panel.
        self.side = QTabWidget()
        self.side.setDocumentMode(True)
        self.side.setTabBarAutoHide(True)
        self.side.addTab(self.detail, "Record")
        self.local_filter = LocalFilterBar(self.model, self.proxy)
        layout.addWidget(self.local_filter)
        self.summary = SummaryPanel(self, self.side, self.local_filter)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([820, 400])  # the record panel wide enough to read, resizable
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(1, False)
        if endpoint.pagination is PaginationKind.SINGLE:
            # One record is a form, not a one-row grid: the fields take the tab.
            self.table.hide()
            self.columns_button.hide()
            self.load_all_button.hide()
            self.find_bar.hide()
        layout.addWidget(self.splitter, 1)

        self.status_label = QLabel()
        self.status_label.setProperty("role", "hint")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.model.counts_changed.connect(self._update_counts)
        self.model.loading_changed.connect(lambda _on: self._update_counts())
        self.model.fetch_failed.connect(self._fetch_failed)
        self.model.page_loaded.connect(lambda _n: self._fit_columns_once())
        self.model.page_loaded.connect(lambda _n: self._select_first_row())
        self.model.modelReset.connect(self._forget_fit)
        self.model.notice.connect(self._paging_notice)
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
            ("Ctrl+Shift+S", lambda: self.summarize_column()),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self._set_collapsed(False)
        if query is not None:
            self.builder.set_query(query)
        self._update_counts()
        self._emit_title()
        if not self.builder.is_valid():
            self.show_status("Fill in the marked fields, then Run.")
        elif run_now:
            self.run(self.builder.query())
        else:
            self._run_when_shown = True
            self.show_status("Runs when you open this tab.")

    def shown(self) -> None:
        """The tab became the current one: run it now if it was restored waiting."""
        if self._run_when_shown:
            self._run_when_shown = False
            self.run(self.builder.query())

    # ------------------------------------------------------------ public API
    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def title(self) -> str:
        """The tab's title now: a link's ("Client: Wonka Logistics"), or the endpoint's with
        its path values and filter count ("List hardware assets (1 filter)")."""
        return self._last_title or self._endpoint.summary or self._endpoint.path

    @property
    def query(self) -> Query:
        """The query the table shows (or, before the first run, the one in the form)."""
        return self.controller.query if self.controller.query is not None else self.builder.query()

    def run(self, query: Query | None = None) -> None:
        """Run a query (default: the form's); the table starts over from the first page."""
        if self._closed:
            return
        if query is None:
            query = self.builder.query()
        if not self.controller.run(
            query, visible_columns=self._saved_columns(), before_start=self._starting_over
        ):
            return
        self.proxy.start_search("")
        self.show_status("")
        self._emit_title()

    def _starting_over(self) -> None:
        self.banner.hide()
        self.find_bar.edit.blockSignals(True)
        self.find_bar.edit.clear()
        self.find_bar.edit.blockSignals(False)
        self.proxy.cancel()
        self._show_sort_indicator()

    def retry(self) -> None:
        """After an error: continue where it stopped (the rows so far stay)."""
        self.banner.hide()
        self.controller.retry(visible_columns=self._saved_columns())

    def start_load_all(self) -> None:
        self.banner.hide()
        self.controller.start_load_all()

    def cancel_load_all(self) -> None:
        self.controller.cancel_load_all()

    def stop(self) -> None:
        """Stop every request of this tab; the rows loaded so far stay."""
        loading_all = self.controller.loading_all  # it says itself that it was cancelled
        self.controller.stop()
        if not loading_all:
            self.show_status(
                f"Stopped: {self.model.loaded_count:,} rows loaded; they stay in the table."
            )
        self._update_counts()

    @property
    def load_all_task(self) -> asyncio.Task[Any] | None:
        return self.tasks.get("load all")

    def summarize_column(self, name: str | None = None) -> None:
        """Open the column summary on `name` (default: the current cell's column)."""
        if name is None:
            name = self.model.column_name(self.table.currentIndex().column())
        if name is None:
            self.show_status("Select a cell of the column to summarize first.")
            return
        self.summary.summarize(name)

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
            default_path=directory / suggested_file_name(self._endpoint, self._export_format),
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
        self._export_format = request.options.format
        columns = None if request.all_columns else self.model.visible_columns()
        options = {"options": request.options, "columns": columns}
        if request.scope is ExportScope.ALL:
            job = ExportJob.for_query(
                self.context.client, self._endpoint, self.query, request.path, **options
            )
        else:
            rows = None  # every loaded row
            if request.scope is ExportScope.PAGE:
                rows = self._current_page_rows() or range(0)
            # Decoded slice by slice by the export's worker thread, never all at once here.
            job = ExportJob.for_records(
                self.model.records.lazy(rows), self._endpoint, request.path, **options
            )
        dialog = ExportProgressDialog(job, parent=self)
        self._exports.append(dialog)
        dialog.export_finished.connect(lambda result: self._export_finished(result))
        dialog.show()
        dialog.start(resume=request.resume)
        return dialog

    def _forget_fit(self) -> None:
        self._columns_fitted = False

    def _fit_columns_once(self) -> None:
        """After a query's first rows: each column as wide as its content, within a cap."""
        if self._columns_fitted or self.model.rowCount() == 0:
            return
        self._columns_fitted = True
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        sample = range(min(self.model.rowCount(), COLUMN_FIT_SAMPLE_ROWS))
        for column in range(self.model.columnCount()):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            widest = metrics.horizontalAdvance(title) + 28  # room for the sort arrow
            for row in sample:
                text = self.model.index(row, column).data() or ""
                widest = max(widest, metrics.horizontalAdvance(text) + 16)
                if widest >= COLUMN_WIDTH_CAP:
                    break
            header.resizeSection(column, max(COLUMN_WIDTH_MIN, min(widest, COLUMN_WIDTH_CAP)))

    def selection_tsv(self) -> str:
        """The selected cells as tab-separated text, values as the API sent them (ISO dates,
        exact bytes); a block of rows and columns pastes into a spreadsheet cell for cell."""
        indexes = [self.proxy.mapToSource(i) for i in self.table.selectedIndexes()]
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        picked = {(i.row(), i.column()) for i in indexes}
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        for row in rows:
            writer.writerow(
                [
                    cell_text(self.model.index(row, c).data(RawValueRole))
                    if (row, c) in picked
                    else ""
                    for c in columns
                ]
            )
        return buffer.getvalue()

    def copy_selection(self) -> None:
        text = self.selection_tsv()
        if text:
            QGuiApplication.clipboard().setText(text)
            cells = len(self.table.selectedIndexes())
            self.show_status(f"Copied {cells:,} cell{'s' if cells != 1 else ''} (tab-separated).")

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
        self.open_related.emit(target.endpoint_id, target.query, target.title)
        self.show_status(f"Opened {target.title or target.label} in a new tab.")

    async def close_tab(self) -> None:
        """Cancel what runs and wait for it to stop (the window closes the tab after this)."""
        tasks = self._cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def shutdown(self) -> None:
        """Cancel what runs without waiting."""
        self._cancel_all()

    # ------------------------------------------------------------ running
    def _raise_page_cap(self) -> None:
        """The user lifts the page cap: the walk goes on from where it stopped."""
        if self.model.allow_more_pages():
            self.show_status("The page cap is raised; loading goes on from where it stopped.")
            self.start_load_all()

    def _paging_notice(self, text: str) -> None:
        """A walk that ended short of what the API announced is said where it cannot be missed."""
        self.banner.show_message(text, action="Run again", on_action=lambda: self.run(self.query))

    def _show_failure(self, exc: BaseException, kept: int) -> None:
        if isinstance(exc, PageLimitReached):
            self.banner.show_error(
                exc, kept=kept, action="Allow as many pages again", on_action=self._raise_page_cap
            )
            return
        if isinstance(exc, AuthError):
            # Retrying the same credential cannot help: offer to fix it.
            self.banner.show_error(
                exc, kept=kept, action="Edit profile…", on_action=self.edit_profile_requested.emit
            )
            return
        self.banner.show_error(exc, kept=kept, action="Retry", on_action=self.retry)

    def _select_first_row(self) -> None:
        """After a query's first rows, show the first record (the panel is never idle)."""
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    def _single_loaded(self, count: int) -> None:
        if count:
            self.table.setCurrentIndex(self.proxy.index(0, 0))
            self.detail.fit_fields()
            if not self._fixed_title:  # "Unit: Sensorgehäuse U-3" rather than "Unit (3)"
                self._fixed_title = record_title(
                    self._endpoint, self.model.record(0), getattr(self.context, "catalog", None)
                )
                self._emit_title()

    def _load_all_running(self, running: bool) -> None:
        self.load_all_button.setVisible(not running)
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.cancel_button.setVisible(running)
        if not running:
            self._update_counts()

    def _load_all_progress(self, loaded: int, total: int | None, speed: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(loaded, total))
        else:
            self.progress.setRange(0, 0)
        self.progress_label.setText(speed)

    def _cancel_all(self) -> list[asyncio.Task[Any]]:
        self._closed = True
        if self._unsubscribe_budget is not None:
            self._unsubscribe_budget()
            self._unsubscribe_budget = None
        self._end_wait()
        tasks = self.controller.cancel_all() + self.proxy.tasks.cancel_all()
        tasks += self.summary.tasks.cancel_all()
        for dialog in self._exports:
            tasks += dialog.tasks.cancel_all()
        return tasks

    # ------------------------------------------------------------ waiting for the rate limit
    def _follow_budget(self, governor: RateGovernor | None) -> Callable[[], None] | None:
        if governor is None:
            return None
        return follow(governor.subscribe, self._budget_snapshot, self)

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
        self.progress_label.setVisible(self.controller.loading_all)

    def _busy(self) -> bool:
        return self.controller.busy

    # ------------------------------------------------------------ reactions
    def _fetch_failed(self, exc: BaseException) -> None:
        self._show_failure(exc, self.model.loaded_count)
        self._update_counts()

    def _update_counts(self) -> None:
        loaded = self.model.loaded_count
        total = self.model.total_count
        if self.controller.query is None and loaded == 0:
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
        paging = self.model.paging_short
        label = f"{self._endpoint.method} {self._endpoint.path}"
        if paging:
            label += f" · pages by {paging}"  # the style in use, also when it was detected
        if self.endpoint_label.text() != label:
            self.endpoint_label.setText(label)
            detail = self.model.paging_summary
            tip = self._endpoint.description or self._endpoint.summary
            self.endpoint_label.setToolTip(f"{tip}\nPaging: {detail}" if detail else tip)
        self._run_button_sync.start()  # once the flags of this turn have settled
        can_load = self.model.has_more and self.model.error is None
        self.load_all_button.setEnabled(can_load)
        self.load_all_button.setToolTip(
            "Fetch every remaining page into the table"
            if can_load
            else "Fix the error above first (Retry)"
            if self.model.error is not None
            else "Every record is loaded already"
            if self.controller.query is not None
            else "Run the query first"
        )
        can_export = self.controller.query is not None
        self.export_button.setEnabled(can_export)
        self.export_button.setToolTip(
            "Export to CSV (Ctrl+E)"
            if can_export
            else "Run the query first: export writes its rows"
        )
        self._explain_if_empty()

    def _sync_run_button(self) -> None:
        self.builder.set_running(self.controller.busy or self.controller.loading_all)

    def _explain_if_empty(self) -> None:
        """A query that found nothing says why it may be empty and how to widen it."""
        query = self.controller.query
        finished = not self.model.is_loading and not self.model.has_more
        if query is None or self.model.loaded_count or self.model.error is not None or not finished:
            return
        if self.controller.busy:
            return
        self.show_status(empty_reason(self._endpoint, query))

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
        sorts = self.query.sorts if self.controller.query is not None else ()
        column = self.model.column_of(sorts[0].field) if sorts else -1
        order = (
            Qt.SortOrder.DescendingOrder
            if sorts and sorts[0].descending
            else Qt.SortOrder.AscendingOrder
        )
        header.setSortIndicator(column, order)

    def _header_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        self.header_menu(header.logicalIndexAt(pos)).popup(header.mapToGlobal(pos))

    def header_menu(self, section: int) -> QMenu:
        """The context menu of a column header: summarize, hide, sort, columns."""
        name = self.model.column_name(section)
        menu = _transient_menu(self)
        if name is not None:
            summarize = menu.addAction(f"Summarize {name}")
            summarize.setShortcut(QKeySequence("Ctrl+Shift+S"))
            summarize.triggered.connect(lambda: self.summarize_column(name))
            hide = menu.addAction(f"Hide {name}")
            hide.triggered.connect(
                lambda: self.apply_columns([c for c in self.model.visible_columns() if c != name])
            )
            if name in self._endpoint.sort_fields:
                for descending, label in ((False, "ascending"), (True, "descending")):
                    action = menu.addAction(f"Sort by {name}, {label}")
                    action.triggered.connect(lambda _c=False, d=descending: self._sort_by(name, d))
        menu.addAction("Columns…").triggered.connect(self.choose_columns)
        return menu

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
        self.detail.fit_fields()

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
        self.open_related.emit(endpoint_id, query, "")
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
        if self._fixed_title:
            if self._fixed_title != self._last_title:
                self._last_title = self._fixed_title
                self.title_changed.emit(self._fixed_title)
            return
        base = self._endpoint.summary or self._endpoint.path
        query = self.controller.query or self.builder.query()
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


def _pretty(record: Any) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False)


def _default_export_dir() -> Path:
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.home()
