"""The main window against the real sandbox: start-up, demo, tabs, profiles, errors, shutdown."""

from __future__ import annotations

import asyncio
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from explorer.core.query import Query
from explorer.core.settings import AuthKind, Profile
from explorer.sandbox import SandboxConfig
from explorer.ui.async_utils import report_error
from explorer.ui.endpoint_tree import PathParamDialog
from explorer.ui.main_window import MainWindow
from explorer.ui.profile_dialog import ProfileDialog
from explorer.ui.results.tab import ResultsTab


@pytest.fixture
def make_window(qtbot, services, run):
    windows: list[MainWindow] = []

    def factory() -> MainWindow:
        window = MainWindow(services)
        window.show()
        windows.append(window)
        return window

    yield factory
    # Shut down on the loop first (as closing the window does), then let Qt delete it.
    for window in windows:
        run(window.shutdown())
        window.close()
        window.deleteLater()


@pytest.fixture
def window(make_window, sandbox_profile, run):
    """A window opened on the sandbox profile (the last used one)."""
    created = make_window()
    run(created.start())
    assert created.context is not None
    return created


def open_by_id(window: MainWindow, endpoint_id: str, query: Query | None = None) -> None:
    endpoint = window.context.catalog.find(endpoint_id)
    assert endpoint is not None
    window.open_endpoint(endpoint, query)


def add_scout_profile(window: MainWindow, services, sandbox, run) -> None:
    """A second saved profile, for the sandbox's Scout half (JWT login)."""
    scout = Profile(
        name="Sandbox Scout",
        base_url=sandbox.url,
        auth_kind=AuthKind.JWT,
        catalog="scout",
        username=sandbox.scout_username,
    )
    services.settings.upsert_profile(scout)
    run(services.secrets.set(scout.name, sandbox.scout_password))
    window._refresh_profiles()


def settled(window: MainWindow) -> bool:
    """True when no tab is loading (so a test ends without requests on the wire)."""
    tabs = [window.tabs.widget(i) for i in range(window.tabs.count())]
    return not any(t.model.is_loading or t.tasks.running("single") for t in tabs)


def test_first_start_without_profiles_shows_the_welcome_page(make_window, run):
    window = make_window()
    run(window.start())
    assert window.pages.currentWidget() is window.welcome
    assert window.context is None
    assert not window.edit_profile_action.isEnabled()
    assert not window.log_dock.isVisible()  # nothing to log or budget before a profile
    assert not window.budget.isVisible()
    assert window.profile_label.text() == "No profile"


def test_demo_starts_the_sandbox_child_opens_it_and_stops_it_on_close(
    make_window, services, memory_keyring, run, until, qtbot
):
    services.demo_config = SandboxConfig(scale=0.05, rate=None)
    window = make_window()
    run(window.start())
    window.welcome.demo.button.click()
    run(until(lambda: window.context is not None, timeout=30))
    demo = services.demo
    assert demo is not None
    assert demo.running
    assert window.context.profile.name == "Demo"
    assert window.pages.currentWidget() is window.splitter
    assert not window.log_dock.isVisible()  # closed by default: the grid gets the screen
    assert window.budget.isVisible()
    assert window.tree.model.endpoint_count() > 100
    assert [window.profile_combo.itemText(i) for i in range(2)] == ["Demo", "Demo Scout"]
    # The demo key is in the keyring like any key, never in the settings file.
    assert demo.api_key in memory_keyring.entries.values()
    settings_text = services.settings_store.path.read_text(encoding="utf-8")
    assert demo.api_key not in settings_text
    assert demo.scout_password not in settings_text

    # The Scout half of the demo signs in with its username and password on the same server.
    run(window.switch_profile("Demo Scout"))
    assert window.context.profile.auth_kind is AuthKind.JWT
    scout_units = window.context.catalog.find("GET /v1/Units")
    window.open_endpoint(scout_units)
    run(
        until(
            lambda: any(
                "/v1/Units" in e.url and e.status == 200 for e in services.request_log.entries()
            )
        )
    )
    run(until(lambda: settled(window)))

    with qtbot.waitSignal(window.closed, timeout=15000):
        window.close()
        run(until(lambda: services.demo is None, timeout=15))
    assert not demo.running


