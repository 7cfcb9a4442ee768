"""The query builder on real widgets: typed editors, the exact URL, validation, pasting a URL."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from explorer.core.catalog import Operator
from explorer.core.catalogs import load_bundled
from explorer.core.query import FilterCondition, Query, SortKey
from explorer.ui.results.query_builder import QueryBuilder
from explorer.ui.results.value_editors import (
    ChoiceEditor,
    DateEditor,
    DateTimeEditor,
    ListEditor,
    TextEditor,
    join_list,
    split_list,
)

BASE = "https://api.example.test"


@pytest.fixture(scope="module")
def scalepad():
    return load_bundled("scalepad")


@pytest.fixture(scope="module")
def scout():
    return load_bundled("scout")


@pytest.fixture
def hardware_builder(qtbot, scalepad):
    endpoint = scalepad.find("GET /core/v1/assets/hardware")
    builder = QueryBuilder(endpoint, scalepad, BASE, default_page_size=50)
    qtbot.addWidget(builder)
    return builder


def _row(builder, field, op):
    row = builder.add_filter_row()
    row.field_combo.setCurrentText(field)
    row.op_combo.setCurrentIndex(row.op_combo.findData(op.value))
    return row


def _settle(builder):
    builder._refresh()  # the form refreshes on a zero-delay timer; tests apply it at once


def test_typed_editors_build_the_exact_url(hardware_builder):
    b = hardware_builder
    client = _row(b, "client.id", Operator.EQ)
    assert isinstance(client.editor(), TextEditor)
    client.editor().edit.setText("c-42")
    kind = _row(b, "type", Operator.EQ)
    assert isinstance(kind.editor(), ChoiceEditor)
    kind.editor().combo.setCurrentIndex(kind.editor().combo.findData("SERVER"))
    ram = _row(b, "configuration.ram_bytes", Operator.LT)
    ram.editor().edit.setText("8000000000")  # above a 32-bit spin box: a validated line edit
    updated = _row(b, "record_updated_at", Operator.GT)
    assert isinstance(updated.editor(), DateTimeEditor)
    assert updated.editor().set_values(("2026-08-01T00:00:00Z",))
    _settle(b)

    assert b.is_valid(), b.issues()
    assert b.run_button.isEnabled()
    url = unquote(b.url())
    assert url == (
        f"{BASE}/core/v1/assets/hardware?filter[client.id]=eq:c-42&filter[type]=eq:SERVER"
        '&filter[configuration.ram_bytes]=lt:8000000000&filter[record_updated_at]=gt:"2026-08-01T00:00:00Z"'
        "&page_size=50"  # the first request's paging, so the preview is what is sent first
    )


def test_a_number_field_never_drops_what_is_typed(hardware_builder):
    """`8GB` once became `8` silently ("RAM <= 8 bytes"): now units work or the text is refused."""
    from PySide6.QtTest import QTest

    b = hardware_builder
    ram = _row(b, "configuration.ram_bytes", Operator.LTE)
    ram.editor().edit.setText("")
    QTest.keyClicks(ram.editor().edit, "8GB")
    _settle(b)
    assert ram.editor().edit.text() == "8GB"  # nothing dropped
    assert ram.editor().values() == ("8000000000",)
    assert ram.editor().hint.text() == "= 8,000,000,000 bytes"
    assert "filter[configuration.ram_bytes]=lte:8000000000" in unquote(b.url())
    ram.editor().edit.setText("8 GiB")
    assert ram.editor().values() == ("8589934592",)

    ram.editor().edit.setText("")
    QTest.keyClicks(ram.editor().edit, "12ab3")
    _settle(b)
    assert ram.editor().edit.text() == "12ab3"
    assert ram.editor().problem() == "“12ab3” is not a whole number"
    ram.editor().edit.setText("8XB")
    assert "“XB” is not a size unit" in ram.editor().problem()
    b.request_run()
    assert not b.run_button.isEnabled()
    assert "filter 1" in b.reason_label.text()


def test_a_plain_number_field_refuses_units_with_the_reason(hardware_builder):
    from explorer.ui.results.value_editors import NumberEditor, parse_number

    editor = NumberEditor(integer=True)
    editor.edit.setText("12a")
    assert editor.values() == ("12a",)
    assert editor.problem() == "“12a” is not a number (no units here)"
    editor.edit.setText("1.5")
    assert editor.problem() == "“1.5” is not a whole number"
    editor.edit.setText(" 42 ")
    assert (editor.values(), editor.problem()) == (("42",), "")
    assert parse_number("1.5kb", integer=True, bytes_unit=True) == "1500"
    editor.deleteLater()


def test_in_list_with_awkward_values(hardware_builder):
    b = hardware_builder
    row = _row(b, "client.name", Operator.IN)
    editor = row.editor()
    assert isinstance(editor, ListEditor)
    editor.edit.setText('"Space Sprockets, Inc.", Acme ,"say ""hi""", OR')
    _settle(b)
    assert row.condition().values == ("Space Sprockets, Inc.", "Acme", 'say "hi"', "OR")
    assert editor.count_label.text() == "4 values"
    url = unquote(b.url())
    assert url.endswith(
        'filter[client.name]=in:"Space Sprockets, Inc.",Acme,"say ""hi""","OR"&page_size=50'
    )
    assert b.is_valid()


