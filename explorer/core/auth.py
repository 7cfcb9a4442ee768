"""Authentication as httpx.Auth: an API-key header, or a JWT login that renews itself.

JwtAuth logs in lazily, renews the token at `renew_at` (80 %) of its life, renews once and replays
a request that got a 401, and logs in again when a renewal fails. Login and renew requests are
yielded from the auth flow, so the client's event hooks see them like any other request: they wait
for the rate governor and appear (masked) in the request log. One lock makes the refresh
single-flight: fifty requests that find the token stale cause one renewal, not fifty.

Neither class ever puts a password or token into its repr, str, a log line or an error message.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import UTC, datetime
from typing import Any

import httpx

from explorer.core.errors import AuthError, ConfigError, ExplorerError, error_from_response
from explorer.core.ratelimit import LoopLock
from explorer.core.settings import JwtSettings

API_KEY_HEADER = "x-api-key"  # exactly this spelling: ScalePad's gateway rejects other casings


class ApiKeyAuth(httpx.Auth):
    """Sends the key in `x-api-key` (lower case, as the gateway demands)."""

    def __init__(self, api_key: str) -> None:
        if not api_key or not api_key.strip():
            raise ConfigError(
                "The API key is empty.", explanation="Enter the API key in the profile settings."
            )
        self._api_key = api_key.strip()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[API_KEY_HEADER] = self._api_key
        yield request

    def sensitive_values(self) -> tuple[str, ...]:
        """Strings the request log must never show."""
        return (self._api_key,)

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=<hidden>)"

    __str__ = __repr__


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (base64url JSON), without checking the signature; {} if unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


class JwtAuth(httpx.Auth):
    """Username/password login to a token endpoint, Bearer token, renewal and re-login."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        settings: JwtSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not username:
            raise ConfigError(
                "The JWT login has no username.", explanation="Enter the username in the profile."
            )
        if not password:
            raise ConfigError(
                "The JWT login has no password.", explanation="Enter the password in the profile."
            )
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.settings = settings or JwtSettings.scout()
        self._clock = clock
        self._wall_clock = wall_clock
        self._token: str | None = None
        self._renew_due = 0.0
        self._expires_at = 0.0
        self._lifetime_s = 0.0
        self._lock = LoopLock()  # one refresh at a time (single-flight)
        self.logins = 0  # login requests sent
        self.renewals = 0  # renew requests sent

    # ------------------------------------------------------------ public state
    @property
    def has_token(self) -> bool:
        return self._token is not None

    def token_remaining_s(self) -> float | None:
        """Seconds until the current token expires (for the window), None without a token."""
        if self._token is None:
            return None
        return max(0.0, self._expires_at - self._clock())

    def sensitive_values(self) -> tuple[str, ...]:
        return tuple(v for v in (self._password, self._token) if v)

    def __repr__(self) -> str:
        state = "none" if self._token is None else f"{self.token_remaining_s():.0f}s left"
        return f"JwtAuth(username={self.username!r}, password=<hidden>, token=<{state}>)"

    __str__ = __repr__

    # ------------------------------------------------------------ the flow
    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._refresh_due():
            async with self._lock.get():
                if self._refresh_due():  # someone else may have refreshed while we waited
                    steps = self._refresh_steps()
                    step = await anext(steps, None)
                    while step is not None:
                        reply = yield step
                        step = await _asend(steps, reply)
        sent_with = self._apply(request)
        response = yield request
        if response.status_code != 401:
            return
        async with self._lock.get():
            if self._token == sent_with:  # nobody has replaced the rejected token yet
                steps = self._refresh_steps()
                step = await anext(steps, None)
                while step is not None:
                    reply = yield step
                    step = await _asend(steps, reply)
        self._apply(request)
        yield request  # the one replay; a second 401 goes back to the caller as AuthError

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("JwtAuth works with httpx.AsyncClient only")

    async def _refresh_steps(self) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Renew if the token is still alive and renewal is configured, else (or then) log in."""
        if self._token is not None and self.settings.renew_path and not self._expired():
            self.renewals += 1
            reply = yield self._renew_request(self._token)
            await reply.aread()
            if reply.is_success and self._accept(reply, strict=False):
                return
        self._token = None
        self.logins += 1
        reply = yield self._login_request()
        await reply.aread()
        if not reply.is_success:
            raise self._login_error(reply)
        self._accept(reply, strict=True)

    # ------------------------------------------------------------ token bookkeeping
    def _refresh_due(self) -> bool:
        return self._token is None or self._clock() >= self._renew_due

    def _expired(self) -> bool:
        # A token in its very last moments could expire on the way: log in instead of renewing.
        margin = min(1.0, 0.1 * self._lifetime_s)
        return self._clock() >= self._expires_at - margin

    def _apply(self, request: httpx.Request) -> str | None:
        token = self._token
        if token is not None:
            request.headers[self.settings.header_name] = f"{self.settings.header_prefix}{token}"
        return token

    def _accept(self, reply: httpx.Response, *, strict: bool) -> bool:
        """Take the token and its lifetime from a login/renew response."""
        body = _json_or_text(reply)
        token = _dig(body, self.settings.token_field) if self.settings.token_field else body
        if isinstance(token, str):
            token = token.strip().strip('"')
        if not isinstance(token, str) or not token:
            if not strict:
                return False
            where = self.settings.token_field or "the whole body"
            raise ConfigError(
                f"The login succeeded but its response has no token at {where!r}.",
                explanation=(
                    "Set the token field of the profile's login settings to where the response "
                    "keeps the token (for example 'token', 'access_token' or 'data.token')."
                ),
            )
        lifetime = self._lifetime(body, token)
        now = self._clock()
        self._token = token
        self._renew_due = now + lifetime * self.settings.renew_at
        self._expires_at = now + lifetime
        self._lifetime_s = lifetime
        return True

    def _lifetime(self, body: Any, token: str) -> float:
        """Seconds the token lives: the relative field, else an absolute expiry, else the JWT.

        An absolute expiry (the response's or the JWT's `exp`) that is sooner than the relative
        one wins: servers round `exp` down to whole seconds, which matters for short lifetimes.
        Absolute times already in the past are ignored: they mean our clock disagrees with the
        server's, and trusting them would renew on every request.
        """
        s = self.settings
        relative = _number(_dig(body, s.expires_in_field)) if s.expires_in_field else None
        absolute: list[float] = []
        if s.expiration_field:
            when = _timestamp(_dig(body, s.expiration_field))
            if when is not None:
                absolute.append(when - self._wall_clock())
        exp = _number(jwt_claims(token).get("exp"))
        if exp is not None:
            absolute.append(exp - self._wall_clock())
        absolute = [a for a in absolute if a > 0]
        if relative is not None and relative > 0:
            seconds = min([relative, *absolute])
        elif absolute:
            seconds = min(absolute)
        else:
            seconds = s.default_lifetime_s
        return max(1.0, seconds)

    # ------------------------------------------------------------ requests and errors
    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _login_request(self) -> httpx.Request:
        s = self.settings
        fields: dict[str, str] = dict(s.extra_login_fields)
        fields[s.username_field] = self.username
        fields[s.password_field] = self._password
        url = self._url(s.login_path)
        if s.body_encoding == "form":
            return httpx.Request("POST", url, data=fields)
        return httpx.Request("POST", url, json=fields)

    def _renew_request(self, token: str) -> httpx.Request:
        s = self.settings
        assert s.renew_path is not None
        url = self._url(s.renew_path)
        if s.renew_token_field:
            return httpx.Request("POST", url, json={s.renew_token_field: token})
        return httpx.Request("POST", url, headers={s.header_name: f"{s.header_prefix}{token}"})

    def _login_error(self, reply: httpx.Response) -> ExplorerError:
        error = error_from_response(reply, self.sensitive_values())
        path = self.settings.login_path
        if reply.status_code in (400, 401):
            return AuthError(
                reply.status_code,
                f"The login at {path} was refused ({reply.status_code}).",
                items=error.items,
                method="POST",
                url=self._url(path),
                explanation=(
                    f"The login at {path} rejected the username or password: check them in the "
                    "profile (this is the API user's login, which may differ from a portal login)."
                ),
            )
        if reply.status_code == 403:
            return AuthError(
                403,
                f"The login at {path} was refused (403).",
                method="POST",
                url=self._url(path),
                explanation=(
                    "The user exists but has no API permission: ask an administrator to grant it."
                ),
            )
        return error


async def _asend(
    steps: AsyncGenerator[httpx.Request, httpx.Response], reply: httpx.Response
) -> httpx.Request | None:
    try:
        return await steps.asend(reply)
    except StopAsyncIteration:
        return None


def _json_or_text(reply: httpx.Response) -> Any:
    text = reply.text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _dig(body: Any, dotted: str) -> Any:
    value = body
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _timestamp(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 string (no offset = UTC) or from a number."""
    number = _number(value)
    if number is not None:
        return number / 1000.0 if number > 1e11 else number  # milliseconds since the epoch
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
