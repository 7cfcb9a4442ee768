"""The bar chart of a column summary (Qt Charts, from PySide6-Addons; loaded on first use)."""

from __future__ import annotations

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from explorer.core.drilldown import Bar
from explorer.ui.results.summary_panel import elided
from explorer.ui.theme import WARNING_COLOR


class SummaryChart(QChartView):
    """The bars of a summary; vertical for a histogram or months, horizontal for values.

    Signals:
        bar_clicked(int): the index of the bar clicked.
    """

    bar_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._bars: list[Bar] = []
        self.series: QAbstractBarSeries | None = None
        self.bar_set: QBarSet | None = None
        self._horizontal = False
        chart = QChart()
        chart.legend().hide()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(2, 2, 2, 2))
        self.setChart(chart)

    @property
    def bars(self) -> list[Bar]:
        return list(self._bars)

    def show_bars(self, bars: list[Bar], *, horizontal: bool, selected: int | None) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self._bars = bars
        self._horizontal = horizontal
        self.series = self.bar_set = None
        if not bars:
            return
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        grid = palette.color(QPalette.ColorRole.Mid)
        chart.setBackgroundBrush(palette.color(QPalette.ColorRole.Base))
        chart.setPlotAreaBackgroundVisible(False)
        # Horizontal bars list the most frequent value at the top (the axis counts upwards).
        order = list(reversed(range(len(bars)))) if horizontal else list(range(len(bars)))
        bar_set = QBarSet("rows")
        bar_set.append([float(bars[i].count) for i in order])
        bar_set.setColor(palette.color(QPalette.ColorRole.Highlight))
        bar_set.setBorderColor(palette.color(QPalette.ColorRole.Highlight))
        bar_set.setSelectedColor(QColor(WARNING_COLOR))
        if selected is not None:
            bar_set.selectBar(order.index(selected))
        series: QAbstractBarSeries = QHorizontalBarSeries() if horizontal else QBarSeries()
        series.setBarWidth(0.8)
        series.append(bar_set)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([elided(bars[i].label) for i in order])
        counts = QValueAxis()
        counts.setRange(0, max(4, max(b.count for b in bars)))
        counts.setTickCount(5)
        counts.applyNiceNumbers()
        counts.setLabelFormat("%d")
        for axis in (categories, counts):
            axis.setLabelsColor(text)
            axis.setGridLineColor(grid)
            axis.setLinePenColor(grid)
        categories.setGridLineVisible(False)
        categories.setTruncateLabels(False)  # "2024 Q3" whole, even when rotated
        if not horizontal and len(bars) > 5:
            categories.setLabelsAngle(-90)  # upright under its bar; slanted ones run off the left
        chart.addAxis(
            categories, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom
        )
        chart.addAxis(
            counts, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft
        )
        series.attachAxis(categories)
        series.attachAxis(counts)
        series.clicked.connect(lambda index, _set: self.bar_clicked.emit(order[index]))
        series.hovered.connect(lambda on, index, _set: self._hovered(on, order[index]))
        self.series, self.bar_set = series, bar_set
        self._order = order
        height = max(200, 24 * len(bars) + 60) if horizontal else 250 if len(bars) > 8 else 220
        self.setFixedHeight(height)

    def bar_center(self, index: int) -> QPoint:
        """Where bar `index` is drawn, in the viewport's coordinates (for a click)."""
        assert self.series is not None
        position = self._order.index(index)
        half = self._bars[index].count / 2
        point = QPointF(half, position) if self._horizontal else QPointF(position, half)
        scene = self.chart().mapToScene(self.chart().mapToPosition(point, self.series))
        return self.mapFromScene(scene)

    def _hovered(self, on: bool, index: int) -> None:
        # The tooltip shows on the next tooltip event, as any widget's does.
        if on and 0 <= index < len(self._bars):
            self.setToolTip(self._bars[index].tooltip)
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.setToolTip("")
            self.viewport().unsetCursor()
