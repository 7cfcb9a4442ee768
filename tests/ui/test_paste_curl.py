"""Paste a cURL command (dialog, Ctrl+Shift+V) and Replay a logged request, against the sandbox."""

from __future__ import annotations

import json

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from explorer.core.catalog import Operator
from explorer.core.curl import parse_curl
from explorer.core.query import FilterCondition, Query, SortKey
from explorer.ui.paste_curl import PasteCurlDialog, open_curl, replay_entry
from tests.curl_commands import BROWSER_HEADERS, copy_as_curl
from tests.ui.test_main_window import (  # noqa: F401 (make_window and window are fixtures)
    add_scout_profile,
    make_window,
    settled,
    window,
)

HARDWARE = "GET /core/v1/assets/hardware"
BY_HAND = Query(
    endpoint_id=HARDWARE,
    filters=(FilterCondition("type", Operator.IN, ("SERVER", "WORKSTATION")),),
    sorts=(SortKey("name", descending=True),),
)


def hardware_command(sandbox, style: str) -> str:
    """What a browser's Copy as cURL writes for the hardware list, filtered and sorted."""
    url = f"{sandbox.url}/core/v1/assets/hardware?filter[type]=in:SERVER,WORKSTATION&sort=-name"
    return copy_as_curl(url, [*BROWSER_HEADERS, ("x-api-key", sandbox.api_key)], style)


def ids(tab) -> list[str]:
    return [str(tab.model.record(row)["id"]) for row in range(tab.model.rowCount())]


def loaded(main, tab) -> bool:
    return settled(main) and tab.model.rowCount() > 0


@pytest.mark.parametrize("style", ["bash", "cmd"])
def test_a_browser_curl_opens_the_saved_profile_s_tab_with_the_same_rows(
    window,  # noqa: F811
    sandbox,
    run,
    until,
    style,
):
    tab = run(open_curl(window, parse_curl(hardware_command(sandbox, style))))
    assert tab is not None
    assert window.context.profile.name == "Sandbox"  # the same key as the saved profile's
    assert tab.endpoint.id == HARDWARE
    assert tab.query.filters == BY_HAND.filters
    assert tab.query.sorts == BY_HAND.sorts
    run(until(lambda: loaded(window, tab)))
    by_hand = window.open_tab(window.context.catalog.find(HARDWARE), BY_HAND)
    run(until(lambda: loaded(window, by_hand)))
    assert ids(tab) == ids(by_hand)
    assert tab.builder.url() == by_hand.builder.url()
    said = window.statusBar().currentMessage()  # nothing to warn of: the status line says it
    assert said.startswith("Opened GET /core/v1/assets/hardware on the profile 'Sandbox'.")
    assert "is the one saved in the profile 'Sandbox'" in said
    assert window.banner.isHidden()


def test_without_a_saved_profile_a_temporary_one_keeps_the_key_out_of_everything(
    make_window,  # noqa: F811
    services,
    sandbox,
    memory_keyring,
    run,
    until,
    tmp_path,
):
    window = make_window()  # noqa: F811 (no saved profile: not the `window` fixture)
    run(window.start())
    tab = run(open_curl(window, parse_curl(hardware_command(sandbox, "bash"))))
    assert tab is not None
    name = window.context.profile.name
    assert name.endswith("(from cURL)")
    assert name in [window.profile_combo.itemText(i) for i in range(window.profile_combo.count())]
    run(until(lambda: loaded(window, tab)))
    assert {tab.model.record(r)["type"] for r in range(tab.model.rowCount())} <= {
        "SERVER",
        "WORKSTATION",
    }
    key = sandbox.api_key
    assert key not in tab.builder.url()
    assert key not in window.banner.text.text()
    log_text = json.dumps(
        [(e.url, e.request_headers, e.response_body) for e in services.request_log.entries()]
    )
    assert "x-api-key" in log_text  # the header went out, masked
    assert key not in log_text
    written = run(window.save_query_to(tab, tmp_path / "pasted"))
    assert key not in written.read_text(encoding="utf-8")
    assert key not in memory_keyring.entries.values()  # this session only, not the keychain
    services.settings_store.save(services.settings)
    settings_text = services.settings_store.path.read_text(encoding="utf-8")
    assert name not in settings_text
    assert key not in settings_text


@pytest.mark.parametrize("style", ["bash", "cmd"])
def test_a_scout_work_order_curl_opens_a_tab_with_the_token_and_the_same_rows(
    window,  # noqa: F811
    services,
    sandbox,
    run,
    until,
    style,
):
    add_scout_profile(window, services, sandbox, run)
    token = httpx.post(
        f"{sandbox.url}/v1/Token",
        json={"username": sandbox.scout_username, "password": sandbox.scout_password},
    ).json()["token"]
    url = f"{sandbox.url}/v1/WorkOrders/Search?StartDate=2026-07-01&EndDate=2026-08-31"
    command = copy_as_curl(url, [*BROWSER_HEADERS, ("authorization", f"Bearer {token}")], style)
    tab = run(open_curl(window, parse_curl(command)))
    assert tab is not None
    assert window.context.profile.name == "Sandbox Scout (from cURL)"
    assert tab.endpoint.id == "GET /v1/WorkOrders/Search"
    run(until(lambda: loaded(window, tab)))
    assert (
        "The token from the command (the Authorization header (Bearer)) is used"
        in window.banner.text.text()
    )
    assert token not in tab.builder.url()
    pasted_rows = [tab.model.record(r)["workOrderID"] for r in range(tab.model.rowCount())]
    run(window.switch_profile("Sandbox Scout"))
    endpoint = window.context.catalog.find("GET /v1/WorkOrders/Search")
    by_hand = window.open_tab(
        endpoint,
        Query(endpoint.id, params={"StartDate": "2026-07-01", "EndDate": "2026-08-31"}),
    )
    run(until(lambda: loaded(window, by_hand)))
    assert pasted_rows == [
        by_hand.model.record(r)["workOrderID"] for r in range(by_hand.model.rowCount())
    ]


