"""Paging over MockTransport list servers: cursor, offset (concurrent), none, single, resume."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from explorer.core.catalog import Endpoint, PaginationKind
from explorer.core.client import ApiClient
from explorer.core.errors import PaginationError, PagingLoop
from explorer.core.paging import Page, PageFetcher, ResumePoint, iter_pages
from explorer.core.ratelimit import RateGovernor

CURSOR_EP = Endpoint(
    "GET", "/core/v1/assets/hardware", pagination=PaginationKind.CURSOR, page_size_max=200
)
OFFSET_EP = Endpoint(
    "GET", "/sandbox/v1/assets/hardware", pagination=PaginationKind.OFFSET, page_size_max=200
)
NONE_EP = Endpoint(
    "GET", "/v1/Units", pagination=PaginationKind.NONE, records_key="", id_field="unitID"
)
SINGLE_EP = Endpoint("GET", "/core/v1/clients/{id}", pagination=PaginationKind.SINGLE)


@dataclass
class FakeListApi:
    """A list server over `count` records; knobs reproduce the quirks the pager must survive."""

    count: int = 1050
    delay_s: float = 0.0
    max_page_size: int = 200
    with_total: bool = True
    with_has_more: bool = True
    last_cursor: str = "absent"  # absent | null | empty
    repeat_cursor_at: int | None = None  # offset at which the same cursor comes back
    nonatomic: bool = False  # page 2 repeats the last record of page 1
    total_skew: int = 0
    requests: list[httpx.QueryParams] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def ids(self) -> list[str]:
        return [f"r{i:05d}" for i in range(self.count)]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.params)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            path = request.url.path
            if path.startswith("/core/v1/clients/"):
                return httpx.Response(200, json={"id": path.rsplit("/", 1)[1], "name": "Acme"})
            if path == "/v1/Units":
                return httpx.Response(200, json=[{"unitID": i} for i in range(self.count)])
            if path == "/core/v1/assets/hardware":
                return self._cursor(request.url.params)
            return self._offset(request.url.params)
        finally:
            self.in_flight -= 1

    def _size(self, params: httpx.QueryParams) -> int:
        return min(int(params.get("page_size", "25")), self.max_page_size)

    def _cursor(self, params: httpx.QueryParams) -> httpx.Response:
        size = self._size(params)
        cursor = params.get("cursor")
        start = int(json.loads(base64.b64decode(cursor))[0]) if cursor else 0
        if self.nonatomic and start == size:
            start -= 1
        end = min(start + size, self.count)
        body: dict[str, Any] = {
            "data": [{"id": i} for i in self.ids()[start:end]],
            "total_count": self.count + self.total_skew,
        }
        next_start = end
        if self.repeat_cursor_at is not None and end >= self.repeat_cursor_at:
            next_start = self.repeat_cursor_at
        if end < self.count:
            body["next_cursor"] = base64.b64encode(json.dumps([str(next_start)]).encode()).decode()
        elif self.last_cursor == "null":
            body["next_cursor"] = None
        elif self.last_cursor == "empty":
            body["next_cursor"] = ""
        return httpx.Response(200, json=body)

    def _offset(self, params: httpx.QueryParams) -> httpx.Response:
        size = self._size(params)
        page = int(params.get("page", "1"))
        start = (page - 1) * size
        end = min(start + size, self.count)
        body: dict[str, Any] = {
            "data": [{"id": i} for i in self.ids()[start:end]],
            "page_size": size,
        }
        if self.with_total:
            body["total_count"] = self.count
        if self.with_has_more:
            body["has_more"] = end < self.count
        return httpx.Response(200, json=body)


def client_for(api: FakeListApi) -> ApiClient:
    return ApiClient(
        "https://api.example",
        governor=RateGovernor(10_000, 1.0),
        transport=httpx.MockTransport(api.handle),
    )


def collect(api: FakeListApi, endpoint: Endpoint, **kwargs: Any) -> list[Page]:
    async def scenario() -> list[Page]:
        async with client_for(api) as client:
            return [
                page
                async for page in iter_pages(client, endpoint, kwargs.pop("params", None), **kwargs)
            ]

    return asyncio.run(scenario())


def ids_of(pages: list[Page]) -> list[Any]:
    return [r["id"] for p in pages for r in p.records]


# ---------------------------------------------------------------- cursor
def test_cursor_walk_returns_every_record_once() -> None:
    api = FakeListApi(count=1050)
    pages = collect(api, CURSOR_EP, params=[("sort", "name"), ("page_size", "5")], page_size=200)
    assert ids_of(pages) == api.ids()
    assert [p.number for p in pages] == [1, 2, 3, 4, 5, 6]
    assert [p.is_last for p in pages] == [False] * 5 + [True]
    assert pages[-1].total_count == 1050
    assert pages[-1].loaded == 1050
    assert pages[-1].warning is None
    assert api.requests[0].get_list("page_size") == ["200"]  # the caller's own value is replaced
    assert api.requests[0].get("sort") == "name"
    assert "cursor" not in api.requests[0]
    assert all("cursor" in q for q in api.requests[1:])
    assert "limit" not in api.requests[0]


@pytest.mark.parametrize("last", ["absent", "null", "empty"])
def test_cursor_walk_stops_on_absent_null_or_empty_cursor(last: str) -> None:
    api = FakeListApi(count=450, last_cursor=last)
    pages = collect(api, CURSOR_EP)
    assert len(pages) == 3
    assert len(api.requests) == 3
    assert pages[-1].is_last


def test_a_repeated_cursor_stops_with_an_error_after_handing_over_the_page() -> None:
    api = FakeListApi(count=1000, repeat_cursor_at=400)
    got: list[Page] = []

    async def scenario() -> None:
        async with client_for(api) as client:
            async for page in iter_pages(client, CURSOR_EP, None):
                got.append(page)

    with pytest.raises(PaginationError, match="second time"):
        asyncio.run(scenario())
    assert ids_of(got) == api.ids()[:600]  # page 3 pointed back to 400: its records were kept
    assert len(api.requests) == 3


def test_duplicates_are_dropped_counted_and_the_count_difference_reported() -> None:
    api = FakeListApi(count=500, nonatomic=True)
    pages = collect(api, CURSOR_EP)
    assert ids_of(pages) == api.ids()
    assert pages[1].duplicates_dropped == 1
    assert pages[-1].resume.duplicates == 1
    assert pages[-1].warning is None  # all 500 distinct records did arrive

    skewed = FakeListApi(count=300, total_skew=2)
    last = collect(skewed, CURSOR_EP)[-1]
    assert last.warning is not None
    assert "302" in last.warning
    assert "300" in last.warning


@pytest.mark.parametrize(
    ("asked", "cap", "sent"), [(500, 200, "200"), (None, 200, "200"), (150, 100, "100")]
)
def test_page_size_is_clamped_to_the_endpoints_maximum(
    asked: int | None, cap: int, sent: str
) -> None:
    api = FakeListApi(count=10)
    endpoint = Endpoint(
        "GET", "/core/v1/assets/hardware", pagination=PaginationKind.CURSOR, page_size_max=cap
    )
    collect(api, endpoint, page_size=asked)
    assert api.requests[0].get("page_size") == sent


def test_wrong_envelope_is_a_pagination_error() -> None:
    # an object without the records list (here: a single record where a list was expected)
    endpoint = Endpoint(
        "GET", "/core/v1/clients/1", pagination=PaginationKind.CURSOR, records_key="items"
    )
    with pytest.raises(PaginationError, match="'items'"):
        collect(FakeListApi(count=3), endpoint)
    # a catalog naming another key still finds the usual `data` list
    lenient = Endpoint(
        "GET", "/core/v1/assets/hardware", pagination=PaginationKind.CURSOR, records_key="items"
    )
    assert len(ids_of(collect(FakeListApi(count=3), lenient))) == 3


# ---------------------------------------------------------------- offset
def test_offset_pages_are_fetched_concurrently_and_handed_over_in_order() -> None:
    api = FakeListApi(count=4000, delay_s=0.01)
    pages = collect(api, OFFSET_EP, concurrency=4)
    assert ids_of(pages) == api.ids()
    assert [p.number for p in pages] == list(range(1, 21))
    assert 2 <= api.max_in_flight <= 4
    assert len(api.requests) == 20  # total_count known after page 1: nothing past the end
    assert pages[-1].is_last


def test_offset_without_total_stops_on_has_more_false() -> None:
    api = FakeListApi(count=1000, with_total=False, delay_s=0.005)
    pages = collect(api, OFFSET_EP, concurrency=3)
    assert ids_of(pages) == api.ids()
    assert pages[-1].is_last
    assert pages[-1].total_count is None


def test_offset_without_hints_stops_on_a_short_page() -> None:
    api = FakeListApi(count=450, with_total=False, with_has_more=False)
    pages = collect(api, OFFSET_EP, concurrency=1)
    assert ids_of(pages) == api.ids()
    assert len(api.requests) == 3


def test_offset_follows_the_page_size_the_server_used() -> None:
    api = FakeListApi(count=450, max_page_size=100)
    pages = collect(api, OFFSET_EP, page_size=200)
    assert ids_of(pages) == api.ids()
    assert len(pages) == 5


# ---------------------------------------------------------------- none and single
def test_unpaginated_bare_array() -> None:
    api = FakeListApi(count=7)
    pages = collect(api, NONE_EP)
    assert len(pages) == 1
    assert [r["unitID"] for r in pages[0].records] == list(range(7))
    assert pages[0].is_last
    assert "page_size" not in api.requests[0]


def test_unpaginated_data_envelope_and_detected_cursor() -> None:
    # the catalog says "none" but the answer carries a next_cursor: the walk follows it
    endpoint = Endpoint("GET", "/core/v1/assets/hardware", pagination=PaginationKind.NONE)
    api = FakeListApi(count=60)
    pages = collect(api, endpoint)
    assert ids_of(pages) == api.ids()
    assert len(pages) == 3  # the server's default page size is 25
    assert pages[-1].resume.kind == "cursor"


def test_single_record_bare_or_wrapped() -> None:
    endpoint = Endpoint(
        "GET", "/core/v1/clients/{id}", pagination=PaginationKind.SINGLE, records_key="data"
    )
    pages = collect(FakeListApi(), endpoint, path="/core/v1/clients/42")
    assert [p.records for p in pages] == [[{"id": "42", "name": "Acme"}]]
    assert pages[0].is_last


# ---------------------------------------------------------------- resume and cancel
def _resume_round_trip(page: Page) -> ResumePoint:
    return ResumePoint.from_dict(json.loads(json.dumps(page.resume.to_dict())))


@pytest.mark.parametrize("endpoint", [CURSOR_EP, OFFSET_EP])
def test_resume_continues_without_gap_or_repeat(endpoint: Endpoint) -> None:
    api = FakeListApi(count=1234)

    async def scenario() -> tuple[list[Page], list[Page]]:
        async with client_for(api) as client:
            first: list[Page] = []
            async for page in iter_pages(client, endpoint, None):
                first.append(page)
                if page.number == 3:
                    break
            point = _resume_round_trip(first[-1])
            rest = [p async for p in iter_pages(client, endpoint, None, resume=point)]
            return first, rest

    first, rest = asyncio.run(scenario())
    assert ids_of(first) + ids_of(rest) == api.ids()
    assert rest[0].number == 4
    assert rest[-1].loaded == 1234
    assert rest[-1].warning is None


@pytest.mark.parametrize("endpoint", [CURSOR_EP, NONE_EP])
def test_resume_point_of_the_last_page_means_done(endpoint: Endpoint) -> None:
    api = FakeListApi(count=300)
    last = collect(api, endpoint)[-1]
    requests = len(api.requests)
    assert collect(api, endpoint, resume=_resume_round_trip(last)) == []
    assert len(api.requests) == requests


def test_resume_point_for_another_kind_is_refused() -> None:
    with pytest.raises(PaginationError, match="offset paging"):
        collect(FakeListApi(), CURSOR_EP, resume=ResumePoint(kind="offset", page=3))


@pytest.mark.parametrize(
    "raw",
    [{}, {"kind": "sideways"}, {"kind": "cursor", "page": "x"}, {"kind": "offset", "page": 0}],
)
def test_bad_saved_resume_points_are_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(PaginationError, match="not valid"):
        ResumePoint.from_dict(raw)


def test_cancelling_an_offset_walk_stops_its_requests_and_leaves_a_usable_resume_point() -> None:
    api = FakeListApi(count=6000, delay_s=0.02)
    got: list[Page] = []

    async def scenario() -> list[Page]:
        async with client_for(api) as client:
            five_pages = asyncio.Event()

            async def walk() -> None:
                async for page in iter_pages(client, OFFSET_EP, None, concurrency=4):
                    got.append(page)
                    if len(got) == 5:
                        five_pages.set()

            task = asyncio.create_task(walk())
            await five_pages.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.05)
            assert api.in_flight == 0  # the pages fetched ahead were cancelled too
            point = _resume_round_trip(got[-1])
            return [p async for p in iter_pages(client, OFFSET_EP, None, resume=point)]

    rest = asyncio.run(scenario())
    assert ids_of(got) + ids_of(rest) == api.ids()


# ---------------------------------------------------------------- PageFetcher
def test_page_fetcher_one_page_per_call() -> None:
    api = FakeListApi(count=450)

    async def scenario() -> list[Page | None]:
        async with client_for(api) as client:
            fetcher = PageFetcher(client, CURSOR_EP, None, page_size=200)
            assert fetcher.has_more
            assert fetcher.loaded == 0
            pages = [await fetcher.fetch_next() for _ in range(4)]
            assert not fetcher.has_more
            assert fetcher.total_count == 450
            assert fetcher.loaded == 450
            return pages

    pages = asyncio.run(scenario())
    assert [p.number if p else None for p in pages] == [1, 2, 3, None]
    assert len(api.requests) == 3


def test_page_fetcher_double_call_gets_the_same_page() -> None:
    api = FakeListApi(count=450, delay_s=0.02)

    async def scenario() -> tuple[Page | None, Page | None, Page | None]:
        async with client_for(api) as client:
            fetcher = PageFetcher(client, OFFSET_EP, None, page_size=200)
            a, b = await asyncio.gather(fetcher.fetch_next(), fetcher.fetch_next())
            c = await fetcher.fetch_next()
            return a, b, c

    a, b, c = asyncio.run(scenario())
    assert a is b
    assert a is not None
    assert a.number == 1
    assert c is not None
    assert c.number == 2
    assert len(api.requests) == 2


def test_page_fetcher_keeps_a_page_whose_first_caller_was_cancelled() -> None:
    api = FakeListApi(count=450, delay_s=0.03)

    async def scenario() -> list[int]:
        async with client_for(api) as client:
            fetcher = PageFetcher(client, CURSOR_EP, None)
            first = asyncio.create_task(fetcher.fetch_next())
            await asyncio.sleep(0.01)
            first.cancel()
            pages = []
            while (page := await fetcher.fetch_next()) is not None:
                pages.append(page.number)
            return pages

    assert asyncio.run(scenario()) == [1, 2, 3]
    assert len(api.requests) == 3


def test_page_fetcher_reports_a_repeated_cursor_once() -> None:
    api = FakeListApi(count=1000, repeat_cursor_at=200)

    async def scenario() -> None:
        async with client_for(api) as client:
            fetcher = PageFetcher(client, CURSOR_EP, None)
            assert await fetcher.fetch_next() is not None
            assert await fetcher.fetch_next() is not None
            assert fetcher.has_more
            with pytest.raises(PaginationError):
                await fetcher.fetch_next()
            assert not fetcher.has_more
            assert await fetcher.fetch_next() is None

    asyncio.run(scenario())


def test_page_fetcher_cancel_stops_the_running_fetch() -> None:
    api = FakeListApi(count=450, delay_s=0.5)

    async def scenario() -> None:
        async with client_for(api) as client:
            fetcher = PageFetcher(client, CURSOR_EP, None)
            task = asyncio.create_task(fetcher.fetch_next())
            await asyncio.sleep(0.01)
            assert fetcher.fetching
            fetcher.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert fetcher.loaded == 0
            assert fetcher.has_more

    asyncio.run(scenario())


def test_duplicates_are_caught_across_the_whole_walk() -> None:
    # A repeat from the first page is caught on page 43: the walk forgets no id.
    from explorer.core.paging import _Walk

    walk = _Walk(client_for(FakeListApi()), CURSOR_EP, {}, 25, None, None)
    for number in range(1, 43):
        records = [{"id": f"p{number}-{i}"} for i in range(25)]
        walk.take(walk.parse({"data": records, "next_cursor": f"c{number}"}), number)
    page = walk.take(
        walk.parse({"data": [{"id": "p1-0"}, {"id": "new"}], "next_cursor": "c43"}), 43
    )
    assert page.records == [{"id": "new"}]
    assert page.duplicates_dropped == 1
    assert len(walk.seen_ids) == 42 * 25 + 1
    # A page of nothing but repeats is not an empty page: the walk stops with an error.
    page = walk.take(walk.parse({"data": [{"id": "p2-0"}], "next_cursor": "c44"}), 44)
    assert page.records == []
    assert not page.is_last
    with pytest.raises(PagingLoop, match="only records already fetched"):
        walk.raise_pending()


def test_seen_ids_keep_about_nine_bytes_an_id() -> None:
    from explorer.core.paging import SeenIds

    seen = SeenIds()
    assert all(seen.add(f"id-{i}") for i in range(100_000))
    assert not seen.add("id-5")
    assert seen.add(5)  # the number 5 is not the text "5" or "id-5"
    assert "id-99999" in seen
    assert "id-100000" not in seen
    assert len(seen) == 100_001
    headers = 8192 * sys.getsizeof(array("Q"))
    assert 8 * 100_001 + headers <= seen.nbytes() <= 9 * 100_001 + headers


def limit_offset_transport(count: int, seen: list[httpx.QueryParams]) -> httpx.MockTransport:
    """An API that pages with `limit`/`offset` and answers {items, total, nextPage?}."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params)
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        items = [{"id": i} for i in range(offset, min(offset + limit, count))]
        return httpx.Response(200, json={"items": items, "total": count})

    return httpx.MockTransport(handle)


