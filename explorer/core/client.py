"""ApiClient: one httpx.AsyncClient per profile connection, behind the rate governor, with retries.

Every request on the wire (including JWT logins, renewals and the replay after a 401) passes two
httpx event hooks: before sending it waits for the profile's rate governor; after the answer it
tells the governor the status (a 429 pauses everyone), reads the body and adds a masked entry to
the request log. On top of that, `request()` retries:

- 429: always, after the governor's pause (Retry-After), up to `max_rate_limited_retries` times;
- 5xx, timeouts and dropped connections: only for idempotent methods (a connection that could not
  even be opened is retried for any method, as nothing was sent), with exponential backoff, jitter
  and a cap, up to `max_retries` times;
- any other 4xx: never (JwtAuth itself renews once on a 401).

After the last try the error from the tree in errors.py is raised, saying how many tries were made.

Two limits hold against a server that misbehaves: each answer's body is read as a stream and
abandoned once its decoded size (after gzip) passes `max_response_bytes` (ResponseTooLarge, never
retried), and each request on the wire must be complete within `deadline_s` from the moment it
leaves the rate governor (httpx's timeout is per read, so a byte every 29 s would never end it);
a missed deadline is a RequestTimeout, retried like any timeout.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

import httpx

from explorer import __version__
from explorer.core.auth import (
    IDENTITY_NAMES,
    SECRET_NAMES,
    STORED_IDENTITY,
    SchemeAuth,
    auth_for,
    scheme_label,
)
from explorer.core.errors import (
    ApiError,
    AuthError,
    ConfigError,
    ExplorerError,
    NetworkError,
    RateLimited,
    RequestTimeout,
    ResponseTooLarge,
    ServerError,
    TlsError,
    error_from_response,
    parse_retry_after,
)
from explorer.core.ratelimit import RateGovernor
from explorer.core.requestlog import RequestLog, mask_body, mask_url, scrub
from explorer.core.secrets import Credentials
from explorer.core.settings import (
    DEFAULT_MAX_RESPONSE_MB,
    DEFAULT_REQUEST_TIMEOUT_S,
    AuthKind,
    Profile,
)

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_META = "explorer_meta"  # our bookkeeping in httpx.Request.extensions (transports ignore it)
_BIG_BODY = 256 * 1024  # JSON bodies above this are parsed in a worker thread
MB = 1024 * 1024
DEADLINE_CHECK_S = 0.25  # how often a request is checked against its deadline
_WATCH = "explorer_deadline"  # the request's _DeadlineWatch in httpx.Request.extensions


class _DeadlineWatch:
    """Cancels `task` once `seconds` have passed since `start()`, checking in short steps."""

    def __init__(self, task: asyncio.Task[Any], seconds: float) -> None:
        self._task = task
        self._seconds = seconds
        self._loop = task.get_loop()
        self._started: float | None = None
        self._handle: asyncio.Handle | None = None
        self.expired = False

    def start(self) -> None:
        self._started = self._loop.time()
        self._arm()

    def _arm(self) -> None:
        assert self._started is not None
        left = self._started + self._seconds - self._loop.time()
        self._handle = self._loop.call_later(max(0.0, min(DEADLINE_CHECK_S, left)), self._check)

    def _check(self) -> None:
        self._handle = None
        if self._started is None:
            return
        if self._loop.time() - self._started >= self._seconds:
            self.expired = True
            self._task.cancel()
        else:
            self._arm()

    def stop(self) -> None:
        self._started = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


@dataclass
class ClientStats:
    requests: int = 0  # requests sent on the wire (retries, logins and renewals included)
    retries: int = 0
    rate_limited: int = 0  # 429 answers seen
    waited_s: float = 0.0  # time spent waiting for the rate governor
    errors: int = 0  # requests that failed for good

    def as_dict(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "waited_s": self.waited_s,
            "errors": self.errors,
        }


class SecretSource(Protocol):
    async def get(self, profile_name: str) -> str | None: ...


def ssl_verify(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    """httpx's `verify` from a profile's TLS options: True, False, or a context with a CA bundle."""
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"The CA bundle {verify} could not be loaded: {exc}",
                explanation=(
                    "Check the CA bundle path in the profile's TLS options: it must be a "
                    "readable PEM file."
                ),
            ) from exc
    return verify


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS context for a profile's options (blocking: it reads certificate files)."""
    if isinstance(verify, str):
        context = ssl_verify(verify)
        assert isinstance(context, ssl.SSLContext)  # a CA bundle path always gives a context
        return context
    return httpx.create_ssl_context(verify=verify, trust_env=True)


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        governor: RateGovernor | None = None,
        request_log: RequestLog | None = None,
        verify: bool | str | ssl.SSLContext = True,
        timeout: float = 30.0,
        max_retries: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
        max_rate_limited_retries: int = 10,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_connections: int = 20,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_MB * MB,
        deadline_s: float | None = DEFAULT_REQUEST_TIMEOUT_S,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"The base URL {base_url!r} is not an http(s) address.",
                explanation="Set the profile's base URL, e.g. https://api.scalepad.com.",
            )
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.governor = governor if governor is not None else RateGovernor()
        self.request_log = request_log
        self.max_retries = max_retries
        self.max_rate_limited_retries = max_rate_limited_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.max_response_bytes = max_response_bytes
        self.deadline_s = deadline_s
        self.stats = ClientStats()
        self._sleep = sleep
        if deadline_s is not None:
            timeout = min(timeout, deadline_s)
        self._http = httpx.AsyncClient(
            auth=auth,
            verify=ssl_verify(verify),
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=30.0,
            ),
            transport=transport,
            trust_env=True,  # HTTPS_PROXY / NO_PROXY / SSL_CERT_FILE from the environment
            follow_redirects=False,  # a redirect to another host must not carry our headers
            headers={"Accept": "application/json", "User-Agent": f"explorer/{__version__}"},
            event_hooks={"request": [self._before_send], "response": [self._after_answer]},
        )

    # ------------------------------------------------------------ public API
    async def request(
        self,
        method: str,
        path: str,
        params: Params = None,
        json: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries; a response with status < 400, or an error from the tree."""
        method = method.upper()
        url = self.url_for(path)
        failures = 0
        limited = 0
        attempt = 0
        while True:
            attempt += 1
            request = self._http.build_request(
                method,
                url,
                params=params,  # type: ignore[arg-type]
                json=json,
                headers=headers,
                extensions={_META: {"attempt": attempt}},
            )
            try:
                response = await self._send_within_deadline(request, method, url)
            except httpx.HTTPError as exc:
                error: ExplorerError = self._map_exception(exc, method, url)
                retryable = isinstance(error, NetworkError) and (
                    method in IDEMPOTENT_METHODS or _never_sent(exc)
                )
            except (RateLimited, ServerError, RequestTimeout) as exc:  # also from a login
                error = exc
                retryable = isinstance(exc, RateLimited) or method in IDEMPOTENT_METHODS
            else:
                if response.status_code < 400:
                    return response
                error = error_from_response(response, self._secrets())
                if isinstance(error, AuthError) and response.status_code == 401:
                    error = self._rejected(error)
                retryable = isinstance(error, RateLimited) or (
                    isinstance(error, ServerError) and method in IDEMPOTENT_METHODS
                )
            if isinstance(error, RateLimited):
                limited += 1
                exhausted = limited > self.max_rate_limited_retries
            else:
                failures += 1
                exhausted = failures > self.max_retries
            if not retryable or exhausted:
                self.stats.errors += 1
                raise _final(error, attempt)
            self.stats.retries += 1
            if not isinstance(error, RateLimited):
                # 429s wait in the governor (everyone pauses until Retry-After); others back off.
                await self._sleep(self.backoff_delay(failures))
            log.info("Retrying %s %s (try %d): %s", method, path, attempt + 1, error.message)

    async def _send_within_deadline(
        self, request: httpx.Request, method: str, url: str
    ) -> httpx.Response:
        """Send; RequestTimeout when the answer is not complete `deadline_s` after it went out."""
        try:
            return await self._send_watched(request, method, url)
        finally:
            # Failed, timed out or cancelled without an answer: the request's place in the rate
            # window counts from now (an answer already placed it; then this does nothing).
            slot = request.extensions.get(_META, {}).get("slot")
            if slot is not None:
                self.governor.ended(slot)

    async def _send_watched(self, request: httpx.Request, method: str, url: str) -> httpx.Response:
        """Send, with the deadline watch armed when the client has a deadline.

        The clock starts when the request leaves the rate governor (`_before_send` starts the
        watch). The watch re-arms a short timer instead of setting one of the whole deadline:
        the window's event loop (qasync) keeps a timer, and everything its context holds, until
        it would have fired, which once kept every page's data alive for two minutes.
        """
        if self.deadline_s is None:
            return await self._http.send(request)
        task = asyncio.current_task()
        assert task is not None
        watch = _DeadlineWatch(task, self.deadline_s)
        request.extensions[_WATCH] = watch
        try:
            return await self._http.send(request)
        except asyncio.CancelledError:
            if not watch.expired:
                raise
            task.uncancel()  # our own cancel: the request timed out, the task goes on
        finally:
            watch.stop()
            request.extensions.pop(_WATCH, None)
        meta = request.extensions.get(_META, {})
        if "started" in meta and not meta.get("logged"):
            self._log(request, None, error=f"no complete answer in {self.deadline_s:g} s")
        host = httpx.URL(url).host
        raise RequestTimeout(
            f"{method} {url}: no complete answer within {self.deadline_s:g} s",
            explanation=f"{host} did not send a complete answer within "
            f"{self.deadline_s:g} s; try again, ask for smaller pages, or allow more time "
            "(--timeout, or the profile's request timeout).",
        )

    async def get_json(self, path: str, params: Params = None) -> Any:
        response = await self.request("GET", path, params=params)
        return await parse_json(response, self._secrets())

    def url_for(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if not (path == self.base_url or path.startswith(self.base_url + "/")):
                raise ConfigError(
                    f"{path} is not under the profile's base URL {self.base_url}.",
                    explanation="Only addresses of the connected API can be opened with this profile.",
                )
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def without_credentials(self, url: str) -> str:
        """The URL without the query parameter the profile's API key travels in (a next link
        that echoes it): the auth adds it again on the wire, and nothing keeps it meanwhile."""
        names = getattr(self.auth, "query_names", ())
        parsed = httpx.URL(url)
        if not names or not parsed.query:
            return url
        pairs = [(k, v) for k, v in parsed.params.multi_items() if k not in names]
        return str(parsed.copy_with(params=pairs))

    def backoff_delay(self, failures: int) -> float:
        """Exponential backoff with a cap and 'equal jitter' (between half and all of the step)."""
        step = min(self.backoff_cap_s, self.backoff_base_s * 2.0 ** (failures - 1))
        return step / 2 + random.random() * step / 2

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r}, auth={self.auth!r})"

    # ------------------------------------------------------------ event hooks
    async def _before_send(self, request: httpx.Request) -> None:
        meta = request.extensions.setdefault(_META, {"attempt": 1})
        slot = await self.governor.acquire_slot()
        meta["slot"] = slot
        meta["waited_s"] = slot.waited_s
        meta["time"] = time.time()
        meta["started"] = time.perf_counter()
        meta["logged"] = False
        meta.pop("answered", None)  # a request sent again after a login is timed afresh
        watch = request.extensions.get(_WATCH)
        if isinstance(watch, _DeadlineWatch):
            watch.start()  # the deadline counts from now, not while it waited for a slot
        self.stats.requests += 1
        self.stats.waited_s += meta["waited_s"]

    async def _after_answer(self, response: httpx.Response) -> None:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        meta = response.request.extensions.get(_META, {})
        meta["answered"] = time.perf_counter()  # the headers are in; the body is still to come
        self.governor.record_response(status, retry_after, slot=meta.get("slot"))
        if status == 429:
            self.stats.rate_limited += 1
        try:
            await read_capped(response, self.max_response_bytes)
        except httpx.HTTPError as exc:
            self._log(response.request, None, error=f"{type(exc).__name__}: {exc}")
            raise
        except ResponseTooLarge as exc:
            self._log(response.request, None, error=exc.message)
            raise
        self._log(response.request, response)

    def _log(
        self, request: httpx.Request, response: httpx.Response | None, error: str | None = None
    ) -> None:
        if self.request_log is None:
            return
        meta = request.extensions.get(_META, {})
        meta["logged"] = True
        started = meta.get("started")
        answered = meta.get("answered")
        self.request_log.record(
            request,
            response,
            error=error,
            started=meta.get("time"),
            duration_ms=(time.perf_counter() - started) * 1000 if started else 0.0,
            first_byte_ms=(answered - started) * 1000 if started and answered else None,
            attempt=meta.get("attempt", 1),
            waited_s=meta.get("waited_s", 0.0),
            secrets=self._secrets(),
            curl_templates=self._curl_templates(request),
        )

    def _curl_templates(self, request: httpx.Request) -> dict[str, str]:
        templates = getattr(self.auth, "curl_templates", None)
        return dict(templates(request)) if callable(templates) else {}

    def _rejected(self, error: AuthError) -> AuthError:
        """A 401 explained for the profile's scheme (never a ScalePad hint for another API)."""
        explain = getattr(self.auth, "rejected_explanation", None)
        if callable(explain):
            error.explanation = explain()
        elif self.auth is None:
            error.explanation = (
                "The API asks for credentials (401) but the profile has no authentication: "
                "choose the scheme the API uses in the profile (Edit profile)."
            )
        return error

    def secret_values(self) -> tuple[str, ...]:
        """The credentials this client sends (to keep them out of anything it writes)."""
        return self._secrets()

    def _secrets(self) -> tuple[str, ...]:
        values = getattr(self.auth, "sensitive_values", None)
        return tuple(values()) if callable(values) else ()

    # ------------------------------------------------------------ errors
    def _map_exception(self, exc: httpx.HTTPError, method: str, url: str) -> ExplorerError:
        try:
            request: httpx.Request | None = exc.request
        except RuntimeError:  # raised before a request existed
            request = None
        if request is not None:
            meta = request.extensions.get(_META, {})
            if "started" in meta and not meta.get("logged"):
                self._log(request, None, error=f"{type(exc).__name__}: {exc}")
        host = httpx.URL(url).host
        detail = scrub(str(exc) or type(exc).__name__, self._secrets())
        message = f"{method} {url}: {detail}"
        if isinstance(exc, httpx.TimeoutException):
            return RequestTimeout(
                message,
                explanation=f"{host} did not answer in time; try again, or ask for smaller pages.",
            )
        if isinstance(exc, httpx.ConnectError) and _is_tls_failure(exc):
            return TlsError(
                message,
                explanation=(
                    f"The certificate of {host} was not trusted ({detail}). Behind a corporate "
                    "proxy, set its CA bundle in the profile's TLS options."
                ),
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return ConfigError(message, explanation="Check the profile's base URL.")
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(
                message,
                explanation=(
                    f"{host} could not be reached ({detail}); check the base URL, your "
                    "connection or proxy settings (HTTPS_PROXY), and try again."
                ),
            )
        return NetworkError(
            message,
            explanation=(
                f"The connection to {host} broke off ({type(exc).__name__}); check your "
                "connection and try again."
            ),
        )


def _never_sent(exc: httpx.HTTPError) -> bool:
    """The request cannot have reached the server, so even a POST may be retried."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return True
        current = current.__cause__ or current.__context__
    text = str(exc)
    return "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text


def _final(error: ExplorerError, attempts: int) -> ExplorerError:
    if attempts > 1:
        error.explanation = f"{error.explanation} (Gave up after {attempts} tries.)"
    return error


async def read_capped(response: httpx.Response, limit: int | None) -> bytes:
    """Read the body, decoded, as a stream; ResponseTooLarge as soon as it passes `limit` bytes.

    Counting decoded chunks stops a gzip bomb (1 MB on the wire, 1 GB unpacked) at the limit
    instead of after it has filled the memory.
    """
    if limit is None:
        return await response.aread()
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            await response.aclose()
            method, url = response.request.method, mask_url(response.request.url)
            raise ResponseTooLarge(
                response.status_code,
                f"{method} {url}: the answer is larger than {limit / MB:g} MB",
                method=method,
                url=url,
                explanation=f"The answer of {response.request.url.host} grew past "
                f"{limit / MB:g} MB (unpacked) and was stopped before it could fill the memory; "
                "ask for smaller pages (--page-size), or raise the limit (--max-response-mb, or "
                "the profile's response size limit).",
            )
        chunks.append(chunk)
    # What aread() would have stored: later reads of .content use it.
    response._content = b"".join(chunks)
    return response._content


async def parse_json(response: httpx.Response, secrets: Sequence[str] = ()) -> Any:
    """The JSON body (parsed in a worker thread when large); ApiError if it is not JSON."""
    content = response.content
    if response.is_redirect:
        return _not_json(response, None, secrets)
    try:
        if len(content) > _BIG_BODY:
            return await asyncio.to_thread(jsonlib.loads, content)
        return jsonlib.loads(content) if content else None
    except (ValueError, RecursionError) as exc:
        _not_json(response, exc, secrets)


def _not_json(
    response: httpx.Response, exc: BaseException | None, secrets: Sequence[str]
) -> NoReturn:
    """An ApiError saying what the body is instead of JSON: a redirect, bad bytes, or a page."""
    status = response.status_code
    if response.is_redirect:
        target = mask_url(response.headers.get("Location", ""), secrets) or "another address"
        message = f"HTTP {status} redirect to {target}"
        explanation = (
            f"The API answered with a redirect (HTTP {status}) to {target}, which explorer "
            "does not follow so the key never goes to another address; if that is the API's "
            "new address, put it in the profile's base URL."
        )
    elif isinstance(exc, UnicodeDecodeError):
        message = (
            f"The response is not valid UTF-8 (byte {exc.object[exc.start]:#04x} at {exc.start})"
        )
        explanation = (
            f"The API answered with text that is not valid UTF-8 (byte "
            f"{exc.object[exc.start]:#04x} at position {exc.start}), so it cannot be read as "
            "JSON; the server sent a wrong encoding; report it to the API's provider."
        )
    elif isinstance(exc, RecursionError):
        message = "The response is JSON nested too deeply to read"
        explanation = (
            "The API answered with JSON nested more deeply than explorer can read (hundreds "
            "of levels); no real record looks like that, so the server is misbehaving."
        )
    else:
        message = f"The response is not JSON: {scrub(_head(response, 200), secrets)!r}"
        explanation = (
            "The API answered with something other than JSON; check the base URL (a web "
            "page or proxy login page answers like this)."
        )
    raise ApiError(
        status,
        message,
        body_text=mask_body(_head(response, 2000), secrets),
        method=response.request.method,
        url=mask_url(response.request.url, secrets),
        explanation=explanation,
    ) from exc


def _head(response: httpx.Response, size: int) -> str:
    """The start of the body as text (decoding all of a large body would double its memory)."""
    return response.content[:size].decode(response.encoding or "utf-8", errors="replace")


# ------------------------------------------------------------------ from a profile
def secret_name(kind: AuthKind) -> str:
    """What the profile's secret is, in words ("API key", "password", "client secret")."""
    return SECRET_NAMES.get(kind, "secret")


async def connect(
    profile: Profile,
    secret_store: SecretSource,
    *,
    governor: RateGovernor | None = None,
    request_log: RequestLog | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 30.0,
    missing_secret_hint: str | None = None,
) -> ApiClient:
    """An ApiClient for the profile: its auth (secret from the store), governor and TLS options.

    `governor` is the profile's shared one (session.open_connection passes it); without it the
    client gets a budget of its own. `missing_secret_hint` says where to put a missing secret
    (the CLI names its environment variables; the window names the profile dialog).
    """
    auth: httpx.Auth | None = None
    kind = profile.auth_kind
    if kind is not AuthKind.NONE:
        stored = await secret_store.get(profile.name)
        credentials = Credentials.decode(stored) if stored else None
        what = secret_name(kind)
        if kind in STORED_IDENTITY and credentials is not None and not credentials.identity:
            what = f"{IDENTITY_NAMES[kind]} and {what}"
            credentials = None
        if credentials is None or not credentials.secret:
            hint = missing_secret_hint or (
                f"enter the {what} in the profile settings (Edit profile); it is kept in the "
                "system keychain, or for this session only when none is available"
            )
            label = scheme_label(kind)
            uses = f", which uses {label}" if label != what else ""
            raise AuthError(
                401,
                f"No {what} is stored for the profile {profile.name!r}.",
                explanation=f"No {what} is stored for the profile {profile.name!r}{uses}: {hint}.",
            )
        auth = auth_for(
            kind,
            profile.base_url,
            credentials.secret,
            identity=credentials.identity,
            username=profile.username,
            placement=profile.key_placement,
            oauth2=profile.oauth2,
            jwt=profile.jwt,
        )
        if isinstance(auth, SchemeAuth) and "scalepad" in profile.catalog.lower():
            auth.rejected_note = (
                "ScalePad keys stop working when their user loses Administrator rights."
            )
    if profile.tls_warning:
        log.warning("%s", profile.tls_warning)
    # Loading CA certificates takes tens of milliseconds (httpx would do it in the constructor,
    # on the window's loop): build the TLS context in a worker.
    context = await asyncio.to_thread(tls_context, profile.tls_verify)
    return ApiClient(
        profile.base_url,
        auth=auth,
        governor=governor or RateGovernor(profile.rate_limit, profile.rate_period_s),
        request_log=request_log,
        verify=context,
        timeout=timeout,
        transport=transport,
        max_response_bytes=profile.max_response_mb * MB,
        deadline_s=profile.request_timeout_s,
    )
