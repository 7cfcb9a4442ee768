"""Export from a results tab: each scope writes the right rows and columns; options; progress;
Cancel keeps a .partial that Resume completes."""

from __future__ import annotations

import asyncio
import csv
import io

from explorer.core.flatten import cell_text, flatten_record
from explorer.core.humanize import format_duration
from explorer.core.query import Query
from explorer.ui.results.export_dialog import ExportScope, suggested_file_name

HARDWARE = "GET /core/v1/assets/hardware"
COLUMNS = ["id", "name", "client.name", "configuration.ram_bytes"]


def loaded(tab, rows):
    return lambda: tab.model.rowCount() >= rows and not tab.model.is_loading


def read_csv(path, delimiter=",", bom=False):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def export(tab, run, path, scope, **options):
    dialog = tab.open_export_dialog(scope)
    dialog.path_edit.setText(str(path))
    if options.get("all_columns"):
        dialog.all_columns_button.setChecked(True)
    if "delimiter" in options:
        dialog.delimiter_combo.setCurrentIndex(
            dialog.delimiter_combo.findData(options["delimiter"])
        )
    dialog.bom_check.setChecked(options.get("bom", False))
    dialog.header_check.setChecked(options.get("header", True))
    dialog.formula_check.setChecked(options.get("formulas", True))
    assert dialog.scope() is scope
    dialog.export_button.click()
    progress = tab._exports[-1]
    run(progress.task, timeout=60)
    return progress


def expected_rows(tab, rows, columns):
    out = []
    for r in rows:
        flat = flatten_record(tab.model.record(r))
        out.append([cell_text(flat.get(c, "")) for c in columns])
    return out


def two_pages(make_tab, context, run, until):
    tab = make_tab(context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=50))
    run(until(loaded(tab, 50)))
    tab.apply_columns(COLUMNS)
    tab.model.fetchMore(tab.proxy.index(0, 0).parent())
    run(until(loaded(tab, 100)))
    return tab


def test_this_page_exports_the_page_of_the_current_row(make_tab, app_context, run, until, tmp_path):
    tab = two_pages(make_tab, app_context, run, until)
    tab.table.setCurrentIndex(tab.proxy.index(60, 0))
    out = tmp_path / "page.csv"
    progress = export(tab, run, out, ExportScope.PAGE)
    rows = read_csv(out)
    assert rows[0] == COLUMNS
    assert rows[1:] == expected_rows(tab, range(50, 100), COLUMNS)
    assert "Done: 50 rows" in progress.rows_label.text()
    assert not (tmp_path / "page.csv.partial").exists()


def test_loaded_rows_with_options(make_tab, app_context, run, until, tmp_path):
    tab = two_pages(make_tab, app_context, run, until)
    out = tmp_path / "loaded.csv"
    export(tab, run, out, ExportScope.LOADED, delimiter=";", bom=True, header=False)
    rows = read_csv(out, delimiter=";", bom=True)
    assert rows == expected_rows(tab, range(100), COLUMNS)
    assert "Exported 100 rows" in tab.status_label.text()


def test_all_matching_records_with_all_columns(make_tab, app_context, run, until, tmp_path):
    first = make_tab(app_context, HARDWARE)
    run(until(loaded(first, 1)))
    client = first.model.record(0)["client"]["id"]
    url = f"/core/v1/assets/hardware?filter[client.id]=eq:{client}&sort=name"
    tab = make_tab(app_context, HARDWARE)
    assert tab.builder.apply_url(url)
    tab.builder.request_run()
    run(until(loaded(tab, 1)))
    tab.apply_columns(["name", "id"])
    total = tab.model.total_count
    out = tmp_path / "all.csv"
    export(tab, run, out, ExportScope.ALL, all_columns=True)
    rows = read_csv(out)
    header, body = rows[0], rows[1:]
    assert len(body) == total
    assert {"id", "name", "client.id", "configuration.ram_bytes"} <= set(header)
    ids = [row[header.index("id")] for row in body]
    assert len(set(ids)) == total
    assert {row[header.index("client.id")] for row in body} == {client}
    names = [row[header.index("name")] for row in body]
    assert names == sorted(names) or names == sorted(names, key=str.lower)


