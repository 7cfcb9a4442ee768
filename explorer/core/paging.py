"""Pages of records from list endpoints, in every style real APIs use, exactly once or loudly not.

Styles (Endpoint.pagination, named in the --paging notation by Endpoint.paging_style):

- page / offset (OFFSET): `page` (from `first_page`) or a record `offset`, plus the page size; the
  walk ends at `has_more: false`, when `total_count` is reached, or (with neither) at an empty
  page or a page shorter than the largest one so far. Pages are fetched `concurrency` ahead once
  the total is known. A first page shorter than asked that is not the last shows the size the
  server really uses (servers that cap silently), and later pages follow it.
- cursor / token (CURSOR): the cursor parameter takes the value of a body field at any dotted
  path (`next_cursor`, `response_metadata.next_cursor`, `metadata.continue`, `nextPageToken`);
  an absent, null or empty value ends the walk.
- next-url (NEXT_URL): the next request is the URL in a body field (`next`, `links.next`,
  `_links.next.href`, `@odata.nextLink`, `next_page_uri`), relative ones resolved against the
  request; a URL outside the profile's base URL is never followed (the credentials go only to the
  API). Absent or null ends the walk.
- link-header (LINK_HEADER): the same, from the RFC 8288 `Link: <...>; rel="next"` header.
- last-id (LAST_ID): `starting_after=<id of the last record>` while `has_more` is true.
- none (NONE): one request, unless its answer shows more pages (a Link header, a next URL or
  cursor field, `has_more`): then the walk goes on in the style detected.

Records are at the endpoint's `records_key` (a dotted path; "" for a bare array), else by rule:
`data`, `items`, `results`, `value`, `records`, the array inside `_embedded`, the only array of
objects in the envelope, the array named after the path's last segment.

Safety, whatever the server does: the page size never exceeds the declared maximum
(`effective_page_size`); every id is remembered for the whole walk (`SeenIds`, about 9 bytes an
id) and a repeated record is dropped and counted; a page that brings only records already seen,
a request (cursor, token, URL, last id) made before, five empty pages in a row that still promise
more, or more than `max_pages` pages stop the walk with a PaginationError, raised after the
records of the page that showed it are handed over. At the end the number collected is compared
with `total_count`: a difference (totals drift while data changes) is reported on the last page
(`Page.warning`). After every page `Page.resume` says how to fetch the next one, so an interrupted
walk can continue from the last page handed over.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from array import array
from bisect import bisect_left
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from explorer.core.catalog import Endpoint, PaginationKind, paging_summary, with_paging
from explorer.core.client import parse_json
from explorer.core.errors import PageLimitReached, PaginationError, PagingLoop, SpecError
from explorer.core.flatten import value_at

if TYPE_CHECKING:
    import httpx

    from explorer.core.client import ApiClient

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200  # ScalePad's documented maximum; the cap when an endpoint states none
MAX_EMPTY_PAGES = 5  # consecutive empty pages that still promise more: the API is looping
DEFAULT_MAX_PAGES = 100_000  # pages per walk (Endpoint.max_pages, --max-pages raise it)
PAGING_PARAMS = frozenset({"cursor", "page", "page_size"})
RECORD_KEYS = ("data", "items", "results", "value", "records")

# Detection (NONE endpoints): body fields holding the next page's URL, and body fields holding a
# cursor or token with the parameter it goes back in.
NEXT_URL_FIELDS = (
    "@odata.nextLink",
    "next_page_uri",
    "nextRecordsUrl",
    "links.next",
    "links.pages.next",
    "_links.next.href",
    "next",
)
CURSOR_FIELDS = (
    ("next_cursor", "cursor"),
    ("response_metadata.next_cursor", "cursor"),
    ("meta.next_cursor", "cursor"),
    ("nextCursor", "cursor"),
    ("metadata.continue", "continue"),
    ("nextPageToken", "pageToken"),
    ("next_page_token", "page_token"),
    ("next_page.offset", "offset"),
    ("paging.next.after", "after"),
    ("pagination.next", "until"),
    ("next_page", "page"),
)

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None
_MASK64 = (1 << 64) - 1
_ARRAY_HEADER = sys.getsizeof(array("Q"))


# ------------------------------------------------------------------ every id of a walk
class SeenIds:
    """A set of ids kept as 8-byte digests in sorted arrays: about 9 bytes an id, whole walk.

    The digest's top bits pick one of the bucket arrays, kept sorted, so a lookup is one C bisect
    and an insert one short memmove. Two different ids share a digest with a chance of about
    n^2 / 2^65 (3e-8 for a million ids); such a record would be counted as a duplicate.
    A Python set of the id strings takes about 120 bytes an id (benchmarks/dedup.py: 9.2 MB
    a million ids here, 119 MB in a set).
    """

    def __init__(self, bucket_bits: int = 13) -> None:
        # 8,192 buckets (0.5 MB of array headers) keep each bucket short up to tens of millions
        # of ids; a walk's set of requests, one entry a page, needs far fewer.
        self._shift = 64 - bucket_bits  # the digest's top bits pick the bucket
        self._buckets = [array("Q") for _ in range(1 << bucket_bits)]
        self._count = 0

    @staticmethod
    def digest(value: Any) -> int:
        # Python's own 64-bit string hash (SipHash, computed in C and cached on the string): a
        # walk lives in one process, so the per-process seed does not matter. Other values are
        # hashed with their type, so the id 1 and the id "1" stay different records.
        key = hash(value) if isinstance(value, str) else hash((type(value).__name__, value))
        return key & _MASK64

    def add(self, value: Any) -> bool:
        """Remember `value`; False when it was already there."""
        key = self.digest(value)
        bucket = self._buckets[key >> self._shift]
        at = bisect_left(bucket, key)
        if at < len(bucket) and bucket[at] == key:
            return False
        bucket.insert(at, key)
        self._count += 1
        return True

    def add_all(self, values: list[Any]) -> list[bool]:
        """`add` for each value (None: no id, always new), in one call: a page at a time."""
        shift, buckets, mask = self._shift, self._buckets, _MASK64
        added: list[bool] = []
        for value in values:
            if value is None:
                added.append(True)
                continue
            key = (hash(value) if type(value) is str else self.digest(value)) & mask
            bucket = buckets[key >> shift]
            at = bisect_left(bucket, key)
            if at < len(bucket) and bucket[at] == key:
                added.append(False)
                continue
            bucket.insert(at, key)
            added.append(True)
        self._count += added.count(True) - values.count(None)
        return added

    def __contains__(self, value: Any) -> bool:
        key = self.digest(value)
        bucket = self._buckets[key >> self._shift]
        at = bisect_left(bucket, key)
        return at < len(bucket) and bucket[at] == key

    def __len__(self) -> int:
        return self._count

    def nbytes(self) -> int:
        """Bytes held by the digests and the buckets' array headers."""
        return sum(b.buffer_info()[1] * b.itemsize + _ARRAY_HEADER for b in self._buckets)


