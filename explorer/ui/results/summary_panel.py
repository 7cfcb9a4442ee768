"""The column summary beside the table: figures, a bar chart, the most frequent values, and the
chip that shows a filter on the loaded rows.

"Summarize column" (the header's menu, Ctrl+Shift+S) opens it on the record panel's side. The
counting runs on a worker thread, a slice of rows at a time (`explorer.core.summary`), goes on
with the rows "Load all" appends and starts over when the query changes, and the panel says
while it is counting. A bar's click goes through `explorer.core.drilldown`: a filter the API
applies (the query runs again) and/or a filter on the loaded rows, shown in the chip above the
table with "Clear".
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import Endpoint, FieldType
from explorer.core.drilldown import (
    Bar,
    IsValue,
    Selection,
    bars_for,
    number_text,
    plan_drilldown,
    share_text,
    value_bars,
)
from explorer.core.humanize import human_bytes
from explorer.core.summary import ColumnAccumulator, ColumnKind, ColumnSummary
from explorer.ui.async_utils import TaskOwner

if TYPE_CHECKING:
    from explorer.ui.results.find_bar import FindProxyModel
    from explorer.ui.results.summary_chart import SummaryChart
    from explorer.ui.results.tab import ResultsTab
    from explorer.ui.results.table_model import RecordTableModel

SLICE_ROWS = 5000  # rows counted per trip to the worker thread (progress is shown between)
LOADING_REFRESH_MS = 300  # while pages arrive, the figures follow at most this often


def elided(text: str, limit: int = 22) -> str:
    """A label cut to `limit` characters (the tooltip has it whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_type(endpoint: Endpoint | None, column: str) -> FieldType | None:
    """The catalog's type of a column (its record schema, else its filter), if it has one."""
    if endpoint is None:
        return None
    for schema_field in endpoint.record_fields:
        if schema_field.path == column:
            return schema_field.type
    spec = endpoint.filter_field(column)
    return spec.type if spec is not None else None


class LocalFilterBar(QFrame):
    """ "Showing 123 of 5,000 loaded rows where status = active · Clear": a filter on the loaded
    rows, applied through the table's proxy; it ends when the query runs again."""

    cleared = Signal()

    def __init__(
        self, model: RecordTableModel, proxy: FindProxyModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("localFilter")
        self.setStyleSheet(
            "#localFilter { border: 1px solid palette(highlight); border-radius: 6px; }"
        )
        self.model, self.proxy = model, proxy
        self.selection: Selection | None = None
        self.column = ""
        self._generation = model.generation
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 2, 4, 2)
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout.addWidget(self.text, 1)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setFlat(True)
        self.clear_button.setToolTip("Show every loaded row again")
        self.clear_button.clicked.connect(self.clear)
        layout.addWidget(self.clear_button)
        for signal in (
            proxy.rowsInserted,
            proxy.rowsRemoved,
            proxy.modelReset,
            proxy.layoutChanged,
        ):
            signal.connect(lambda *_: self._update())
        proxy.search_finished.connect(lambda _n: self._update())
        model.rowsInserted.connect(lambda *_: self._update())  # "of N loaded" grows too
        model.modelReset.connect(self._model_reset)
        self.hide()

    @property
    def active(self) -> bool:
        return self.selection is not None

    def apply(self, column: str, selection: Selection) -> None:
        """Show only the loaded rows whose `column` matches (computed in slices)."""
        self.column, self.selection = column, selection
        model = self.model

        def passes(rows: range) -> list[bool]:
            return [selection.matches(v) for v in model.column_values(column, rows)]

        self.proxy.start_row_filter(passes)
        self._update()
        self.show()

    def clear(self) -> None:
        if self.selection is None:
            return
        self.selection = None
        self.proxy.clear_row_filter()
        self.hide()
        self.cleared.emit()

    def _model_reset(self) -> None:
        if self.model.generation != self._generation:  # a new query: its rows are others
            self._generation = self.model.generation
            self.clear()

    def _update(self) -> None:
        if self.selection is None:
            return
        where = self.selection.describe(self.column)
        shown = self.proxy.rowCount() if self.proxy.row_filter is not None else 0
        pending = "" if self.proxy.row_filter is not None else " (filtering…)"
        self.text.setText(
            f"Showing {shown:,} of {self.model.loaded_count:,} loaded rows where {where}{pending}"
        )


class SummaryPanel(QWidget):
    """The summary of one column of a results tab, in a page of the tab's side panel.

    Signals:
        computed(object): a ColumnSummary is shown (after each recount).
    """

    computed = Signal(object)

    def __init__(self, tab: ResultsTab, side: QTabWidget, filter_bar: LocalFilterBar) -> None:
        super().__init__()
        self.tab, self.side, self.filter_bar = tab, side, filter_bar
        self.model = tab.model
        self.tasks = TaskOwner("Column summary")
        self.column: str | None = None
        self.summary: ColumnSummary | None = None
        self._accumulator: ColumnAccumulator | None = None
        self._generation = -1
        self._selected: Selection | None = None
        self._counting = False
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(LOADING_REFRESH_MS)
        self._refresh.timeout.connect(self._catch_up)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        head.addWidget(self.title, 1)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close the summary")
        self.close_button.clicked.connect(self.close_summary)
        head.addWidget(self.close_button)
        outer.addLayout(head)
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 4, 0)
        self.figures = QGridLayout()
        self.figures.setHorizontalSpacing(12)
        self.figures.setVerticalSpacing(2)
        self._figure_labels: dict[str, QLabel] = {}
        for i, name in enumerate(
            ("Rows", "Values", "Nulls", "Blanks", "Distinct", "Not readable", "Min", "Max")
        ):
            caption = QLabel(name)
            caption.setProperty("role", "hint")
            value = QLabel("–")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row, col = (i // 2, (i % 2) * 2) if i < 6 else (3 + i - 6, 0)
            self.figures.addWidget(caption, row, col)
            self.figures.addWidget(value, row, col + 1, 1, 3 if i >= 6 else 1)
            self._figure_labels[name] = value
        self.figures.setColumnStretch(1, 1)
        self.figures.setColumnStretch(3, 1)
        layout.addLayout(self.figures)
        self.chart_caption = QLabel()
        self.chart_caption.setProperty("role", "hint")
        self.chart_caption.setWordWrap(True)
        layout.addWidget(self.chart_caption)
        self._chart: SummaryChart | None = None  # made on first use: Qt Charts loads then
        self._chart_slot = layout.count()
        self.values_caption = QLabel()
        self.values_caption.setProperty("role", "hint")
        self.values_caption.setWordWrap(True)
        layout.addWidget(self.values_caption)
        self.values = QTableWidget(0, 3)
        self.values.setHorizontalHeaderLabels(["Value", "Rows", "Share"])
        self.values.verticalHeader().hide()
        self.values.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.values.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.values.setAlternatingRowColors(True)
        header = self.values.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.values.clicked.connect(self._value_clicked)
        self.values.setMinimumHeight(160)
        layout.addWidget(self.values, 100)
        layout.addStretch(1)  # takes the room when the list is hidden
        self._body = layout
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self._value_bars: list[Bar] = []

        self.model.modelReset.connect(self._model_reset)
        self.model.rowsInserted.connect(lambda *_: self._rows_added())
        self.model.loading_changed.connect(lambda _on: self._show_status())
        filter_bar.cleared.connect(self._filter_cleared)

    @property
    def chart(self) -> SummaryChart:
        if self._chart is None:
            from explorer.ui.results.summary_chart import SummaryChart

            self._chart = SummaryChart()
            self._chart.bar_clicked.connect(self.bar_clicked)
            self._body.insertWidget(self._chart_slot, self._chart)
        return self._chart

    # ------------------------------------------------------------ opening and closing
    @property
    def is_open(self) -> bool:
        return self.side.indexOf(self) >= 0

    @property
    def computing(self) -> bool:
        """Counting, or about to show what was counted."""
        return self._counting

    def summarize(self, column: str) -> None:
        """Open the panel on `column` and count its loaded values."""
        if not self.is_open:
            index = self.side.addTab(self, "Summary")
            self.side.setTabToolTip(index, "The summary of a column of the loaded rows")
        self.side.setCurrentWidget(self)
        if column != self.column:
            self._selected = None
        self.column = column
        self.side.setTabText(self.side.indexOf(self), f"Summary: {elided(column)}")
        self._start_over()

    def close_summary(self) -> None:
        """Hide the panel and stop counting (a filter on the loaded rows stays, with Clear)."""
        self.tasks.cancel_all()
        self._counting = False
        self._accumulator = None
        self._refresh.stop()
        index = self.side.indexOf(self)
        if index >= 0:
            self.side.removeTab(index)
        self.column = None

    # ------------------------------------------------------------ counting
    def _start_over(self) -> None:
        if self.column is None:
            return
        self.tasks.cancel("count")
        self._counting = False
        self._refresh.stop()
        endpoint = self.tab.endpoint
        self._generation = self.model.generation
        self._accumulator = ColumnAccumulator(self.column, column_type(endpoint, self.column))
        self.summary = None
        self._show_status()
        self._catch_up()

    def _model_reset(self) -> None:
        # Hiding or reordering columns resets the view too; only a new query changes the rows.
        if self.column is not None and self.model.generation != self._generation:
            self._start_over()

    def _rows_added(self) -> None:
        if self.column is None or self.computing:
            return  # a count under way reads the new rows too
        if not self._refresh.isActive():
            self._refresh.start()
        self._show_status()

    def _catch_up(self) -> None:
        if self.column is not None and not self.computing:
            self._counting = True
            self.tasks.start("count", self._count())

    async def _count(self) -> None:
        """Count the rows not counted yet, a slice at a time, then show the figures."""
        accumulator, column = self._accumulator, self.column
        assert accumulator is not None
        assert column is not None
        try:
            await self._count_into(accumulator, column)
        finally:
            if accumulator is self._accumulator:
                self._counting = False
                self._show_status()

    async def _count_into(self, accumulator: ColumnAccumulator, column: str) -> None:
        while True:
            target = self.model.loaded_count
            while accumulator.rows < target:
                rows = range(accumulator.rows, min(accumulator.rows + SLICE_ROWS, target))
                values = self.model.column_values(column, rows)  # a list slice: quick
                # The counting runs on a worker thread, so the window paints meanwhile.
                await asyncio.to_thread(accumulator.add, values)
                if accumulator is not self._accumulator:
                    return  # the query or the column changed while this slice was counted
                self._show_status()
            # The top values and the bins of many distinct values take a moment: off the loop.
            summary = await asyncio.to_thread(accumulator.result)
            if accumulator is not self._accumulator:
                return
            self._show(summary)
            if accumulator.rows >= self.model.loaded_count:
                return

    # ------------------------------------------------------------ showing
    def _show_status(self) -> None:
        if self.column is None:
            return
        # Says what the figures shown cover, which lags the table while new rows are counted.
        loaded = self.model.loaded_count
        counted = self._accumulator.rows if self._accumulator is not None else 0
        shown = self.summary.rows if self.summary is not None else 0
        if self.computing and counted < loaded:
            text = f"Computing… {counted:,} of {loaded:,} loaded rows counted."
        elif self.computing or self._refresh.isActive() or shown < loaded:
            text = f"Computing… the figures are over {shown:,} of {loaded:,} loaded rows."
        elif self.model.is_loading:
            text = f"Over the {loaded:,} rows loaded so far; rows are loading, the figures follow."
        elif self.model.has_more:
            total = self.model.total_count
            of = f" of {total:,}" if total is not None else ""
            text = f"Over the {loaded:,}{of} rows loaded; Load all to count every record."
        else:
            text = f"Over all {loaded:,} loaded rows."
        self.status.setText(text)

    def _show(self, summary: ColumnSummary) -> None:
        self.summary = summary
        origin = "from the catalog" if summary.kind_from_schema else "inferred from the values"
        self.title.setText(f"{summary.column}")
        self.title.setToolTip(f"{summary.column}: {summary.kind.value} ({origin})")
        as_bytes = self._as_bytes(summary)
        share = share_text(summary.rows)
        figures = {
            "Rows": f"{summary.rows:,}",
            "Values": f"{summary.values:,}",
            "Nulls": f"{summary.nulls:,}{share(summary.nulls)}",
            "Blanks": f"{summary.blanks:,}{share(summary.blanks)}",
            "Distinct": f"{summary.distinct:,}",
            "Not readable": f"{summary.unreadable:,}"
            if summary.kind is not ColumnKind.TEXT
            else "–",
            "Min": self._extreme(summary.minimum, as_bytes),
            "Max": self._extreme(summary.maximum, as_bytes),
        }
        for name, text in figures.items():
            self._figure_labels[name].setText(text)
        self._figure_labels["Not readable"].setToolTip(
            f"Values that are not {'numbers' if summary.kind is ColumnKind.NUMBER else 'ISO 8601 dates'}"
            if summary.kind is not ColumnKind.TEXT
            else ""
        )
        bars = bars_for(summary, as_bytes=as_bytes)
        horizontal = summary.kind is ColumnKind.TEXT or not (summary.bins or summary.months)
        selected = next((i for i, b in enumerate(bars) if b.selection == self._selected), None)
        self.chart.show_bars(bars, horizontal=horizontal, selected=selected)
        self.chart_caption.setText(self._chart_caption(summary, bars))
        self._show_values(summary)
        self.computed.emit(summary)

    def _as_bytes(self, summary: ColumnSummary) -> bool:
        return summary.kind is ColumnKind.NUMBER and summary.column.endswith("bytes")

    @staticmethod
    def _extreme(value: Any, as_bytes: bool) -> str:
        if value is None:
            return "–"
        if isinstance(value, int | float) and not isinstance(value, bool):
            exact = number_text(value)
            return f"{human_bytes(value)} ({exact})" if as_bytes else exact
        return str(value)

    def _chart_caption(self, summary: ColumnSummary, bars: list[Bar]) -> str:
        field = self.tab.endpoint.filter_field(summary.column)
        how = (
            "Click a bar to filter the query."
            if field is not None
            else "Click a bar to filter the loaded rows (the API cannot filter on this field)."
        )
        if summary.kind is ColumnKind.NUMBER and summary.bins:
            return f"Histogram of {summary.values:,} values. {how}"
        if summary.kind is ColumnKind.DATE and summary.months:
            unit = (
                "month"
                if len(bars) == len(summary.months)
                else "quarter"
                if "Q" in bars[0].label
                else "year"
            )
            return f"Rows per {unit} (UTC). {how}"
        if not bars:
            return "No values to chart."
        return f"The {len(summary.top)} most frequent values. {how}"

    def _show_values(self, summary: ColumnSummary) -> None:
        unique = summary.values > 1 and summary.distinct == summary.values
        self.values.setVisible(not unique)
        self.values_caption.setText(
            f"Every value occurs once ({summary.distinct:,} distinct values)."
            if unique
            else "Most frequent values (click one to filter)"
        )
        as_bytes = self._as_bytes(summary)
        share = share_text(summary.rows)
        self._value_bars = value_bars(summary)
        self.values.setRowCount(len(self._value_bars))
        for row, bar in enumerate(self._value_bars):
            label = bar.label
            if as_bytes and isinstance(bar.selection, IsValue):
                label = self._extreme(bar.selection.value, as_bytes)
            cells = (label, f"{bar.count:,}", share(bar.count).strip(" ()"))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(bar.tooltip)
                if col:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.values.setItem(row, col, item)

    # ------------------------------------------------------------ filtering
    def bar_clicked(self, index: int) -> None:
        bars = self.chart.bars
        if 0 <= index < len(bars):
            self.drill_down(bars[index].selection)

    def _value_clicked(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self._value_bars):
            self.drill_down(self._value_bars[index.row()].selection)

    def drill_down(self, selection: Selection) -> None:
        """Show only the rows of `selection`: through the API where it can filter, else locally."""
        summary, column = self.summary, self.column
        if summary is None or column is None:
            return
        tab, model = self.tab, self.model
        query = tab.query
        all_loaded = (
            not model.has_more and model.error is None and summary.rows == model.loaded_count
        )
        plan = plan_drilldown(
            tab.endpoint, query, column, selection, summary, all_loaded=all_loaded
        )
        self._selected = selection
        if plan.runs_query:
            generation = model.generation
            tab.builder.set_query(plan.apply(query))
            tab.run(tab.builder.query())
            if model.generation == generation:  # refused (the reason is in the status line)
                return
        if plan.local is not None:
            self.filter_bar.apply(column, plan.local)
        if self.summary is not None and not plan.runs_query:
            self._show(self.summary)  # the chosen bar stands out
        tab.show_status(plan.explanation)

    def _filter_cleared(self) -> None:
        self._selected = None
        if self.summary is not None and self.is_open:
            self._show(self.summary)
