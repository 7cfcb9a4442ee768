"""The authentication schemes a profile can choose, with MockTransport: where each credential goes,
that it goes only to the API's origin, OAuth2 token caching and renewal, and what is never shown."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from explorer.core.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    OAuth2ClientCredentials,
    auth_for,
)
from explorer.core.client import ApiClient, connect
from explorer.core.errors import AuthError, ConfigError
from explorer.core.ratelimit import RateGovernor
from explorer.core.requestlog import RequestLog, to_curl
from explorer.core.secrets import Credentials, SessionSecretStore
from explorer.core.settings import (
    ApiKeySettings,
    AuthKind,
    OAuth2Settings,
    Profile,
    Settings,
    SettingsStore,
)

CANARY = "CANARY-secret-7f3a9b"
CLIENT_ID = "CANARY-client-2e41"
BASE = "https://api.example"
TOKEN_URL = "https://login.example/oauth/token"

Handler = Callable[[httpx.Request], httpx.Response]


def synchronous(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop (as the rest of the core tests do)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def client_for(auth: httpx.Auth, handler: Handler, log: RequestLog | None = None) -> ApiClient:
    return ApiClient(
        BASE,
        auth=auth,
        transport=httpx.MockTransport(handler),
        governor=RateGovernor(10_000, 1),
        request_log=log,
        max_retries=0,
    )


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": []})


async def sent_request(auth: httpx.Auth, path: str = "/v1/things") -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(request)

    async with client_for(auth, handler) as client:
        await client.request("GET", path)
    return seen[-1]


# ------------------------------------------------------------------ API key anywhere


@synchronous
async def test_scalepad_key_is_sent_as_lower_case_x_api_key_by_default() -> None:
    request = await sent_request(ApiKeyAuth(CANARY, origin=BASE))
    raw_names = [name for name, _ in request.headers.raw]
    assert b"x-api-key" in raw_names
    assert request.headers["x-api-key"] == CANARY


@synchronous
async def test_api_key_in_a_custom_header_with_a_prefix() -> None:
    placement = ApiKeySettings("header", "Authorization", "Token ")
    request = await sent_request(ApiKeyAuth(CANARY, placement, origin=BASE))
    assert request.headers["Authorization"] == f"Token {CANARY}"
    assert "x-api-key" not in request.headers


@synchronous
async def test_api_key_in_the_query_replaces_an_echoed_one() -> None:
    placement = ApiKeySettings("query", "api_key")
    request = await sent_request(
        ApiKeyAuth(CANARY, placement, origin=BASE), "/v1/things?api_key=old&page=2"
    )
    assert parse_qsl(request.url.query.decode()) == [("api_key", CANARY), ("page", "2")]


@synchronous
async def test_api_key_in_a_cookie() -> None:
    placement = ApiKeySettings("cookie", "session_key", "k:")
    request = await sent_request(ApiKeyAuth(CANARY, placement, origin=BASE))
    assert request.headers["Cookie"] == f"session_key=k:{CANARY}"


@synchronous
async def test_bearer_and_basic_headers() -> None:
    bearer = await sent_request(BearerAuth(CANARY, origin=BASE))
    assert bearer.headers["Authorization"] == f"Bearer {CANARY}"
    basic = await sent_request(BasicAuth("ACdeadbeef", CANARY, origin=BASE))
    expected = base64.b64encode(f"ACdeadbeef:{CANARY}".encode()).decode()
    assert basic.headers["Authorization"] == f"Basic {expected}"


@pytest.mark.parametrize(
    "auth",
    [
        ApiKeyAuth(CANARY, origin=BASE),
        ApiKeyAuth(CANARY, ApiKeySettings("query", "key"), origin=BASE),
        ApiKeyAuth(CANARY, ApiKeySettings("cookie", "sid"), origin=BASE),
        BearerAuth(CANARY, origin=BASE),
        BasicAuth("user", CANARY, origin=BASE),
    ],
    ids=["header", "query", "cookie", "bearer", "basic"],
)
@synchronous
async def test_a_credential_never_goes_to_another_origin(auth: httpx.Auth) -> None:
    for other in ("https://evil.example/v1", "http://api.example/v1", "https://api.example:8443/"):
        request = httpx.Request("GET", other)
        flow = auth.sync_auth_flow(request)
        sent = next(flow)
        assert CANARY not in str(sent.url)
        assert all(CANARY not in v and "Basic" not in v for _, v in sent.headers.items())
    assert CANARY not in repr(auth)
    assert CANARY not in str(auth)


# ------------------------------------------------------------------ OAuth2 client credentials


class TokenServer:
    """An RFC 6749 section 4.4 token endpoint and an API that wants its tokens."""

    def __init__(self, *, expires_in: int = 60, client_auth: str = "basic") -> None:
        self.expires_in = expires_in
        self.client_auth = client_auth
        self.issued: list[str] = []
        self.token_requests: list[httpx.Request] = []
        self.revoked: set[str] = set()
        self.api_seen: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return self.token(request)
        auth = request.headers.get("Authorization", "")
        self.api_seen.append(auth or None)
        token = auth.removeprefix("Bearer ")
        if token not in self.issued or token in self.revoked:
            return httpx.Response(401, json={"error": "invalid_token"})
        return httpx.Response(200, json={"data": [{"id": 1}]})

    def token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        form = dict(parse_qsl(request.content.decode()))
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        if self.client_auth == "basic":
            expected = base64.b64encode(f"{CLIENT_ID}:{CANARY}".encode()).decode()
            good = request.headers.get("Authorization") == f"Basic {expected}"
        else:
            good = form.get("client_id") == CLIENT_ID and form.get("client_secret") == CANARY
        if not good:
            return httpx.Response(401, json={"error": "invalid_client"})
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        return httpx.Response(
            200,
            json={"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in},
        )


def oauth2(
    clock: Clock, client_auth: str = "basic", secret: str = CANARY
) -> OAuth2ClientCredentials:
    settings = OAuth2Settings(TOKEN_URL, ("read", "export"), client_auth)
    return OAuth2ClientCredentials(CLIENT_ID, secret, settings, origin=BASE, clock=clock)


@synchronous
async def test_oauth2_sends_the_client_secret_as_basic_and_caches_the_token() -> None:
    server, clock = TokenServer(), Clock()
    auth = oauth2(clock)
    async with client_for(auth, server) as client:
        for _ in range(3):
            await client.request("GET", "/v1/things")
    assert len(server.token_requests) == 1
    form = dict(parse_qsl(server.token_requests[0].content.decode()))
    assert form == {"grant_type": "client_credentials", "scope": "read export"}
    assert server.api_seen == ["Bearer tok-1"] * 3


@synchronous
async def test_oauth2_client_secret_post_puts_it_in_the_body_only() -> None:
    server, clock = TokenServer(client_auth="post"), Clock()
    async with client_for(oauth2(clock, "post"), server) as client:
        await client.request("GET", "/v1/things")
    request = server.token_requests[0]
    assert "Authorization" not in request.headers
    assert dict(parse_qsl(request.content.decode()))["client_secret"] == CANARY


@synchronous
async def test_oauth2_fetches_a_new_token_before_expires_in_runs_out() -> None:
    server, clock = TokenServer(expires_in=100), Clock()
    async with client_for(oauth2(clock), server) as client:
        await client.request("GET", "/v1/things")
        clock.now += 79  # before 80 % of the token's life: the cached one
        await client.request("GET", "/v1/things")
        clock.now += 2  # past 80 %: a new one, before the old one expires
        await client.request("GET", "/v1/things")
    assert server.api_seen == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


@synchronous
async def test_oauth2_a_401_fetches_one_new_token_and_replays_once() -> None:
    server, clock = TokenServer(expires_in=3600), Clock()
    async with client_for(oauth2(clock), server) as client:
        await client.request("GET", "/v1/things")
        server.revoked.add("tok-1")  # the server forgot the token early
        await client.request("GET", "/v1/things")
    assert server.api_seen == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert len(server.token_requests) == 2


@synchronous
async def test_oauth2_a_token_the_api_keeps_refusing_is_one_clear_error() -> None:
    server, clock = TokenServer(), Clock()

    def refusing(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return server.token(request)
        return httpx.Response(401, json={"error": "nope"})

    async with client_for(oauth2(clock), refusing) as client:
        with pytest.raises(AuthError) as caught:
            await client.request("GET", "/v1/things")
    assert len(server.token_requests) == 2  # the first token, and exactly one more
    assert "OAuth2" in caught.value.explanation
    assert "ScalePad" not in caught.value.explanation


@synchronous
async def test_oauth2_wrong_client_secret_names_the_scheme_and_hides_the_secret() -> None:
    server, clock = TokenServer(), Clock()
    log = RequestLog()
    async with client_for(oauth2(clock, secret="CANARY-wrong-1234"), server, log) as client:
        with pytest.raises(AuthError) as caught:
            await client.request("GET", "/v1/things")
    assert "OAuth2 client credentials" in caught.value.explanation
    assert "ScalePad" not in caught.value.explanation
    assert server.api_seen == []  # the API never saw a request without a token
    text = repr(caught.value) + str(caught.value) + caught.value.explanation
    text += json.dumps([e.__dict__ for e in log.entries()], default=str)
    assert "CANARY" not in text


@synchronous
async def test_oauth2_token_url_never_gets_api_requests_and_api_never_gets_the_client_secret() -> (
    None
):
    server, clock = TokenServer(), Clock()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return server(request)

    async with client_for(oauth2(clock), handler) as client:
        await client.request("GET", "/v1/things")
    api = [r for r in seen if r.url.host == "api.example"]
    basic = base64.b64encode(f"{CLIENT_ID}:{CANARY}".encode()).decode()
    for request in api:
        dump = str(request.url) + repr(request.headers.raw) + request.content.decode()
        assert CANARY not in dump
        assert CLIENT_ID not in dump
        assert basic not in dump


# ------------------------------------------------------------------ the request log and cURL


@synchronous
async def test_copied_curl_uses_the_variables_of_each_scheme() -> None:
    cases: list[tuple[httpx.Auth, str]] = [
        (ApiKeyAuth(CANARY, origin=BASE), '-H "x-api-key: $EXPLORER_API_KEY"'),
        (
            ApiKeyAuth(CANARY, ApiKeySettings("header", "Authorization", "Token "), origin=BASE),
            '-H "Authorization: Token $EXPLORER_API_KEY"',
        ),
        (
            ApiKeyAuth(CANARY, ApiKeySettings("query", "api_key"), origin=BASE),
            '"https://api.example/v1/things?api_key=$EXPLORER_API_KEY"',
        ),
        (
            ApiKeyAuth(CANARY, ApiKeySettings("cookie", "sid"), origin=BASE),
            '-H "Cookie: sid=$EXPLORER_API_KEY"',
        ),
        (BearerAuth(CANARY, origin=BASE), '-H "Authorization: Bearer $EXPLORER_TOKEN"'),
        (BasicAuth("user-x", CANARY, origin=BASE), '-u "$EXPLORER_USERNAME:$EXPLORER_PASSWORD"'),
    ]
    for auth, expected in cases:
        log = RequestLog()
        async with client_for(auth, ok, log) as client:
            await client.request("GET", "/v1/things")
        entry = log.entries()[-1]
        curl = to_curl(entry)
        assert expected in curl, curl
        assert CANARY not in curl
        assert CANARY not in entry.url
        assert "user-x" not in curl
        assert CANARY not in json.dumps(entry.__dict__, default=str)


@synchronous
async def test_copied_curl_of_an_oauth2_token_request() -> None:
    server, clock = TokenServer(client_auth="post"), Clock()
    log = RequestLog()
    async with client_for(oauth2(clock, "post"), server, log) as client:
        await client.request("GET", "/v1/things")
    token_entry, api_entry = log.entries()
    token_curl = to_curl(token_entry)
    assert "client_secret=$EXPLORER_CLIENT_SECRET" in token_curl
    assert "client_id=$EXPLORER_CLIENT_ID" in token_curl
    assert '-H "Authorization: Bearer $EXPLORER_TOKEN"' in to_curl(api_entry)
    dump = json.dumps([e.__dict__ for e in log.entries()], default=str)
    assert CANARY not in dump
    assert CLIENT_ID not in dump
    assert "tok-1" not in dump


# ------------------------------------------------------------------ profiles and secrets


def test_credentials_keep_old_single_string_entries_and_hide_their_values() -> None:
    assert Credentials.decode("plain-old-key") == Credentials("plain-old-key")
    assert Credentials("only").encode() == "only"
    both = Credentials(CANARY, CLIENT_ID)
    assert Credentials.decode(both.encode()) == both
    assert CANARY not in repr(both)
    assert CLIENT_ID not in str(both)
    assert Credentials.decode('{"not": "ours"}') == Credentials('{"not": "ours"}')


def test_old_settings_load_as_the_x_api_key_preset(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "settings.json"
    path.write_text(
        json.dumps(
            {
                "version": 2,
                "profiles": [
                    {"name": "sp", "base_url": BASE, "auth_kind": "api_key"},
                    {"name": "sc", "base_url": BASE, "auth_kind": "jwt", "username": "u"},
                    {"name": "no", "base_url": BASE, "auth_kind": "none"},
                ],
            }
        )
    )
    settings = SettingsStore(path).load()
    sp, sc, no = settings.profiles
    assert sp.auth_kind is AuthKind.API_KEY
    assert sp.key_placement == ApiKeySettings()
    assert sc.auth_kind is AuthKind.JWT
    assert sc.username == "u"
    assert no.auth_kind is AuthKind.NONE


def test_scheme_settings_round_trip_through_the_file_without_secrets(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "settings.json"
    profiles = [
        Profile("k", BASE, AuthKind.API_KEY, key_placement=ApiKeySettings("query", "apikey")),
        Profile("o", BASE, AuthKind.OAUTH2, oauth2=OAuth2Settings(TOKEN_URL, ("a", "b"), "post")),
        Profile("b", BASE, AuthKind.BASIC, scheme_name="basicAuth"),
        Profile("t", BASE, AuthKind.BEARER),
    ]
    SettingsStore(path).save(Settings(profiles=list(profiles)))
    assert SettingsStore(path).load().profiles == profiles


def test_an_oauth2_profile_needs_a_token_url() -> None:
    with pytest.raises(ConfigError, match="token URL"):
        Profile("o", BASE, AuthKind.OAUTH2)


@pytest.mark.parametrize(
    ("kind", "stored", "missing"),
    [
        (AuthKind.BEARER, None, "No token is stored"),
        (AuthKind.BASIC, "just-a-password", "No username and password is stored"),
        (AuthKind.OAUTH2, None, "No client id and client secret"),
    ],
)
@synchronous
async def test_connect_says_which_credential_is_missing(
    kind: AuthKind, stored: str | None, missing: str
) -> None:
    store = SessionSecretStore()
    if stored:
        await store.set("p", stored)
    profile = Profile("p", BASE, kind, oauth2=OAuth2Settings(TOKEN_URL))
    if kind is AuthKind.OAUTH2:
        await store.set("p", Credentials("secret-only").encode())
    with pytest.raises(AuthError) as caught:
        await connect(profile, store)
    assert missing in caught.value.explanation


@synchronous
async def test_connect_builds_each_scheme_from_the_stored_credentials() -> None:
    store = SessionSecretStore()
    await store.set("b", Credentials(CANARY, "someone").encode())
    client = await connect(Profile("b", BASE, AuthKind.BASIC), store)
    assert isinstance(client.auth, BasicAuth)
    assert CANARY not in repr(client)
    await client.aclose()
    assert auth_for(AuthKind.NONE, BASE, "") is None
