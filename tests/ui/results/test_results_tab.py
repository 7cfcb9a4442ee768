"""The results tab on real widgets against the sandbox over HTTP: paging while scrolling, Load all
and Cancel, server-side sort from the header, related records, the detail panel, find, columns and
the error banner."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, unquote, urlsplit

from PySide6.QtCore import QPoint, Qt

from explorer.core.catalog import Operator
from explorer.core.query import FilterCondition, Query
from explorer.ui.results.table_model import RawValueRole as RAW
from tests.ui.conftest import settle

HARDWARE = "GET /core/v1/assets/hardware"
CLIENTS = "GET /core/v1/clients"


def requests_to(context, path):
    return [e for e in context.request_log.entries() if urlsplit(e.url).path == path]


def loaded(tab, rows):
    return lambda: tab.model.rowCount() >= rows and not tab.model.is_loading


def first_page_then_scroll(tab, until):
    return first_page_then_scroll_at(tab, until, 50)


def first_page_then_scroll_at(tab, until, page_size):
    async def scenario():
        await until(loaded(tab, page_size))
        await settle()  # nothing more is fetched while the view is not at the end
        before = tab.model.rowCount()
        tab.table.scrollToBottom()
        await until(loaded(tab, before + 1))
        await settle()
        return before

    return scenario()


def test_first_page_then_exactly_one_page_per_scroll_to_bottom(
    qtbot, make_tab, app_context, run, until
):
    tab = make_tab(app_context, HARDWARE)
    before = run(first_page_then_scroll(tab, until))
    assert before == 50  # the profile's page size
    assert tab.model.rowCount() == 100
    sent = requests_to(app_context, "/core/v1/assets/hardware")
    assert len(sent) == 2
    assert unquote(sent[0].url) == unquote(tab.builder.url())  # the preview is the first request
    assert "cursor=" in sent[1].url
    assert tab.count_label.text() == f"100 of {tab.model.total_count:,} loaded"
    ids = [tab.model.record(r)["id"] for r in range(100)]
    assert len(set(ids)) == 100


def test_load_all_gets_every_record_once(qtbot, make_tab, app_context, run, until):
    query = Query(endpoint_id=HARDWARE, page_size=200)
    tab = make_tab(app_context, HARDWARE, query)
    run(until(loaded(tab, 200)))
    tab.load_all_button.click()
    run(tab.load_all_task)
    total = tab.model.total_count
    assert total == 3000
    ids = [tab.model.record(r)["id"] for r in range(tab.model.rowCount())]
    assert len(ids) == total
    assert len(set(ids)) == total
    assert tab.count_label.text() == "3,000 of 3,000 loaded"
    assert "All 3,000 rows loaded" in tab.status_label.text()
    assert not tab.load_all_button.isEnabled()
    assert tab.progress.isHidden()


def test_cancel_load_all_keeps_rows_and_stops(qtbot, make_tab, app_context, run, until):
    query = Query(endpoint_id=HARDWARE, page_size=10)
    tab = make_tab(app_context, HARDWARE, query)
    run(until(loaded(tab, 10)))
    tab.start_load_all()

    async def cancel_midway():
        await until(lambda: tab.model.rowCount() >= 60)
        assert tab.cancel_button.isVisible()
        assert tab.progress.isVisible()
        tab.cancel_button.click()
        await asyncio.gather(tab.load_all_task, return_exceptions=True)
        kept = tab.model.rowCount()
        sent = len(requests_to(app_context, "/core/v1/assets/hardware"))
        await settle()
        return kept, sent

    kept, sent = run(cancel_midway())
    assert 60 <= kept < 3000
    assert tab.model.rowCount() == kept
    assert len(requests_to(app_context, "/core/v1/assets/hardware")) == sent
    assert "cancelled" in tab.status_label.text()
    assert tab.load_all_button.isVisible()
    assert tab.load_all_button.isEnabled()
    ids = [tab.model.record(r)["id"] for r in range(kept)]
    assert len(set(ids)) == kept


def header_click(tab, qtbot, name):
    header = tab.table.horizontalHeader()
    section = tab.model.column_of(name)
    assert section >= 0, name
    tab.table.scrollTo(tab.proxy.index(0, section))
    pos = QPoint(header.sectionViewportPosition(section) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_header_click_sorts_on_the_server(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, CLIENTS)
    run(until(loaded(tab, 1)))
    header_click(tab, qtbot, "name")
    run(until(loaded(tab, 1)))
    last = requests_to(app_context, "/core/v1/clients")[-1]
    assert parse_qs(urlsplit(last.url).query)["sort"] == ["name"]
    assert unquote(last.url) == unquote(tab.builder.url())
    names = [tab.model.record(r)["name"] for r in range(tab.model.rowCount())]
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    assert "sort=name" in unquote(tab.builder.url())
    assert tab.table.horizontalHeader().sortIndicatorSection() == tab.model.column_of("name")

    header_click(tab, qtbot, "name")
    run(until(loaded(tab, 1)))
    last = requests_to(app_context, "/core/v1/clients")[-1]
    assert parse_qs(urlsplit(last.url).query)["sort"] == ["-name"]
    names = [tab.model.record(r)["name"] for r in range(tab.model.rowCount())]
    assert names[0] >= names[-1]
    assert tab.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_header_click_on_an_unsortable_column_says_why(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, CLIENTS)
    run(until(loaded(tab, 1)))
    sent = len(requests_to(app_context, "/core/v1/clients"))
    header_click(tab, qtbot, "id")
    run(settle())
    assert len(requests_to(app_context, "/core/v1/clients")) == sent
    assert "cannot sort by id" in tab.status_label.text()
    assert "num_hardware_assets" in tab.status_label.text()


def click_cell(tab, qtbot, row, name):
    column = tab.model.column_of(name)
    index = tab.proxy.index(row, column)
    tab.table.scrollTo(index)
    rect = tab.table.visualRect(index)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return index


def test_link_click_opens_the_related_record(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 1)))
    row = next(r for r in range(tab.model.rowCount()) if tab.model.record(r)["client"]["id"])
    client_id = tab.model.record(row)["client"]["id"]
    with qtbot.waitSignal(tab.open_related) as opened:
        click_cell(tab, qtbot, row, "client.id")
    assert opened.args[0] == "GET /core/v1/clients/{id}"
    assert opened.args[1] == Query(
        endpoint_id="GET /core/v1/clients/{id}", path_params={"id": client_id}
    )
    record = tab.model.record(row)
    # Names, not ids: the title says which client, and which asset it was opened from.
    assert opened.args[2] == (
        f"Client: {record['client']['name']} · Hardware asset {record['name']}"
    )
    assert tab.status_label.text() == f"Opened {opened.args[2]} in a new tab."
    # The link cell itself shows the client's name; the id stays in its tooltip and copies.
    index = tab.model.index(row, tab.model.column_of("client.id"))
    assert index.data() == record["client"]["name"]
    assert index.data(Qt.ItemDataRole.ToolTipRole) == client_id


def test_related_record_tab_fetches_the_single_record(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 1)))
    client_id = tab.model.record(0)["client"]["id"]
    related = make_tab(
        app_context,
        "GET /core/v1/clients/{id}",
        Query(endpoint_id="GET /core/v1/clients/{id}", path_params={"id": client_id}),
    )
    run(until(loaded(related, 1)))
    assert related.model.record(0)["id"] == client_id
    assert json.loads(related.detail.json_view.toPlainText())["id"] == client_id
    # A client's id leads to several lists: a click offers them all (a menu).
    targets = related.link_targets(related.proxy.index(0, related.model.column_of("id")))
    endpoints = {t.endpoint_id for t in targets}
    assert HARDWARE in endpoints
    hardware = next(t for t in targets if t.endpoint_id == HARDWARE)
    assert hardware.query.filters == (FilterCondition("client.id", Operator.EQ, (client_id,)),)


def test_filtered_list_from_a_link_runs_that_filter(qtbot, make_tab, app_context, run, until):
    first = make_tab(app_context, HARDWARE)
    run(until(loaded(first, 1)))
    client_id = first.model.record(0)["client"]["id"]
    query = Query(
        endpoint_id=HARDWARE, filters=(FilterCondition("client.id", Operator.EQ, (client_id,)),)
    )
    tab = make_tab(app_context, HARDWARE, query)
    run(until(loaded(tab, 1)))
    assert tab.model.total_count < first.model.total_count
    assert all(
        tab.model.record(r)["client"]["id"] == client_id for r in range(tab.model.rowCount())
    )
    assert "1 filter" in tab._last_title


def test_row_menu_lists_the_related_records(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 1)))
    record = tab.model.record(0)
    menu = tab.row_menu(tab.proxy.index(0, 0))
    related = menu.actions()[0].menu()
    labels = [a.text() for a in related.actions()]
    wanted = f"Open client {record['client']['name']}"
    assert wanted in labels, labels
    with qtbot.waitSignal(tab.open_related) as opened:
        next(a for a in related.actions() if a.text() == wanted).trigger()
    assert opened.args[0] == "GET /core/v1/clients/{id}"
    assert opened.args[1].path_params == {"id": record["client"]["id"]}


def test_detail_panel_shows_the_selected_record(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 3)))
    click_cell(tab, qtbot, 2, "name")
    record = tab.model.record(2)
    assert json.loads(tab.detail.json_view.toPlainText()) == record
    assert tab.detail.tree.topLevelItemCount() == len(record)
    tab.detail.copy_record()
    from PySide6.QtGui import QGuiApplication

    assert json.loads(QGuiApplication.clipboard().text()) == record
    tab.detail.copy_value()
    assert QGuiApplication.clipboard().text() == record["name"]


def test_find_filters_loaded_rows(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 50)))
    name = tab.model.record(7)["name"]
    expected = sum(1 for r in range(50) if name.lower() in tab.model.row_text(r))
    tab.find_bar.edit.setText(name)
    tab.find_bar.flush()
    run(until(lambda: tab.proxy.needle == name.lower()))
    assert tab.proxy.rowCount() == expected
    assert tab.proxy.index(0, tab.model.column_of("name")).data() == name
    assert tab.find_bar.count_label.text() == f"{expected:,} of 50 loaded rows match"
    tab.find_bar.clear()
    run(until(lambda: tab.proxy.rowCount() == 50))


def test_column_choice_is_remembered_per_endpoint(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 1)))
    tab.apply_columns(["name", "client.name", "configuration.ram_bytes"])
    assert tab.model.visible_columns() == ["name", "client.name", "configuration.ram_bytes"]
    assert app_context.settings.columns[HARDWARE] == [
        "name",
        "client.name",
        "configuration.ram_bytes",
    ]
    run(app_context.flush_settings())
    saved = app_context.settings_store.load()
    assert saved.columns[HARDWARE] == ["name", "client.name", "configuration.ram_bytes"]
    again = make_tab(app_context, HARDWARE)
    run(until(loaded(again, 1)))
    assert again.model.visible_columns() == ["name", "client.name", "configuration.ram_bytes"]
    again.apply_columns(None)
    assert HARDWARE not in app_context.settings.columns


def test_an_error_shows_a_calm_banner_with_retry(qtbot, make_tab, app_context, run, until):
    query = Query(endpoint_id="GET /core/v1/clients/{id}", path_params={"id": "no-such-client"})
    tab = make_tab(app_context, "GET /core/v1/clients/{id}", query)
    run(until(lambda: tab.banner.isVisible()))
    assert "404" in tab.banner.text.text()
    assert "Traceback" not in tab.banner.text.text()
    assert tab.banner.action_button.isVisible()
    assert tab.banner.action_button.text() == "Retry"
    sent = len(requests_to(app_context, "/core/v1/clients/no-such-client"))
    tab.banner.action_button.click()
    run(until(lambda: len(requests_to(app_context, "/core/v1/clients/no-such-client")) > sent))
    run(until(lambda: tab.banner.isVisible()))


def test_invalid_form_runs_nothing(qtbot, make_tab, app_context, run, until):
    query = Query(endpoint_id=HARDWARE, filters=(FilterCondition("colour", Operator.EQ, ("red",)),))
    sent = len(requests_to(app_context, "/core/v1/assets/hardware"))
    tab = make_tab(app_context, HARDWARE, query)
    run(settle())
    assert len(requests_to(app_context, "/core/v1/assets/hardware")) == sent
    assert not tab.builder.run_button.isEnabled()
    assert tab.count_label.text() == "Not run yet"


def test_close_tab_cancels_what_runs(qtbot, make_tab, app_context, run, until):
    query = Query(endpoint_id=HARDWARE, page_size=10)
    tab = make_tab(app_context, HARDWARE, query)
    run(until(loaded(tab, 10)))
    tab.start_load_all()
    run(until(lambda: tab.model.rowCount() >= 30))
    run(tab.close_tab())
    assert tab.load_all_task.done()
    kept = tab.model.rowCount()
    run(settle())
    assert tab.model.rowCount() == kept


def test_scout_work_orders_link_to_units_users_and_stations(
    qtbot, make_tab, scout_context, run, until
):
    tab = make_tab(scout_context, "GET /v1/WorkOrders/Search")
    tab.builder.param_editor("StartDate").set_values(("2020-01-01",))
    tab.builder.param_editor("EndDate").set_values(("2030-12-31",))
    tab.builder._refresh()
    tab.builder.request_run()
    run(until(loaded(tab, 1)))
    row = next(
        r for r in range(tab.model.rowCount()) if len(tab.model.record(r).get("userIDs") or []) >= 2
    )
    record = tab.model.record(row)
    index = tab.proxy.index(row, tab.model.column_of("userIDs"))
    assert index.data(Qt.ItemDataRole.UserRole + 1) is True  # LinkRole
    targets = tab.link_targets(index)
    assert [t.query.path_params["id"] for t in targets] == [str(u) for u in record["userIDs"]]
    unit = tab.link_targets(tab.proxy.index(row, tab.model.column_of("unitID")))
    assert unit[0].endpoint_id == "GET /v1/Units/{id}"
    assert unit[0].query.path_params == {"id": str(record["unitID"])}
    with qtbot.waitSignal(tab.open_related) as opened:
        tab.follow(targets[1])
    user = record["userIDs"][1]
    assert opened.args == [
        "GET /v1/Users/{id}",
        targets[1].query,
        f"User {user} · Work order {record['workOrderNumber']}",
    ]
    assert targets[1].label == f"Open user {user}"
    assert unit[0].title == f"Unit {record['unitID']} · Work order {record['workOrderNumber']}"


def test_non_get_endpoints_are_never_sent(qtbot, make_tab, app_context, run):
    query = Query(endpoint_id="DELETE /quoter/v1/items/{id}", path_params={"id": "x1"})
    tab = make_tab(app_context, "DELETE /quoter/v1/items/{id}", query)
    tab.builder.request_run()
    run(settle())
    assert not [e for e in app_context.request_log.entries() if e.method != "GET"]
    assert "only GET endpoints" in tab.status_label.text()


def test_column_chooser_hides_and_reorders(qtbot, make_tab, app_context, run, until):
    from explorer.ui.results.column_chooser import ColumnChooser

    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 1)))
    chooser = ColumnChooser(tab.model.all_columns(), ["id", "name", "client.name"], tab)
    assert chooser.chosen() == ["id", "name", "client.name"]
    chooser.list.setCurrentRow(2)
    chooser._move(-2)
    chooser.list.item(1).setCheckState(Qt.CheckState.Unchecked)  # "id", now second
    chooser.search.setText("ram_bytes")
    chooser._check_all(True)  # ticks only what the filter shows
    assert chooser.chosen() == ["client.name", "name", "configuration.ram_bytes"]
    chooser.accepted.connect(lambda: tab._columns_chosen(chooser))
    chooser.accept()
    assert tab.model.visible_columns() == ["client.name", "name", "configuration.ram_bytes"]
    assert app_context.settings.columns[HARDWARE] == [
        "client.name",
        "name",
        "configuration.ram_bytes",
    ]


def test_offset_paged_endpoint_previews_and_pages(qtbot, make_tab, app_context, run, until):
    endpoint_id = "GET /sandbox/v1/assets/hardware"
    tab = make_tab(app_context, endpoint_id, Query(endpoint_id=endpoint_id, page_size=40))
    before = run(first_page_then_scroll_at(tab, until, 40))
    assert before == 40
    sent = requests_to(app_context, "/sandbox/v1/assets/hardware")
    assert unquote(sent[0].url) == unquote(tab.builder.url())
    assert len(sent) == 2
    ids = [tab.model.record(r)["id"] for r in range(tab.model.rowCount())]
    assert len(ids) == 80
    assert len(set(ids)) == 80


def test_a_station_leads_to_its_work_orders(qtbot, make_tab, scout_context, run, until):
    stations = make_tab(scout_context, "GET /v1/Stations")
    run(until(loaded(stations, 1)))
    record = stations.model.record(0)
    index = stations.proxy.index(0, stations.model.column_of("stationID"))
    targets = {t.endpoint_id: t for t in stations.link_targets(index)}
    in_progress = targets["GET /v1/WorkOrders/InProgress"]
    assert in_progress.query.params == {"stationID": str(record["stationID"])}
    tab = make_tab(scout_context, in_progress.endpoint_id, in_progress.query)
    run(
        until(
            lambda: (
                not tab.model.is_loading
                and tab.controller.query is not None
                and tab.model.total_count is not None
            )
        )
    )
    assert tab.builder.url().endswith(f"/v1/WorkOrders/InProgress?stationID={record['stationID']}")
    assert all(
        tab.model.record(r)["stationID"] == record["stationID"] for r in range(tab.model.rowCount())
    )
    assert all(tab.model.record(r)["status"] == "InProgress" for r in range(tab.model.rowCount()))


def test_keyboard_shortcuts(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE)
    run(until(loaded(tab, 1)))
    tab.activateWindow()
    qtbot.waitUntil(lambda: tab.isActiveWindow(), timeout=2000)
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.find_bar.edit.hasFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert tab._export_dialog is not None
    assert tab._export_dialog.isVisible()
    tab._export_dialog.reject()
    sent = len(requests_to(app_context, "/core/v1/assets/hardware"))
    tab.builder.url_edit.setFocus()
    qtbot.keyClick(tab.builder.url_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    run(until(lambda: len(requests_to(app_context, "/core/v1/assets/hardware")) > sent))


def test_a_new_run_during_load_all_starts_over_quietly(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=10))
    run(until(loaded(tab, 10)))
    tab.start_load_all()
    run(until(lambda: tab.model.rowCount() >= 30))
    previous = tab.load_all_task
    tab.builder.request_run()
    run(asyncio.gather(previous, return_exceptions=True))
    run(until(loaded(tab, 10)))
    assert previous.cancelled()
    assert "cancelled" not in tab.status_label.text()
    assert tab.model.rowCount() < 30
    assert (
        len({tab.model.record(r)["id"] for r in range(tab.model.rowCount())})
        == tab.model.rowCount()
    )
    assert tab.load_all_button.isVisible()


def test_servers_of_one_client_under_8_gb_sorted_then_open_the_client(
    qtbot, make_tab, app_context, run, until
):
    """The issue's walk-through, through the form as a user fills it."""
    servers = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=200))
    servers.builder.apply_url(
        "/core/v1/assets/hardware?filter[type]=eq:SERVER&filter[configuration.ram_bytes]=lt:8000000000"
    )
    servers.builder.request_run()
    run(until(loaded(servers, 1)))
    client = servers.model.record(0)["client"]["id"]

    b = servers.builder
    b.set_query(Query(endpoint_id=HARDWARE, page_size=200))
    for field, op, value in (
        ("client.id", Operator.EQ, client),
        ("type", Operator.EQ, "SERVER"),
        ("configuration.ram_bytes", Operator.LT, "8000000000"),
    ):
        row = b.add_filter_row()
        row.field_combo.setCurrentText(field)
        row.op_combo.setCurrentIndex(row.op_combo.findData(op.value))
        row.editor().set_values((value,))
    b._refresh()
    assert b.run_button.isEnabled(), b.reason_label.text()
    b.run_button.click()
    run(until(lambda: servers.model.total_count is not None and not servers.model.is_loading))
    header_click(servers, qtbot, "name")
    run(
        until(
            lambda: (
                servers.query.sorts
                and not servers.model.is_loading
                and servers.model.total_count is not None
            )
        )
    )
    records = [servers.model.record(r) for r in range(servers.model.rowCount())]
    assert records, "the sandbox has small servers for this client"
    assert all(r["client"]["id"] == client for r in records)
    assert all(r["type"] == "SERVER" for r in records)
    assert all(r["configuration"]["ram_bytes"] < 8_000_000_000 for r in records)
    names = [r["name"] for r in records]
    assert names == sorted(names) or names == sorted(names, key=str.lower)
    with qtbot.waitSignal(servers.open_related) as opened:
        click_cell(servers, qtbot, 0, "client.id")
    assert opened.args[0] == "GET /core/v1/clients/{id}"
    assert opened.args[1].path_params == {"id": client}


