"""Opening a profile: the one place that turns a saved profile into a working connection.

The window, the CLI, the smoke check and the profile dialog's Test connection all go through
`open_connection` (catalog, governor, authenticated client) and `probe_connection`; TLS options come
from `Profile.tls_verify` and governors from the `Governors` registry the caller's composition root
owns. Nothing here knows about Qt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.core import catalogs
from explorer.core.catalog import Catalog, Endpoint
from explorer.core.client import ApiClient, SecretSource, connect
from explorer.core.paging import PageFetcher
from explorer.core.ratelimit import Governors, RateGovernor
from explorer.core.secrets import SingleSecret

if TYPE_CHECKING:
    import httpx

    from explorer.core.requestlog import RequestLog
    from explorer.core.settings import Profile


@dataclass(eq=False)
class Connection:
    """One profile's catalog, rate governor and authenticated client."""

    profile: Profile
    catalog: Catalog
    client: ApiClient
    governor: RateGovernor

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def load_profile_catalog(profile: Profile, catalog: str | None = None) -> Catalog:
    """The catalog a profile names (or `catalog` instead), downloaded with the profile's TLS.

    A profile without one (a temporary profile of an API no catalog describes, made from a
    pasted cURL command) gets an empty catalog: its paths open as unlisted endpoints."""
    spec = catalog or profile.catalog
    if not spec.strip():
        return Catalog(name="no catalog (paths open as pasted)", source="none")
    return await catalogs.load_catalog(spec, verify=profile.tls_verify)


async def open_connection(
    profile: Profile,
    secrets: SecretSource,
    *,
    governors: Governors,
    request_log: RequestLog | None = None,
    catalog: Catalog | str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    missing_secret_hint: str | None = None,
) -> Connection:
    """Load the profile's catalog (unless given) and build its client on the shared governor."""
    if not isinstance(catalog, Catalog):
        catalog = await load_profile_catalog(profile, catalog)
    governor = governors.for_profile(profile)
    client = await connect(
        profile,
        secrets,
        governor=governor,
        request_log=request_log,
        transport=transport,
        missing_secret_hint=missing_secret_hint,
    )
    return Connection(profile=profile, catalog=catalog, client=client, governor=governor)


# ------------------------------------------------------------------ Test connection


def probe_endpoint(catalog: Catalog) -> Endpoint | None:
    """The cheapest request a catalog offers: a GET list without path or required parameters."""
    candidates = [
        e
        for e in catalog.endpoints()
        if e.method.upper() == "GET"
        and not e.path_params
        and not any(p.required for p in e.params)
        and e.is_list
    ]
    paged = [e for e in candidates if e.sends_page_size]
    best = paged or candidates
    return best[0] if best else None


@dataclass(frozen=True)
class ProbeResult:
    endpoint: Endpoint | None  # None: the catalog has nothing to try
    elapsed_ms: float = 0.0
    total_count: int | None = None

    @property
    def ok(self) -> bool:
        return self.endpoint is not None

    @property
    def message(self) -> str:
        if self.endpoint is None:
            return "The catalog has no list endpoint to try the connection with."
        total = ""
        if self.total_count is not None:
            total = f"; {self.total_count:,} records in total"
        return (
            f"Connected. {self.endpoint.method} {self.endpoint.path} answered in "
            f"{self.elapsed_ms:.0f} ms{total}."
        )


async def probe_connection(
    profile: Profile,
    secret: str | None,
    *,
    governors: Governors,
    request_log: RequestLog | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ProbeResult:
    """Log in if needed, then fetch the first page (of one record) of a list endpoint.

    For a profile being edited: `secret` is what the user typed (not saved yet). Raises the error
    tree's ExplorerError on failure; the request goes through the profile's governor and log.
    """
    catalog = await load_profile_catalog(profile)
    endpoint = probe_endpoint(catalog)
    if endpoint is None:
        return ProbeResult(None)
    started = time.monotonic()
    async with await open_connection(
        profile,
        SingleSecret(secret),
        governors=governors,
        request_log=request_log,
        catalog=catalog,
        transport=transport,
    ) as connection:
        page = await PageFetcher(connection.client, endpoint, [], page_size=1).fetch_next()
    elapsed_ms = (time.monotonic() - started) * 1000
    return ProbeResult(endpoint, elapsed_ms, page.total_count if page is not None else None)
