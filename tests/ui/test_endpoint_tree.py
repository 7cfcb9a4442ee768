"""Endpoint tree over the bundled catalogs: grouping, search, activation, path-parameter form."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialogButtonBox

from explorer.core import catalogs
from explorer.core.catalog import Endpoint, FieldType, PathParam
from explorer.ui.endpoint_tree import (
    EndpointRole,
    EndpointTree,
    PathParamDialog,
    SearchTextRole,
    check_path_value,
)


@pytest.fixture
def tree(qtbot):
    widget = EndpointTree()
    qtbot.addWidget(widget)
    widget.set_catalog(catalogs.load_bundled_spec(("scalepad", "scout")))
    widget.resize(420, 700)
    widget.show()
    return widget


def test_groups_product_resource_endpoint(tree, qtmodeltester):
    model = tree.model
    products = [model.item(r).text() for r in range(model.rowCount())]
    assert products[:3] == ["Core", "Quoter", "Lifecycle Manager"]
    assert "Scout" in products
    core = model.item(0)
    resources = [core.child(r).text() for r in range(core.rowCount())]
    assert "Hardware assets" in resources
    hardware = core.child(resources.index("Hardware assets"))
    leaf = hardware.child(0)
    assert leaf.data(EndpointRole).id == "GET /core/v1/assets/hardware"
    assert "List hardware assets" in leaf.toolTip()
    assert "GET /core/v1/assets/hardware" in leaf.toolTip()
    total = sum(1 for _ in catalogs.load_bundled_spec(("scalepad", "scout")).endpoints())
    assert model.endpoint_count() == total
    qtmodeltester.check(model)
    qtmodeltester.check(tree.proxy)


def test_search_filters_as_you_type(tree, qtbot):
    everything = len(tree.visible_endpoints())
    qtbot.keyClicks(tree.search, "hardware")
    qtbot.waitUntil(lambda: len(tree.visible_endpoints()) < everything)
    shown = [e.id for e in tree.visible_endpoints()]
    assert "GET /core/v1/assets/hardware" in shown
    assert "GET /core/v1/clients" not in shown
    # Every row matches by its own text or by its resource's name (LM's "Hardware" resource).
    for endpoint_id in shown:
        index = tree.proxy.mapToSource(tree.index_of(endpoint_id))
        assert "hardware" in index.data(SearchTextRole)
    assert not tree.empty_label.isVisibleTo(tree)


def test_search_words_all_have_to_match_and_groups_count(tree):
    tree.set_search_text("lifecycle clients")
    ids = [e.id for e in tree.visible_endpoints()]
    assert ids
    assert all("/lifecycle-manager/" in i and "client" in i.lower() for i in ids)
    tree.set_search_text("work orders")  # a resource name shows all its endpoints
    ids = [e.id for e in tree.visible_endpoints()]
    assert "GET /v1/WorkOrders/{id}" in ids
    assert "GET /v1/WorkOrders/Search" in ids


def test_search_without_match_says_so_and_clearing_restores(tree):
    everything = len(tree.visible_endpoints())
    tree.set_search_text("no such endpoint xyz")
    assert tree.visible_endpoints() == []
    assert tree.empty_label.isVisibleTo(tree)
    tree.set_search_text("")
    assert len(tree.visible_endpoints()) == everything
    assert not tree.empty_label.isVisibleTo(tree)


def test_double_click_on_an_endpoint_activates_it(tree, qtbot):
    tree.set_search_text("List clients")
    index = tree.index_of("GET /core/v1/clients")
    assert index.isValid()
    tree.view.scrollTo(index)
    rect = tree.view.visualRect(index)
    # A real double-click starts with a press: the view only opens the index it saw pressed.
    qtbot.mouseClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(tree.endpoint_activated) as blocker:
        qtbot.mouseDClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0].id == "GET /core/v1/clients"


def test_double_click_on_a_group_does_not_activate(tree, qtbot):
    group = tree.proxy.index(0, 0, QModelIndex())
    rect = tree.view.visualRect(group)
    qtbot.mouseClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.assertNotEmitted(tree.endpoint_activated):
        qtbot.mouseDClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_enter_opens_the_current_endpoint_and_the_first_match(tree, qtbot):
    tree.set_search_text("units")
    index = tree.index_of("GET /v1/Units")
    tree.view.setCurrentIndex(index)
    tree.view.setFocus()
    with qtbot.waitSignal(tree.endpoint_activated) as blocker:
        qtbot.keyClick(tree.view, Qt.Key.Key_Return)
    assert blocker.args[0].id == "GET /v1/Units"
    tree.set_search_text("stations")
    with qtbot.waitSignal(tree.endpoint_activated) as blocker:
        qtbot.keyClick(tree.search, Qt.Key.Key_Return)
    assert blocker.args[0].id == tree.visible_endpoints()[0].id


def test_focus_search_selects_the_text(tree, qtbot):
    tree.set_search_text("quotes")
    tree.view.setFocus()
    tree.focus_search()
    qtbot.waitUntil(tree.search.hasFocus)
    assert tree.search.selectedText() == "quotes"


# ------------------------------------------------------------------ path parameters
WORK_ORDER = Endpoint(
    method="GET",
    path="/v1/Stations/{stationId}/WorkOrders/{uid}",
    summary="Work order of a station",
    path_params=(
        PathParam("stationId", FieldType.INTEGER, "the station number"),
        PathParam("uid", FieldType.UUID),
    ),
)


def test_path_values_are_checked_by_type():
    station, uid = WORK_ORDER.path_params
    assert check_path_value(station, "") == "Enter a value for stationId."
    assert check_path_value(station, "12a") == "stationId must be a whole number."
    assert check_path_value(station, " 12 ") is None
    assert "UUID" in (check_path_value(uid, "nope") or "")
    assert check_path_value(uid, "123e4567-e89b-12d3-a456-426614174000") is None
    assert "cannot contain" in (check_path_value(PathParam("id"), "a/b") or "")


def test_path_param_form_blocks_open_until_every_value_fits(qtbot):
    dialog = PathParamDialog(WORK_ORDER)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert dialog.problem.text() == ""  # nothing typed yet: no scolding
    qtbot.keyClicks(dialog.fields["stationId"], "7x")
    assert dialog.problem.text() == "stationId must be a whole number."
    dialog.fields["stationId"].setText("7")
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.fields["uid"], "123e4567-e89b-12d3-a456-426614174000 ")
    assert ok.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        ok.click()
    assert dialog.values() == {"stationId": "7", "uid": "123e4567-e89b-12d3-a456-426614174000"}


def test_down_then_enter_in_the_search_opens_the_first_match(tree, qtbot):
    """Typing, Down, Enter opens the first matching endpoint (Enter once folded its group)."""
    tree.view.setCurrentIndex(QModelIndex())
    qtbot.keyClicks(tree.search, "stations")
    qtbot.keyClick(tree.search, Qt.Key.Key_Down)
    first = tree.visible_endpoints()[0]
    assert tree.view.currentIndex().data(EndpointRole) == first
    with qtbot.waitSignal(tree.endpoint_activated) as blocker:
        qtbot.keyClick(tree.view, Qt.Key.Key_Return)
    assert blocker.args[0].id == first.id


def test_an_operation_asking_for_another_scheme_is_marked(qtbot):
    from pathlib import Path

    from explorer.core.openapi import import_openapi
    from explorer.ui.endpoint_tree import AuthNoteRole

    document = Path(__file__).resolve().parents[1] / "data" / "openapi" / "multi-auth.yaml"
    catalog = import_openapi(document)
    widget = EndpointTree()
    qtbot.addWidget(widget)

    def notes(scheme_name: str) -> dict[str, str]:
        widget.set_catalog(catalog, scheme_name)
        found: dict[str, str] = {}
        for endpoint in widget.visible_endpoints():
            index = widget.index_of(endpoint.id)
            found[endpoint.id] = index.data(AuthNoteRole) or ""
        return found

    marked = notes("bearerAuth")
    assert "basicAuth" in marked["GET /v1/audit"]
    assert marked["GET /v1/records"] == ""  # bearer is one of its alternatives
    assert marked["GET /v1/status"] == ""  # public
    index = widget.index_of("GET /v1/audit")
    assert "needs basicAuth" in index.data(Qt.ItemDataRole.DisplayRole)
    assert not any(notes("basicAuth").values())
    assert not any(notes("").values())  # a profile not made from the document: no guesses