def test_visible_columns_are_written_in_their_order(make_tab, app_context, run, until, tmp_path):
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=20))
    run(until(loaded(tab, 20)))
    tab.apply_columns(["client.name", "id"])
    out = tmp_path / "visible.csv"
    export(tab, run, out, ExportScope.LOADED)
    rows = read_csv(out)
    assert rows[0] == ["client.name", "id"]
    assert rows[1:] == expected_rows(tab, range(20), ["client.name", "id"])


def start_big_export(make_tab, context, run, until, out):
    """A tab on every hardware asset in pages of 50, exporting all of them (60 pages) to `out`."""
    tab = make_tab(context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=50))
    run(until(loaded(tab, 50)))
    tab.apply_columns(["id", "name"])
    dialog = tab.open_export_dialog(ExportScope.ALL)
    dialog.path_edit.setText(str(out))
    resume_offered = dialog.resume_check.isVisibleTo(dialog)
    dialog.export_button.click()
    return tab, tab._exports[-1], resume_offered


def test_cancel_keeps_a_partial_and_resume_completes(make_tab, app_context, run, until, tmp_path):
    out = tmp_path / "big.csv"
    _tab, progress, _ = start_big_export(make_tab, app_context, run, until, out)

    async def cancel_midway():
        await until(lambda: progress.bar.value() >= 100)
        assert "of 3,000 rows" in progress.rows_label.text()
        assert "rows/s" in progress.rate_label.text()
        progress.cancel_button.click()
        await asyncio.gather(progress.task, return_exceptions=True)

    run(cancel_midway(), timeout=60)
    partial = tmp_path / "big.csv.partial"
    assert partial.exists()
    assert not out.exists()
    assert "big.csv.partial" in progress.outcome_label.text()
    assert progress.resume_button.isVisibleTo(progress)
    progress.resume_button.click()
    run(progress.task, timeout=120)
    assert out.exists()
    assert not partial.exists()
    rows = read_csv(out)
    assert rows[0] == ["id", "name"]
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == 3000
    assert len(set(ids)) == 3000
    assert "Done: 3,000 rows" in progress.rows_label.text()


def test_safe_defaults_and_a_missing_folder_is_refused(make_tab, app_context, run, until, tmp_path):
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=5))
    run(until(loaded(tab, 5)))
    dialog = tab.open_export_dialog()
    assert dialog.formula_check.isChecked()
    assert dialog.header_check.isChecked()
    assert not dialog.bom_check.isChecked()
    dialog.path_edit.setText(str(tmp_path / "missing-folder" / "x.csv"))
    assert not dialog.export_button.isEnabled()  # said as the path is typed, before a click
    assert f"The folder {tmp_path / 'missing-folder'} does not exist" in dialog.target_label.text()
    dialog.export_button.click()
    assert tab._exports == []
    dialog.reject()


def test_small_helpers():
    assert format_duration(5) == "5 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(3725) == "1 h 02 min"
    assert format_duration(None) == "unknown"
    from explorer.core.catalog import Endpoint

    assert (
        suggested_file_name(Endpoint("GET", "/core/v1/assets/hardware"))
        == "core-v1-assets-hardware.csv"
    )
    assert suggested_file_name(Endpoint("GET", "/v1/WorkOrders/{id}")) == "v1-WorkOrders-id.csv"