def test_the_dialog_reads_as_you_type_and_opens_only_what_it_can(qtbot, sandbox):
    dialog = PasteCurlDialog(None, "")
    qtbot.addWidget(dialog)
    assert not dialog.open_button.isEnabled()
    dialog.editor.setPlainText(f"curl -X POST {sandbox.url}/core/v1/clients")
    assert not dialog.open_button.isEnabled()
    assert "is a POST request" in dialog.reason.text()
    assert dialog.reason.property("role") == "error"
    dialog.editor.setPlainText(f"curl {sandbox.url}/core/v1/clients --frob")
    assert "--frob" in dialog.reason.text()
    dialog.show()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible()  # Ctrl+Enter opens only what can be read
    dialog.editor.setPlainText(hardware_command(sandbox, "cmd"))
    assert dialog.open_button.isEnabled()
    assert "x-api-key header" in dialog.reason.text()
    assert sandbox.api_key not in dialog.reason.text()
    assert dialog.request() is not None
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == PasteCurlDialog.DialogCode.Accepted


def test_ctrl_shift_v_opens_the_dialog_prefilled_from_the_clipboard_and_open_opens_the_tab(
    window,  # noqa: F811
    sandbox,
    qtbot,
    run,
    until,
):
    QGuiApplication.clipboard().setText(hardware_command(sandbox, "bash"))
    window.activateWindow()
    qtbot.keyClick(
        window,
        Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.paste_dialog
    assert isinstance(dialog, PasteCurlDialog)
    assert dialog.isVisible()
    assert "x-api-key" in dialog.editor.toPlainText()
    assert dialog.open_button.isEnabled()
    # Before Open, the dialog says where the request opens and what its key means there.
    said = run(until(lambda: "Opens GET" in dialog.reason.text() and dialog.reason.text()))
    assert "Opens GET /core/v1/assets/hardware on the profile 'Sandbox'." in said
    assert "is the one saved in the profile 'Sandbox'" in said
    assert sandbox.api_key not in said
    window._fill_queries_menu()
    assert "Paste cURL command…" in [a.text() for a in window.queries_menu.actions()]
    dialog.open_button.click()
    run(until(lambda: window.tabs.count() == 1 and loaded(window, window.current_tab())))
    assert window.current_tab().query.filters == BY_HAND.filters
    QGuiApplication.clipboard().setText("not a command")
    window.paste_curl_action.trigger()
    assert window.paste_dialog.editor.toPlainText() == ""  # only a cURL is taken from the clipboard
    window.paste_dialog.reject()


def test_replay_reopens_a_logged_request_in_a_tab(window, services, sandbox, run, until):  # noqa: F811
    first = window.open_tab(window.context.catalog.find(HARDWARE), BY_HAND)
    run(until(lambda: loaded(window, first)))
    view = window.log_view
    row = next(
        r
        for r in range(view.proxy.rowCount())
        if "/core/v1/assets/hardware" in view.proxy.index(r, 2).data()
    )
    view.select_row(row)
    assert view.replay_button.isEnabled()
    actions = [a.text() for a in view.entry_menu().actions() if not a.isSeparator()]
    assert actions == ["Copy as cURL", "Replay in a tab", "Export selected as HAR…"]
    view.replay_button.click()
    run(until(lambda: window.tabs.count() == 2))
    replayed = window.current_tab()
    assert replayed is not first
    assert replayed.query.filters == BY_HAND.filters
    assert replayed.query.sorts == BY_HAND.sorts
    run(until(lambda: loaded(window, replayed)))
    assert ids(replayed)[:10] == ids(first)[:10]
    assert sandbox.api_key not in replayed.builder.url()


def test_replay_is_only_for_get_requests_of_the_current_profile(
    window,  # noqa: F811
    services,
    sandbox,
    run,
    until,
):
    from dataclasses import replace

    from tests.ui.test_request_log_view import plain_entry

    view = window.log_view
    login = replace(plain_entry(1, 200), method="POST", url=f"{sandbox.url}/v1/Token")
    services.request_log.add(login)
    run(until(lambda: view.model.rowCount() == 1))
    view.select_row(0)
    assert view.selected_entry().method == "POST"
    assert not view.replay_button.isEnabled()
    assert view.replay_selected() is None
    elsewhere = replace(login, method="GET", url="https://api.scalepad.com/core/v1/clients")
    assert replay_entry(window, elsewhere) is None
    assert "outside the profile 'Sandbox'" in window.banner.text.text()
    assert window.tabs.count() == 0


def test_the_dialog_says_when_it_cannot_tell_where_the_request_opens(qtbot, sandbox, run, until):
    from explorer.core.errors import SpecError

    async def unreachable(request):
        raise SpecError("The API description could not be downloaded")

    dialog = PasteCurlDialog(None, hardware_command(sandbox, "bash"), unreachable)
    qtbot.addWidget(dialog)
    run(until(lambda: dialog.reason.property("role") == "warning"))
    assert "could not be downloaded" in dialog.reason.text()
    assert dialog.open_button.isEnabled()  # Open tries again and reports what happens