def test_limit_offset_endpoints_use_their_own_parameter_and_envelope_names() -> None:
    endpoint = Endpoint(
        "GET",
        "/things",
        pagination=PaginationKind.OFFSET,
        page_size_max=50,
        records_key="items",
        page_size_param="limit",
        page_param="offset",
        offset_counts_records=True,
        total_key="total",
    )
    seen: list[httpx.QueryParams] = []
    client = ApiClient(
        "http://api.test",
        auth=None,
        governor=RateGovernor(1000, 1.0),
        transport=limit_offset_transport(120, seen),
    )

    async def run() -> list[Any]:
        ids: list[Any] = []
        async for page in iter_pages(client, endpoint, {}, page_size=50, concurrency=1):
            ids.extend(r["id"] for r in page.records)
        await client.aclose()
        return ids

    assert asyncio.run(run()) == list(range(120))
    assert [(p["offset"], p["limit"]) for p in seen] == [("0", "50"), ("50", "50"), ("100", "50")]
    assert all("page" not in p and "page_size" not in p for p in seen)


@pytest.mark.parametrize(
    ("body", "key", "path", "expected"),
    [
        ({"items": [{"id": 1}], "data": {"x": 1}}, "", "/x", "items"),
        ({"_embedded": {"people": [{"id": 1}]}, "page": {}}, "", "/people", "_embedded"),
        ({"meta": {}, "widgets": [{"id": 1}]}, "", "/api/widgets", "widgets"),
        (
            {"tags": ["a"], "messages": [{"sid": 1}], "calls": [{"sid": 2}]},
            "",
            "/M/Messages.json",
            "messages",
        ),
        ({"wrap": {"rows": [{"id": 1}]}}, "wrap.rows", "/x", "wrap.rows"),
        ({"tags": ["a", "b"], "name": "one record"}, "", "/x", None),
    ],
)
def test_records_are_found_by_the_stated_rule(
    body: dict[str, Any], key: str, path: str, expected: str | None
) -> None:
    from explorer.core.paging import locate_records, value_at

    found = locate_records(body, key, path)
    if expected is None:
        assert found is None
    elif expected == "_embedded":
        assert found is body["_embedded"]["people"]
    else:
        assert found is value_at(body, expected)
