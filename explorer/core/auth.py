"""Authentication as httpx.Auth, one class per scheme a profile can choose.

- ApiKeyAuth: a key in a header, query parameter or cookie of any name, with an optional prefix;
- BearerAuth: a static token; BasicAuth: HTTP basic;
- OAuth2ClientCredentials: RFC 6749 section 4.4, the token cached, fetched again before
  `expires_in` runs out and once on a 401;
- JwtAuth: a username/password login that renews itself (Scout).

Every scheme adds its credential only to requests for the API's own origin (scheme, host and
port of the base URL): a redirect or a `next` link to another host never carries it. The OAuth2
client secret goes only to the token URL.

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

from explorer.core.catalog import SecurityScheme
from explorer.core.errors import AuthError, ConfigError, ExplorerError, error_from_response
from explorer.core.flatten import value_at
from explorer.core.ratelimit import LoopLock
from explorer.core.settings import ApiKeySettings, AuthKind, JwtSettings, OAuth2Settings

API_KEY_HEADER = "x-api-key"  # exactly this spelling: ScalePad's gateway rejects other casings

Origin = tuple[str, str, int | None]


def origin_of(url: str | httpx.URL) -> Origin:
    parsed = httpx.URL(str(url))
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host.lower(), port


def _required(value: str | None, what: str) -> str:
    if not value or not value.strip():
        raise ConfigError(
            f"The {what} is empty.", explanation=f"Enter the {what} in the profile settings."
        )
    return value.strip()


class SchemeAuth(httpx.Auth):
    """A scheme that sends a credential to one origin only; `label` names it in messages."""

    label = "authentication"
    secret_words = "credentials"  # what the user checks: "API key", "token", ...
    rejected_note = ""  # a vendor's advice added to the 401 explanation (ScalePad's admin rights)
    #: What a copied cURL writes where the secret went, with $EXPLORER_* shell variables, keyed
    #: "header:<lower-case name>", "query:<name>" or "basic" (the value for `curl -u`).
    curl_variables: dict[str, str]

    def __init__(self, origin: str | httpx.URL | None) -> None:
        self._origin = origin_of(origin) if origin is not None else None
        self.curl_variables = {}

    def is_own_origin(self, request: httpx.Request) -> bool:
        return self._origin is None or origin_of(request.url) == self._origin

    def curl_templates(self, request: httpx.Request) -> dict[str, str]:
        """The `curl_variables` that apply to this request (none off the API's origin)."""
        return self.curl_variables if self.is_own_origin(request) else {}

    def sensitive_values(self) -> tuple[str, ...]:
        """Strings the request log must never show."""
        return ()

    def rejected_explanation(self) -> str:
        """What a 401 means for this scheme, in words naming it."""
        advice = f" {self.rejected_note}" if self.rejected_note else ""
        return (
            f"The API rejected the credentials ({self.label}, 401): check the {self.secret_words} "
            f"in the profile (Edit profile), or for explorer-cli in its environment variables.{advice}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<hidden>)"

    __str__ = __repr__


class ApiKeyAuth(SchemeAuth):
    """Sends the key where the profile says: ScalePad's `x-api-key` header (lower case, as the
    gateway demands) by default, or any header, query parameter or cookie, with a prefix."""

    def __init__(
        self,
        api_key: str,
        placement: ApiKeySettings | None = None,
        *,
        origin: str | httpx.URL | None = None,
    ) -> None:
        super().__init__(origin)
        self._api_key = _required(api_key, "API key")
        self.placement = placement or ApiKeySettings()
        where = self.placement.location
        self.label = f"API key in the {where} {self.placement.name!r}"
        self.secret_words = "API key"
        name, prefix = self.placement.name, self.placement.prefix
        self.query_names = (name,) if where == "query" else ()
        self.curl_variables = {
            "header": {f"header:{name.lower()}": f"{prefix}$EXPLORER_API_KEY"},
            "query": {f"query:{name}": f"{prefix}$EXPLORER_API_KEY"},
            "cookie": {"header:cookie": f"{name}={prefix}$EXPLORER_API_KEY"},
        }[where]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.is_own_origin(request):
            value = f"{self.placement.prefix}{self._api_key}"
            name = self.placement.name
            if self.placement.location == "query":
                request.url = request.url.copy_set_param(name, value)
            elif self.placement.location == "cookie":
                cookie = request.headers.get("Cookie")
                pair = f"{name}={value}"
                request.headers["Cookie"] = f"{cookie}; {pair}" if cookie else pair
            else:
                request.headers[name] = value
        yield request

    def sensitive_values(self) -> tuple[str, ...]:
        return (self._api_key,)


class BearerAuth(SchemeAuth):
    """A static token in `Authorization: Bearer <token>`."""

    label = "bearer token"
    secret_words = "token"

    def __init__(self, token: str, *, origin: str | httpx.URL | None = None) -> None:
        super().__init__(origin)
        self._token = _required(token, "token")
        self.curl_variables = {"header:authorization": "Bearer $EXPLORER_TOKEN"}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.is_own_origin(request):
            request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def sensitive_values(self) -> tuple[str, ...]:
        return (self._token,)


def basic_header(username: str, password: str) -> str:
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class BasicAuth(SchemeAuth):
    """HTTP basic (RFC 7617): username and password on every request to the API."""

    label = "HTTP basic username and password"
    secret_words = "username and password"

    def __init__(
        self, username: str, password: str, *, origin: str | httpx.URL | None = None
    ) -> None:
        super().__init__(origin)
        self._username = _required(username, "username")
        self._password = _required(password, "password")
        self._header = basic_header(self._username, self._password)
        self.curl_variables = {"basic": "$EXPLORER_USERNAME:$EXPLORER_PASSWORD"}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.is_own_origin(request):
            request.headers["Authorization"] = self._header
        yield request

    def sensitive_values(self) -> tuple[str, ...]:
        return (self._username, self._password, self._header.split(" ", 1)[1])


class OAuth2ClientCredentials(SchemeAuth):
    """OAuth2 client credentials (RFC 6749 section 4.4): a token from the token URL, cached.

    The client id and secret go as HTTP basic to the token URL (the RFC's default), or in the
    form body when the settings say "post"; never to the API. The token is fetched lazily, again
    after `renew_at` of its `expires_in`, and once more when the API answers 401 (then the request
    is replayed once). One lock makes the fetch single-flight. Token requests are yielded from the
    flow, so they pass the client's rate governor and appear (masked) in the request log.
    """

    label = "OAuth2 client credentials"

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        settings: OAuth2Settings,
        *,
        origin: str | httpx.URL | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(origin)
        self._client_id = _required(client_id, "client id")
        self._client_secret = _required(client_secret, "client secret")
        self.settings = settings
        self.token_url = _required(settings.token_url, "token URL")
        self._clock = clock
        self._token: str | None = None
        self._renew_due = 0.0
        self._lock = LoopLock()
        self._client_auth = settings.client_auth
        self._tried_post = False
        self.fetches = 0  # token requests sent
        self.curl_variables = {"header:authorization": "Bearer $EXPLORER_TOKEN"}

    def curl_templates(self, request: httpx.Request) -> dict[str, str]:
        if str(request.url.copy_with(query=None)) == str(httpx.URL(self.token_url)):
            if "Authorization" in request.headers:
                return {"basic": "$EXPLORER_CLIENT_ID:$EXPLORER_CLIENT_SECRET"}
            return {}
        return super().curl_templates(request)

    def sensitive_values(self) -> tuple[str, ...]:
        basic = basic_header(self._client_id, self._client_secret).split(" ", 1)[1]
        return tuple(v for v in (self._client_secret, self._client_id, basic, self._token) if v)

    def rejected_explanation(self) -> str:
        return (
            f"The API rejected the OAuth2 access token (401) even after a new one was fetched "
            f"from {self.token_url}: check that the client may use this API and its scopes "
            f"({' '.join(self.settings.scopes) or 'none requested'})."
        )

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self.is_own_origin(request):
            yield request
            return
        if self._token is None or self._clock() >= self._renew_due:
            async with self._lock.get():
                if self._token is None or self._clock() >= self._renew_due:
                    steps = self._token_steps()
                    step = await anext(steps, None)
                    while step is not None:
                        step = await _asend(steps, (yield step))
        sent_with = self._apply(request)
        response = yield request
        if response.status_code != 401:
            return
        async with self._lock.get():
            if self._token == sent_with:  # nobody has fetched a fresh token yet
                steps = self._token_steps()
                step = await anext(steps, None)
                while step is not None:
                    step = await _asend(steps, (yield step))
        self._apply(request)
        yield request  # the one replay

    async def _token_steps(self) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Ask for a token; a token URL that refuses client_secret_basic is asked once more with
        the secret in the body (client_secret_post), which is then kept for this connection."""
        reply = yield self._token_request(self._client_auth)
        await reply.aread()
        if (
            self._client_auth == "basic"
            and reply.status_code in (400, 401)
            and not self._tried_post
        ):
            self._tried_post = True
            retry = yield self._token_request("post")
            await retry.aread()
            if retry.is_success:
                self._client_auth = "post"
                reply = retry
        self._accept(reply)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuth2ClientCredentials works with httpx.AsyncClient only")

    def _apply(self, request: httpx.Request) -> str | None:
        if self._token is not None:
            request.headers["Authorization"] = f"Bearer {self._token}"
        return self._token

    def _token_request(self, client_auth: str) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self.settings.scopes:
            form["scope"] = " ".join(self.settings.scopes)
        headers = {"Accept": "application/json"}
        if client_auth == "post":
            form["client_id"] = self._client_id
            form["client_secret"] = self._client_secret
        else:
            headers["Authorization"] = basic_header(self._client_id, self._client_secret)
        self.fetches += 1
        return httpx.Request("POST", self.token_url, data=form, headers=headers)

    def _accept(self, reply: httpx.Response) -> None:
        if not reply.is_success:
            raise self._token_error(reply)
        body = _json_or_text(reply)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ConfigError(
                f"The token endpoint {self.token_url} answered without an access_token.",
                explanation=(
                    f"The OAuth2 token URL {self.token_url} answered {reply.status_code} but "
                    "with no access_token: check the profile's token URL."
                ),
            )
        lifetime = _number(body.get("expires_in")) if isinstance(body, dict) else None
        lifetime = lifetime if lifetime and lifetime > 0 else 3600.0  # RFC: expires_in optional
        self._token = token
        self._renew_due = self._clock() + max(1.0, lifetime) * self.settings.renew_at

    def _token_error(self, reply: httpx.Response) -> ExplorerError:
        error = error_from_response(reply, self.sensitive_values())
        body = _json_or_text(reply)
        code = body.get("error") if isinstance(body, dict) else None
        if reply.status_code in (400, 401, 403):
            said = f" ({code})" if isinstance(code, str) and code.isprintable() else ""
            return AuthError(
                401,
                f"The OAuth2 token URL refused the client credentials ({reply.status_code}).",
                method="POST",
                url=self.token_url,
                explanation=(
                    f"OAuth2 client credentials: the token URL {self.token_url} refused the "
                    f"client id or client secret{said}; check them in the profile, or "
                    "EXPLORER_CLIENT_ID and EXPLORER_CLIENT_SECRET."
                ),
            )
        return error


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

    label = "username and password login (JWT)"

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

    def rejected_explanation(self) -> str:
        return (
            f"The API rejected the token from the login at {self.settings.login_path} (401) even "
            "after logging in again: check that this user may use the API."
        )

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
        token = value_at(body, self.settings.token_field) if self.settings.token_field else body
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
        relative = _number(value_at(body, s.expires_in_field)) if s.expires_in_field else None
        absolute: list[float] = []
        if s.expiration_field:
            when = _timestamp(value_at(body, s.expiration_field))
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


# ------------------------------------------------------------------ from a profile
#: What each scheme's secret and identity are called, in the dialog and in messages.
SECRET_NAMES: dict[AuthKind, str] = {
    AuthKind.API_KEY: "API key",
    AuthKind.BEARER: "token",
    AuthKind.BASIC: "password",
    AuthKind.OAUTH2: "client secret",
    AuthKind.JWT: "password",
}
IDENTITY_NAMES: dict[AuthKind, str] = {
    AuthKind.BASIC: "username",
    AuthKind.OAUTH2: "client id",
    AuthKind.JWT: "username",
}
#: Schemes whose identity (username, client id) is kept with the secret in the secret store;
#: the JWT login keeps its username in the profile, as it always has.
STORED_IDENTITY = frozenset({AuthKind.BASIC, AuthKind.OAUTH2})


def scheme_label(kind: AuthKind) -> str:
    return {
        AuthKind.API_KEY: "API key",
        AuthKind.BEARER: "bearer token",
        AuthKind.BASIC: "HTTP basic username and password",
        AuthKind.OAUTH2: "OAuth2 client credentials",
        AuthKind.JWT: "username and password login (JWT)",
        AuthKind.NONE: "no authentication",
    }[kind]


def auth_for(
    kind: AuthKind,
    base_url: str,
    secret: str,
    *,
    identity: str | None = None,
    username: str | None = None,
    placement: ApiKeySettings | None = None,
    oauth2: OAuth2Settings | None = None,
    jwt: JwtSettings | None = None,
) -> httpx.Auth | None:
    """The httpx.Auth for a scheme, bound to the API's origin (`base_url`)."""
    if kind is AuthKind.NONE:
        return None
    if kind is AuthKind.API_KEY:
        return ApiKeyAuth(secret, placement, origin=base_url)
    if kind is AuthKind.BEARER:
        return BearerAuth(secret, origin=base_url)
    if kind is AuthKind.BASIC:
        return BasicAuth(identity or "", secret, origin=base_url)
    if kind is AuthKind.OAUTH2:
        return OAuth2ClientCredentials(
            identity or "", secret, oauth2 or OAuth2Settings(), origin=base_url
        )
    return JwtAuth(base_url, username or "", secret, jwt)


def scheme_settings(scheme: SecurityScheme) -> dict[str, Any]:
    """The Profile fields that make a profile use a document's security scheme."""
    if not scheme.kind:
        raise ConfigError(
            f"The security scheme {scheme.name!r} cannot be used.",
            explanation=scheme.note or f"explorer cannot use the scheme {scheme.name!r}.",
        )
    changes: dict[str, Any] = {"auth_kind": AuthKind(scheme.kind), "scheme_name": scheme.name}
    if scheme.kind == AuthKind.API_KEY:
        changes["key_placement"] = ApiKeySettings(scheme.location, scheme.param_name)
    elif scheme.kind == AuthKind.OAUTH2:
        changes["oauth2"] = OAuth2Settings(scheme.token_url, scheme.scopes)
    return changes
