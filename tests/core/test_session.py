"""The session layer: one way to open a profile, one probe, one TLS rule, one query-to-request path."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from explorer.core import catalogs
from explorer.core.catalog import Operator, match_template
from explorer.core.client import ApiClient
from explorer.core.errors import AuthError, QueryError
from explorer.core.fetch import (
    check_query,
    fetch_single,
    iter_query_pages,
    page_size_for,
    preview_url,
    request_for,
)
from explorer.core.query import FilterCondition, Query, SortKey
from explorer.core.ratelimit import Governors, RateGovernor
from explorer.core.requestlog import RequestLog
from explorer.core.secrets import SecretStore, SingleSecret
from explorer.core.session import open_connection, probe_connection, probe_endpoint
from explorer.core.settings import AuthKind, Profile
from explorer.sandbox import SandboxHandle

SCALEPAD = catalogs.load_bundled("scalepad")
HARDWARE = SCALEPAD.find("GET /core/v1/assets/hardware")
CLIENT_BY_ID = SCALEPAD.find("GET /core/v1/clients/{id}")
assert HARDWARE is not None
assert CLIENT_BY_ID is not None


def _profile(sandbox: SandboxHandle, **changes: Any) -> Profile:
    return Profile("sp", sandbox.url, AuthKind.API_KEY, catalog="scalepad", **changes)


# ---------------------------------------------------------------- TLS: one rule


@pytest.mark.parametrize(
    ("verify_tls", "ca_bundle", "expected"),
    [
        (True, None, True),
        (True, "/etc/corp-ca.pem", "/etc/corp-ca.pem"),
        # Checks turned off stay off, even with a bundle left in the profile (the CLI once
        # computed `ca_bundle or verify_tls` and turned them back on).
        (False, "/etc/corp-ca.pem", False),
        (False, None, False),
    ],
)
def test_tls_verification_has_one_rule(verify_tls: bool, ca_bundle: str | None, expected: Any):
    profile = Profile("p", "https://api.example", verify_tls=verify_tls, ca_bundle=ca_bundle)
    assert profile.tls_verify == expected


# ---------------------------------------------------------------- open_connection


def test_open_connection_shares_one_governor_per_profile(sandbox: SandboxHandle) -> None:
    governors = Governors()
    store = SecretStore()

    async def scenario() -> tuple[RateGovernor, RateGovernor, int]:
        await store.set("sp", sandbox.api_key)
        async with (
            await open_connection(_profile(sandbox), store, governors=governors) as a,
            await open_connection(_profile(sandbox), store, governors=governors) as b,
        ):
            await a.client.get_json("/core/v1/clients", params={"page_size": 1})
            await b.client.get_json("/core/v1/clients", params={"page_size": 1})
            assert a.catalog.find("GET /core/v1/clients") is not None
            return a.governor, b.governor, a.governor.snapshot().in_window

    first, second, in_window = asyncio.run(scenario())
    assert first is second
    assert in_window == 2  # both connections' requests count against the one budget


def test_open_connection_says_where_a_missing_secret_goes(sandbox: SandboxHandle) -> None:
    with pytest.raises(AuthError) as caught:
        asyncio.run(
            open_connection(
                _profile(sandbox),
                SecretStore(),
                governors=Governors(),
                missing_secret_hint="set EXPLORER_API_KEY",
            )
        )
    assert caught.value.explanation == (
        "No API key is stored for the profile 'sp': set EXPLORER_API_KEY."
    )


# ---------------------------------------------------------------- Test connection


def test_probe_reports_the_endpoint_and_total_and_logs_its_requests(
    sandbox: SandboxHandle,
) -> None:
    log = RequestLog()
    result = asyncio.run(
        probe_connection(_profile(sandbox), sandbox.api_key, governors=Governors(), request_log=log)
    )
    assert result.ok
    assert result.endpoint == probe_endpoint(SCALEPAD)
    assert result.total_count is not None
    assert result.total_count > 0
    assert result.message.startswith(f"Connected. GET {result.endpoint.path} answered in ")
    entries = log.entries()
    assert [e.status for e in entries] == [200]
    assert sandbox.api_key not in repr(entries)


def test_probe_with_a_wrong_key_raises_the_api_error(sandbox: SandboxHandle) -> None:
    with pytest.raises(AuthError):
        asyncio.run(probe_connection(_profile(sandbox), "wrong-key", governors=Governors()))


def test_single_secret_never_shows_its_value() -> None:
    assert "hunter2" not in repr(SingleSecret("hunter2"))


# ---------------------------------------------------------------- queries become requests

QUERY = Query(
    endpoint_id=HARDWARE.id,
    filters=(FilterCondition("client.name", Operator.CONT, ("Space Sprockets, Inc.",)),),
    sorts=(SortKey("record_updated_at", descending=True),),
    page_size=None,
)


def test_page_size_rule_query_then_profile_then_endpoint_within_the_maximum() -> None:
    cap = HARDWARE.page_size_max or 200
    assert page_size_for(HARDWARE, 25, 150) == 25
    assert page_size_for(HARDWARE, None, 150) == min(150, cap)
    assert page_size_for(HARDWARE, None, 10_000) == cap
    assert page_size_for(HARDWARE, None, None) == (HARDWARE.page_size_default or cap)


def test_preview_url_is_exactly_the_first_request_sent() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, json={"data": [], "total_count": 0, "next_cursor": None})

    async def scenario() -> None:
        client = ApiClient(
            "https://api.example",
            auth=None,
            governor=RateGovernor(50, 5.0),
            transport=httpx.MockTransport(handler),
        )
        async with client:
            async for _page in iter_query_pages(client, HARDWARE, QUERY, default_page_size=150):
                pass

    asyncio.run(scenario())
    shown = httpx.URL(preview_url("https://api.example", HARDWARE, QUERY, default_page_size=150))
    assert len(sent) == 1
    first = httpx.URL(sent[0])
    assert (first.path, first.params.multi_items()) == (shown.path, shown.params.multi_items())
    assert ("page_size", "150") in shown.params.multi_items()


def test_single_record_endpoints_are_unwrapped_once(sandbox: SandboxHandle) -> None:
    query = Query(endpoint_id=CLIENT_BY_ID.id, path_params={"id": "1"})
    request = request_for(CLIENT_BY_ID, query)
    assert request.page_size is None

    async def scenario() -> list[dict[str, Any]]:
        async with await open_connection(
            _profile(sandbox), SingleSecret(sandbox.api_key), governors=Governors()
        ) as connection:
            listing = await connection.client.get_json("/core/v1/clients", params={"page_size": 1})
            wanted = str(listing["data"][0]["id"])
            query_one = Query(endpoint_id=CLIENT_BY_ID.id, path_params={"id": wanted})
            return await fetch_single(connection.client, CLIENT_BY_ID, query_one)

    records = asyncio.run(scenario())
    assert len(records) == 1
    assert "id" in records[0]
    assert "data" not in records[0]


def test_check_query_judges_the_query_it_is_given() -> None:
    check_query(QUERY, HARDWARE)
    bad = Query(
        endpoint_id=HARDWARE.id, filters=(FilterCondition("no_such_field", Operator.EQ, ("x",)),)
    )
    with pytest.raises(QueryError, match="no_such_field"):
        check_query(bad, HARDWARE)


# ---------------------------------------------------------------- one path-template matcher


def test_one_template_matcher_for_catalog_cli_and_pasted_urls() -> None:
    assert match_template("/core/v1/clients/{id}", "/core/v1/clients/42") == {"id": "42"}
    assert match_template("/core/v1/clients/{id}", "/CORE/v1/Clients/a%20b") == {"id": "a b"}
    assert match_template("/core/v1/clients/{id}", "/core/v1/clients/{id}") == {}
    assert match_template("/core/v1/clients/{id}", "/core/v1/clients") is None
    matched = SCALEPAD.match_path("/core/v1/clients/42")
    assert matched is not None
    assert matched[0] is CLIENT_BY_ID
    assert matched[1] == {"id": "42"}
