"""Every paging style against loopback servers that page like the real APIs, and hostile ones.

Each walk speaks real HTTP to a server in tests/paging_servers and must deliver every record
exactly once, in order, or stop with a PaginationError (never page forever).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import pytest

from explorer.core.catalog import Endpoint, PaginationKind, with_paging
from explorer.core.client import ApiClient
from explorer.core.errors import PageLimitReached, PaginationError, PagingLoop
from explorer.core.openapi import import_openapi
from explorer.core.paging import Page, PageFetcher, ResumePoint, iter_pages
from explorer.core.ratelimit import RateGovernor
from tests.paging_servers import apis
from tests.paging_servers.server import App, Reply, Request, serve


def run_walk(
    base: str, endpoint: Endpoint, *, params: Any = None, **kwargs: Any
) -> tuple[list[Page], BaseException | None]:
    """The pages handed over, and the error the walk ended with (None: complete)."""

    async def scenario() -> tuple[list[Page], BaseException | None]:
        pages: list[Page] = []
        async with ApiClient(base, governor=RateGovernor(100_000, 1.0)) as client:
            try:
                async for page in iter_pages(client, endpoint, params, **kwargs):
                    pages.append(page)
            except PaginationError as exc:
                return pages, exc
        return pages, None

    return asyncio.run(scenario())


def ids_of(pages: list[Page], id_field: str) -> list[str]:
    out = []
    for page in pages:
        for record in page.records:
            value: Any = record
            for part in id_field.split("."):
                value = value[part]
            out.append(str(value))
    return out


@dataclass(frozen=True)
class Style:
    name: str
    make: Callable[[], tuple[App, list[str]]]  # the server and its ids in order
    path: str
    id_field: str
    notation: str  # the --paging override that describes it
    size: int | None  # the page size asked
    params: dict[str, Any] | None = None  # other parameters the endpoint needs

    def fields(self) -> tuple[Any, ...]:
        return astuple(self)


STYLES = [
    Style(
        "stripe",
        apis.make_stripe,
        "/v1/customers",
        "id",
        "last-id:param=starting_after,size=limit,max=100,more=has_more",
        100,
    ),
    Style(
        "github",
        apis.make_github,
        "/repos/octo/hello/issues",
        "id",
        "link-header:size=per_page",
        200,  # more than GitHub gives: it answers 100 a page
    ),
    Style("netbox", apis.make_netbox, "/api/dcim/devices/", "id", "next-url:size=limit", 100),
    Style(
        "graph",
        apis.make_graph,
        "/v1.0/users",
        "id",
        "next-url:next=@odata.nextLink,size=$top,max=999,records=value",
        100,
    ),
    Style(
        "twilio",
        apis.make_twilio,
        "/2010-04-01/Accounts/AC1/Messages.json",
        "sid",
        "next-url:next=next_page_uri,size=PageSize,max=1000",
        50,
    ),
    Style(
        "slack",
        apis.make_slack,
        "/api/conversations.list",
        "id",
        "cursor:param=cursor,next=response_metadata.next_cursor,size=limit,records=channels",
        100,
    ),
    Style(
        "kubernetes",
        apis.make_kubernetes,
        "/api/v1/pods",
        "metadata.uid",
        "token:param=continue,next=metadata.continue,size=limit,records=items,id=metadata.uid",
        50,
        {"limit": 50},  # without a limit Kubernetes answers everything at once
    ),
    Style(
        "jsonapi",
        apis.make_jsonapi,
        "/articles",
        "id",
        "next-url:next=links.next,size=page[size]",
        20,
    ),
    Style(
        "hal",
        apis.make_hal,
        "/people",
        "id",
        "page:param=page,first=0,size=size,total=page.totalElements,records=_embedded.people",
        20,
    ),
    Style(
        "google",
        apis.make_google,
        "/drive/v3/files",
        "id",
        "token:param=pageToken,next=nextPageToken,size=pageSize,max=1000,records=files",
        100,
    ),
    Style(
        "vercel",
        apis.make_vercel,
        "/v6/deployments",
        "uid",
        "cursor:param=until,next=pagination.next,size=limit,max=100,records=deployments,id=uid",
        20,
    ),
    Style(
        "asana",
        apis.make_asana,
        "/api/1.0/tasks",
        "gid",
        "token:param=offset,next=next_page.offset,size=limit,max=100,id=gid",
        100,
    ),
    Style(
        "stripe-search",
        apis.make_stripe_search,
        "/v1/customers/search",
        "id",
        "token:param=page,next=next_page,size=limit,max=100",
        100,
        {"query": "email~'example.com'"},
    ),
    Style(
        "openai",
        apis.make_openai,
        "/v1/files",
        "id",
        "last-id:param=after,size=limit",
        20,
        {"limit": 20},  # its default of 10,000 would answer everything at once
    ),
]


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_override_walks_every_record_once(style: Style) -> None:
    _name, make, path, id_field, notation, size, params = style.fields()
    app, expected = make()
    endpoint = with_paging(Endpoint("GET", path, id_field=id_field), notation)
    assert endpoint.paging_source == "override"
    with serve(app) as server:
        pages, error = run_walk(server.base, endpoint, params=params, page_size=size)
    assert error is None
    assert ids_of(pages, id_field) == expected
    assert len(pages) >= 3
    assert len(server.requests) == len(pages)
    assert pages[-1].is_last
    assert all(r.base == server.base for r in server.requests)


DETECTED = {
    "stripe": "last-id",
    "github": "link-header",
    "netbox": "next-url",
    "graph": "next-url",
    "twilio": "next-url",
    "slack": "cursor",
    "kubernetes": "token",
    "jsonapi": "next-url",
    "hal": "next-url",
    "google": "token",
    "vercel": "cursor",
    "asana": "token",
    "stripe-search": "token",
    "openai": "last-id",
}


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_detection_from_the_first_answer_walks_every_record_once(style: Style) -> None:
    name, make, path, id_field, _notation, _size, params = style.fields()
    # An endpoint nobody described: one request, unless its answer shows more pages.
    app, expected = make()
    endpoint = Endpoint(
        "GET", path, pagination=PaginationKind.NONE, records_key="", id_field=id_field
    )

    async def scenario() -> tuple[list[str], str]:
        async with ApiClient(server.base, governor=RateGovernor(100_000, 1.0)) as client:
            fetcher = PageFetcher(client, endpoint, params)
            got: list[str] = []
            while fetcher.has_more:
                page = await fetcher.fetch_next()
                assert page is not None
                got.extend(ids_of([page], id_field))
            return got, fetcher.paging_style

    with serve(app) as server:
        got, style = asyncio.run(scenario())
    assert got == expected
    assert style == DETECTED[name]
    assert len(server.requests) >= 3


DOCUMENTS = Path(__file__).parent.parent / "data" / "openapi" / "styles"
# name -> (the style read from the document, what it also says: field -> value)
DOCUMENTED: dict[str, tuple[str, dict[str, Any]]] = {
    "stripe": ("last-id", {"cursor_param": "starting_after", "page_size_max": 100}),
    "github": ("link-header", {"page_size_param": "per_page", "page_size_max": 100}),
    "netbox": ("next-url", {"next_url_key": "next", "records_key": "results"}),
    "graph": ("next-url", {"next_url_key": "@odata.nextLink", "records_key": "value"}),
    "twilio": ("next-url", {"next_url_key": "next_page_uri", "page_size_max": 1000}),
    "slack": (
        "cursor",
        {"next_cursor_key": "response_metadata.next_cursor", "page_size_max": 1000},
    ),
    "kubernetes": ("token", {"next_cursor_key": "metadata.continue", "id_field": "metadata.uid"}),
    "jsonapi": ("next-url", {"next_url_key": "links.next", "page_size_param": "page[size]"}),
    "hal": ("next-url", {"next_url_key": "_links.next.href", "records_key": "_embedded.people"}),
    "google": ("token", {"cursor_param": "pageToken", "next_cursor_key": "nextPageToken"}),
    "vercel": ("cursor", {"cursor_param": "until", "next_cursor_key": "pagination.next"}),
    "asana": ("token", {"cursor_param": "offset", "next_cursor_key": "next_page.offset"}),
    "stripe-search": ("token", {"cursor_param": "page", "next_cursor_key": "next_page"}),
    "openai": ("last-id", {"cursor_param": "after", "page_size_max": 10_000}),
}


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_the_style_read_from_the_document_walks_every_record_once(style: Style) -> None:
    name, make, path, id_field, _notation, size, params = style.fields()
    catalog = import_openapi(DOCUMENTS / f"{name}.yaml")
    endpoint = catalog.find_by_path(path)
    assert endpoint is not None
    style, fields = DOCUMENTED[name]
    assert (endpoint.paging_style, endpoint.paging_source) == (style, "document")
    assert {key: getattr(endpoint, key) for key in fields} == fields
    assert endpoint.id_field == id_field
    app, expected = make()
    with serve(app) as server:
        concrete = path.replace("{owner}", "octo")
        pages, error = run_walk(server.base, endpoint, params=params, page_size=size, path=concrete)
    assert error is None
    assert ids_of(pages, id_field) == expected
    assert len(pages) >= 3
    sizes = {r.arg(endpoint.page_size_param) for r in server.requests} - {None}
    assert all(int(s) <= (endpoint.page_size_max or 200) for s in sizes)


# ---------------------------------------------------------------- hostile servers
def _bare_pages(count: int, cap: int, *, repeat_from: int | None = None) -> App:
    """page/per_page over a bare array, no total, no has_more, no Link; pages capped at `cap`;
    from page `repeat_from` on, the server answers page 2 again."""

    def app(request: Request) -> Reply:
        size = min(int(request.arg("per_page") or 30), cap)
        page = int(request.arg("page") or 1)
        if repeat_from is not None and page >= repeat_from:
            page = 2
        start = (page - 1) * size
        return 200, [{"id": i} for i in range(start, min(start + size, count))], {}

    return app


def test_a_server_capping_the_page_size_below_the_asked_one_loses_nothing() -> None:
    endpoint = with_paging(Endpoint("GET", "/items"), "page:param=page,size=per_page")
    with serve(_bare_pages(350, cap=100)) as server:
        pages, error = run_walk(server.base, endpoint, page_size=200, concurrency=1)
    assert error is None
    assert ids_of(pages, "id") == [str(i) for i in range(350)]
    assert [r.arg("per_page") for r in server.requests] == ["200", "100", "100", "100"]
    # Fetched four ahead, the same records and nothing past the first empty page.
    with serve(_bare_pages(350, cap=100)) as server:
        pages, error = run_walk(server.base, endpoint, page_size=200, concurrency=4)
    assert error is None
    assert ids_of(pages, "id") == [str(i) for i in range(350)]


def test_limit_offset_follows_a_capped_page_size_so_no_offset_is_skipped() -> None:
    def app(request: Request) -> Reply:
        limit = min(int(request.arg("limit") or 10), 40)
        offset = int(request.arg("offset") or 0)
        return 200, {"results": [{"id": i} for i in range(offset, min(offset + limit, 130))]}, {}

    endpoint = with_paging(Endpoint("GET", "/rows"), "offset:param=offset,size=limit")
    with serve(app) as server:
        pages, error = run_walk(server.base, endpoint, page_size=100, concurrency=1)
    assert error is None
    assert ids_of(pages, "id") == [str(i) for i in range(130)]


def test_a_server_repeating_pages_stops_with_an_error() -> None:
    endpoint = with_paging(Endpoint("GET", "/items"), "page:param=page,size=per_page")
    with serve(_bare_pages(1000, cap=100, repeat_from=3)) as server:
        pages, error = run_walk(server.base, endpoint, page_size=100, concurrency=1)
    assert isinstance(error, PagingLoop)
    assert ids_of(pages, "id") == [str(i) for i in range(200)]
    assert len(server.requests) == 3


def _cursor_server(*, same_cursor: bool = False, same_records: bool = False) -> App:
    def app(request: Request) -> Reply:
        at = int(request.arg("cursor") or 0)
        start = 0 if same_records else at
        nxt = "7" if same_cursor and at else str(at + 10)
        body = {"data": [{"id": i} for i in range(start, start + 10)], "next_cursor": nxt}
        return 200, body, {}

    return app


def test_a_repeated_cursor_stops_with_an_error() -> None:
    endpoint = Endpoint("GET", "/c", pagination=PaginationKind.CURSOR)
    with serve(_cursor_server(same_cursor=True)) as server:
        pages, error = run_walk(server.base, endpoint)
    assert isinstance(error, PagingLoop)
    assert "second time" in str(error)
    # 0-9 (next 10), 10-19 (next 7), 7-16 (next 7 again): the third page stops the walk
    assert ids_of(pages, "id") == [str(i) for i in range(20)]
    assert len(server.requests) == 3


def test_fresh_cursors_with_the_same_records_stop_with_an_error() -> None:
    endpoint = Endpoint("GET", "/c", pagination=PaginationKind.CURSOR)
    with serve(_cursor_server(same_records=True)) as server:
        pages, error = run_walk(server.base, endpoint)
    assert isinstance(error, PagingLoop)
    assert ids_of(pages, "id") == [str(i) for i in range(10)]
    assert len(server.requests) == 2


def test_a_mock_that_always_says_has_more_ends_with_an_error() -> None:
    # What a Prism mock of Stripe answers: the document's example, has_more true, every time.
    def app(request: Request) -> Reply:
        body = {"object": "list", "has_more": True, "data": [{"id": "cus_example"}]}
        return 200, body, {}

    for endpoint in (
        with_paging(Endpoint("GET", "/v1/customers"), "last-id:size=limit,max=100"),
        Endpoint("GET", "/v1/customers", pagination=PaginationKind.NONE),
    ):
        with serve(app) as server:
            pages, error = run_walk(server.base, endpoint)
        assert isinstance(error, PagingLoop)
        assert ids_of(pages, "id") == ["cus_example"]
        assert len(server.requests) == 2


def test_endless_fresh_pages_stop_at_the_page_cap() -> None:
    def app(request: Request) -> Reply:
        page = int(request.arg("page") or 1)
        return 200, {"data": [{"id": f"{page}-{i}"} for i in range(5)], "has_more": True}, {}

    endpoint = with_paging(Endpoint("GET", "/forever"), "page:size=page_size,pages=20")
    with serve(app) as server:
        pages, error = run_walk(server.base, endpoint, concurrency=1)
    assert isinstance(error, PageLimitReached)
    assert len(pages) == 20
    assert len(server.requests) == 20
    assert len(set(ids_of(pages, "id"))) == 100
    # The cap can be raised for one walk.
    with serve(app) as server:
        pages, error = run_walk(server.base, endpoint, concurrency=1, max_pages=30)
    assert isinstance(error, PageLimitReached)
    assert len(server.requests) == 30


def test_empty_pages_that_promise_more_stop_the_walk() -> None:
    def app(request: Request) -> Reply:
        at = int(request.arg("cursor") or 0)
        return 200, {"data": [], "next_cursor": str(at + 1)}, {}

    endpoint = Endpoint("GET", "/empty", pagination=PaginationKind.CURSOR)
    with serve(app) as server:
        _, error = run_walk(server.base, endpoint)
    assert isinstance(error, PagingLoop)
    assert len(server.requests) == 5


def test_a_next_link_to_another_host_is_not_followed() -> None:
    def app(request: Request) -> Reply:
        body = {"results": [{"id": 1}], "next": "https://elsewhere.example/api/items?page=2"}
        return 200, body, {}

    endpoint = with_paging(Endpoint("GET", "/api/items"), "next-url")
    with serve(app) as server:
        pages, error = run_walk(server.base, endpoint)
    assert isinstance(error, PaginationError)
    assert "elsewhere.example" in str(error)
    assert ids_of(pages, "id") == ["1"]
    assert len(server.requests) == 1


def test_a_next_url_walk_resumes_from_its_saved_point() -> None:
    app, expected = apis.make_netbox()
    endpoint = with_paging(Endpoint("GET", "/api/dcim/devices/"), "next-url:size=limit")
    with serve(app) as server:
        first, _ = run_walk(server.base, endpoint, page_size=100)
        point = first[0].resume
        assert point.next_url is not None
        assert "offset=100" in point.next_url
        rest, error = run_walk(server.base, endpoint, page_size=100, resume=point)
    assert error is None
    assert ids_of(first[:1] + rest, "id") == expected


@pytest.mark.parametrize(
    ("make", "path", "notation", "id_field"),
    [
        (apis.make_github, "/repos/octo/hello/issues", "link-header:size=per_page", "id"),
        (apis.make_stripe, "/v1/customers", "last-id:size=limit,max=100", "id"),
        (apis.make_google, "/drive/v3/files", "token:param=pageToken,next=nextPageToken", "id"),
        (apis.make_hal, "/people", "page:first=0,size=size,total=page.totalElements", "id"),
    ],
    ids=["link-header", "last-id", "token", "page-from-0"],
)
def test_every_style_resumes_after_its_second_page_without_gap_or_repeat(
    make: Callable[[], tuple[App, list[str]]], path: str, notation: str, id_field: str
) -> None:
    app, expected = make()
    endpoint = with_paging(Endpoint("GET", path, id_field=id_field), notation)
    with serve(app) as server:
        first, _ = run_walk(server.base, endpoint, page_size=50, concurrency=1)
        point = ResumePoint.from_dict(json.loads(json.dumps(first[1].resume.to_dict())))
        rest, error = run_walk(server.base, endpoint, page_size=50, resume=point)
    assert error is None
    assert ids_of(first[:2] + rest, id_field) == expected
    assert rest[0].number == 3


def test_a_known_total_and_a_capped_page_size_still_fetch_ahead_correctly() -> None:
    # Spring-like pages from 0 with a total, capped at 20 whatever is asked, 4 pages ahead.
    app, expected = apis.make_hal(count=95)
    endpoint = with_paging(
        Endpoint("GET", "/people"), "page:first=0,size=size,total=page.totalElements,max=1000"
    )

    def capped(request: Request) -> Reply:
        query = {**request.query, "size": [str(min(int(request.arg("size") or 20), 20))]}
        return app(Request(request.path, query, request.base))

    with serve(capped) as server:
        pages, error = run_walk(server.base, endpoint, page_size=50, concurrency=4)
    assert error is None
    assert ids_of(pages, "id") == expected
    assert len(server.requests) == 5  # 95 records at 20 a page: nothing past the end


def test_a_limit_offset_page_shorter_than_asked_mid_walk_is_an_error() -> None:
    def app(request: Request) -> Reply:
        limit = int(request.arg("limit") or 10)
        offset = int(request.arg("offset") or 0)
        size = limit if offset < 20 else limit - 3  # the server shrinks its pages mid-walk
        rows = [{"id": i} for i in range(offset, min(offset + size, 100))]
        return 200, {"results": rows, "has_more": offset + size < 100}, {}

    endpoint = with_paging(Endpoint("GET", "/rows"), "offset:size=limit")
    with serve(app) as server:
        pages, error = run_walk(server.base, endpoint, page_size=10, concurrency=1)
    assert isinstance(error, PaginationError)
    assert "would skip records" in str(error)
    assert ids_of(pages, "id") == [str(i) for i in range(27)]


@pytest.mark.parametrize(
    ("make", "path", "id_field"),
    [
        (apis.make_slack, "/api/conversations.list", "id"),
        (apis.make_graph, "/v1.0/users", "id"),
        (apis.make_stripe, "/v1/customers", "id"),
    ],
    ids=["cursor", "next-url", "last-id"],
)
def test_a_detected_style_survives_a_resume(
    make: Callable[[], tuple[App, list[str]]], path: str, id_field: str
) -> None:
    app, expected = make()
    endpoint = Endpoint("GET", path, pagination=PaginationKind.NONE, records_key="")
    with serve(app) as server:
        first, _ = run_walk(server.base, endpoint)
        saved = json.loads(json.dumps(first[0].resume.to_dict()))
        assert saved["paging"]  # the detected style travels with the resume point
        rest, error = run_walk(server.base, endpoint, resume=ResumePoint.from_dict(saved))
    assert error is None
    assert ids_of(first[:1] + rest, id_field) == expected
