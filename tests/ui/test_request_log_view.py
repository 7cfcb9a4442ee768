"""Request log panel over real requests to the sandbox: live rows, colors, detail, cURL, filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from explorer.core.client import connect
from explorer.core.errors import AuthError, NotFound
from explorer.core.requestlog import RequestLog, RequestLogEntry
from explorer.core.settings import AuthKind, Profile
from explorer.ui import theme
from explorer.ui.request_log_view import RequestLogView, entry_detail, format_size


@pytest.fixture
def view(qtbot, app_context):
    widget = RequestLogView()
    qtbot.addWidget(widget)
    widget.set_request_log(app_context.request_log)
    widget.resize(900, 300)
    widget.show()
    return widget


def test_requests_appear_live_with_their_facts(view, app_context, run, until, qtbot, qtmodeltester):
    client = app_context.client
    with qtbot.waitSignal(view.entry_added, timeout=5000) as added:
        run(client.get_json("/core/v1/clients", params={"page_size": 3}))
    entry = added.args[0]
    assert view.model.rowCount() == 1
    row = [view.model.index(0, c).data() for c in range(6)]
    assert row[1] == "GET"
    assert row[2].endswith("/core/v1/clients?page_size=3")
    assert row[3] == "200"
    assert float(row[4]) == pytest.approx(entry.duration_ms, abs=1)
    assert row[5] == format_size(entry.response_size)
    assert view.model.index(0, 3).data(0x0009) == theme.status_color(200)  # ForegroundRole
    assert view.count_label.text() == "1 request"
    qtmodeltester.check(view.model)


def test_newest_request_is_on_top_and_errors_are_colored(view, app_context, run):
    run(app_context.client.get_json("/core/v1/sites", params={"page_size": 1}))
    with pytest.raises(NotFound):
        run(app_context.client.get_json("/core/v1/clients/does-not-exist"))
    run(until_rows(view, 2))
    top = view.proxy.index(0, 2).data()
    assert top.endswith("/core/v1/clients/does-not-exist")
    assert view.proxy.index(0, 3).data() == "404"
    assert view.proxy.index(0, 3).data(0x0009) == theme.status_color(404)
    assert theme.status_color(404) != theme.status_color(200)
    assert view.count_label.text() == "2 requests, 1 failed"


def until_rows(view: RequestLogView, n: int):
    async def wait():
        import asyncio

        for _ in range(500):
            if view.model.rowCount() >= n:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{n} rows did not appear")

    return wait()


def test_detail_masks_headers_and_previews_the_body(view, app_context, sandbox, run):
    run(app_context.client.get_json("/core/v1/clients", params={"page_size": 2}))
    run(until_rows(view, 1))
    view.select_row(0)
    text = view.detail.toPlainText()
    assert text.startswith("GET http://")
    assert "→ 200" in text
    assert "x-api-key: ****" in text
    assert sandbox.api_key not in text
    assert '"total_count"' in text
    assert view.copy_button.isEnabled()


def test_copy_as_curl_writes_the_key_as_a_variable(view, app_context, sandbox, run):
    run(app_context.client.get_json("/core/v1/clients", params={"page_size": 1}))
    run(until_rows(view, 1))
    view.select_row(0)
    command = view.copy_as_curl()
    assert command == QGuiApplication.clipboard().text()
    assert command.startswith("curl ")
    assert "$EXPLORER_API_KEY" in command
    assert sandbox.api_key not in command
    assert view.count_label.text() == "cURL command copied"


def test_copy_as_curl_for_a_scout_request_uses_the_token_variable(
    qtbot, services, sandbox, run, until
):
    log = RequestLog()
    view = RequestLogView()
    qtbot.addWidget(view)
    view.set_request_log(log)
    profile = Profile(
        name="Scout test",
        base_url=sandbox.url,
        auth_kind=AuthKind.JWT,
        catalog="scout",
        username=sandbox.scout_username,
    )
    run(services.secrets.set(profile.name, sandbox.scout_password))

    async def fetch():
        client = await connect(profile, services.secrets, request_log=log)
        async with client:
            await client.get_json("/v1/Units", params={"pageSize": 1})

    run(fetch())
    run(until(lambda: view.model.rowCount() >= 2))  # the login, then the data request
    data_row = next(
        r for r in range(view.proxy.rowCount()) if "/v1/Units" in view.proxy.index(r, 2).data()
    )
    view.select_row(data_row)
    command = view.copy_as_curl()
    assert "Authorization: Bearer $EXPLORER_TOKEN" in command
    assert sandbox.scout_password not in command
    assert "eyJ" not in command  # no JWT
    login_row = next(
        r for r in range(view.proxy.rowCount()) if "/v1/Token" in view.proxy.index(r, 2).data()
    )
    view.select_row(login_row)
    assert sandbox.scout_password not in view.detail.toPlainText()


def test_filter_by_words_and_errors(view, app_context, services, sandbox, run):
    run(app_context.client.get_json("/core/v1/clients", params={"page_size": 1}))
    run(app_context.client.get_json("/core/v1/sites", params={"page_size": 1}))
    services.settings.upsert_profile(
        Profile(
            name="Bad key", base_url=sandbox.url, auth_kind=AuthKind.API_KEY, catalog="scalepad"
        )
    )
    run(services.secrets.set("Bad key", "0" * 8 + "-00000000" * 7))

    async def rejected():
        client = await connect(
            services.settings.profile("Bad key"), services.secrets, request_log=services.request_log
        )
        async with client:
            with pytest.raises(AuthError):
                await client.get_json("/core/v1/contacts")

    run(rejected())
    run(until_rows(view, 3))
    view.filter_edit.setText("sites")
    assert view.proxy.rowCount() == 1
    view.filter_edit.setText("errors")
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, 3).data() == "401"
    view.select_row(0)
    detail = view.detail.toPlainText()
    assert "→ 401" in detail
    assert f"What happened: {AuthError.default_explanation}" in detail
    assert view.proxy.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == AuthError.default_explanation
    assert "Invalid API credentials" in detail  # the response body, as the API sent it
    view.filter_edit.setText("")
    assert view.proxy.rowCount() == 3


def test_detaching_stops_live_updates(view, app_context, run):
    view.set_request_log(None)
    run(app_context.client.get_json("/core/v1/clients", params={"page_size": 1}))
    assert view.model.rowCount() == 0
    assert view.count_label.text() == "No requests yet"


def test_entry_detail_names_retries_and_waits(app_context, run):
    run(app_context.client.get_json("/core/v1/clients", params={"page_size": 1}))
    entry = app_context.request_log.entries()[-1]
    from dataclasses import replace

    text = entry_detail(replace(entry, attempt=3, waited_s=1.5, status=None, error="timed out"))
    assert "no response" in text
    assert "retry 2" in text
    assert "waited 1.50 s for the rate limit" in text
    assert "What happened: timed out" in text


def plain_entry(n: int, status: int | None) -> RequestLogEntry:
    """A logged GET with only its id and status set (its answer, if any, was empty)."""
    return RequestLogEntry(
        id=n,
        time=1_700_000_000.0 + n,
        method="GET",
        url=f"https://api.example.com/things?n={n}",
        status=status,
        duration_ms=10.0,
        request_headers=(),
        response_headers=(),
        response_size=10,
        response_body="",
    )


def test_the_view_keeps_the_newest_rows_and_counts_failures(qtbot, monkeypatch, qtmodeltester):
    from explorer.ui import request_log_view

    monkeypatch.setattr(request_log_view, "MAX_ROWS", 3)
    log = RequestLog()
    view = RequestLogView()
    qtbot.addWidget(view)
    view.set_request_log(log)
    for n, status in enumerate((500, 200, 404, 200, None), start=1):
        log.add(plain_entry(n, status))
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    qtbot.waitUntil(lambda: view.model.entry(2).id == 5)
    assert [view.model.entry(r).id for r in range(3)] == [3, 4, 5]
    assert view.model.failed == 2  # the 404 and the request that got no answer
    assert view.count_label.text() == "3 requests, 2 failed"
    assert view.model.index(2, 3).data() == "failed"
    qtmodeltester.check(view.model)


def test_429s_that_were_waited_out_are_counted_apart_from_failures(qtbot):

    log = RequestLog()
    view = RequestLogView()
    qtbot.addWidget(view)
    view.set_request_log(log)
    for n, status in enumerate((200, 429, 429, 200, 200, 503), start=1):
        log.add(plain_entry(n, status))
    qtbot.waitUntil(lambda: view.model.rowCount() == 6)
    assert (view.model.failed, view.model.rate_limited) == (1, 2)
    assert view.count_label.text() == "6 requests, 1 failed, 2 × 429 waited out and retried"


def click_row(qtbot, view: RequestLogView, row: int, modifier=Qt.KeyboardModifier.NoModifier):
    rect = view.table.visualRect(view.proxy.index(row, 2))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def save_in(dialog, target) -> None:
    """Choose `target` in a file dialog the way a user does: type the name, press Save."""
    assert dialog is not None
    assert dialog.isVisible()
    dialog.selectFile(str(target))
    dialog.accept()


def test_the_selected_rows_export_as_har_with_no_secret(
    qtbot, view, app_context, sandbox, run, until, tmp_path, monkeypatch
):
    import threading

    from explorer.ui import request_log_view
    from explorer.ui.async_utils import messages
    from tests.har_check import assert_no_secret, check_har

    writers: list[threading.Thread] = []
    real_write_har = request_log_view.write_har

    def write_har(*args):
        writers.append(threading.current_thread())
        return real_write_har(*args)

    monkeypatch.setattr(request_log_view, "write_har", write_har)

    for size in (1, 2, 3):
        run(app_context.client.get_json("/core/v1/clients", params={"page_size": size}))
    run(until_rows(view, 3))
    assert not view.export_selected_har_action.isEnabled()  # nothing selected yet
    click_row(qtbot, view, 0)
    click_row(qtbot, view, 2, Qt.KeyboardModifier.ControlModifier)
    chosen = sorted(e.url for e in view.selected_entries())
    assert len(chosen) == 2
    assert view.export_selected_har_action.isEnabled()
    posted: list[tuple[str, ...]] = []

    def on_post(*message: str) -> None:
        posted.append(message)

    messages().listen(on_post)
    try:
        view.export_selected_har_action.trigger()
        dialog = view.findChild(QFileDialog)
        assert dialog.windowTitle() == "Export the selected 2 requests as HAR"
        assert dialog.selectedFiles()[0].endswith(".har")
        target = tmp_path / "traces" / "selected.har"
        target.parent.mkdir()
        save_in(dialog, target)
        run(until(lambda: posted))
    finally:
        messages().stop_listening(on_post)
    assert posted == [("info", f"Saved 2 requests as HAR to {target}", "")]
    assert writers
    assert writers[0] is not threading.main_thread()  # the GUI thread never writes the file
    document = check_har(target)
    assert sorted(e["request"]["url"] for e in document["log"]["entries"]) == chosen
    assert_no_secret(target.read_text(encoding="utf-8"), sandbox.api_key)
    assert [p.name for p in target.parent.iterdir()] == ["selected.har"]  # no temp file left


def test_the_whole_log_exports_as_har_whatever_the_filter(
    qtbot, view, app_context, sandbox, run, until, tmp_path
):
    from tests.har_check import check_har

    run(app_context.client.get_json("/core/v1/clients", params={"page_size": 1}))
    run(app_context.client.get_json("/core/v1/sites", params={"page_size": 1}))
    run(until_rows(view, 2))
    view.filter_edit.setText("sites")
    assert view.proxy.rowCount() == 1
    dialog = view.export_har()
    assert dialog is not None
    assert dialog.windowTitle() == "Export the request log as HAR"
    target = tmp_path / "all.har"
    save_in(dialog, target)
    run(until(lambda: target.exists()))
    paths = [e["request"]["url"].split("?")[0] for e in check_har(target)["log"]["entries"]]
    assert paths == [f"{sandbox.url}/core/v1/clients", f"{sandbox.url}/core/v1/sites"]


def test_exporting_an_empty_log_says_there_is_nothing(qtbot):
    view = RequestLogView()
    qtbot.addWidget(view)
    view.set_request_log(RequestLog())
    assert not view.export_har_action.isEnabled()
    assert view.export_har() is None
    assert view.findChild(QFileDialog) is None
