"""Issue 6's "done when": every server of the tenant exported from a results tab and the same
export from `explorer-cli export` give byte-identical files."""

from __future__ import annotations

import asyncio
import csv
import io

import httpx

from explorer.cli import EXIT_OK
from explorer.cli import main as cli_main
from explorer.core.catalog import Operator
from explorer.core.query import FilterCondition, Query
from explorer.ui.results.export_dialog import ExportScope

HARDWARE = "GET /core/v1/assets/hardware"
SERVERS = FilterCondition("type", Operator.EQ, ("SERVER",))


def servers_total(sandbox):
    reply = httpx.get(
        sandbox.url + "/core/v1/assets/hardware",
        params={"filter[type]": "eq:SERVER", "page_size": "1"},
        headers={"x-api-key": sandbox.api_key},
    )
    reply.raise_for_status()
    return int(reply.json()["total_count"])


def export_from_the_tab(tab, run, until, path):
    """Export…, "All matching records", all columns, default options, as a user would."""
    run(until(lambda: tab.model.total_count is not None and not tab.model.is_loading))
    dialog = tab.open_export_dialog()
    dialog.set_scope(ExportScope.ALL)
    dialog.all_columns_button.setChecked(True)
    dialog.path_edit.setText(str(path))
    dialog.export_button.click()
    progress = tab._exports[-1]
    run(progress.task, timeout=60)
    assert progress.result_value is not None
    assert not isinstance(progress.result_value, BaseException)
    return progress.result_value


def test_window_and_cli_exports_of_every_server_are_identical(
    make_tab, app_context, sandbox, run, until, tmp_path, monkeypatch, capsys
):
    total = servers_total(sandbox)
    assert total > 1
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, filters=(SERVERS,)))
    from_window = tmp_path / "window.csv"
    result = export_from_the_tab(tab, run, until, from_window)
    assert result.rows_written == total

    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    from_cli = tmp_path / "cli.csv"
    argv = [
        "export", "/core/v1/assets/hardware", "--base-url", sandbox.url,
        "--filter", "type=eq:SERVER", "--out", str(from_cli),
    ]  # fmt: skip
    # In a worker thread: the CLI runs its own event loop (asyncio.run), which must not replace
    # the window's loop as the current one on this thread.
    status = run(asyncio.to_thread(cli_main, argv), timeout=60)
    assert status == EXIT_OK, capsys.readouterr().err

    window_bytes = from_window.read_bytes()
    rows = list(csv.DictReader(io.StringIO(window_bytes.decode("utf-8"), newline="")))
    assert len(rows) == total
    assert all(r["type"] == "SERVER" for r in rows)
    assert len({r["id"] for r in rows}) == total
    assert window_bytes == from_cli.read_bytes()
