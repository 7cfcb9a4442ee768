"""Queries become requests here, and only here.

A `Query` (what the user asked: filters, sorts, parameters, path values, page size) and its
`Endpoint` give the request path and parameters, the page size actually used, the page walk, the
single-record fetch and the URL the builder previews. The window's tabs, the export, the CLI and
the smoke check all call these, so they send exactly the same requests for the same query.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer.core.catalog import Endpoint, PaginationKind
from explorer.core.errors import QueryError
from explorer.core.paging import (
    MAX_PAGE_SIZE,
    Page,
    PageFetcher,
    ResumePoint,
    effective_page_size,
    first_request_params,
    iter_pages,
)
from explorer.core.query import Query, build_params, build_path, build_query_string, validate

if TYPE_CHECKING:
    from explorer.core.client import ApiClient


@dataclass(frozen=True)
class Request:
    """One query's request, before paging adds its parameters."""

    path: str  # path parameters filled in
    params: list[tuple[str, str]]
    page_size: int | None  # None for endpoints that do not page


def page_size_cap(endpoint: Endpoint) -> int:
    """The largest page size the endpoint takes (its declared maximum, else ScalePad's 200)."""
    return endpoint.page_size_max or MAX_PAGE_SIZE


def page_size_for(endpoint: Endpoint, requested: int | None, default: int | None = None) -> int:
    """The one page-size rule: the query's, else the profile's default, else the endpoint's,
    always within the endpoint's maximum."""
    return effective_page_size(endpoint, requested or default)


def check_query(query: Query, endpoint: Endpoint) -> None:
    """Raise QueryError naming every problem of this query (not of whatever a form shows)."""
    issues = validate(query, endpoint)
    if issues:
        lines = "; ".join(issue.message for issue in issues)
        raise QueryError(f"The query is not valid: {lines}", explanation=f"Fix the query: {lines}.")


def request_for(endpoint: Endpoint, query: Query, default_page_size: int | None = None) -> Request:
    size = page_size_for(endpoint, query.page_size, default_page_size)
    return Request(
        path=build_path(query, endpoint),
        params=[(str(k), str(v)) for k, v in build_params(query, endpoint)],
        page_size=size if endpoint.sends_page_size else None,
    )


def iter_query_pages(
    client: ApiClient,
    endpoint: Endpoint,
    query: Query,
    *,
    default_page_size: int | None = None,
    resume: ResumePoint | None = None,
    concurrency: int = 4,
) -> AsyncGenerator[Page, None]:
    """Every page of the query's records, in order (see paging.iter_pages)."""
    request = request_for(endpoint, query, default_page_size)
    return iter_pages(
        client,
        endpoint,
        request.params,
        page_size=request.page_size,
        resume=resume,
        concurrency=concurrency,
        path=request.path,
    )


def query_fetcher(
    client: ApiClient, endpoint: Endpoint, query: Query, *, default_page_size: int | None = None
) -> PageFetcher:
    """A one-page-per-call fetcher of the query's records (the table's fetchMore)."""
    request = request_for(endpoint, query, default_page_size)
    return PageFetcher(
        client, endpoint, request.params, page_size=request.page_size, path=request.path
    )


async def fetch_single(client: ApiClient, endpoint: Endpoint, query: Query) -> list[dict[str, Any]]:
    """The record(s) a single-record endpoint answers, unwrapped once, by the paging layer."""
    if endpoint.pagination is not PaginationKind.SINGLE:
        raise QueryError(
            f"{endpoint.id} returns a list",
            explanation=f"{endpoint.id} returns a list of records; page through it instead.",
        )
    records: list[dict[str, Any]] = []
    async for page in iter_query_pages(client, endpoint, query):
        records.extend(page.records)
    return records


def preview_url(
    base_url: str, endpoint: Endpoint, query: Query, default_page_size: int | None = None
) -> str:
    """The exact URL of the query's first request, paging parameters included."""
    request = request_for(endpoint, query, default_page_size)
    params = request.params
    if endpoint.sends_page_size:
        first = first_request_params(endpoint, request.params, request.page_size)
        params = [(str(k), str(v)) for k, v in first]
    url = base_url.rstrip("/") + request.path
    return f"{url}?{build_query_string(params)}" if params else url


_DATE_WORDS = ("date", "from", "since", "after", "before", "until", "start", "end")


def empty_reason(endpoint: Endpoint, query: Query) -> str:
    """Why a query may have found nothing, and how to widen it (for an empty result)."""
    hints: list[str] = []
    dated = {
        name: value
        for name, value in query.params.items()
        if any(word in name.lower() for word in _DATE_WORDS) and value
    }
    if dated:
        shown = ", ".join(f"{name} {value}" for name, value in dated.items())
        hints.append(f"it only covers {shown}: widen the dates to see more")
    if query.filters:
        count = len(query.filters)
        hints.append(f"{count} filter{'s' if count != 1 else ''} narrow it: loosen or remove them")
    if query.path_params:
        values = ", ".join(f"{k} {v}" for k, v in query.path_params.items())
        hints.append(f"it is for {values}: check the value")
    if not hints:
        return "No records: the API has none to list here."
    return "No records match; " + "; ".join(hints) + "."
