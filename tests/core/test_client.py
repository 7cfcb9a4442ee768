"""ApiClient with MockTransport: retries, error mapping, governor and log hooks, TLS, connect()."""

from __future__ import annotations

import asyncio
import http.server
import json
import logging
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from explorer.core.client import ApiClient, connect
from explorer.core.errors import (
    ApiError,
    AuthError,
    ConfigError,
    NetworkError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    TlsError,
    ValidationFailed,
)
from explorer.core.ratelimit import RateGovernor
from explorer.core.requestlog import RequestLog, to_curl
from explorer.core.secrets import SessionSecretStore
from explorer.core.settings import AuthKind, Profile
from tests.loopback import serving

KEY = "CANARY-key-5d1f0a"
BASE = "https://api.example"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def make_client(
    handler: Handler, *, t: FakeTime | None = None, **kwargs: Any
) -> tuple[ApiClient, RequestLog, FakeTime]:
    t = t or FakeTime()
    log = RequestLog()
    governor = RateGovernor(50, 5.0, clock=t.clock, sleep=t.sleep)
    from explorer.core.auth import ApiKeyAuth

    client = ApiClient(
        BASE,
        auth=kwargs.pop("auth", ApiKeyAuth(KEY)),
        governor=governor,
        request_log=log,
        transport=httpx.MockTransport(handler),
        sleep=t.sleep,
        **kwargs,
    )
    return client, log, t


def run(client: ApiClient, coro: Callable[[ApiClient], Any]) -> Any:
    async def scenario() -> Any:
        async with client:
            return await coro(client)

    return asyncio.run(scenario())


def sequence(*replies: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering with the given replies in order (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        reply = replies[min(len(seen), len(replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply

    return handler, seen


def test_success_sends_key_and_logs_the_exchange() -> None:
    handler, seen = sequence(httpx.Response(200, json={"data": [1, 2]}))
    client, log, _ = make_client(handler)
    body = run(client, lambda c: c.get_json("/core/v1/clients", params=[("page_size", "2")]))
    assert body == {"data": [1, 2]}
    assert str(seen[0].url) == f"{BASE}/core/v1/clients?page_size=2"
    assert (b"x-api-key", KEY.encode()) in seen[0].headers.raw
    assert client.stats.requests == 1
    assert client.stats.retries == 0
    (entry,) = log.entries()
    assert (entry.status, entry.attempt) == (200, 1)
    assert KEY not in json.dumps([entry.request_headers, entry.url]) + to_curl(entry)


def test_base_url_prefix_is_kept() -> None:
    handler, seen = sequence(httpx.Response(200, json=[]))
    client, _, _ = make_client(handler)
    client.base_url = "https://h.example/api/v1"
    run(client, lambda c: c.request("GET", "Units"))
    assert str(seen[0].url) == "https://h.example/api/v1/Units"


def test_429_is_retried_after_the_governors_pause() -> None:
    handler, seen = sequence(
        httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "23"}),
        httpx.Response(200, json={"ok": True}),
    )
    client, log, t = make_client(handler)
    assert run(client, lambda c: c.get_json("/x")) == {"ok": True}
    assert len(seen) == 2
    assert t.now >= 23.0  # the second try waited for Retry-After in the governor
    assert (client.stats.rate_limited, client.stats.retries) == (1, 1)
    assert [e.attempt for e in log.entries()] == [1, 2]
    assert log.entries()[1].waited_s >= 23.0


def test_429_forever_gives_up_with_a_clear_error() -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "1"}))
    client, _, _ = make_client(handler, max_rate_limited_retries=3)
    with pytest.raises(RateLimited) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert len(seen) == 4
    assert "Gave up after 4 tries" in caught.value.explanation


def test_5xx_get_is_retried_with_growing_capped_backoff() -> None:
    handler, seen = sequence(httpx.Response(503, text="busy"))
    client, _, t = make_client(handler, max_retries=5, backoff_base_s=1.0, backoff_cap_s=4.0)
    with pytest.raises(ServerError) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert len(seen) == 6
    assert "Gave up after 6 tries" in caught.value.explanation
    steps = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(t.slept) == 5
    for delay, step in zip(t.slept, steps, strict=True):
        assert step / 2 <= delay <= step


def test_5xx_then_success_returns_the_success() -> None:
    handler, _seen = sequence(httpx.Response(502), httpx.Response(500), httpx.Response(200, json=1))
    client, _, _ = make_client(handler)
    assert run(client, lambda c: c.get_json("/x")) == 1
    assert client.stats.retries == 2


