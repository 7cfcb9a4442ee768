"""Clients for the sandbox tests (the servers come from tests/fixtures_sandbox.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from explorer.sandbox import SandboxHandle


@pytest.fixture(scope="session")
def api(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """An HTTP client for the shared sandbox that sends the demo key as `x-api-key`."""
    with httpx.Client(
        base_url=sandbox.url, headers={"x-api-key": sandbox.api_key}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="session")
def anonymous(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """An HTTP client for the shared sandbox without credentials."""
    with httpx.Client(base_url=sandbox.url, timeout=30) as client:
        yield client
