"""The column summary on real widgets against the sandbox over HTTP: opened from the header's
menu, its chart's bars, a bar's click filtering the query (re-run) or the loaded rows (with
Clear), and the figures following "Load all"."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from PySide6.QtCore import Qt

from explorer.core.catalog import Operator
from explorer.core.drilldown import InDateRange, InNumberRange, IsValue
from explorer.core.query import FilterCondition, Query
from explorer.core.summary import ColumnKind
from tests.ui.conftest import settle

HARDWARE = "GET /core/v1/assets/hardware"
PATH = "/core/v1/assets/hardware"


def loaded(tab, rows):
    return lambda: tab.model.rowCount() >= rows and not tab.model.is_loading


def summarized(tab, rows):
    return lambda: (
        tab.summary.summary is not None
        and tab.summary.summary.rows == rows
        and not tab.summary.computing
    )


def column_of(tab, name):
    """Every loaded value of a column, read from the raw records (not through the summary)."""
    out = []
    for row in range(tab.model.rowCount()):
        value = tab.model.record(row)
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        out.append(value)
    return out


def open_from_header_menu(tab, name):
    section = tab.model.column_of(name)
    assert section >= 0, name
    menu = tab.header_menu(section)
    [action] = [a for a in menu.actions() if a.text() == f"Summarize {name}"]
    assert action.shortcut().toString() == "Ctrl+Shift+S"
    action.trigger()
    menu.close()


def summary_of_first_page(make_tab, context, run, until, column):
    """A hardware tab with its first 200 rows, and the summary of `column` over them."""
    tab = make_tab(context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=200))
    run(until(loaded(tab, 200)))
    tab.summarize_column(column)
    run(until(summarized(tab, 200)))
    return tab


def click_a_middle_bar(qtbot, tab, run, until):
    """Click a bar with rows that is neither the first nor the last (both of its bounds matter),
    wait for the query to run again and the loaded rows' filter; returns what the bar stood for."""
    chart = tab.summary.chart
    index = next(i for i, b in enumerate(chart.bars[1:-1], start=1) if b.count)
    chosen = chart.bars[index].selection
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.bar_center(index))
    run(until(loaded(tab, 1)))
    run(until(lambda: tab.proxy.row_filter is not None))
    return chosen


def requests_to(context, path):
    return [e for e in context.request_log.entries() if urlsplit(e.url).path == path]


def test_header_menu_opens_the_summary_and_its_chart_has_the_bars(
    qtbot, make_tab, app_context, run, until
):
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=200))
    run(until(loaded(tab, 200)))
    open_from_header_menu(tab, "type")
    run(until(summarized(tab, 200)))

    assert tab.side.currentWidget() is tab.summary
    summary = tab.summary.summary
    expected = Counter(column_of(tab, "type"))
    assert summary.kind is ColumnKind.TEXT
    assert summary.rows == 200
    assert {v.value: v.count for v in summary.top} == dict(expected)
    chart = tab.summary.chart
    assert chart.series is not None
    assert chart.bar_set.count() == len(expected)
    drawn = {
        chart.bars[i].label: chart.bar_set.at(chart._order.index(i)) for i in range(len(expected))
    }
    assert drawn == {k: float(n) for k, n in expected.items()}
    assert tab.summary.values.rowCount() == len(expected)
    assert "Over the 200 of 3,000 rows loaded" in tab.summary.status.text()


def test_clicking_a_bar_of_a_filterable_field_filters_the_query_and_every_row_matches(
    qtbot, make_tab, app_context, run, until
):
    tab = summary_of_first_page(make_tab, app_context, run, until, "type")
    chart = tab.summary.chart
    index = next(i for i, b in enumerate(chart.bars) if b.label == "SERVER")
    before = len(requests_to(app_context, PATH))

    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.bar_center(index))
    run(until(loaded(tab, 1)))
    run(until(summarized(tab, tab.model.loaded_count)))

    assert tab.query.filters == (FilterCondition("type", Operator.EQ, ("SERVER",)),)
    sent = requests_to(app_context, PATH)[before:]
    assert sent
    assert ("filter[type]", "eq:SERVER") in parse_qsl(urlsplit(sent[0].url).query)
    types = column_of(tab, "type")
    assert types
    assert set(types) == {"SERVER"}
    assert not tab.local_filter.isVisible()
    assert "Filter added: type = SERVER" in tab.status_label.text()
    # The summary follows the new rows: one bar now.
    assert [b.label for b in tab.summary.chart.bars] == ["SERVER"]