# ------------------------------------------------------------------ the public records
@dataclass(frozen=True)
class ResumePoint:
    """How to fetch the page after the last one handed over (JSON-serialisable)."""

    kind: str  # a PaginationKind value
    page: int = 1  # number of the next page (offset: the `page` parameter)
    cursor: str | None = None  # cursor or token of the next page (cursor kind)
    records_done: int = 0  # unique records handed over before this point
    duplicates: int = 0  # duplicates dropped before this point
    next_url: str | None = None  # next-url and link-header kinds: the next request
    last_id: str | None = None  # last-id kind: the id the next request starts after
    page_size: int | None = None  # offset kind: the size the server was found to use
    paging: str | None = None  # a style detected from the answers, in the --paging notation

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "page": self.page,
            "cursor": self.cursor,
            "records_done": self.records_done,
            "duplicates": self.duplicates,
        }
        for name in ("next_url", "last_id", "page_size", "paging"):  # only where they are used
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ResumePoint:
        try:
            kind = PaginationKind(raw["kind"]).value
            texts = {name: raw.get(name) for name in ("cursor", "next_url", "last_id", "paging")}
            for name, value in texts.items():
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"{name} must be a string")
            size = raw.get("page_size")
            point = cls(
                kind=kind,
                page=int(raw.get("page", 1)),
                records_done=int(raw.get("records_done", 0)),
                duplicates=int(raw.get("duplicates", 0)),
                page_size=int(size) if size is not None else None,
                **texts,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PaginationError(
                f"The saved resume point is not valid: {exc}",
                explanation="The saved progress cannot be used; start the fetch from the beginning.",
            ) from exc
        if point.page < 1 or point.records_done < 0 or (point.page_size or 1) < 1:
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
    next_url: str | None = None  # as the server wrote it (may be relative)
    request_url: str = ""  # what was asked, to resolve a relative next URL


def effective_page_size(endpoint: Endpoint, requested: int | None) -> int:
    cap = endpoint.page_size_max or MAX_PAGE_SIZE
    size = requested or endpoint.page_size_default or cap
    return max(1, min(size, cap))


# ------------------------------------------------------------------ reading bodies
def _text(value: Any) -> str | None:
    """A cursor, token or URL as text; None for absent, null, empty, true/false."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, dict):  # JSON:API / HAL links: {"href": "..."}
        return _text(value.get("href"))
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float):
        return str(value)
    return None


def _is_url(text: str | None) -> bool:
    return bool(text) and str(text).startswith(("http://", "https://", "/", "?"))


def locate_records(body: dict[str, Any], key: str, path: str) -> list[Any] | None:
    """The records list of an envelope: at `key`, else by the rule in the module docstring."""
    if key:
        found = value_at(body, key)
        if isinstance(found, list):
            return found
    for name in RECORD_KEYS:
        if isinstance(body.get(name), list):
            return body[name]  # type: ignore[no-any-return]
    embedded = body.get("_embedded")
    if isinstance(embedded, dict):
        arrays = [v for v in embedded.values() if isinstance(v, list)]
        if arrays:
            return arrays[0]
    of_records = [
        k
        for k, v in body.items()
        if isinstance(v, list) and all(isinstance(item, dict) for item in v[:5])
    ]
    if len(of_records) == 1:
        return body[of_records[0]]  # type: ignore[no-any-return]
    segments = [s for s in path.split("?")[0].split("/") if s and not s.startswith("{")]
    if segments:
        wanted = segments[-1].rsplit(".", 1)[0].lower()  # Twilio: /Messages.json -> messages
        for name in of_records:
            if name.lower() == wanted:
                return body[name]  # type: ignore[no-any-return]
    return None


def detect_paging(endpoint: Endpoint, body: Any, link_next: str | None) -> Endpoint | None:
    """The paging an answer shows (for an endpoint that declared none), or None."""
    if link_next:
        return replace(endpoint, pagination=PaginationKind.LINK_HEADER, paging_source="detection")
    if not isinstance(body, dict):
        return None
    for name in NEXT_URL_FIELDS:
        if _is_url(_text(value_at(body, name))):
            return replace(
                endpoint,
                pagination=PaginationKind.NEXT_URL,
                next_url_key=name,
                paging_source="detection",
            )
    for name, param in CURSOR_FIELDS:
        if _text(value_at(body, name)) is not None:
            return replace(
                endpoint,
                pagination=PaginationKind.CURSOR,
                next_cursor_key=name,
                cursor_param=param,
                paging_source="detection",
            )
    if value_at(body, endpoint.has_more_key) is True:
        if isinstance(body.get("last_id"), str):  # OpenAI: `after=<last_id>`
            return replace(
                endpoint,
                pagination=PaginationKind.LAST_ID,
                cursor_param="after",
                paging_source="detection",
            )
        if body.get("object") == "list":  # Stripe: pages go on after the last record's id
            return replace(
                endpoint,
                pagination=PaginationKind.LAST_ID,
                cursor_param="starting_after",
                paging_source="detection",
            )
        return replace(endpoint, pagination=PaginationKind.OFFSET, paging_source="detection")
    return None


# ------------------------------------------------------------------ one walk
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
        max_pages: int | None = None,
    ) -> None:
        self.client = client
        self.declared = endpoint  # what the catalog said; `endpoint` may change by detection
        self.endpoint = endpoint
        self.path = path or endpoint.path
        self.kind = endpoint.pagination
        self.size = effective_page_size(endpoint, page_size)
        self.asked_size = self.size
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        if endpoint.sends_page_size:
            owned = PAGING_PARAMS | endpoint.paging_params
            pairs = [(k, v) for k, v in pairs if k not in owned]
        self.base_params: list[tuple[str, Any]] = pairs
        self.max_pages = max_pages or endpoint.max_pages or DEFAULT_MAX_PAGES
        self.next_page = 1
        self.cursor: str | None = None  # CURSOR: the token; LAST_ID: the last record's id
        self.next_url: str | None = None  # NEXT_URL, LINK_HEADER
        self.loaded = 0
        self.duplicates = 0
        self.total_count: int | None = None
        self.done = False
        self.pending_error: PaginationError | None = None
        self.seen_ids = SeenIds()
        self.seen_requests = SeenIds(bucket_bits=4)
        self.empty_run = 0
        self.largest_page = 0
        self.pages_taken = 0
        if resume is not None:
            self._resume_from(resume)

    def _resume_from(self, resume: ResumePoint) -> None:
        detectable = self.kind is PaginationKind.NONE and resume.kind != "single"
        if resume.kind != self.kind.value and not detectable:
            raise PaginationError(
                f"The resume point is for {resume.kind} paging but {self.endpoint.id} uses "
                f"{self.kind.value} paging.",
                explanation="The saved progress belongs to another query; start from the beginning.",
            )
        if resume.paging and detectable:  # the style detected before the interruption
            try:
                self.endpoint = with_paging(self.endpoint, resume.paging, source="detection")
            except SpecError as exc:
                raise PaginationError(
                    f"The saved resume point names a paging style that cannot be read: {exc}",
                    explanation="The saved progress cannot be used; start from the beginning.",
                ) from exc
        self.kind = PaginationKind(resume.kind)
        self.next_page = resume.page
        self.cursor = resume.last_id if self.kind is PaginationKind.LAST_ID else resume.cursor
        self.next_url = resume.next_url
        self.loaded = resume.records_done
        self.duplicates = resume.duplicates
        if resume.page_size:
            self.size = resume.page_size
        for step in (self.cursor, self.next_url):
            if step:
                self.seen_requests.add(step)
        follows = {
            PaginationKind.CURSOR: self.cursor,
            PaginationKind.LAST_ID: self.cursor,
            PaginationKind.NEXT_URL: self.next_url,
            PaginationKind.LINK_HEADER: self.next_url,
        }
        if resume.page > 1 and (
            self.kind in (PaginationKind.NONE, PaginationKind.SINGLE)
            or (self.kind in follows and not follows[self.kind])
        ):
            self.done = True  # the walk had already reached the end

    # ------------------------------------------------------------ requests
    def request_params(self, page: int) -> list[tuple[str, Any]]:
        endpoint, declared = self.endpoint, self.declared
        extra: list[tuple[str, Any]] = []
        if declared.sends_page_size and declared.pagination is self.kind:
            extra.append((endpoint.page_size_param, self.size))
        if self.kind in (PaginationKind.CURSOR, PaginationKind.LAST_ID) and self.cursor:
            extra.append((endpoint.cursor_param, self.cursor))
        elif self.kind is PaginationKind.OFFSET:
            if endpoint.offset_counts_records:  # limit/offset style: offset counts records
                extra.insert(0, (endpoint.page_param, (page - 1) * self.size))
            else:
                extra.insert(0, (endpoint.page_param, page - 1 + endpoint.first_page))
        return self.base_params + extra

    async def fetch(self, page: int) -> _Envelope:
        if self.next_url and self.kind in (PaginationKind.NEXT_URL, PaginationKind.LINK_HEADER):
            response = await self.client.request("GET", self.next_url)  # it carries the query
        else:
            response = await self.client.request("GET", self.path, params=self.request_params(page))
        body = await parse_json(response)
        return self.parse(body, response)

    def parse(self, body: Any, response: httpx.Response | None = None) -> _Envelope:
        link_next = None
        if response is not None and "link" in response.headers:
            link_next = response.links.get("next", {}).get("url")
        request_url = str(response.request.url) if response is not None else ""
        if self.kind is PaginationKind.NONE and self.pages_taken == 0:
            found = detect_paging(self.endpoint, body, link_next)
            if found is not None:
                self.endpoint, self.kind = found, found.pagination
                log.info("%s pages by %s (detected)", self.endpoint.id, found.paging_style)
        endpoint = self.endpoint
        key = endpoint.records_key
        if self.kind is PaginationKind.SINGLE:
            inner = value_at(body, key) if key else None
            record = inner if isinstance(inner, dict) else body
            return _Envelope([_as_record(record)], total_count=1)
        if isinstance(body, list):
            return _Envelope([_as_record(r) for r in body], next_url=link_next)
        if not isinstance(body, dict):
            raise PaginationError(
                f"{endpoint.id} answered {type(body).__name__}, not a list of records.",
                explanation="The API's answer has an unexpected shape; check the endpoint.",
            )
        raw = locate_records(body, key, self.path)
        if raw is None:
            raise PaginationError(
                f"{endpoint.id} answered without a {key or 'data'!r} list of records "
                f"(keys: {', '.join(list(body)[:8])}).",
                explanation=(
                    "The API's answer has an unexpected shape; the catalog may name the wrong "
                    "records key for this endpoint (--paging 'STYLE:records=FIELD' names it)."
                ),
            )
        total = value_at(body, endpoint.total_key)
        has_more = value_at(body, endpoint.has_more_key)
        size = body.get(endpoint.page_size_param)
        next_url = link_next
        if self.kind is PaginationKind.NEXT_URL:
            next_url = _text(value_at(body, endpoint.next_url_key))
        return _Envelope(
            [_as_record(r) for r in raw],
            total_count=total if isinstance(total, int) and not isinstance(total, bool) else None,
            next_cursor=_text(value_at(body, endpoint.next_cursor_key)),
            has_more=has_more if isinstance(has_more, bool) else None,
            page_size=size if isinstance(size, int) and size > 0 else None,
            next_url=next_url,
            request_url=request_url,
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
        id_field = self.endpoint.id_field
        if id_field and "." not in id_field:  # the common case, without the dotted walk
            idents = [_plain_identity(r.get(id_field)) for r in envelope.records]
        else:
            idents = [_identity(r, id_field) for r in envelope.records]
        for record, new in zip(envelope.records, self.seen_ids.add_all(idents), strict=True):
            if not new:
                dropped += 1
                continue
            fresh.append(record)
        self.loaded += len(fresh)
        self.duplicates += dropped
        self.pages_taken += 1
        if dropped:
            log.info("%s page %d: dropped %d duplicate records", self.endpoint.id, number, dropped)

        count = len(envelope.records)
        if self.kind is PaginationKind.OFFSET:
            self._follow_server_size(envelope, number)
        is_last = self._is_last(envelope, number)
        self.largest_page = max(self.largest_page, count)
        self.next_page = number + 1
        self.empty_run = self.empty_run + 1 if not envelope.records else 0
        if not is_last and self.pending_error is None:
            self.pending_error = self._stop_reason(count, len(fresh), number)
        if self.pending_error is not None:
            is_last = False  # the caller gets these records, then the error on the next call
        self.done = is_last or self.pending_error is not None
        warning = self._count_warning() if is_last else None
        return Page(
            records=fresh,
            number=number,
            total_count=self.total_count,
            resume=self._resume_point(),
            is_last=is_last,
            duplicates_dropped=dropped,
            loaded=self.loaded,
            warning=warning,
        )

    def _resume_point(self) -> ResumePoint:
        kind = self.kind
        return ResumePoint(
            kind=kind.value,
            page=self.next_page,
            cursor=self.cursor if kind is PaginationKind.CURSOR else None,
            records_done=self.loaded,
            duplicates=self.duplicates,
            next_url=self.next_url
            if kind in (PaginationKind.NEXT_URL, PaginationKind.LINK_HEADER)
            else None,
            last_id=self.cursor if kind is PaginationKind.LAST_ID else None,
            page_size=self.size
            if kind is PaginationKind.OFFSET and self.size != self.asked_size
            else None,
            paging=self.endpoint.describe_paging() if self.endpoint is not self.declared else None,
        )

    def _stop_reason(self, count: int, fresh: int, number: int) -> PaginationError | None:
        """Why a walk that the server says goes on must stop now, if it must."""
        name = self.endpoint.id
        if count and not fresh:
            return PagingLoop(
                f"{name} page {number} brought only records already fetched ({count}); "
                f"stopped after {self.loaded} records to avoid looping."
            )
        if self.empty_run >= MAX_EMPTY_PAGES:
            return PagingLoop(
                f"{name} returned {self.empty_run} empty pages in a row that still promised more."
            )
        if self.pages_taken >= self.max_pages:
            return PageLimitReached(
                f"{name} still had more after {self.pages_taken} pages ({self.loaded} records); "
                f"the walk stops at {self.max_pages} pages."
            )
        return None

    def _follow_server_size(self, envelope: _Envelope, number: int) -> None:
        """A server that gives fewer records than asked on a page that is not its last."""
        count = len(envelope.records)
        if envelope.page_size or not count or count >= self.size:
            return
        total = self.total_count
        more = envelope.has_more is True or (
            total is not None and self.loaded + self.duplicates < total
        )
        ended = envelope.has_more is False or (
            total is not None and self.loaded + self.duplicates >= total
        )
        if self.pages_taken == 1 and not ended:
            # Pages of this size from now on: a capped server's page numbers and offsets then
            # mean what we think (and a one-page list costs one more, empty, request).
            log.info("%s: the server gave %d records, not %d", self.endpoint.id, count, self.size)
            self.size = count
        elif more and self.endpoint.offset_counts_records:
            self.pending_error = PaginationError(
                f"{self.endpoint.id} page {number} had {count} records instead of {self.size} "
                "while more were promised; the next offsets would skip records.",
                explanation="The API changed its page size during the walk; fetch again, or set "
                "a smaller page size.",
            )

    def _is_last(self, envelope: _Envelope, number: int) -> bool:
        kind = self.kind
        if kind in (PaginationKind.SINGLE, PaginationKind.NONE):
            return True
        if kind is PaginationKind.CURSOR:
            if not envelope.next_cursor:
                self.cursor = None
                return True
            self.cursor = self._step(envelope.next_cursor, "cursor")
            return False
        if kind in (PaginationKind.NEXT_URL, PaginationKind.LINK_HEADER):
            if not envelope.next_url:
                self.next_url = None
                return True
            self.next_url = self._step(self._own_url(envelope), "next URL")
            return False
        if self._ends_by_count(envelope, number):
            return True
        if kind is PaginationKind.LAST_ID:
            records = envelope.records
            last = _identity(records[-1], self.endpoint.id_field) if records else self.cursor
            if last is None:
                self.pending_error = PaginationError(
                    f"{self.endpoint.id} records have no {self.endpoint.id_field!r} to continue "
                    "after.",
                    explanation="Last-id paging needs each record's id; name it with --paging "
                    "'last-id:id=FIELD'.",
                )
                return False
            self.cursor = self._step(str(last), "last id")
        return False

    def _ends_by_count(self, envelope: _Envelope, number: int) -> bool:
        """Offset and last-id pages: has_more, else the total, else an empty or short page."""
        if envelope.has_more is not None:
            return not envelope.has_more
        count = len(envelope.records)
        if not count:
            return True
        if self.total_count is not None and self.kind is PaginationKind.OFFSET:
            return number * self.size >= self.total_count
        return count < min(self.size, self.largest_page)

    def _own_url(self, envelope: _Envelope) -> str:
        # An API key the link echoes in its query is never kept (the auth adds it on the wire).
        url = self.client.without_credentials(
            urljoin(envelope.request_url, envelope.next_url or "")
        )
        base = self.client.base_url
        if url == base or url.startswith(base + "/"):
            return url
        self.pending_error = PaginationError(
            f"{self.endpoint.id} points its next page at {url.split('?')[0]}, outside "
            f"{base}; not followed.",
            explanation="The API's next link leaves the profile's base URL, so the credentials "
            "are not sent there; set the base URL to the API's own address.",
        )
        return url

    def _step(self, value: str, what: str) -> str:
        if not self.seen_requests.add(value) and self.pending_error is None:
            self.pending_error = PagingLoop(
                f"{self.endpoint.id} returned the {what} {value[:40]!r} a second time; "
                f"stopped after {self.loaded} records to avoid looping."
            )
        return value

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


def _plain_identity(value: Any) -> Any:
    if value is None or type(value) is str or type(value) is int:
        return value
    return _identity({"v": value}, "v")


def _identity(record: dict[str, Any], id_field: str) -> Any:
    if not id_field:
        return None
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
    max_pages: int | None = None,
) -> AsyncGenerator[Page, None]:
    """Every page of the endpoint, in order. `path` overrides endpoint.path (filled path params)."""
    walk = _Walk(client, endpoint, params, page_size, resume, path, max_pages)
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
        max_pages: int | None = None,
    ) -> None:
        self._walk = _Walk(client, endpoint, params, page_size, resume, path, max_pages)
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
    def paging_style(self) -> str:
        """The style in use (after detection), e.g. `link-header`."""
        return self._walk.endpoint.paging_style

    @property
    def page_cap(self) -> int:
        return self._walk.max_pages

    def allow_more_pages(self, pages: int) -> bool:
        """After the walk stopped at its page cap: allow `pages` more (False if it did not)."""
        walk = self._walk
        if not walk.done or walk.pending_error is not None or walk.pages_taken < walk.max_pages:
            return False
        walk.max_pages += max(1, pages)
        walk.done = False
        return True

    @property
    def paging_summary(self) -> str:
        """The style in use, in full notation, and where it came from (for a tooltip)."""
        return paging_summary(self._walk.endpoint)

    @property
    def paging_source(self) -> str:
        """Where the style in use came from: catalog, document, profile, override, detection."""
        return self._walk.endpoint.paging_source or "catalog"

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