def test_formula_guard_on_and_off(make_tab, app_context, run, until, tmp_path):
    query = Query(endpoint_id=HARDWARE, sorts=(), page_size=200)
    tab = make_tab(app_context, HARDWARE, query)
    assert tab.builder.apply_url("/core/v1/assets/hardware?filter[type]=eq:SERVER&sort=name")
    tab.builder.request_run()
    run(until(loaded(tab, 100)))
    tab.apply_columns(["id", "name"])
    risky = [r for r in range(tab.model.rowCount()) if tab.model.record(r)["name"][:1] in "=+-@"]
    assert risky, "the sandbox serves formula-like names among the first servers by name"
    guarded = tmp_path / "guarded.csv"
    export(tab, run, guarded, ExportScope.LOADED)
    raw = tmp_path / "raw.csv"
    export(tab, run, raw, ExportScope.LOADED, formulas=False)
    for r in risky:
        name = tab.model.record(r)["name"]
        assert read_csv(guarded)[r + 1][1] == "'" + name
        assert read_csv(raw)[r + 1][1] == name


def test_a_new_dialog_offers_to_resume_a_kept_partial(make_tab, app_context, run, until, tmp_path):
    out = tmp_path / "again.csv"
    tab, first, resume_offered = start_big_export(make_tab, app_context, run, until, out)
    assert not resume_offered

    async def cancel_midway():
        await until(lambda: first.bar.value() >= 50)
        first.cancel()
        await asyncio.gather(first.task, return_exceptions=True)

    run(cancel_midway(), timeout=60)
    first.close()
    dialog = tab.open_export_dialog(ExportScope.ALL)
    dialog.path_edit.setText(str(out))
    assert dialog.resume_check.isVisibleTo(dialog)
    assert "again.csv.partial" in dialog.resume_check.text()
    dialog.set_scope(ExportScope.LOADED)
    assert not dialog.resume_check.isVisibleTo(dialog)  # loaded rows are written in one go
    dialog.set_scope(ExportScope.ALL)
    dialog.export_button.click()
    second = tab._exports[-1]
    run(second.task, timeout=120)
    assert second.result_value.resumed_at_row is not None
    ids = [r[0] for r in read_csv(out)[1:]]
    assert len(ids) == 3000
    assert len(set(ids)) == 3000


def _type_path(qtbot, dialog, text):
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, text)  # every character, as a user types it


def test_typing_any_path_character_by_character_never_fails(
    qtbot, make_tab, app_context, run, until, tmp_path, monkeypatch
):
    """Ordinary typing never reaches "something unexpected"; the dialog says where it writes."""
    from explorer.ui.async_utils import messages

    home = tmp_path / "home"
    (home / "exports").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    posted: list[tuple[str, str, str]] = []

    def on_post(*message: str) -> None:
        posted.append(message)

    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=50))
    run(until(loaded(tab, 50)))
    dialog = tab.open_export_dialog(ExportScope.LOADED)
    dialog._base_dir = home  # the folder a relative name goes to
    messages().listen(on_post)
    try:
        cases = {
            str(tmp_path / "absolute.csv"): tmp_path / "absolute.csv",
            "exports/relative.csv": home / "exports" / "relative.csv",
            "~/exports/tilde.csv": home / "exports" / "tilde.csv",
            str(home / "exports" / "no-suffix"): home / "exports" / "no-suffix.csv",
        }
        for typed, target in cases.items():
            _type_path(qtbot, dialog, typed)
            assert dialog.target() == target
            assert dialog.export_button.isEnabled()
            assert dialog.target_label.text() == f"Writes {target.name} in {target.parent}"
        _type_path(qtbot, dialog, str(home / "exports"))  # a folder
        assert not dialog.export_button.isEnabled()
        assert "is a folder; add a file name" in dialog.target_label.text()
        _type_path(qtbot, dialog, str(tmp_path / "missing" / "x.csv"))
        assert "does not exist" in dialog.target_label.text()
        _type_path(qtbot, dialog, "/")
        assert not dialog.export_button.isEnabled()
    finally:
        messages().stop_listening(on_post)
    assert posted == []
    _type_path(qtbot, dialog, "exports/typed.csv")
    dialog.export_button.click()
    progress = tab._exports[-1]
    run(progress.task, timeout=60)
    assert (home / "exports" / "typed.csv").is_file()
    assert "Done: 50 rows" in progress.rows_label.text()