def test_explorer_demo_goes_straight_to_the_demo(make_window, services, run):
    services.demo_config = SandboxConfig(scale=0.05, rate=None)
    window = make_window()
    run(window.start(demo=True), timeout=30)
    assert window.context is not None
    assert window.context.profile.name == "Demo"
    assert window.pages.currentWidget() is window.splitter


def test_last_profile_opens_with_its_catalog_and_budget(window, sandbox_profile):
    assert window.pages.currentWidget() is window.splitter
    assert window.profile_combo.currentText() == sandbox_profile.name
    assert sandbox_profile.base_url in window.profile_label.text()
    assert window.tree.model.endpoint_count() > 100
    assert window.budget.state is not None
    assert window.budget.state.limit == sandbox_profile.rate_limit
    assert window.edit_profile_action.isEnabled()


def test_double_click_opens_a_results_tab_and_the_log_and_budget_follow(window, run, until, qtbot):
    window.tree.set_search_text("List clients")
    index = window.tree.index_of("GET /core/v1/clients")
    rect = window.tree.view.visualRect(index)
    qtbot.mouseClick(window.tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.count() == 1
    tab = window.tabs.widget(0)
    assert isinstance(tab, ResultsTab)
    assert tab.endpoint.id == "GET /core/v1/clients"
    assert window.tab_stack.currentWidget() is window.tabs
    run(until(lambda: window.log_view.model.rowCount() >= 1))
    assert "/core/v1/clients" in window.last_request_label.text()
    assert " 200 " in f" {window.last_request_label.text()} "
    run(until(lambda: window.budget.state.used >= 1))
    run(until(lambda: settled(window)))


def test_ctrl_w_closes_the_tab_and_shows_the_empty_state(window, run, until, qtbot):
    open_by_id(window, "GET /core/v1/contacts")
    open_by_id(window, "GET /core/v1/sites")
    assert window.tabs.count() == 2
    run(until(lambda: settled(window)))
    window.tabs.setCurrentIndex(1)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.tabs.currentWidget(), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.count() == 1
    assert window.tabs.widget(0).endpoint.id == "GET /core/v1/contacts"
    window.close_current_tab()
    assert window.tabs.count() == 0
    assert window.tab_stack.currentWidget() is window.empty_tabs


def test_ctrl_k_and_ctrl_l_focus_the_endpoint_search(window, qtbot):
    window.tabs.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.tree.search.hasFocus)
    window.tree.view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.tree.search.hasFocus)


def test_endpoint_with_a_path_parameter_asks_for_it_first(window, run, until):
    open_by_id(window, "GET /core/v1/clients/{id}")
    dialog = run(until(lambda: window.findChild(PathParamDialog)))
    assert window.tabs.count() == 0
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.fields["id"].setText("client-42")
    ok.click()
    run(until(lambda: window.tabs.count() == 1))
    tab = window.tabs.widget(0)
    assert tab.endpoint.id == "GET /core/v1/clients/{id}"
    assert tab.query.path_params == {"id": "client-42"}
    run(until(lambda: settled(window)))


def test_cancelled_path_form_opens_nothing(window, run, until):
    open_by_id(window, "GET /core/v1/clients/{id}")
    dialog = run(until(lambda: window.findChild(PathParamDialog)))
    dialog.reject()
    run(until(lambda: window.findChild(PathParamDialog) is None or not dialog.isVisible()))
    assert window.tabs.count() == 0


