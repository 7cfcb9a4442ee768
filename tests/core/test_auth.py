"""API-key and JWT auth against an in-memory token server with a fake clock."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from explorer.core.auth import ApiKeyAuth, JwtAuth, jwt_claims
from explorer.core.errors import AuthError, ConfigError
from explorer.core.settings import JwtSettings

PASSWORD = "CANARY-pass-91c2"
BASE = "https://scout.example"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall += seconds


def make_jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


@dataclass
class TokenServer:
    """Scout-like: POST /v1/Token, POST /v1/Token/Renew, GET /v1/Units needing a live token."""

    clock: FakeClock
    ttl: float = 100.0
    body_style: str = "expiresIn"  # expiresIn | expiration | exp-claim
    logins: int = 0
    renewals: int = 0
    data_calls: int = 0
    renew_fails: bool = False
    login_status: int = 200
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (wall)
    issued: int = 0
    seen_login_bodies: list[bytes] = field(default_factory=list)

    def issue(self) -> dict[str, Any]:
        exp = self.clock.wall + self.ttl
        self.issued += 1
        token = make_jwt({"sub": "jdoe", "exp": int(exp), "n": self.issued})
        self.tokens[token] = exp
        if self.body_style == "expiresIn":
            return {"token": token, "expiresIn": self.ttl}
        if self.body_style == "expiration":
            from datetime import UTC, datetime

            stamp = datetime.fromtimestamp(exp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return {"token": token, "expiration": stamp}
        if self.body_style == "exp-claim":
            return {"token": token}
        return {"token": token}

    def valid(self, request: httpx.Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        expiry = self.tokens.get(token)
        return token if expiry is not None and self.clock.wall < expiry else None

    async def handle(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let concurrent requests interleave like a real server
        path = request.url.path
        if path == "/v1/Token":
            self.logins += 1
            self.seen_login_bodies.append(request.content)
            if self.login_status != 200:
                return httpx.Response(self.login_status, json={"title": "Unauthorized"})
            body = json.loads(request.content)
            if body != {"username": "jdoe", "password": PASSWORD}:
                return httpx.Response(401, json={"title": "Unauthorized"})
            return httpx.Response(200, json=self.issue())
        if path == "/v1/Token/Renew":
            self.renewals += 1
            if self.renew_fails or self.valid(request) is None:
                return httpx.Response(
                    401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            return httpx.Response(200, json=self.issue())
        self.data_calls += 1
        if self.valid(request) is None:
            return httpx.Response(401, headers={"WWW-Authenticate": "Bearer"})
        return httpx.Response(200, json=[{"unitID": 1}])


def run_with(
    server: TokenServer,
    auth: httpx.Auth,
    body: Callable[[httpx.AsyncClient], Awaitable[Any]],
) -> Any:
    async def scenario() -> Any:
        async with httpx.AsyncClient(
            base_url=BASE, transport=httpx.MockTransport(server.handle), auth=auth
        ) as client:
            return await body(client)

    return asyncio.run(scenario())


def jwt_auth(clock: FakeClock, **settings: Any) -> JwtAuth:
    return JwtAuth(
        BASE,
        "jdoe",
        PASSWORD,
        JwtSettings(**settings),
        clock=clock,
        wall_clock=clock.wall_clock,
    )


# ---------------------------------------------------------------- API key
def test_api_key_goes_in_exactly_lower_case_x_api_key() -> None:
    seen: list[list[tuple[bytes, bytes]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(list(request.headers.raw))
        return httpx.Response(200)

    async def scenario() -> None:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(handler), auth=ApiKeyAuth(" k-123 ")
        ) as client:
            await client.get("https://api.example/core/v1/clients")

    asyncio.run(scenario())
    names = [name for name, _ in seen[0]]
    assert (b"x-api-key", b"k-123") in seen[0]
    assert b"X-Api-Key" not in names
    assert b"authorization" not in [n.lower() for n in names]


def test_api_key_is_never_in_repr() -> None:
    auth = ApiKeyAuth(PASSWORD)
    assert PASSWORD not in repr(auth)
    assert PASSWORD not in str(auth)
    assert auth.sensitive_values() == (PASSWORD,)


def test_empty_api_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="empty"):
        ApiKeyAuth("  ")


# ---------------------------------------------------------------- JWT
def test_login_once_then_bearer_on_every_request() -> None:
    clock = FakeClock()
    server = TokenServer(clock)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> list[int]:
        return [(await client.get("/v1/Units")).status_code for _ in range(3)]

    assert run_with(server, auth, body) == [200, 200, 200]
    assert (server.logins, server.renewals, auth.logins) == (1, 0, 1)
    assert json.loads(server.seen_login_bodies[0]) == {"username": "jdoe", "password": PASSWORD}


def test_token_is_renewed_at_80_percent_of_its_life() -> None:
    clock = FakeClock()
    server = TokenServer(clock, ttl=100.0)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> None:
        await client.get("/v1/Units")
        clock.advance(79.0)
        await client.get("/v1/Units")
        assert server.renewals == 0
        clock.advance(2.0)  # now 81 % of the way
        await client.get("/v1/Units")
        assert server.renewals == 1
        clock.advance(81.0)  # 81 % of the renewed token
        await client.get("/v1/Units")

    run_with(server, auth, body)
    assert (server.logins, server.renewals) == (1, 2)
    assert server.data_calls == 4  # no request was rejected and replayed


def test_an_expired_token_means_a_new_login_not_a_renewal() -> None:
    clock = FakeClock()
    server = TokenServer(clock, ttl=100.0)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> int:
        await client.get("/v1/Units")
        clock.advance(500.0)
        return (await client.get("/v1/Units")).status_code

    assert run_with(server, auth, body) == 200
    assert (server.logins, server.renewals) == (2, 0)


def test_a_401_renews_once_and_replays() -> None:
    clock = FakeClock()
    server = TokenServer(clock)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> int:
        await client.get("/v1/Units")
        # the server forgets the token (restart, revocation) although it has not expired
        server.tokens.clear()
        server.renew_fails = False
        return (await client.get("/v1/Units")).status_code

    assert run_with(server, auth, body) == 200
    # the renewal was refused (the server no longer knows the token), so it logged in again
    assert (server.logins, server.renewals) == (2, 1)
    assert server.data_calls == 3


def test_a_401_with_a_renewable_token_uses_renew() -> None:
    clock = FakeClock()
    server = TokenServer(clock)
    auth = jwt_auth(clock)
    rejected = {"done": False}
    original = server.handle

    async def reject_first_data_call(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/Units" and server.logins and not rejected["done"]:
            rejected["done"] = True
            server.data_calls += 1
            return httpx.Response(401)
        return await original(request)

    server.handle = reject_first_data_call  # type: ignore[method-assign]

    async def body(client: httpx.AsyncClient) -> int:
        return (await client.get("/v1/Units")).status_code

    assert run_with(server, auth, body) == 200
    assert (server.logins, server.renewals, server.data_calls) == (1, 1, 2)


def test_a_second_401_is_returned_not_looped() -> None:
    clock = FakeClock()
    server = TokenServer(clock)
    auth = jwt_auth(clock)

    async def always_401(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/Units":
            server.data_calls += 1
            return httpx.Response(401)
        return await TokenServer.handle(server, request)

    server.handle = always_401  # type: ignore[method-assign]

    async def body(client: httpx.AsyncClient) -> int:
        return (await client.get("/v1/Units")).status_code

    assert run_with(server, auth, body) == 401
    assert server.data_calls == 2


def test_concurrent_requests_share_one_login_and_one_renewal() -> None:
    clock = FakeClock()
    server = TokenServer(clock, ttl=100.0)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> list[int]:
        first = await asyncio.gather(*(client.get("/v1/Units") for _ in range(40)))
        clock.advance(85.0)
        second = await asyncio.gather(*(client.get("/v1/Units") for _ in range(40)))
        return [r.status_code for r in first + second]

    assert set(run_with(server, auth, body)) == {200}
    assert (server.logins, server.renewals) == (1, 1)


def test_concurrent_401s_share_one_refresh() -> None:
    clock = FakeClock()
    server = TokenServer(clock, ttl=100.0)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> list[int]:
        await client.get("/v1/Units")
        server.tokens.clear()  # every in-flight request now gets a 401
        results = await asyncio.gather(*(client.get("/v1/Units") for _ in range(30)))
        return [r.status_code for r in results]

    assert set(run_with(server, auth, body)) == {200}
    assert server.logins == 2  # the first login, and one after the refused renewal
    assert server.renewals == 1


@pytest.mark.parametrize("style", ["expiresIn", "expiration", "exp-claim"])
def test_expiry_comes_from_the_response_or_the_jwt(style: str) -> None:
    clock = FakeClock()
    server = TokenServer(clock, ttl=600.0, body_style=style)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> None:
        await client.get("/v1/Units")

    run_with(server, auth, body)
    remaining = auth.token_remaining_s()
    assert remaining is not None
    assert 598.0 <= remaining <= 600.0


def test_without_any_expiry_the_default_lifetime_applies() -> None:
    clock = FakeClock()
    auth = jwt_auth(clock, default_lifetime_s=1800.0)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/Token":
            return httpx.Response(200, json={"token": "opaque-token"})
        return httpx.Response(200, json=[])

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
            await client.get(f"{BASE}/v1/Units")

    asyncio.run(scenario())
    assert auth.token_remaining_s() == 1800.0


def test_form_login_nested_token_field_and_custom_header() -> None:
    clock = FakeClock()
    auth = jwt_auth(
        clock,
        login_path="/oauth/token",
        body_encoding="form",
        extra_login_fields=(("grant_type", "password"),),
        token_field="data.access_token",
        expires_in_field="expires_in",
        renew_path=None,
        header_name="access_token",
        header_prefix="",
    )
    seen: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            seen["login"] = request.content.decode()
            return httpx.Response(200, json={"data": {"access_token": "tok-1"}, "expires_in": 60})
        seen["header"] = request.headers.get("access_token")
        return httpx.Response(200, json=[])

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
            await client.get(f"{BASE}/v1/Units")

    asyncio.run(scenario())
    assert "grant_type=password" in seen["login"]
    assert "username=jdoe" in seen["login"]
    assert seen["header"] == "tok-1"


def test_wrong_password_is_a_clear_auth_error() -> None:
    clock = FakeClock()
    server = TokenServer(clock, login_status=401)
    auth = jwt_auth(clock)

    async def body(client: httpx.AsyncClient) -> None:
        await client.get("/v1/Units")

    with pytest.raises(AuthError) as caught:
        run_with(server, auth, body)
    assert caught.value.status == 401
    assert "username or password" in caught.value.explanation
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in caught.value.explanation


def test_user_without_api_permission_is_told_so() -> None:
    clock = FakeClock()
    server = TokenServer(clock, login_status=403)
    with pytest.raises(AuthError, match="403") as caught:
        run_with(server, jwt_auth(clock), lambda client: client.get("/v1/Units"))
    assert "permission" in caught.value.explanation


def test_login_response_without_token_names_the_setting() -> None:
    clock = FakeClock()
    auth = jwt_auth(clock, token_field="jwt")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token": "x"})

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
            await client.get(f"{BASE}/v1/Units")

    with pytest.raises(ConfigError, match="'jwt'"):
        asyncio.run(scenario())


def test_passwords_and_tokens_never_in_repr() -> None:
    clock = FakeClock()
    server = TokenServer(clock)
    auth = jwt_auth(clock)
    run_with(server, auth, lambda client: client.get("/v1/Units"))
    token = next(iter(server.tokens))
    for text in (repr(auth), str(auth)):
        assert PASSWORD not in text
        assert token not in text
    assert set(auth.sensitive_values()) == {PASSWORD, token}


def test_jwt_claims_decodes_without_verifying() -> None:
    assert jwt_claims(make_jwt({"exp": 5, "sub": "a"})) == {"exp": 5, "sub": "a"}
    assert jwt_claims("not-a-jwt") == {}
    assert jwt_claims("a.!!!.c") == {}