def test_enum_in_list_menu_ticks_values(hardware_builder):
    row = _row(hardware_builder, "type", Operator.IN)
    editor = row.editor()
    # The eq choice (the first enum value) was carried over to the list.
    assert row.condition().values == ("WORKSTATION",)
    menu = QMenu()
    editor._fill_menu(menu)
    actions = {a.text(): a for a in menu.actions()}
    assert actions["WORKSTATION"].isChecked()
    actions["SERVER"].trigger()
    actions["WORKSTATION"].trigger()
    assert row.condition().values == ("SERVER",)


def test_switching_operator_keeps_the_value(hardware_builder):
    row = _row(hardware_builder, "name", Operator.EQ)
    row.editor().edit.setText("srv-01")
    row.op_combo.setCurrentIndex(row.op_combo.findData(Operator.IN.value))
    assert isinstance(row.editor(), ListEditor)
    assert row.condition() == FilterCondition("name", Operator.IN, ("srv-01",))


def test_operators_offered_are_those_the_field_allows(hardware_builder):
    row = _row(hardware_builder, "client.id", Operator.EQ)
    offered = [Operator(row.op_combo.itemData(i)) for i in range(row.op_combo.count())]
    assert offered == [Operator.EQ, Operator.IN]
    row.field_combo.setCurrentText("record_created_at")
    offered = [Operator(row.op_combo.itemData(i)) for i in range(row.op_combo.count())]
    assert Operator.IN not in offered
    assert Operator.GTE in offered


def test_invalid_row_disables_run_with_the_reason(hardware_builder, qtbot):
    b = hardware_builder
    good = _row(b, "name", Operator.EQ)
    good.editor().edit.setText("srv")
    bad = _row(b, "warranty_colour", Operator.EQ)
    bad.editor().set_values(("red",))
    _settle(b)
    assert not b.run_button.isEnabled()
    assert not b.reason_label.isHidden()  # shown (the builder itself is never put on screen)
    # Nothing was done wrong yet (the row was never left): a calm hint, no red.
    assert b.reason_label.text() == "Fill in filter 2, then Run."
    assert b.reason_label.property("role") == "hint"
    assert not bad.property("invalid")
    assert bad.issue() is not None
    assert "not a filter field" in bad.issue()
    assert good.issue() is None

    with qtbot.assertNotEmitted(b.run_requested):
        b.request_run()
    # Pressing Run judges every row: now the problem shows, in red.
    assert "filter 2" in b.reason_label.text()
    assert "warranty_colour" in b.reason_label.text()
    assert b.reason_label.property("role") == "error"
    assert bad.property("invalid") is True
    assert bad.message.isVisibleTo(bad)

    bad.remove_button.click()
    _settle(b)
    assert b.run_button.isEnabled()
    with qtbot.waitSignal(b.run_requested) as sent:
        b.run_button.click()
    assert sent.args[0].filters == (FilterCondition("name", Operator.EQ, ("srv",)),)


