"""Fixtures that start the built-in sandbox (a real HTTP server on loopback).

`sandbox`: one in-process sandbox for the whole session (per xdist worker). No latency, no
faults, no rate limit, scale 0.3 (3,000 hardware assets over 75 clients, 750 contacts, ...),
seed 1. Tests must not depend on its counters (other tests share it); use `make_sandbox` when a
test needs its own rate limit, latency, faults, token lifetime or clean statistics.

`make_sandbox(**config)`: a factory; each call starts a fresh in-process sandbox with
`SandboxConfig(**config)` (defaults here: scale 0.05, rate None) and stops it at teardown.
Pass `clock=` to control the time the rate limiter and the Scout tokens see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from explorer.sandbox import SandboxConfig, SandboxHandle, start_sandbox

SESSION_SANDBOX_CONFIG = SandboxConfig(scale=0.3, rate=None, seed=1)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    """A shared sandbox: `.url`, `.api_key`, `.scout_username`, `.scout_password`, `.stats`."""
    with start_sandbox(SESSION_SANDBOX_CONFIG) as handle:
        yield handle


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxHandle]]:
    """Start sandboxes with custom settings: `make_sandbox(rate="5/1", token_ttl_s=1)`."""
    started: list[SandboxHandle] = []

    def factory(*, clock: Callable[[], float] | None = None, **config: Any) -> SandboxHandle:
        config.setdefault("scale", 0.05)
        config.setdefault("rate", None)
        kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
        handle = start_sandbox(SandboxConfig(**config), **kwargs)
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        handle.stop()