def test_5xx_post_is_not_retried() -> None:
    handler, seen = sequence(httpx.Response(500))
    client, _, _ = make_client(handler)
    with pytest.raises(ServerError):
        run(client, lambda c: c.request("POST", "/x", json={"a": 1}))
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ApiError), (401, AuthError), (404, NotFound), (422, ValidationFailed)],
)
def test_other_4xx_is_never_retried(status: int, error: type[ApiError]) -> None:
    body = {
        "errors": [
            {"code": "BAD", "title": "Bad", "detail": "page_size too big", "field": "page_size"}
        ]
    }
    handler, seen = sequence(httpx.Response(status, json=body))
    client, _, _ = make_client(handler)
    with pytest.raises(error) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert len(seen) == 1
    assert caught.value.status == status
    assert "Gave up" not in caught.value.explanation


def test_validation_error_names_the_field() -> None:
    body = {
        "errors": [
            {"code": "INVALID", "title": "Invalid", "detail": "too big", "field": "page_size"}
        ]
    }
    handler, _ = sequence(httpx.Response(422, json=body))
    client, _, _ = make_client(handler)
    with pytest.raises(ValidationFailed) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert caught.value.field == "page_size"
    assert "page_size" in caught.value.explanation


def test_dropped_connection_is_retried_for_get() -> None:
    handler, seen = sequence(httpx.ReadError("connection reset"), httpx.Response(200, json=[]))
    client, log, _ = make_client(handler)
    assert run(client, lambda c: c.get_json("/x")) == []
    assert len(seen) == 2
    assert [e.status for e in log.entries()] == [None, 200]
    assert "ReadError" in (log.entries()[0].error or "")


def test_dropped_connection_on_post_is_not_retried() -> None:
    handler, seen = sequence(httpx.RemoteProtocolError("peer closed"), httpx.Response(200))
    client, _, _ = make_client(handler)
    with pytest.raises(NetworkError) as caught:
        run(client, lambda c: c.request("POST", "/x", json={}))
    assert len(seen) == 1
    assert "broke off" in caught.value.explanation


def test_refused_connection_is_retried_even_for_post() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"), httpx.Response(201, json={}))
    client, _, _ = make_client(handler)
    assert run(client, lambda c: c.request("POST", "/x", json={})).status_code == 201
    assert len(seen) == 2


def test_timeouts_become_request_timeout() -> None:
    handler, seen = sequence(httpx.ReadTimeout("slow"))
    client, _, _ = make_client(handler, max_retries=2)
    with pytest.raises(RequestTimeout) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert len(seen) == 3
    assert "api.example did not answer in time" in caught.value.explanation


def test_unreachable_host_is_a_network_error_naming_it() -> None:
    handler, _ = sequence(httpx.ConnectError("Name or service not known"))
    client, _, _ = make_client(handler, max_retries=0)
    with pytest.raises(NetworkError) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert not isinstance(caught.value, TlsError)
    assert "api.example could not be reached" in caught.value.explanation


def test_certificate_failure_is_a_tls_error() -> None:
    handler, _ = sequence(
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    )
    client, _, _ = make_client(handler, max_retries=0)
    with pytest.raises(TlsError) as caught:
        run(client, lambda c: c.request("GET", "/x"))
    assert "CA bundle" in caught.value.explanation


def test_non_json_body_is_a_clear_error() -> None:
    handler, _ = sequence(httpx.Response(200, text="<html>login</html>"))
    client, _, _ = make_client(handler)
    with pytest.raises(ApiError, match="not JSON") as caught:
        run(client, lambda c: c.get_json("/x"))
    assert "base URL" in caught.value.explanation


def test_large_json_is_parsed_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer.core import client as client_module

    rows = [{"id": str(i), "name": "x" * 100} for i in range(3000)]
    handler, _ = sequence(httpx.Response(200, json={"data": rows}))
    client, _, _ = make_client(handler)
    parsed_on: list[threading.Thread] = []
    real_loads = json.loads

    def loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        if len(text) > client_module._BIG_BODY:
            parsed_on.append(threading.current_thread())
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(client_module.jsonlib, "loads", loads)
    assert len(run(client, lambda c: c.get_json("/x"))["data"]) == 3000
    assert parsed_on, "the body was not larger than the threshold"
    assert all(t is not threading.main_thread() for t in parsed_on)


def test_addresses_outside_the_base_url_are_refused() -> None:
    client, _, _ = make_client(sequence(httpx.Response(200))[0])
    assert client.url_for(f"{BASE}/a?b=1") == f"{BASE}/a?b=1"
    with pytest.raises(ConfigError, match="not under"):
        client.url_for("https://evil.example/steal")
    asyncio.run(client.aclose())


def test_every_request_waits_for_the_governor() -> None:
    handler, _ = sequence(httpx.Response(200, json={}))
    t = FakeTime()
    log = RequestLog()
    client = ApiClient(
        BASE,
        governor=RateGovernor(3, 1.0, clock=t.clock, sleep=t.sleep, margin_s=0.0),
        request_log=log,
        transport=httpx.MockTransport(handler),
    )

    async def many(c: ApiClient) -> None:
        await asyncio.gather(*(c.request("GET", "/x") for _ in range(10)))

    run(client, many)
    assert client.stats.requests == 10
    assert t.now == 3.0  # 10 requests at 3 per second: the last starts after three seconds
    assert client.stats.waited_s > 0
    assert max(e.waited_s for e in log.entries()) >= 2.0  # (fake time moves while tasks start)


