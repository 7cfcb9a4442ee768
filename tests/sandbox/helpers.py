"""Small helpers shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import httpx


def walk(
    client: httpx.Client, path: str, params: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow next_cursor to the end; returns (records, envelopes without their data)."""
    params = dict(params or {})
    records: list[dict[str, Any]] = []
    envelopes: list[dict[str, Any]] = []
    seen_cursors: set[str] = set()
    while True:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        envelopes.append({k: v for k, v in body.items() if k != "data"})
        cursor = body.get("next_cursor")
        if not cursor:
            return records, envelopes
        assert cursor not in seen_cursors, "a next_cursor repeated"
        seen_cursors.add(cursor)
        params["cursor"] = cursor


def error_item(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body["errors"], list)
    assert len(body["errors"]) == 1
    item: dict[str, Any] = body["errors"][0]
    return item


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
