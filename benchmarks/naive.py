"""The client most scripts and SDKs are: a sequential loop that sleeps `Retry-After` on a 429.

It is what `fetch_vs_naive` compares the engine with: same endpoint, same page size, same
sandbox settings, no budget of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class NaiveRun:
    elapsed_s: float
    records: int
    requests: int
    rate_limited: int  # 429 answers it received (and slept through)
    slept_s: float


def naive_cursor_fetch(
    base_url: str, api_key: str, path: str, *, page_size: int = 200, timeout_s: float = 30.0
) -> NaiveRun:
    """Fetch every record of a cursor-paged endpoint the way a typical script does."""
    records = requests = rate_limited = 0
    slept = 0.0
    cursor: str | None = None
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, headers={"x-api-key": api_key}, timeout=timeout_s) as http:
        while True:
            params: dict[str, str | int] = {"page_size": page_size}
            if cursor:
                params["cursor"] = cursor
            response = http.get(path, params=params)
            requests += 1
            if response.status_code == 429:
                rate_limited += 1
                wait = float(response.headers.get("Retry-After") or 1)
                time.sleep(wait)
                slept += wait
                continue
            response.raise_for_status()
            body = response.json()
            records += len(body["data"])
            cursor = body.get("next_cursor")
            if not cursor:
                break
    return NaiveRun(time.perf_counter() - started, records, requests, rate_limited, slept)
