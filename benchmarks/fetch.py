"""Fetch-all against its floor: cursor and offset paging through the real engine, and a naive
client, on a sandbox with the documented budget (50 requests per 5 s) and 20 ms of latency.

Figures: fetch_cursor_ratio, fetch_cursor_429s, fetch_offset_ratio, fetch_offset_429s,
fetch_vs_naive (see benchmarks/floor.py for what the floor is).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.common import Figure, sandbox_process, scale_for
from benchmarks.floor import fetch_floor_s, nominal_floor_s
from benchmarks.naive import NaiveRun, naive_cursor_fetch

CURSOR_ENDPOINT = ("scalepad", "GET /core/v1/assets/hardware")
OFFSET_ENDPOINT = ("sandbox", "GET /sandbox/v1/assets/hardware")
RATIO_TARGET = 1.05


@dataclass(frozen=True)
class FetchSettings:
    records: int = 20_000
    page_size: int = 200
    latency_ms: int = 20
    limit: int = 50
    period_s: float = 5.0
    concurrency: int = 4  # offset pages in flight (the engine's default)

    @property
    def rate(self) -> str:
        return f"{self.limit}/{self.period_s:g}"


@dataclass
class TimedRequest:
    started: float
    finished: float = 0.0
    status: int = 0

    @property
    def latency_s(self) -> float:
        return self.finished - self.started


class TimingTransport(httpx.AsyncBaseTransport):
    """Records when each request went out and when its answer was fully read.

    The answer's body is wrapped rather than read here, so the client sees an ordinary streamed
    response; the request counts as finished when the client has read and closed it.
    """

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.requests: list[TimedRequest] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timed = TimedRequest(time.perf_counter())
        self.requests.append(timed)
        response = await self._inner.handle_async_request(request)
        timed.status = response.status_code
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_TimedStream(response.stream, timed),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()

    def page_latencies(self) -> list[float]:
        """Latencies of the answered pages (not 429s), in the order they were sent."""
        done = [r for r in self.requests if r.status and r.status != 429 and r.finished]
        return [r.latency_s for r in sorted(done, key=lambda r: r.started)]

    @property
    def rate_limited(self) -> int:
        return sum(1 for r in self.requests if r.status == 429)


class _TimedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, timed: TimedRequest) -> None:
        self._inner = inner
        self._timed = timed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk
        self._timed.finished = time.perf_counter()

    async def aclose(self) -> None:
        if not self._timed.finished:
            self._timed.finished = time.perf_counter()
        await self._inner.aclose()


@dataclass
class EngineRun:
    elapsed_s: float
    records: int
    requests: int
    client_429s: int
    server_429s: int
    floor_s: float
    nominal_floor_s: float
    governor_wait_s: float  # time requests waited in the rate governor, summed
    between_pages_s: float  # wall time with no request on the wire (cursor: wait + client work)
    latencies_s: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.elapsed_s / self.floor_s


def find_endpoint(catalog_name: str, endpoint_id: str) -> Any:
    from explorer.core.catalogs import load_bundled

    endpoint = load_bundled(catalog_name).find(endpoint_id)
    if endpoint is None:
        raise LookupError(f"{endpoint_id} is not in the bundled {catalog_name} catalog")
    return endpoint


async def engine_fetch(
    base_url: str,
    api_key: str,
    endpoint: Any,
    *,
    page_size: int,
    limit: int,
    period_s: float,
    concurrency: int,
) -> tuple[float, int, TimingTransport, Any]:
    """Fetch every record through ApiClient + RateGovernor + iter_pages, as the window does.

    Returns (elapsed seconds, records, the timing transport, the client's stats).
    """
    from explorer.core.auth import ApiKeyAuth
    from explorer.core.client import ApiClient
    from explorer.core.paging import iter_pages
    from explorer.core.ratelimit import RateGovernor

    transport = TimingTransport()
    governor = RateGovernor(limit, period_s)
    records = 0
    async with ApiClient(
        base_url, auth=ApiKeyAuth(api_key), governor=governor, transport=transport
    ) as client:
        started = time.perf_counter()
        async for page in iter_pages(
            client, endpoint, [], page_size=page_size, concurrency=concurrency
        ):
            records += len(page.records)
        elapsed = time.perf_counter() - started
        stats = client.stats
    return elapsed, records, transport, stats


def server_rate_limited(handle: Any) -> int:
    """429 answers the sandbox gave, from its own statistics."""
    return int(handle.stats.rate_limited)


def measure_engine(kind: str, settings: FetchSettings) -> EngineRun:
    """One fetch-all on a fresh sandbox (so the rate window starts empty)."""
    catalog_name, endpoint_id = CURSOR_ENDPOINT if kind == "cursor" else OFFSET_ENDPOINT
    endpoint = find_endpoint(catalog_name, endpoint_id)
    concurrency = 1 if kind == "cursor" else settings.concurrency
    with sandbox_process(
        scale=scale_for(settings.records), latency_ms=settings.latency_ms, rate=settings.rate
    ) as sandbox:
        elapsed, records, transport, stats = asyncio.run(
            engine_fetch(
                sandbox.url,
                sandbox.api_key,
                endpoint,
                page_size=settings.page_size,
                limit=settings.limit,
                period_s=settings.period_s,
                concurrency=concurrency,
            )
        )
        server_429s = server_rate_limited(sandbox)
    latencies = transport.page_latencies()
    return EngineRun(
        governor_wait_s=float(stats.waited_s),
        between_pages_s=idle_time_s(transport.requests, elapsed),
        elapsed_s=elapsed,
        records=records,
        requests=len(transport.requests),
        client_429s=max(int(getattr(stats, "rate_limited", 0)), transport.rate_limited),
        server_429s=server_429s,
        floor_s=fetch_floor_s(
            latencies, limit=settings.limit, period_s=settings.period_s, concurrency=concurrency
        ),
        nominal_floor_s=nominal_floor_s(
            len(latencies),
            settings.latency_ms / 1000,
            limit=settings.limit,
            period_s=settings.period_s,
            concurrency=concurrency,
        ),
        latencies_s=latencies,
    )


def idle_time_s(requests: list[TimedRequest], elapsed_s: float) -> float:
    """Wall time during which no request was on the wire (the union of their spans removed)."""
    busy, until = 0.0, None
    spans = sorted((r.started, r.finished) for r in requests if r.finished)
    for start, end in spans:
        if until is None or start > until:
            busy += end - start
            until = end
        elif end > until:
            busy += end - until
            until = end
    return max(0.0, elapsed_s - busy)


def engine_figures(kind: str, run: EngineRun, rate_limited: int | None = None) -> list[Figure]:
    """The figures of one run; `rate_limited` overrides its 429 count (the worst of repeats)."""
    figures = [
        Figure(f"fetch_{kind}_ratio", run.ratio, RATIO_TARGET, unit="x floor"),
        Figure(
            f"fetch_{kind}_429s",
            max(run.client_429s, run.server_429s) if rate_limited is None else rate_limited,
            0,
            unit="429s",
        ),
        Figure(f"fetch_{kind}_s", run.elapsed_s, unit="s", headline=False),
        Figure(f"fetch_{kind}_floor_s", run.floor_s, unit="s", headline=False),
        Figure(f"fetch_{kind}_nominal_floor_s", run.nominal_floor_s, unit="s", headline=False),
        Figure(f"fetch_{kind}_latency_sum_s", sum(run.latencies_s), unit="s", headline=False),
        Figure(f"fetch_{kind}_records", run.records, headline=False),
        Figure(f"fetch_{kind}_requests", run.requests, headline=False),
    ]
    if kind == "cursor":
        # Sequential pages: the time above the floor splits into governor waits beyond what the
        # budget required, and the client's own work between one answer and the next request.
        required_wait = max(0.0, run.floor_s - sum(run.latencies_s))
        client_work = max(0.0, run.between_pages_s - run.governor_wait_s)
        figures += [
            Figure("fetch_cursor_governor_wait_s", run.governor_wait_s, unit="s", headline=False),
            Figure("fetch_cursor_required_wait_s", required_wait, unit="s", headline=False),
            Figure("fetch_cursor_client_work_s", client_work, unit="s", headline=False),
            Figure(
                "fetch_cursor_client_ms_per_page",
                client_work * 1000 / max(1, len(run.latencies_s)),
                unit="ms",
                headline=False,
            ),
        ]
    return figures


def median_run(runs: list[EngineRun]) -> EngineRun:
    return sorted(runs, key=lambda r: r.ratio)[len(runs) // 2]


def run(settings: FetchSettings | None = None, repeats: int = 3) -> list[Figure]:
    """Each fetch `repeats` times, interleaved (so a busy moment hits all three alike); the
    figures are from the median run, and a 429 in any run counts."""
    settings = settings or FetchSettings()
    cursor_runs: list[EngineRun] = []
    offset_runs: list[EngineRun] = []
    naive_runs: list[NaiveRun] = []
    for _ in range(repeats):
        cursor_runs.append(measure_engine("cursor", settings))
        offset_runs.append(measure_engine("offset", settings))
        with sandbox_process(
            scale=scale_for(settings.records), latency_ms=settings.latency_ms, rate=settings.rate
        ) as sandbox:
            naive_runs.append(
                naive_cursor_fetch(
                    sandbox.url,
                    sandbox.api_key,
                    CURSOR_ENDPOINT[1].split(" ", 1)[1],
                    page_size=settings.page_size,
                )
            )
    figures: list[Figure] = []
    for kind, runs in (("cursor", cursor_runs), ("offset", offset_runs)):
        figures += engine_figures(kind, median_run(runs))
        worst_429s = max(max(r.client_429s, r.server_429s) for r in runs)
        figures = [
            Figure(f.name, worst_429s, f.target, unit=f.unit)
            if f.name == f"fetch_{kind}_429s"
            else f
            for f in figures
        ]
        figures.append(
            Figure(f"fetch_{kind}_worst_ratio", max(r.ratio for r in runs), headline=False)
        )
    cursor_s = statistics.median(r.elapsed_s for r in cursor_runs)
    naive = sorted(naive_runs, key=lambda r: r.elapsed_s)[len(naive_runs) // 2]
    figures += [
        Figure("fetch_vs_naive", cursor_s / naive.elapsed_s, unit="ours / naive"),
        Figure("fetch_naive_s", naive.elapsed_s, unit="s", headline=False),
        Figure("fetch_naive_429s", naive.rate_limited, headline=False),
        Figure("fetch_naive_records", naive.records, headline=False),
    ]
    return figures