def test_empty_value_is_marked(hardware_builder):
    row = _row(hardware_builder, "name", Operator.CONT)
    _settle(hardware_builder)
    assert not hardware_builder.run_button.isEnabled()
    assert "Enter a value" in row.issue()


def test_unbalanced_quote_in_list_is_marked(hardware_builder):
    row = _row(hardware_builder, "name", Operator.IN)
    row.editor().edit.setText('"Acme, Inc., Other')
    _settle(hardware_builder)
    assert not hardware_builder.run_button.isEnabled()
    assert row.issue()


def test_sort_list_and_page_size(qtbot, scalepad):
    endpoint = scalepad.find("GET /core/v1/clients")
    builder = QueryBuilder(endpoint, scalepad, BASE, default_page_size=50)
    qtbot.addWidget(builder)
    sort = builder.sort_editor
    sort._add_chosen(sort.add_combo.findText("name"))
    sort._add_chosen(sort.add_combo.findText("num_hardware_assets"))
    sort.list.setCurrentRow(1)
    sort._toggle_current()
    sort._move(-1)
    builder.page_size.setValue(500)  # above the documented maximum: clamped
    _settle(builder)
    query = builder.query()
    assert query.sorts == (SortKey("num_hardware_assets", True), SortKey("name", False))
    assert query.page_size == 200
    assert unquote(builder.url()).endswith("sort=-num_hardware_assets,name&page_size=200")


def test_paste_url_fills_the_rows(hardware_builder):
    b = hardware_builder
    url = (
        f"{BASE}/core/v1/assets/hardware?filter%5Bclient.id%5D=in%3Aa1,b2"
        "&filter[configuration.ram_bytes]=lt:8000000000&filter[type]=eq:SERVER"
    )
    assert b.apply_url(url)
    rows = b.filter_rows()
    assert [r.condition() for r in rows] == [
        FilterCondition("client.id", Operator.IN, ("a1", "b2")),
        FilterCondition("configuration.ram_bytes", Operator.LT, ("8000000000",)),
        FilterCondition("type", Operator.EQ, ("SERVER",)),
    ]
    assert isinstance(rows[0].editor(), ListEditor)
    assert isinstance(rows[2].editor(), ChoiceEditor)
    assert b.is_valid()


