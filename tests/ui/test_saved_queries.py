"""Saved queries in the window: Save (Ctrl+S), open a file, the recent list, `explorer FILE`."""

from __future__ import annotations

import json

import pytest

from explorer.app import build_parser
from explorer.core.catalog import Operator
from explorer.core.query import FilterCondition, Query, SortKey
from explorer.ui.saved_queries import RECENT_MAX, recent_queries, remember_query
from tests.ui.test_main_window import (  # noqa: F401 (make_window is a fixture)
    add_scout_profile,
    make_window,
    settled,
)

HARDWARE = "GET /core/v1/assets/hardware"
QUERY = Query(
    endpoint_id=HARDWARE,
    filters=(FilterCondition("type", Operator.EQ, ("SERVER",)),),
    sorts=(SortKey("name"),),
    page_size=50,
)


def test_save_then_open_gives_the_same_query_and_columns(
    make_window,  # noqa: F811
    sandbox_profile,
    services,
    sandbox,
    run,
    until,
    tmp_path,
):
    window = make_window()
    run(window.start())
    tab = window.open_tab(window.context.catalog.find(HARDWARE), QUERY)
    run(until(lambda: settled(window) and tab.model.rowCount() > 0))
    tab.apply_columns(["name", "type", "client.name"])
    written = run(window.save_query_to(tab, tmp_path / "servers"))
    assert written == tmp_path / "servers.query.json"
    saved = json.loads(written.read_text(encoding="utf-8"))
    assert saved["profile"] == "Sandbox"
    assert saved["columns"] == ["name", "type", "client.name"]
    assert sandbox.api_key not in written.read_text(encoding="utf-8")
    assert recent_queries(services.settings, "Sandbox") == [written]

    window.close_tab_at(0)
    run(until(lambda: window.tabs.count() == 0))
    reopened = run(window.open_saved_query(written))
    assert reopened is not None
    assert reopened.query.filters == QUERY.filters
    assert reopened.query.sorts == QUERY.sorts
    run(until(lambda: settled(window) and reopened.model.rowCount() > 0))
    assert reopened.model.visible_columns() == ["name", "type", "client.name"]
    # The toolbar menu lists it under this profile.
    window._fill_queries_menu()
    texts = [a.text() for a in window.queries_menu.actions()]
    assert "servers" in texts
    assert texts[:2] == ["Save query…", "Open query…"]


def test_opening_a_query_saved_with_another_profile_switches_to_it(
    make_window,  # noqa: F811
    sandbox_profile,
    services,
    sandbox,
    run,
    until,
    tmp_path,
):
    from explorer.core.savedquery import SavedQuery, save_query

    path = save_query(
        tmp_path / "units.query.json",
        SavedQuery(profile="Sandbox Scout", query=Query(endpoint_id="GET /v1/Units")),
    )
    window = make_window()
    run(window.start())
    add_scout_profile(window, services, sandbox, run)
    assert window.context.profile.name == "Sandbox"
    tab = run(window.open_saved_query(path))
    assert window.context.profile.name == "Sandbox Scout"
    assert tab is not None
    assert tab.endpoint.id == "GET /v1/Units"
    run(until(lambda: settled(window)))


def test_a_broken_query_file_says_why_and_leaves_the_recent_list(
    make_window,  # noqa: F811
    sandbox_profile,
    services,
    run,
    tmp_path,
):
    from explorer.core.errors import ExplorerError

    window = make_window()
    run(window.start())
    broken = tmp_path / "broken.query.json"
    broken.write_text("{not json", encoding="utf-8")
    remember_query(services.settings, "Sandbox", broken)
    with pytest.raises(ExplorerError) as caught:
        run(window.open_saved_query(broken))
    assert "cannot be used" in caught.value.explanation
    assert recent_queries(services.settings, "Sandbox") == []


def test_the_recent_list_is_short_newest_first_and_without_repeats(services, tmp_path):
    for n in range(RECENT_MAX + 3):
        remember_query(services.settings, "P", tmp_path / f"q{n}.query.json")
    remember_query(services.settings, "P", tmp_path / "q5.query.json")
    recent = recent_queries(services.settings, "P")
    assert len(recent) == RECENT_MAX
    assert recent[0].name == "q5.query.json"
    assert len(set(recent)) == len(recent)
    assert recent_queries(services.settings, "other") == []


def test_the_app_opens_a_query_file_given_on_the_command_line(
    make_window,  # noqa: F811
    sandbox_profile,
    run,
    until,
    tmp_path,
):
    from explorer.core.savedquery import SavedQuery, save_query

    path = save_query(tmp_path / "q.query.json", SavedQuery(profile="Sandbox", query=QUERY))
    args = build_parser().parse_args([str(path)])
    assert args.query_file == path
    window = make_window()
    run(window.start(query_file=args.query_file))
    assert window.tabs.count() == 1
    assert window.tabs.widget(0).query.filters == QUERY.filters
    run(until(lambda: settled(window)))