def test_jwt_login_and_401_replay_go_through_hooks_and_are_masked() -> None:
    from explorer.core.auth import JwtAuth

    password = "CANARY-pw-3e3e"
    issued: list[str] = []
    data_calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/Token":
            token = f"tok{len(issued)}-CANARY"
            issued.append(token)
            return httpx.Response(200, json={"token": token, "expiresIn": 1800})
        if request.url.path == "/v1/Token/Renew":
            return httpx.Response(401)
        data_calls["n"] += 1
        if data_calls["n"] == 1:
            return httpx.Response(401)  # the server forgot the first token
        return httpx.Response(200, json=[{"unitID": 1}])

    client, log, _ = make_client(handler, auth=JwtAuth(BASE, "jdoe", password))
    assert run(client, lambda c: c.get_json("/v1/Units")) == [{"unitID": 1}]
    paths = [httpx.URL(e.url).path for e in log.entries()]
    assert paths == ["/v1/Token", "/v1/Units", "/v1/Token/Renew", "/v1/Token", "/v1/Units"]
    assert client.stats.requests == 5
    everything = json.dumps([e.__dict__ for e in log.entries()]) + "".join(
        to_curl(e) for e in log.entries()
    )
    for secret in [password, *issued]:
        assert secret not in everything
    assert "$EXPLORER_PASSWORD" in to_curl(log.entries()[0])


def test_a_rate_limited_login_is_retried() -> None:
    from explorer.core.auth import JwtAuth

    answers = iter([httpx.Response(429, headers={"Retry-After": "2"})])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/Token":
            return next(answers, httpx.Response(200, json={"token": "t-1", "expiresIn": 60}))
        return httpx.Response(200, json=[])

    client, _, t = make_client(handler, auth=JwtAuth(BASE, "jdoe", "pw"))
    assert run(client, lambda c: c.get_json("/v1/Units")) == []
    assert client.stats.rate_limited == 1
    assert t.now >= 2.0


# ---------------------------------------------------------------- connect()
def _connect(profile: Profile, store: SessionSecretStore, **kwargs: Any) -> ApiClient:
    async def build() -> ApiClient:
        return await connect(profile, store, **kwargs)

    return asyncio.run(build())


def test_connect_builds_api_key_auth_from_the_store() -> None:
    store = SessionSecretStore()
    asyncio.run(store.set("SP", KEY))
    handler, seen = sequence(httpx.Response(200, json={}))
    profile = Profile("SP", BASE, AuthKind.API_KEY, rate_limit=7, rate_period_s=2.0)
    client = _connect(profile, store, transport=httpx.MockTransport(handler))
    run(client, lambda c: c.request("GET", "/x"))
    assert seen[0].headers["x-api-key"] == KEY
    assert (client.governor.limit, client.governor.period_s) == (7, 2.0)
    assert KEY not in repr(client)


def test_connect_without_a_stored_secret_says_what_to_do() -> None:
    profile = Profile("Scout", BASE, AuthKind.JWT, username="jdoe")
    with pytest.raises(AuthError, match="No password is stored") as caught:
        _connect(profile, SessionSecretStore())
    assert "profile settings" in caught.value.explanation


def test_connect_with_no_auth_needs_no_secret() -> None:
    client = _connect(Profile("open", BASE, AuthKind.NONE), SessionSecretStore())
    assert client.auth is None
    asyncio.run(client.aclose())


def test_connect_with_tls_off_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    client = _connect(Profile("lab", BASE, AuthKind.NONE, verify_tls=False), SessionSecretStore())
    asyncio.run(client.aclose())
    assert "verification is OFF" in caplog.text


def test_missing_ca_bundle_is_a_config_error(tmp_path: Path) -> None:
    profile = Profile("corp", BASE, AuthKind.NONE, ca_bundle=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="CA bundle"):
        _connect(profile, SessionSecretStore())


# ---------------------------------------------------------------- real TLS on loopback
@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield f"https://127.0.0.1:{server.server_address[1]}", cert


def test_untrusted_certificate_then_trusted_with_a_ca_bundle(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    store = SessionSecretStore()
    plain = _connect(Profile("tls", url, AuthKind.NONE), store)
    plain.max_retries = 0
    with pytest.raises(TlsError) as caught:
        run(plain, lambda c: c.get_json("/x"))
    assert "CA bundle" in caught.value.explanation

    trusted = _connect(Profile("tls", url, AuthKind.NONE, ca_bundle=str(cert)), store)
    assert run(trusted, lambda c: c.get_json("/x")) == {"ok": True}