def test_ctrl_v_on_the_url_line_fills_the_form(hardware_builder, qtbot):
    QGuiApplication.clipboard().setText("/core/v1/assets/hardware?filter[name]=cont:srv")
    hardware_builder.url_edit.setFocus()
    qtbot.keyClick(hardware_builder.url_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [r.condition() for r in hardware_builder.filter_rows()] == [
        FilterCondition("name", Operator.CONT, ("srv",))
    ]


def test_unreadable_url_says_why_and_keeps_the_form(hardware_builder):
    _row(hardware_builder, "name", Operator.EQ).editor().edit.setText("keep")
    assert not hardware_builder.apply_url("not a url at all")
    assert "could not be read" in hardware_builder.reason_label.text()
    assert hardware_builder.filter_rows()[0].condition().values == ("keep",)


def test_url_of_another_endpoint_is_handed_over(hardware_builder, qtbot):
    with qtbot.waitSignal(hardware_builder.other_endpoint_pasted) as pasted:
        hardware_builder.apply_url(f"{BASE}/core/v1/clients?filter[name]=eq:Acme")
    assert pasted.args[0] == "GET /core/v1/clients"
    assert pasted.args[1].filters == (FilterCondition("name", Operator.EQ, ("Acme",)),)
    assert hardware_builder.filter_rows() == []


def test_scout_search_parameters_are_date_pickers(qtbot, scout):
    endpoint = scout.find("GET /v1/WorkOrders/Search")
    builder = QueryBuilder(endpoint, scout, "https://scout.example.test")
    qtbot.addWidget(builder)
    start = builder.param_editor("StartDate")
    end = builder.param_editor("EndDate")
    assert isinstance(start, DateEditor)
    start.edit.setDate(QDate(2024, 5, 1))
    end.edit.setDate(QDate(2024, 5, 31))
    _settle(builder)
    assert builder.is_valid()
    assert (
        builder.url()
        == "https://scout.example.test/v1/WorkOrders/Search?StartDate=2024-05-01&EndDate=2024-05-31"
    )
    assert not builder.page_size.isVisibleTo(builder)


def test_required_station_id_blocks_run_until_given(qtbot, scout):
    endpoint = scout.find("GET /v1/WorkOrders/InProgress")
    builder = QueryBuilder(endpoint, scout, "https://scout.example.test")
    qtbot.addWidget(builder)
    assert not builder.run_button.isEnabled()
    assert "stationID" in builder.reason_label.text()
    builder.param_editor("stationID").edit.setText("2")
    _settle(builder)
    assert builder.run_button.isEnabled()
    assert builder.url().endswith("/v1/WorkOrders/InProgress?stationID=2")


def test_set_query_round_trips(hardware_builder):
    query = Query(
        endpoint_id="GET /core/v1/assets/hardware",
        filters=(
            FilterCondition("client.name", Operator.IN, ("Space Sprockets, Inc.", "Acme")),
            FilterCondition("record_created_at", Operator.GTE, ("2026-01-02T03:04:05Z",)),
        ),
        page_size=25,
    )
    hardware_builder.set_query(query)
    assert hardware_builder.query().filters == query.filters
    assert hardware_builder.query().page_size == 25


@pytest.mark.parametrize(
    "values",
    [("a",), ("a, b", "c"), ('say "hi"',), (" padded ",), ("x", "y", "z")],
)
def test_list_text_round_trips(values):
    assert split_list(join_list(values)) == values


def test_a_new_row_turns_red_only_after_focus_leaves_it_edited(hardware_builder, qtbot):
    b = hardware_builder
    qtbot.addWidget(b)
    b.show()
    qtbot.waitExposed(b)
    b.url_edit.setFocus()
    qtbot.waitUntil(lambda: b.url_edit.hasFocus())  # the window has the keyboard now
    row = b.add_filter_row(focus=True)
    _settle(b)
    assert row.issue() is not None  # an empty value: not runnable yet
    assert not row.property("invalid")  # but not red: the user has not done anything
    row.field_combo.setFocus()
    qtbot.waitUntil(lambda: row.field_combo.lineEdit().hasFocus())
    qtbot.keyClicks(row.field_combo.lineEdit(), "colo")  # a half-typed field name
    _settle(b)
    assert not row.property("invalid")
    b.url_edit.setFocus()  # the user moves on
    qtbot.waitUntil(lambda: row.property("invalid") is True)
    assert row.message.isVisibleTo(row)


def test_sort_controls_and_operators_speak_one_language(qtbot, scalepad):
    from explorer.ui.results.query_builder import OPERATOR_LABELS

    assert all(label.replace(" ", "").isalpha() for label in OPERATOR_LABELS.values())
    endpoint = scalepad.find("GET /core/v1/clients")
    builder = QueryBuilder(endpoint, scalepad, BASE)
    qtbot.addWidget(builder)
    sort = builder.sort_editor
    assert [b.text() for b in sort.buttons.values()] == ["A→Z / Z→A", "Earlier", "Later", "Remove"]
    assert not sort.buttons["direction"].isEnabled()  # nothing to turn around yet
    assert sort.buttons["direction"].toolTip() == "Add a sort key first"
    sort._add_chosen(sort.add_combo.findText("name"))
    assert sort.buttons["direction"].isEnabled()
    assert sort.list.item(0).text() == "name A→Z"
    sort._toggle_current()
    assert sort.list.item(0).text() == "name Z→A"


def test_a_pasted_sort_the_api_cannot_do_is_marked(hardware_builder):
    from explorer.ui import theme

    b = hardware_builder
    assert b.apply_url(f"{BASE}/core/v1/assets/hardware?sort=bogus,-name")
    _settle(b)
    items = [b.sort_editor.list.item(i) for i in range(b.sort_editor.list.count())]
    assert [i.text() for i in items] == ["bogus A→Z", "name Z→A"]
    assert items[0].foreground().color().name() == theme.ERROR_COLOR
    assert "cannot be sorted by" in items[0].toolTip()
    assert items[1].foreground().color().name() != theme.ERROR_COLOR
    assert not b.run_button.isEnabled()