def test_retry_runs_the_failed_query_even_after_the_form_changed(
    qtbot, make_tab, app_context, run, until
):
    """Retry re-runs the query that failed; a half-edited form must not veto it."""
    query = Query(endpoint_id="GET /core/v1/clients/{id}", path_params={"id": "no-such-client"})
    tab = make_tab(app_context, "GET /core/v1/clients/{id}", query)
    run(until(lambda: tab.banner.isVisible()))
    tab.builder.param_editor("id").set_values(("",))  # the form is now missing its id
    run(until(lambda: not tab.builder.is_valid()))
    sent = len(requests_to(app_context, "/core/v1/clients/no-such-client"))
    tab.banner.action_button.click()
    run(until(lambda: len(requests_to(app_context, "/core/v1/clients/no-such-client")) > sent))


def test_cells_copy_as_tsv_with_raw_values_while_the_grid_reads_easily(
    qtbot, make_tab, app_context, run, until
):
    import csv as csvlib
    import io

    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    from explorer.core.flatten import cell_text
    from explorer.core.humanize import human_bytes, local_datetime

    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=10))
    run(until(loaded(tab, 10)))
    tab.apply_columns(["name", "configuration.ram_bytes", "record_updated_at"])
    model = tab.model
    raw_ram = model.index(0, 1).data(RAW)
    raw_time = model.index(0, 2).data(RAW)
    assert isinstance(raw_ram, int)
    assert model.index(0, 1).data() == human_bytes(raw_ram)  # `8.6 GB`, not 8589934592
    assert model.index(0, 2).data() == local_datetime(raw_time)  # local time, readable
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == raw_time  # the exact value

    # A 2x3 block, as a drag would select it.
    block = QItemSelection(tab.proxy.index(0, 0), tab.proxy.index(1, 2))
    tab.table.selectionModel().select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    tab.copy_selection()
    pasted = list(csvlib.reader(io.StringIO(QApplication.clipboard().text()), delimiter="\t"))
    assert len(pasted) == 2
    for row, cells in enumerate(pasted):
        record = model.record(row)
        assert cells == [
            record["name"],
            cell_text(record["configuration"]["ram_bytes"]),
            record["record_updated_at"],  # ISO on copy
        ]
    assert tab.status_label.text() == "Copied 6 cells (tab-separated)."


