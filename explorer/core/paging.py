"""Pages of records from list endpoints: cursor, offset (fetched concurrently), none and single.

Rules (scalepad-api.md §3): cursor pages send `cursor` and `page_size` and read
`{data, total_count, next_cursor}`; the walk stops when `next_cursor` is absent, null or empty, and a
cursor seen before stops it with a PaginationError (after the records of that page are handed
over). Offset pages send `page` (from 1) and `page_size` and read `{data, total_count?, has_more?}`;
up to `concurrency` pages are requested ahead, all through the rate governor, and handed over in
order. Unpaginated endpoints answer one request with a bare array or `{data: [...]}`; if such an
answer turns out to carry a `next_cursor` or `has_more`, the walk follows it.

Across pages, a record whose `endpoint.id_field` was seen before is dropped and counted, and at the
end the number collected is compared with `total_count`: a difference is reported on the last page
(`Page.warning`), never raised. After every page `Page.resume` says how to fetch the next one, so an
interrupted walk (task.cancel(), a crash, a failed request) can continue from the last page handed
over.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer.core.catalog import Endpoint, PaginationKind
from explorer.core.errors import PaginationError

if TYPE_CHECKING:
    from explorer.core.client import ApiClient

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200  # ScalePad's documented maximum; the cap when an endpoint states none
MAX_EMPTY_PAGES = 5  # consecutive empty pages that still promise more: the API is looping
# Ids are remembered for this many recent pages only. A record repeated by a non-atomic API (data
# changed while paging) shows up next to the page boundary it slid across, so a short window
# catches it, while remembering every id would grow without bound on a million-record export.
DEDUP_WINDOW_PAGES = 16
PAGING_PARAMS = frozenset({"cursor", "page", "page_size"})

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


@dataclass(frozen=True)
class ResumePoint:
    """How to fetch the page after the last one handed over (JSON-serialisable)."""

    kind: str  # a PaginationKind value
    page: int = 1  # number of the next page (offset: the `page` parameter)
    cursor: str | None = None  # cursor of the next page (cursor kind)
    records_done: int = 0  # unique records handed over before this point
    duplicates: int = 0  # duplicates dropped before this point

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "page": self.page,
            "cursor": self.cursor,
            "records_done": self.records_done,
            "duplicates": self.duplicates,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ResumePoint:
        try:
            kind = PaginationKind(raw["kind"]).value
            page = int(raw.get("page", 1))
            cursor = raw.get("cursor")
            if cursor is not None and not isinstance(cursor, str):
                raise TypeError("cursor must be a string")
            point = cls(
                kind=kind,
                page=page,
                cursor=cursor,
                records_done=int(raw.get("records_done", 0)),
                duplicates=int(raw.get("duplicates", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PaginationError(
                f"The saved resume point is not valid: {exc}",
                explanation="The saved progress cannot be used; start the fetch from the beginning.",
            ) from exc
        if point.page < 1 or point.records_done < 0:
            raise PaginationError(
                "The saved resume point is not valid: negative position",
                explanation="The saved progress cannot be used; start the fetch from the beginning.",
            )
        return point


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    number: int  # 1 for the first page of the endpoint (a resumed walk continues the count)
    total_count: int | None
    resume: ResumePoint
    is_last: bool
    duplicates_dropped: int = 0  # records of this page dropped as already seen
    loaded: int = 0  # unique records handed over so far, this page included
    warning: str | None = None  # e.g. the collected count differs from total_count (last page)


@dataclass
class _Envelope:
    records: list[dict[str, Any]]
    total_count: int | None = None
    next_cursor: str | None = None
    has_more: bool | None = None
    page_size: int | None = None  # the size the server says it used (offset)
    cursor_key_present: bool = False


def effective_page_size(endpoint: Endpoint, requested: int | None) -> int:
    cap = endpoint.page_size_max or MAX_PAGE_SIZE
    size = requested or endpoint.page_size_default or cap
    return max(1, min(size, cap))


class _Walk:
    """The state of one walk over an endpoint's pages; updated only when a page is handed over."""

    def __init__(
        self,
        client: ApiClient,
        endpoint: Endpoint,
        params: Params,
        page_size: int | None,
        resume: ResumePoint | None,
        path: str | None,
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.path = path or endpoint.path
        self.kind = endpoint.pagination
        self.size = effective_page_size(endpoint, page_size)
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        if self.kind in (PaginationKind.CURSOR, PaginationKind.OFFSET):
            owned = PAGING_PARAMS | endpoint.paging_params
            pairs = [(k, v) for k, v in pairs if k not in owned]
        self.base_params: list[tuple[str, Any]] = pairs
        self.follow_cursor = self.kind is PaginationKind.CURSOR  # NONE may switch to it
        self.next_page = 1
        self.cursor: str | None = None
        self.loaded = 0
        self.duplicates = 0
        self.total_count: int | None = None
        self.done = False
        self.pending_error: PaginationError | None = None
        # The ids of each recent page, and their union for the lookup. The pages' id sets are
        # disjoint (an id already in the window is dropped, never stored again), so leaving the
        # window is a plain set difference.
        self.recent_ids: deque[set[Any]] = deque(maxlen=DEDUP_WINDOW_PAGES)
        self.window_ids: set[Any] = set()
        self.seen_cursors: set[str] = set()
        self.empty_run = 0
        if resume is not None:
            self._resume_from(resume)

    def _resume_from(self, resume: ResumePoint) -> None:
        if resume.kind != self.kind.value and not (
            self.kind is PaginationKind.NONE and resume.kind in ("cursor", "offset")
        ):
            raise PaginationError(
                f"The resume point is for {resume.kind} paging but {self.endpoint.id} uses "
                f"{self.kind.value} paging.",
                explanation="The saved progress belongs to another query; start from the beginning.",
            )
        if resume.kind == PaginationKind.CURSOR.value:
            self.follow_cursor = True
        self.kind = PaginationKind(resume.kind)
        self.next_page = resume.page
        self.cursor = resume.cursor
        self.loaded = resume.records_done
        self.duplicates = resume.duplicates
        if resume.cursor:
            self.seen_cursors.add(resume.cursor)
        if resume.page > 1 and (
            self.kind in (PaginationKind.NONE, PaginationKind.SINGLE)
            or (self.kind is PaginationKind.CURSOR and not resume.cursor)
        ):
            self.done = True  # the walk had already reached the end

    # ------------------------------------------------------------ requests
    def request_params(self, page: int) -> list[tuple[str, Any]]:
        extra: list[tuple[str, Any]] = []
        if self.kind is PaginationKind.CURSOR:
            if self.endpoint.pagination is PaginationKind.CURSOR:
                extra.append((self.endpoint.page_size_param, self.size))
            if self.cursor:
                extra.append((self.endpoint.cursor_param, self.cursor))
        elif self.kind is PaginationKind.OFFSET:
            if self.endpoint.offset_counts_records:  # limit/offset style: offset counts records
                extra.append((self.endpoint.page_param, (page - 1) * self.size))
            else:
                extra.append((self.endpoint.page_param, page))
            if self.endpoint.pagination is PaginationKind.OFFSET:
                extra.append((self.endpoint.page_size_param, self.size))
        return self.base_params + extra

    async def fetch(self, page: int) -> _Envelope:
        body = await self.client.get_json(self.path, params=self.request_params(page))
        return self.parse(body)

    def parse(self, body: Any) -> _Envelope:
        key = self.endpoint.records_key
        if self.kind is PaginationKind.SINGLE:
            inner = body.get(key) if key and isinstance(body, dict) else None
            record = inner if isinstance(inner, dict) else body
            return _Envelope([_as_record(record)], total_count=1)
        if isinstance(body, list):
            return _Envelope([_as_record(r) for r in body])
        if not isinstance(body, dict):
            raise PaginationError(
                f"{self.endpoint.id} answered {type(body).__name__}, not a list of records.",
                explanation="The API's answer has an unexpected shape; check the endpoint.",
            )
        raw = body.get(key) if key else body.get("data")
        if raw is None and key and "data" in body:
            raw = body.get("data")
        if not isinstance(raw, list):
            raise PaginationError(
                f"{self.endpoint.id} answered without a {key or 'data'!r} list of records "
                f"(keys: {', '.join(list(body)[:8])}).",
                explanation=(
                    "The API's answer has an unexpected shape; the catalog may name the wrong "
                    "records key for this endpoint."
                ),
            )
        total = body.get(self.endpoint.total_key)
        has_more = body.get(self.endpoint.has_more_key)
        size = body.get(self.endpoint.page_size_param)
        cursor = body.get(self.endpoint.next_cursor_key)
        return _Envelope(
            [_as_record(r) for r in raw],
            total_count=total if isinstance(total, int) and not isinstance(total, bool) else None,
            next_cursor=cursor if isinstance(cursor, str) and cursor else None,
            has_more=has_more if isinstance(has_more, bool) else None,
            page_size=size if isinstance(size, int) and size > 0 else None,
            cursor_key_present=self.endpoint.next_cursor_key in body,
        )

    # ------------------------------------------------------------ handing pages over
    def take(self, envelope: _Envelope, number: int) -> Page:
        """Turn a fetched page into a Page, updating the walk (dedup, counts, where next)."""
        if envelope.total_count is not None:
            self.total_count = envelope.total_count
        if self.kind is PaginationKind.OFFSET and envelope.page_size:
            self.size = envelope.page_size
        fresh: list[dict[str, Any]] = []
        dropped = 0
        page_ids: set[Any] = set()
        window = self.window_ids
        for record in envelope.records:
            ident = _identity(record, self.endpoint.id_field)
            if ident is not None:
                if ident in window or ident in page_ids:
                    dropped += 1
                    continue
                page_ids.add(ident)
            fresh.append(record)
        if len(self.recent_ids) == DEDUP_WINDOW_PAGES:
            window -= self.recent_ids[0]  # the oldest page leaves the window on append
        self.recent_ids.append(page_ids)
        window |= page_ids
        self.loaded += len(fresh)
        self.duplicates += dropped
        if dropped:
            log.info("%s page %d: dropped %d duplicate records", self.endpoint.id, number, dropped)

        is_last = self._is_last(envelope, number)
        self.next_page = number + 1
        self.empty_run = self.empty_run + 1 if not envelope.records else 0
        if not is_last and self.empty_run >= MAX_EMPTY_PAGES:
            self.pending_error = PaginationError(
                f"{self.endpoint.id} returned {self.empty_run} empty pages in a row that still "
                "promised more."
            )
        if self.pending_error is not None:
            is_last = False  # the caller gets these records, then the error on the next call
        self.done = is_last or self.pending_error is not None
        warning = self._count_warning() if is_last else None
        return Page(
            records=fresh,
            number=number,
            total_count=self.total_count,
            resume=ResumePoint(
                kind=self.kind.value,
                page=self.next_page,
                cursor=self.cursor if self.kind is PaginationKind.CURSOR else None,
                records_done=self.loaded,
                duplicates=self.duplicates,
            ),
            is_last=is_last,
            duplicates_dropped=dropped,
            loaded=self.loaded,
            warning=warning,
        )

    def _is_last(self, envelope: _Envelope, number: int) -> bool:
        if self.kind is PaginationKind.SINGLE:
            return True
        if self.kind is PaginationKind.NONE:
            # Detection: an "unpaginated" answer that carries paging hints is followed.
            if envelope.next_cursor:
                self.kind = PaginationKind.CURSOR
                self.follow_cursor = True
                return self._cursor_step(envelope.next_cursor)
            if envelope.has_more:
                self.kind = PaginationKind.OFFSET
                return False
            return True
        if self.kind is PaginationKind.CURSOR:
            if not envelope.next_cursor:
                self.cursor = None
                return True
            return self._cursor_step(envelope.next_cursor)
        # offset
        if envelope.has_more is not None:
            return not envelope.has_more
        if not envelope.records:
            return True
        if self.total_count is not None:
            return number * self.size >= self.total_count
        return len(envelope.records) < self.size

    def _cursor_step(self, next_cursor: str) -> bool:
        if next_cursor in self.seen_cursors or next_cursor == self.cursor:
            self.pending_error = PaginationError(
                f"{self.endpoint.id} returned the cursor {next_cursor[:40]!r} a second time; "
                f"stopped after {self.loaded} records to avoid looping."
            )
        self.seen_cursors.add(next_cursor)
        self.cursor = next_cursor
        return False

    def _count_warning(self) -> str | None:
        total = self.total_count
        if total is None or total == self.loaded:
            return None
        dups = f"; {self.duplicates} duplicates were dropped" if self.duplicates else ""
        text = (
            f"The API reported {total:,} records but {self.loaded:,} distinct records arrived"
            f"{dups}. Records can be skipped or repeated when data changes during paging; "
            "fetch again to check."
        )
        log.warning("%s: %s", self.endpoint.id, text)
        return text

    # ------------------------------------------------------------ one page at a time
    async def next_page_sequential(self) -> Page | None:
        if self.done:
            self.raise_pending()
            return None
        number = self.next_page
        envelope = await self.fetch(number)
        return self.take(envelope, number)

    def raise_pending(self) -> None:
        """Raise the error found on the last page handed over (once)."""
        error, self.pending_error = self.pending_error, None
        if error is not None:
            raise error

    def may_exist(self, number: int) -> bool:
        if self.total_count is None:
            return True
        return (number - 1) * self.size < self.total_count


def _as_record(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}


def _identity(record: dict[str, Any], id_field: str) -> Any:
    value: Any = record
    for part in id_field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if value is None:
        return None
    if isinstance(value, str | int):
        return value
    return json.dumps(value, sort_keys=True, default=str)


# ------------------------------------------------------------------ iter_pages
async def iter_pages(
    client: ApiClient,
    endpoint: Endpoint,
    params: Params = None,
    *,
    page_size: int | None = None,
    resume: ResumePoint | None = None,
    concurrency: int = 4,
    path: str | None = None,
) -> AsyncGenerator[Page, None]:
    """Every page of the endpoint, in order. `path` overrides endpoint.path (filled path params)."""
    walk = _Walk(client, endpoint, params, page_size, resume, path)
    while True:
        if walk.kind is PaginationKind.OFFSET and concurrency > 1 and not walk.done:
            async for offset_page in _offset_pages(walk, concurrency):
                yield offset_page
            return
        page = await walk.next_page_sequential()
        if page is None:
            return
        yield page
        if page.is_last:
            return


async def _offset_pages(walk: _Walk, concurrency: int) -> AsyncGenerator[Page, None]:
    if walk.total_count is None:
        # One page first: it tells the total and the server's page size, so nothing is fetched
        # past the end.
        page = await walk.next_page_sequential()
        if page is None:
            return
        yield page
        if walk.done:
            walk.raise_pending()
            return
    pending: dict[int, asyncio.Task[_Envelope]] = {}
    scheduled = walk.next_page
    try:
        while not walk.done:
            while len(pending) < concurrency and walk.may_exist(scheduled):
                pending[scheduled] = asyncio.create_task(walk.fetch(scheduled))
                scheduled += 1
            number = walk.next_page
            task = pending.pop(number, None)
            envelope = await task if task is not None else await walk.fetch(number)
            page = walk.take(envelope, number)
            yield page
        walk.raise_pending()
    finally:
        for task in pending.values():
            task.cancel()
        if pending:
            await asyncio.gather(*pending.values(), return_exceptions=True)


# ------------------------------------------------------------------ PageFetcher
class PageFetcher:
    """One page per call, for the window's incremental "fetch more" (safe against double calls).

    A call made while another is still fetching waits for that fetch and gets the same page, so a
    table that asks twice in a row never skips or repeats a page.
    """

    def __init__(
        self,
        client: ApiClient,
        endpoint: Endpoint,
        params: Params = None,
        page_size: int | None = None,
        *,
        resume: ResumePoint | None = None,
        path: str | None = None,
    ) -> None:
        self._walk = _Walk(client, endpoint, params, page_size, resume, path)
        self._inflight: asyncio.Future[Page | None] | None = None
        self.last_page: Page | None = None

    @property
    def has_more(self) -> bool:
        return not self._walk.done or self._walk.pending_error is not None

    @property
    def total_count(self) -> int | None:
        return self._walk.total_count

    @property
    def loaded(self) -> int:
        return self._walk.loaded

    @property
    def duplicates(self) -> int:
        return self._walk.duplicates

    @property
    def fetching(self) -> bool:
        return self._inflight is not None and not self._inflight.done()

    @property
    def resume(self) -> ResumePoint | None:
        return self.last_page.resume if self.last_page else None

    async def fetch_next(self) -> Page | None:
        task = self._inflight
        if task is None:
            if not self.has_more:
                return None
            task = asyncio.ensure_future(self._walk.next_page_sequential())
            self._inflight = task
        try:
            page = await asyncio.shield(task)
        finally:
            if task.done() and self._inflight is task:
                self._inflight = None
        if page is not None:
            self.last_page = page
        return page

    def cancel(self) -> None:
        """Stop a running fetch (the tab closed); the walk stays at the last page handed over."""
        if self._inflight is not None and not self._inflight.done():
            self._inflight.cancel()
        self._inflight = None


def first_request_params(
    endpoint: Endpoint, params: Params, page_size: int | None
) -> list[tuple[str, Any]]:
    """The parameters of a walk's first request, paging parameters included (URL previews)."""
    return _Walk(None, endpoint, params, page_size, None, None).request_params(1)  # type: ignore[arg-type]
