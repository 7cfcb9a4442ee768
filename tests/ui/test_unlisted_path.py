"""The URL box accepts a path the catalog does not list: a tab opens for it, paging detected."""

from __future__ import annotations

from explorer.core.catalog import PaginationKind
from explorer.ui.results.tab import ResultsTab
from tests.ui.test_main_window import make_window, settled, window  # noqa: F401 (fixtures)

UNLISTED = "/core/v1/assets/hardware-archive"


def test_a_pasted_path_no_catalog_lists_opens_a_tab_of_its_own(window, run, until, qtbot):  # noqa: F811
    window.open_endpoint(window.context.catalog.find("GET /core/v1/assets/hardware"))
    run(until(lambda: settled(window)))
    first = window.tabs.widget(0)
    assert isinstance(first, ResultsTab)
    assert first.builder.apply_url(f"{UNLISTED}?tag=a&tag=b")
    assert window.tabs.count() == 2
    opened = window.tabs.widget(1)
    assert isinstance(opened, ResultsTab)
    endpoint = opened.endpoint
    assert endpoint.id == f"GET {UNLISTED}"
    assert (endpoint.pagination, endpoint.paging_source) == (PaginationKind.NONE, "detection")
    query = opened.builder.query()
    assert query.params == {"tag": "a"}
    assert query.more_values == (("tag", "b"),)
    assert opened.builder.url().endswith(f"{UNLISTED}?tag=a&tag=b")
    run(until(lambda: settled(window)))


def test_a_related_template_missing_from_the_catalog_is_still_refused(window):  # noqa: F811
    window.open_endpoint(window.context.catalog.find("GET /core/v1/assets/hardware"))
    window.tabs.widget(0).open_related.emit("GET /core/v1/gone/{id}", None, "")
    assert window.tabs.count() == 1


def test_a_profiles_paging_override_reaches_the_tab(window, run, until):  # noqa: F811
    notation = "cursor:param=cursor,next=next_cursor,size=page_size,max=50"
    window.context.profile = window.context.profile.with_changes(
        paging=(("GET /core/v1/assets/hardware", notation),)
    )
    window.open_endpoint(window.context.catalog.find("GET /core/v1/assets/hardware"))
    tab = window.tabs.widget(0)
    assert (tab.endpoint.paging_source, tab.endpoint.page_size_max) == ("profile", 50)
    run(until(lambda: settled(window)))


def test_the_tab_says_how_it_pages_and_where_that_came_from(window, run, until):  # noqa: F811
    window.open_endpoint(window.context.catalog.find("GET /core/v1/assets/hardware"))
    tab = window.tabs.widget(0)
    run(until(lambda: settled(window) and tab.model.rowCount() > 0))
    text = tab.endpoint_label.text()
    assert text.startswith("GET /core/v1/assets/hardware · pages by ")
    assert text.endswith(" (catalog)")
    assert tab.model.paging_short in text
    assert tab.model.paging_summary in tab.endpoint_label.toolTip()  # the full notation


def test_the_page_cap_can_be_raised_from_the_banner(window, run, until):  # noqa: F811
    notation = "cursor:param=cursor,next=next_cursor,size=page_size,max=200,pages=3"
    window.context.profile = window.context.profile.with_changes(
        paging=(("GET /core/v1/assets/hardware", notation),)
    )
    from explorer.core.query import Query

    hardware = "GET /core/v1/assets/hardware"
    window.open_endpoint(window.context.catalog.find(hardware), Query(hardware, page_size=10))
    tab = window.tabs.widget(0)
    run(until(lambda: settled(window) and tab.model.rowCount() >= 10))
    tab.start_load_all()
    run(until(lambda: tab.banner.isVisible() and not tab.controller.loading_all))
    assert tab.model.rowCount() == 30  # three pages of ten, then the cap
    assert tab.banner.action_button.text() == "Allow as many pages again"
    tab.banner.action_button.click()
    run(until(lambda: tab.banner.isVisible() and tab.model.rowCount() == 60))
    run(until(lambda: settled(window) and not tab.controller.loading_all))
    ids = [tab.model.record(r)["id"] for r in range(tab.model.rowCount())]
    assert len(ids) == len(set(ids)) == 60  # went on from where it stopped, nothing repeated