def test_related_record_request_opens_a_new_tab(window, run, until):
    open_by_id(window, "GET /core/v1/assets/hardware")
    tab = window.tabs.widget(0)
    tab.open_related.emit(
        "GET /core/v1/clients/{id}",
        Query("GET /core/v1/clients/{id}", {"id": "c1"}),
        "Client: Wonka Logistics",
    )
    assert window.tabs.count() == 2
    assert window.tabs.tabText(1) == "Client: Wonka Logistics"
    related = window.tabs.widget(1)
    assert related.endpoint.id == "GET /core/v1/clients/{id}"
    assert related.query.path_params == {"id": "c1"}
    assert window.tabs.currentIndex() == 1
    run(until(lambda: settled(window)))


def test_switching_profile_rebuilds_the_context(window, services, sandbox, run, until):
    add_scout_profile(window, services, sandbox, run)
    open_by_id(window, "GET /core/v1/clients")
    run(until(lambda: settled(window)))
    old = window.context
    index = window.profile_combo.findData("Sandbox Scout")
    window.profile_combo.setCurrentIndex(index)
    window.profile_combo.activated.emit(index)
    run(until(lambda: window.context is not None and window.context is not old))
    assert window.context.profile.name == "Sandbox Scout"
    assert window.context.client is not old.client
    assert window.context.governor is not old.governor
    assert window.tabs.count() == 0
    products = [window.tree.model.item(r).text() for r in range(window.tree.model.rowCount())]
    assert products == ["Scout"]
    assert window.budget._governor is window.context.governor
    # Back to the first profile: its tabs come back as they were.
    run(window.switch_profile("Sandbox"))
    assert [window.tabs.widget(i).endpoint.id for i in range(window.tabs.count())] == [
        "GET /core/v1/clients"
    ]
    run(until(lambda: settled(window)))


def test_a_profile_without_its_secret_explains_what_to_do(window, services, sandbox, run, until):
    services.settings.upsert_profile(
        Profile(name="No key", base_url=sandbox.url, auth_kind=AuthKind.API_KEY, catalog="scalepad")
    )
    window._refresh_profiles()
    run(window.switch_profile("No key"))
    assert window.context is None
    assert window.banner.isVisible()
    text = window.banner.text.text()
    assert "No API key is stored for the profile 'No key': enter the API key in the profile" in text
    assert "Traceback" not in text
    # The failed profile can be fixed from the banner or the toolbar.
    assert window.profile_combo.currentText() == "No key"
    assert window.edit_profile_action.isEnabled()
    assert window.banner.action_button.text() == "Edit profile…"
    window.banner.action_button.click()
    dialog = window.findChild(ProfileDialog)
    assert dialog is not None
    assert dialog.name_edit.text() == "No key"
    assert not window.banner.isVisible()
    dialog.reject()


def test_unexpected_errors_are_reported_calmly_with_details(window):
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        report_error(exc)
    assert window.banner.isVisible()
    assert "Something unexpected went wrong" in window.banner.text.text()
    assert "Traceback" not in window.banner.text.text()
    assert window.banner.details_button.isVisible()
    assert "RuntimeError: boom in a slot" in window.banner._details