def test_columns_fit_their_content_within_a_cap(qtbot, make_tab, app_context, run, until):
    from explorer.ui.results.tab import COLUMN_WIDTH_CAP, COLUMN_WIDTH_MIN

    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=10))
    run(until(loaded(tab, 10)))
    header = tab.table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(tab.model.columnCount())]
    assert all(COLUMN_WIDTH_MIN <= w <= COLUMN_WIDTH_CAP for w in widths)
    assert len(set(widths)) > 3  # fitted per column, not one default width
    name = tab.model.column_of("id")
    text = tab.model.index(0, name).data()
    assert header.sectionSize(name) >= tab.table.fontMetrics().horizontalAdvance(text)


def test_a_single_record_is_shown_as_a_form(qtbot, make_tab, app_context, run, until):
    listing = make_tab(app_context, CLIENTS, Query(endpoint_id=CLIENTS, page_size=5))
    run(until(loaded(listing, 1)))
    client_id = listing.model.record(0)["id"]
    endpoint = "GET /core/v1/clients/{id}"
    tab = make_tab(
        app_context, endpoint, Query(endpoint_id=endpoint, path_params={"id": client_id})
    )
    run(until(lambda: tab.detail.record() is not None))
    assert tab.table.isHidden()
    assert tab.detail.tabs.currentWidget() is tab.detail.tree  # fields first
    fields = {
        tab.detail.tree.topLevelItem(i).text(0) for i in range(tab.detail.tree.topLevelItemCount())
    }
    assert {"id", "name"} <= fields
    record = tab.detail.record()
    run(until(lambda: tab.title == f"Client: {record['name']}"))  # named once it has loaded


