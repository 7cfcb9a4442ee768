"""HAR 1.2 files from the request log: over real HTTP to the sandbox and to servers that echo
secrets, checked against the HAR 1.2 schema (tests/har_check.py) and scanned for every secret."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from explorer import __version__
from explorer.core.auth import ApiKeyAuth
from explorer.core.client import ApiClient, connect
from explorer.core.errors import NetworkError, NotFound
from explorer.core.har import HarRecording, HarWriteFailed, HarWriter, har_entry, write_har
from explorer.core.requestlog import MASK, RequestLog
from explorer.core.secrets import open_secret_store
from explorer.core.settings import ApiKeySettings, AuthKind, Profile
from explorer.sandbox import SandboxHandle
from tests.har_check import assert_no_secret, check_har, secret_forms, validator
from tests.hostile_servers import reply, send_gzip, serve

Scenario = Callable[[ApiClient], Awaitable[None]]

# A key with characters that percent-encoding and base64 both change.
ECHOED_KEY = "CANARY+key/0c7e55=zz"


def scalepad_profile(sandbox: SandboxHandle) -> Profile:
    return Profile(name="ScalePad", base_url=sandbox.url, rate_limit=1000, rate_period_s=1.0)


def scout_profile(sandbox: SandboxHandle) -> Profile:
    return Profile(
        name="Scout",
        base_url=sandbox.url,
        auth_kind=AuthKind.JWT,
        catalog="scout",
        username=sandbox.scout_username,
    )


def record(sandbox: SandboxHandle, log: RequestLog, scenario: Scenario) -> None:
    """Run `scenario(client)` on a ScalePad profile of `sandbox`, its key in the keychain."""

    async def run() -> None:
        store = open_secret_store()
        profile = scalepad_profile(sandbox)
        await store.set(profile.name, sandbox.api_key)
        async with await connect(profile, store, request_log=log) as client:
            await scenario(client)

    asyncio.run(run())


async def one_site(client: ApiClient) -> None:
    await client.get_json("/core/v1/sites", params={"page_size": 1})


def entries_by_path(document: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return [e for e in document["log"]["entries"] if path in e["request"]["url"]]


def header(har_headers: list[dict[str, str]], name: str) -> str | None:
    return next((h["value"] for h in har_headers if h["name"].lower() == name), None)


def test_a_scalepad_session_is_valid_har_with_the_key_masked(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    log = RequestLog()

    async def session(client: ApiClient) -> None:
        first = await client.get_json("/core/v1/clients", params={"page_size": 2})
        await client.get_json(
            "/core/v1/clients", params={"page_size": 2, "cursor": first["next_cursor"]}
        )
        with pytest.raises(NotFound):
            await client.get_json("/core/v1/clients/no-such-client")

    record(sandbox, log, session)
    out = tmp_path / "scalepad.har"
    assert write_har(out, log.entries()) == 3
    document = check_har(out)
    assert_no_secret(out.read_text(encoding="utf-8"), sandbox.api_key)

    har = document["log"]
    assert har["version"] == "1.2"
    assert har["creator"] == {"name": "explorer", "version": __version__}
    starts = [e["startedDateTime"] for e in har["entries"]]
    assert starts == sorted(starts)
    first, second, missing = har["entries"]
    assert header(first["request"]["headers"], "x-api-key") == MASK
    assert {"name": "page_size", "value": "2"} in first["request"]["queryString"]
    assert any(q["name"] == "cursor" for q in second["request"]["queryString"])
    assert (first["response"]["status"], first["response"]["statusText"]) == (200, "OK")
    assert first["response"]["httpVersion"] == "HTTP/1.1"
    assert first["response"]["content"]["mimeType"].startswith("application/json")
    assert json.loads(first["response"]["content"]["text"])["total_count"] > 2
    assert first["response"]["content"]["size"] == first["response"]["bodySize"] > 0
    assert first["timings"]["wait"] > 0
    assert missing["response"]["status"] == 404


def test_a_scout_login_keeps_neither_password_nor_token(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    log = RequestLog()
    used: list[str] = []

    async def session() -> None:
        store = open_secret_store()
        profile = scout_profile(sandbox)
        await store.set(profile.name, sandbox.scout_password)
        async with await connect(profile, store, request_log=log) as client:
            await client.get_json("/v1/Units", params={"pageSize": 2})
            assert client.auth is not None
            used.extend(client.auth.sensitive_values())  # type: ignore[attr-defined]

    asyncio.run(session())
    token = next(v for v in used if v.startswith("eyJ"))
    out = tmp_path / "scout.har"
    write_har(out, log.entries())
    document = check_har(out)
    text = out.read_text(encoding="utf-8")
    assert_no_secret(text, sandbox.scout_password, token, username=sandbox.scout_username)

    (login,) = entries_by_path(document, "/v1/Token")
    assert login["request"]["method"] == "POST"
    posted = json.loads(login["request"]["postData"]["text"])
    assert posted == {"username": sandbox.scout_username, "password": MASK}
    assert login["request"]["bodySize"] > 0
    assert json.loads(login["response"]["content"]["text"])["token"] == MASK
    (units,) = entries_by_path(document, "/v1/Units")
    assert header(units["request"]["headers"], "authorization") == f"Bearer {MASK}"


def echo_everything(handler: Any) -> None:
    """A server that repeats the credential it got everywhere it can: headers, a cookie, a
    redirect target and the body, as is, percent-encoded and in base64."""
    key = handler.headers.get("x-api-key", "")
    encoded = base64.b64encode(key.encode()).decode()
    reply(
        handler,
        200,
        {
            "you_sent": key,
            "in_a_sentence": f"the key {key} is valid",
            "url_encoded": quote(key, safe=""),
            "as_base64": encoded,
            "inside_base64": base64.b64encode(f"user:{key}".encode()).decode(),
            "access_token": "opaque-token-value-1234",
            "data": [],
        },
        headers={
            "X-Echo-Key": key,
            "X-Echo-Base64": encoded,
            "Set-Cookie": f"session={key}; Path=/; HttpOnly",
            "Location": f"/next?token=opaque-token-value-1234&page=2&key={quote(key)}",
            "Link": f'</items?api_key={quote(key, safe="")}&page=2>; rel="next"',
        },
    )


def test_a_server_echoing_the_key_everywhere_leaks_nothing(tmp_path: Path) -> None:
    log = RequestLog()
    with serve(echo_everything) as url:

        async def call() -> None:
            async with ApiClient(url, auth=ApiKeyAuth(ECHOED_KEY), request_log=log) as client:
                await client.get_json("/echo", params={"page_size": 5})

        asyncio.run(call())
    out = tmp_path / "echo.har"
    write_har(out, log.entries())
    document = check_har(out)
    text = out.read_text(encoding="utf-8")
    assert_no_secret(text, ECHOED_KEY, "opaque-token-value-1234", username="user")

    (entry,) = document["log"]["entries"]
    response = entry["response"]
    assert header(response["headers"], "x-echo-key") == MASK
    assert response["cookies"] == [
        {"name": "session", "value": MASK, "path": "/", "httpOnly": True}
    ]
    assert response["redirectURL"].startswith("/next?token=")
    assert "page=2" in response["redirectURL"]
    body = json.loads(response["content"]["text"])
    assert body["access_token"] == MASK
    assert body["in_a_sentence"] == f"the key {MASK} is valid"
    assert body["data"] == []


def test_a_key_in_the_query_string_and_a_cookie_is_masked(tmp_path: Path) -> None:
    log = RequestLog()
    seen: list[str] = []

    def answer(handler: Any) -> None:
        seen.append(handler.path)
        reply(handler, 200, {"data": []})

    with serve(answer) as url:

        async def call() -> None:
            for placement in (
                ApiKeySettings(location="query", name="api_key"),
                ApiKeySettings(location="cookie", name="auth"),
            ):
                auth = ApiKeyAuth(ECHOED_KEY, placement)
                async with ApiClient(url, auth=auth, request_log=log) as client:
                    await client.get_json("/items", params={"page": 1})

        asyncio.run(call())
    assert quote(ECHOED_KEY, safe="") in seen[0]  # the key did travel in the query
    out = tmp_path / "query.har"
    write_har(out, log.entries())
    document = check_har(out)
    assert_no_secret(out.read_text(encoding="utf-8"), ECHOED_KEY)
    in_query, in_cookie = document["log"]["entries"]
    assert {"name": "api_key", "value": MASK} in in_query["request"]["queryString"]
    assert {"name": "page", "value": "1"} in in_query["request"]["queryString"]
    assert in_cookie["request"]["cookies"] == [{"name": "auth", "value": MASK}]


def test_429s_and_retries_are_entries_that_say_so(make_sandbox: Any, tmp_path: Path) -> None:
    sandbox = make_sandbox(rate="3/1")  # the server's limit is far below the profile's
    log = RequestLog()

    async def burst(client: ApiClient) -> None:
        await asyncio.gather(*(one_site(client) for _ in range(8)))

    record(sandbox, log, burst)
    out = tmp_path / "burst.har"
    write_har(out, log.entries())
    document = check_har(out)
    entries = document["log"]["entries"]
    limited = [e for e in entries if e["response"]["status"] == 429]
    assert limited, "the burst drew no 429"
    assert {e["response"]["statusText"] for e in limited} == {"Too Many Requests"}
    assert header(limited[0]["response"]["headers"], "retry-after")
    retries = [e for e in entries if e["_explorer"]["attempt"] > 1]
    assert retries
    assert all(e["comment"].startswith(f"try {e['_explorer']['attempt']} ") for e in retries)
    assert sum(e["response"]["status"] == 200 for e in entries) == 8


def test_a_request_without_an_answer_is_a_failed_entry(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = RequestLog()

    async def call() -> None:
        async with ApiClient(f"http://127.0.0.1:{port}", request_log=log, max_retries=0) as c:
            with pytest.raises(NetworkError):
                await c.get_json("/core/v1/clients")

    asyncio.run(call())
    out = tmp_path / "failed.har"
    write_har(out, log.entries())
    (entry,) = check_har(out)["log"]["entries"]
    assert entry["response"]["status"] == 0
    assert entry["response"]["httpVersion"] == ""
    assert entry["response"]["bodySize"] == -1
    assert entry["request"]["httpVersion"] == "HTTP/1.1"
    assert "ConnectError" in entry["_error"]
    assert entry["comment"].startswith("no answer: ")


def test_a_long_body_is_cut_and_its_comment_says_so(sandbox: SandboxHandle, tmp_path: Path) -> None:
    log = RequestLog(body_cap=2_000)

    async def page(client: ApiClient) -> None:
        await client.get_json("/core/v1/assets/hardware", params={"page_size": 50})

    record(sandbox, log, page)
    out = tmp_path / "cut.har"
    write_har(out, log.entries())
    (entry,) = check_har(out)["log"]["entries"]
    content = entry["response"]["content"]
    assert len(content["text"]) == 2_000
    assert content["size"] > 20_000
    assert content["comment"] == (
        f"Cut: the request log keeps the first 2,000 characters of a body; this one had "
        f"{content['size']:,} bytes."
    )


def test_the_file_appears_only_complete_and_private(sandbox: SandboxHandle, tmp_path: Path) -> None:
    log = RequestLog()

    record(sandbox, log, one_site)
    out = tmp_path / "trace.har"
    writer = HarWriter(out)
    writer.add(log.entries()[0])
    assert not out.exists()
    assert writer.close() == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["trace.har"]

    discarded = HarWriter(tmp_path / "other.har")
    discarded.add(log.entries()[0])
    discarded.discard()
    assert [p.name for p in tmp_path.iterdir()] == ["trace.har"]


def test_a_failed_write_is_reported_at_close_and_leaves_nothing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    log = RequestLog()

    record(sandbox, log, one_site)
    writer = HarWriter(tmp_path / "full.har")
    assert writer._file is not None
    writer._file.close()
    writer._file = open("/dev/full", "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    writer.add(log.entries()[0])  # no exception here: the requests being recorded go on
    with pytest.raises(HarWriteFailed):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def test_a_recording_writes_each_entry_and_keeps_none_in_memory(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    recording = HarRecording(tmp_path / "run.har")

    async def three_sites(client: ApiClient) -> None:
        for _ in range(3):
            await one_site(client)

    record(sandbox, recording.log, three_sites)
    assert len(recording.log) == 0
    assert recording.close() == 3
    assert len(check_har(tmp_path / "run.har")["log"]["entries"]) == 3


def test_the_schema_check_rejects_what_har_1_2_does_not_allow(
    sandbox: SandboxHandle,
) -> None:
    log = RequestLog()

    record(sandbox, log, one_site)
    good = {"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}
    good["log"]["entries"] = [har_entry(log.entries()[0])]
    assert not list(validator().iter_errors(good))

    def broken(change: Any) -> dict[str, Any]:
        document = json.loads(json.dumps(good))
        change(document["log"]["entries"][0])
        return document

    for change in (
        lambda e: e["timings"].pop("wait"),
        lambda e: e["timings"].update(send=-1),
        lambda e: e.update(startedDateTime="2026-01-01T10:00:00"),  # no offset
        lambda e: e["request"].pop("queryString"),
        lambda e: e["response"].update(status="200"),
        lambda e: e["response"]["content"].pop("mimeType"),
        lambda e: e.update(unknownField=1),  # not in the spec and not _custom
    ):
        assert list(validator().iter_errors(broken(change)))


def test_the_secret_scan_finds_every_encoded_form() -> None:
    key = ECHOED_KEY
    texts = [
        key,
        quote(key, safe=""),
        base64.b64encode(key.encode()).decode(),
        base64.urlsafe_b64encode(b"someone:" + key.encode()).decode(),
    ]
    forms = secret_forms(key, username="someone")
    for text in texts:
        assert any(form in text for form in forms), text


def test_a_compressed_answer_gives_its_size_on_the_wire_and_unpacked(tmp_path: Path) -> None:
    import gzip

    body = json.dumps({"data": [{"id": n, "name": "same text " * 20} for n in range(50)]})
    packed = gzip.compress(body.encode())
    log = RequestLog()
    with serve(lambda handler: send_gzip(handler, packed)) as url:

        async def call() -> None:
            async with ApiClient(url, request_log=log) as client:
                await client.get_json("/items")

        asyncio.run(call())
    out = tmp_path / "gzip.har"
    write_har(out, log.entries())
    (entry,) = check_har(out)["log"]["entries"]
    response = entry["response"]
    assert response["bodySize"] == len(packed)
    assert response["content"]["size"] == len(body)
    assert response["content"]["compression"] == len(body) - len(packed)
    assert json.loads(response["content"]["text"]) == json.loads(body)


def test_a_token_renewal_is_in_the_trace_without_either_token(
    make_sandbox: Any, tmp_path: Path
) -> None:
    from explorer.core.auth import JwtAuth

    now = [time.time()]
    sandbox = make_sandbox(token_ttl_s=100, clock=lambda: now[0])
    auth = JwtAuth(
        sandbox.url,
        sandbox.scout_username,
        sandbox.scout_password,
        clock=lambda: now[0],
        wall_clock=lambda: now[0],
    )
    log = RequestLog()
    tokens: list[str] = []

    async def call() -> None:
        async with ApiClient(sandbox.url, auth=auth, request_log=log) as client:
            for _ in range(2):
                await client.get_json("/v1/Stations")
                tokens.extend(v for v in auth.sensitive_values() if v.startswith("eyJ"))
                now[0] += 85  # past the point where the token is renewed

    asyncio.run(call())
    assert auth.renewals == 1
    assert len(set(tokens)) == 2  # the renewal issued a new token
    out = tmp_path / "renewal.har"
    write_har(out, log.entries())
    document = check_har(out)
    assert_no_secret(out.read_text(encoding="utf-8"), sandbox.scout_password, *tokens)
    (renewal,) = entries_by_path(document, "/v1/Token/Renew")
    assert header(renewal["request"]["headers"], "authorization") == f"Bearer {MASK}"
    assert renewal["response"]["status"] == 200
    assert json.loads(renewal["response"]["content"]["text"])["token"] == MASK