def test_geometry_and_tabs_are_remembered_for_the_next_start(
    make_window, window, services, run, until
):
    window.resize(760, 655)  # within the offscreen screen, which clamps restored geometry
    open_by_id(window, "GET /core/v1/contacts")
    open_by_id(
        window, "GET /core/v1/clients/{id}", Query("GET /core/v1/clients/{id}", {"id": "c9"})
    )
    run(until(lambda: settled(window)))
    size = (window.width(), window.height())  # at least the minimum size its tabs need
    assert size[1] == 655
    run(window.shutdown())
    stored = json.loads(services.settings_store.path.read_text(encoding="utf-8"))
    assert stored["window"]["geometry"]
    saved_tabs = stored["window"]["open_tabs"]["Sandbox"]
    assert [t["endpoint"] for t in saved_tabs] == [
        "GET /core/v1/contacts",
        "GET /core/v1/clients/{id}",
    ]
    services.demo = None
    again = make_window()
    run(again.start())
    assert (again.width(), again.height()) == size
    assert [again.tabs.widget(i).endpoint.id for i in range(again.tabs.count())] == [
        "GET /core/v1/contacts",
        "GET /core/v1/clients/{id}",
    ]
    assert again.tabs.widget(1).query.path_params == {"id": "c9"}

    def answered(fragment: str) -> int:
        return sum(fragment in e.url for e in services.request_log.entries())

    # The reopened tabs run their queries again (a hidden tab once it is shown).
    run(until(lambda: answered("/clients/c9") >= 2))

    async def show_first_tab():
        # Shown from inside the loop: the view's fetchMore then starts its task on a running loop.
        again.tabs.setCurrentIndex(0)
        await until(lambda: answered("/core/v1/contacts?") >= 2)

    run(show_first_tab())
    run(until(lambda: settled(again)))


def test_deleting_the_open_profile_returns_to_the_welcome_page(window, services, run, until):
    open_by_id(window, "GET /core/v1/contacts")
    run(until(lambda: settled(window)))
    dialog = window.edit_profile()
    dialog.delete_button.click()
    dialog.delete_button.click()
    run(until(lambda: window.context is None and services.settings.profile("Sandbox") is None))
    assert window.tabs.count() == 0
    assert window.pages.currentWidget() is window.welcome
    assert window.profile_combo.findData("Sandbox") == -1
    assert not window.edit_profile_action.isEnabled()
    assert "Sandbox" not in services.settings.window.get("open_tabs", {})


def test_uncaught_errors_in_slots_and_tasks_reach_the_banner(window, run, monkeypatch):
    import sys
    import threading

    from explorer.core.errors import NetworkError
    from explorer.ui.async_utils import install_exception_hooks, spawn

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_exception_hooks()
    try:
        raise ValueError("bad value in a slot")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert "Something unexpected went wrong" in window.banner.text.text()

    async def fails():
        raise NetworkError("connection refused")

    task = spawn(fails(), owner=window, context="Loading")
    run(asyncio.wait([task]))
    assert window.banner.text.text() == f"Loading: {NetworkError.default_explanation}"

    async def cancelled():
        await asyncio.sleep(10)

    window.banner.hide()
    task = spawn(cancelled(), owner=window)
    task.cancel()
    run(asyncio.wait([task]))
    assert not window.banner.isVisible()  # a cancellation is not an error


def test_the_grid_gets_the_screen_when_a_tab_opens(window, run, until, qtbot):
    """The endpoint tree folds away for the first tab and comes back on Ctrl+B / Ctrl+K, or
    when the last tab closes; the request log stays closed unless opened."""
    window.resize(1440, 900)
    assert not window.log_dock.isVisible()
    assert window.splitter.sizes()[0] > 0
    open_by_id(window, "GET /core/v1/assets/hardware")
    assert window.splitter.sizes()[0] == 0
    assert not window.endpoints_action.isChecked()
    window.search_endpoints()  # Ctrl+K
    assert window.splitter.sizes()[0] > 0
    assert window.endpoints_action.isChecked()
    window.endpoints_action.trigger()  # Ctrl+B folds it again
    assert window.splitter.sizes()[0] == 0
    run(until(lambda: settled(window)))
    window.close_tab_at(0)
    run(until(lambda: window.tabs.count() == 0))
    assert window.splitter.sizes()[0] > 0  # nothing open: the list is where to start


def test_quiet_close_buttons_on_tabs_and_no_icons_on_dialog_buttons(window, run, until, qtbot):
    from PySide6.QtWidgets import QStyle, QTabBar, QToolButton

    from explorer.ui.theme import ExplorerStyle

    assert (
        ExplorerStyle("Fusion").styleHint(QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons) == 0
    )
    open_by_id(window, "GET /core/v1/clients")
    button = window.tabs.tabBar().tabButton(0, QTabBar.ButtonPosition.RightSide)
    assert isinstance(button, QToolButton)
    assert button.toolTip() == "Close this tab (Ctrl+W)"
    run(until(lambda: settled(window)))
    button.click()
    run(until(lambda: window.tabs.count() == 0))