def test_a_histogram_bar_sends_one_bound_and_narrows_the_returned_rows_to_the_range(
    qtbot, make_tab, app_context, run, until
):
    tab = summary_of_first_page(make_tab, app_context, run, until, "configuration.ram_bytes")
    chosen = click_a_middle_bar(qtbot, tab, run, until)
    assert isinstance(chosen, InNumberRange)

    [condition] = tab.query.filters
    assert condition.field == "configuration.ram_bytes"
    assert condition.op in (Operator.GTE, Operator.LT)
    bound = int(condition.value)
    ram = column_of(tab, "configuration.ram_bytes")
    # Every returned row meets the bound the API got ...
    assert all(
        v is not None and (v >= bound if condition.op is Operator.GTE else v < bound) for v in ram
    )
    # ... and the table shows exactly the rows in the bar's range, with the chip saying so.
    shown = [
        tab.proxy.mapToSource(tab.proxy.index(r, 0)).row() for r in range(tab.proxy.rowCount())
    ]
    assert shown == [r for r, v in enumerate(ram) if chosen.low <= v < chosen.high]
    assert tab.local_filter.isVisible()
    assert f"Showing {len(shown):,} of {len(ram):,} loaded rows" in tab.local_filter.text.text()


def test_a_date_bar_filters_the_query_by_its_period_and_the_rows_to_it(
    qtbot, make_tab, app_context, run, until
):
    tab = summary_of_first_page(make_tab, app_context, run, until, "record_created_at")
    period = click_a_middle_bar(qtbot, tab, run, until)
    assert isinstance(period, InDateRange)

    [condition] = tab.query.filters
    assert condition.field == "record_created_at"
    edge = period.start if condition.op is Operator.GTE else period.end
    assert condition.values == (f"{edge.isoformat()}T00:00:00Z",)
    created = column_of(tab, "record_created_at")
    bound = f"{edge.isoformat()}T00:00:00Z"
    assert all(v >= bound if condition.op is Operator.GTE else v < bound for v in created)
    start, end = period.start.isoformat(), period.end.isoformat()
    shown = [
        tab.proxy.mapToSource(tab.proxy.index(r, 0)).row() for r in range(tab.proxy.rowCount())
    ]
    assert shown == [r for r, v in enumerate(created) if start <= v[:10] < end]
    assert shown


def test_a_field_the_api_cannot_filter_on_filters_the_loaded_rows_until_cleared(
    qtbot, make_tab, app_context, run, until
):
    column = "software.operating_system"
    tab = summary_of_first_page(make_tab, app_context, run, until, column)
    assert tab.endpoint.filter_field(column) is None
    chart = tab.summary.chart
    index = next(i for i, b in enumerate(chart.bars) if isinstance(b.selection, IsValue))
    value = chart.bars[index].selection.value
    before = len(requests_to(app_context, PATH))

    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.bar_center(index))
    run(until(lambda: tab.proxy.row_filter is not None))
    run(settle())

    assert len(requests_to(app_context, PATH)) == before  # nothing was sent
    values = column_of(tab, column)
    expected = [r for r, v in enumerate(values) if v == value]
    shown = [
        tab.proxy.mapToSource(tab.proxy.index(r, 0)).row() for r in range(tab.proxy.rowCount())
    ]
    assert shown == expected
    assert tab.local_filter.isVisible()
    assert tab.local_filter.text.text() == (
        f"Showing {len(expected):,} of 200 loaded rows where {column} = {value}"
    )
    assert tab.endpoint.filter_field(column) is None
    assert "cannot filter on software.operating_system" in tab.status_label.text()

    tab.local_filter.clear_button.click()
    assert tab.proxy.rowCount() == 200
    assert not tab.local_filter.isVisible()


def test_a_filter_on_the_loaded_rows_holds_for_the_rows_load_all_brings(
    qtbot, make_tab, app_context, run, until
):
    column = "software.operating_system"
    tab = summary_of_first_page(make_tab, app_context, run, until, column)
    value = next(
        b.selection.value for b in tab.summary.chart.bars if isinstance(b.selection, IsValue)
    )
    tab.summary.drill_down(IsValue(value))
    run(until(lambda: tab.proxy.row_filter is not None))

    tab.load_all_button.click()
    run(tab.load_all_task)
    run(settle())

    values = column_of(tab, column)
    assert len(values) == 3000
    expected = [r for r, v in enumerate(values) if v == value]
    shown = [
        tab.proxy.mapToSource(tab.proxy.index(r, 0)).row() for r in range(tab.proxy.rowCount())
    ]
    assert shown == expected
    assert tab.local_filter.text.text().startswith(
        f"Showing {len(expected):,} of 3,000 loaded rows"
    )


def test_the_summary_follows_load_all(qtbot, make_tab, app_context, run, until):
    tab = summary_of_first_page(make_tab, app_context, run, until, "record_created_at")
    assert tab.summary.summary.kind is ColumnKind.DATE

    tab.load_all_button.click()
    run(tab.load_all_task)
    run(until(summarized(tab, 3000)))

    summary = tab.summary.summary
    created = column_of(tab, "record_created_at")
    assert summary.rows == len(created) == 3000
    months = Counter(v[:7] for v in created if v)
    assert {m.label: m.count for m in summary.months if m.count} == dict(months)
    assert summary.nulls == sum(1 for v in created if v is None)
    assert (summary.minimum, summary.maximum) == (
        min(filter(None, created)),
        max(filter(None, created)),
    )
    assert tab.summary.status.text() == "Over all 3,000 loaded rows."