def test_run_becomes_stop_while_a_query_runs(qtbot, make_tab, app_context, run, until):
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=10))
    run(until(loaded(tab, 10)))
    run(until(lambda: tab.builder.run_button.text() == "Run"))  # the view may ask a page more
    tab.start_load_all()
    run(until(lambda: tab.builder.run_button.text() == "Stop"))
    assert tab.builder.run_button.isEnabled()
    tab.builder.run_button.click()
    run(until(lambda: not tab.controller.loading_all and not tab.model.is_loading))
    run(until(lambda: tab.builder.run_button.text() == "Run"))
    kept = tab.model.rowCount()
    assert tab.status_label.text() == (
        f"Load all cancelled: {kept:,} rows loaded; they stay in the table."
    )
    assert 10 <= kept < tab.model.total_count


def test_an_empty_result_says_why_and_how_to_widen_it(qtbot, make_tab, app_context, run, until):
    query = Query(
        endpoint_id=HARDWARE, filters=(FilterCondition("name", Operator.EQ, ("no-such-asset",)),)
    )
    tab = make_tab(app_context, HARDWARE, query)
    run(until(lambda: tab.status_label.text().startswith("No records match")))
    assert tab.status_label.text() == "No records match; 1 filter narrow it: loosen or remove them."
    assert not tab.load_all_button.isEnabled()
    assert tab.load_all_button.toolTip() == "Every record is loaded already"


def test_an_empty_scout_search_points_at_its_date_range(qtbot, make_tab, scout_context, run, until):
    tab = make_tab(scout_context, "GET /v1/WorkOrders/Search")
    tab.builder.param_editor("StartDate").set_values(("1990-01-01",))
    tab.builder.param_editor("EndDate").set_values(("1990-01-02",))
    tab.builder._refresh()
    tab.builder.request_run()
    run(until(lambda: tab.status_label.text().startswith("No records match")))
    text = tab.status_label.text()
    assert "StartDate 1990-01-01" in text
    assert "EndDate 1990-01-02" in text
    assert "widen the dates" in text


def test_disabled_controls_say_why(qtbot, make_tab, app_context):
    query = Query(endpoint_id=HARDWARE, filters=(FilterCondition("colour", Operator.EQ, ("x",)),))
    tab = make_tab(app_context, HARDWARE, query)
    assert not tab.export_button.isEnabled()
    assert tab.export_button.toolTip() == "Run the query first: export writes its rows"
    assert tab.load_all_button.toolTip() == "Run the query first"
    assert not tab.builder.run_button.isEnabled()
    assert tab.builder.run_button.toolTip().startswith("Cannot run")