def test_switching_profiles_keeps_each_ones_tabs_rows_titles_and_search(
    window, services, sandbox, run, until
):
    add_scout_profile(window, services, sandbox, run)
    from explorer.core.catalog import Operator
    from explorer.core.query import FilterCondition

    hardware = Query(
        "GET /core/v1/assets/hardware",
        filters=(FilterCondition("type", Operator.EQ, ("SERVER",)),),
        page_size=100,
    )
    tab = window.open_tab(window.context.catalog.find(hardware.endpoint_id), hardware)
    run(until(lambda: settled(window) and tab.model.rowCount() >= 100))
    rows = tab.model.rowCount()
    first_ids = [tab.model.record(r)["id"] for r in range(rows)]
    title = window.tabs.tabText(0)
    assert "1 filter" in title
    window.tree.set_search_text("hardware")
    sandbox_context = window.context
    run(window.switch_profile("Sandbox Scout"))
    assert window.tabs.count() == 0
    assert window.tree.search.text() == ""
    window.tree.set_search_text("units")
    sent_before = len(services.request_log.entries())
    run(window.switch_profile("Sandbox"))
    assert window.context is sandbox_context  # kept open, not rebuilt
    assert window.tabs.widget(0) is tab  # the same tab, rows and all
    assert [tab.model.record(r)["id"] for r in range(rows)] == first_ids
    assert window.tabs.tabText(0) == title
    assert window.tree.search.text() == "hardware"
    run(until(lambda: settled(window)))
    again = [e.url for e in services.request_log.entries()[sent_before:] if "cursor=" not in e.url]
    assert again == []  # nothing was fetched again from the first page
    run(window.switch_profile("Sandbox Scout"))
    assert window.tree.search.text() == "units"


def test_restored_tabs_run_one_at_a_time_as_they_are_shown(
    make_window, sandbox_profile, services, run, until
):
    first = make_window()
    run(first.start())
    for endpoint_id in ("GET /core/v1/clients", "GET /core/v1/sites", "GET /core/v1/contacts"):
        open_by_id(first, endpoint_id)
    run(until(lambda: settled(first)))
    run(first.shutdown())
    services.request_log.clear()
    second = make_window()
    run(second.start())
    assert second.tabs.count() == 3
    run(until(lambda: settled(second)))
    paths = [e.url.split("?")[0].rsplit("/", 1)[-1] for e in services.request_log.entries()]
    shown = second.current_tab()
    assert shown is not None
    assert len(paths) == 1  # only the tab shown ran, not a burst of three
    waiting = [second.tabs.widget(i) for i in range(3) if second.tabs.widget(i) is not shown]
    assert all(t.status_label.text() == "Runs when you open this tab." for t in waiting)
    second.tabs.setCurrentWidget(waiting[0])
    run(until(lambda: settled(second) and len(services.request_log.entries()) == 2))


def test_problems_in_an_api_description_are_shown_not_dropped(make_window, services, sandbox, run):
    from pathlib import Path

    document = (
        Path(__file__).parent.parent
        / "data"
        / "openapi"
        / "multifile"
        / "DigitalOcean-public.v2.yaml"
    )
    services.settings.upsert_profile(
        Profile(
            name="Multi-file", base_url=sandbox.url, auth_kind=AuthKind.NONE, catalog=str(document)
        )
    )
    window = make_window()
    run(window.start())
    run(window.switch_profile("Multi-file"))
    assert window.context is not None
    assert window.banner.isVisible()
    assert "The API description of Multi-file has" in window.banner.text.text()
    assert window.banner._details == "\n".join(window.context.catalog.warnings)
