"""What was sent and received, with every secret masked, and "copy as cURL".

The client adds one entry per request on the wire (retries, logins and renewals included). Masking
happens when the entry is made, so nothing downstream (the log panel, a copied command, a saved
log) ever holds a secret: sensitive headers, URL query values and JSON/form body fields are
replaced, JWT-shaped strings are blanked, and the exact key, password and token values the auth
knows are scrubbed from every text as a last line of defence.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import logging
import re
import shlex
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

import httpx

log = logging.getLogger(__name__)

MASK = "****"
DEFAULT_CAPACITY = 2000
DEFAULT_BODY_CAP = 32_000  # characters of a body kept for the log panel
MASK_MARGIN = 4_096  # characters masked beyond the cap, so a member cut at the edge is seen whole

API_KEY_VAR = "EXPLORER_API_KEY"
TOKEN_VAR = "EXPLORER_TOKEN"
PASSWORD_VAR = "EXPLORER_PASSWORD"
SECRET_VAR = "EXPLORER_SECRET"

_SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "cookie",
        "set-cookie",
        "ocp-apim-subscription-key",
    }
)
_SENSITIVE_WORDS = (
    *("password", "passwd", "token", "secret", "api_key", "apikey", "api-key", "jwt"),
    *("access_key", "private_key", "credential"),
)
_SENSITIVE_NAMES = frozenset({"key", "sig", "signature"})  # whole names only ("keyword" is fine)
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_CURL_SKIPPED = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})


def is_sensitive_name(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in _SENSITIVE_HEADERS
        or lowered in _SENSITIVE_NAMES
        or any(word in lowered for word in _SENSITIVE_WORDS)
    )


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secret values (as written, or encoded) and anything shaped like a JWT."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in written_forms(secret):
                text = text.replace(form, MASK)
    return _JWT_RE.sub(MASK, text)


_BASE64_EDGES = ((0, 0), (1, 2), (2, 3))  # prefix bytes, base64 characters they spoil


@functools.lru_cache(maxsize=64)
def written_forms(secret: str) -> tuple[str, ...]:
    """The ways a secret shows up in text a server echoes, longest first.

    As is, percent-encoded (a query string or a form), JSON-escaped, and in base64 (standard and
    URL-safe) at each of the three alignments it can have inside a longer base64 text, as in
    `Basic base64(user:password)`: the characters that also depend on the bytes around it are left
    out, so the rest matches wherever the secret sits.
    """
    escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
    forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret), escaped}
    forms.add(escaped.replace("/", "\\/"))
    raw = secret.encode("utf-8")
    for prefix, spoilt in _BASE64_EDGES:
        encoded = base64.b64encode(bytes(prefix) + raw).decode("ascii").rstrip("=")
        end = len(encoded) - (1 if (prefix + len(raw)) % 3 else 0)
        fragment = encoded[spoilt:end]
        if len(fragment) >= 8:  # shorter fragments would also match unrelated base64 text
            forms.update((fragment, fragment.replace("+", "-").replace("/", "_")))
    return tuple(sorted((f for f in forms if len(f) >= 4), key=len, reverse=True))


_URL_HEADERS = frozenset({"location", "content-location"})
_LINK_TARGET_RE = re.compile(r"<([^>]*)>")


def mask_headers(
    headers: Iterable[tuple[str, str]], secrets: Iterable[str] = ()
) -> list[tuple[str, str]]:
    secrets = tuple(secrets)
    masked: list[tuple[str, str]] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in ("cookie", "set-cookie"):
            value = _mask_cookies(value, attributes=lowered == "set-cookie")
        elif is_sensitive_name(name):
            scheme, _, rest = value.partition(" ")
            # keep the scheme word ("Bearer") so the log still says what kind of credential it was
            value = f"{scheme} {MASK}" if rest and scheme.isalpha() and len(scheme) < 16 else MASK
        elif lowered in _URL_HEADERS:  # a redirect target can carry a token in its query
            value = mask_url(value, secrets)
        elif lowered == "link":
            value = _LINK_TARGET_RE.sub(lambda m: f"<{mask_url(m.group(1), secrets)}>", value)
        masked.append((name, scrub(value, secrets)))
    return masked


def _mask_cookies(value: str, *, attributes: bool) -> str:
    """Every cookie value masked, names kept: `Cookie: a=****; b=****`. A Set-Cookie keeps its
    attributes (Path, Expires, HttpOnly...), which say how the cookie was meant to be used."""
    if attributes:
        first, sep, rest = value.partition(";")
        return _mask_cookies(first, attributes=False) + sep + rest
    pairs = [part.strip().partition("=") for part in value.split(";") if part.strip()]
    return "; ".join(f"{n.strip()}={MASK}" if eq else MASK for n, eq, _ in pairs) or MASK


def mask_url(url: str | httpx.URL, secrets: Iterable[str] = ()) -> str:
    parsed = httpx.URL(str(url))
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if parsed.query:
        pairs = parse_qsl(parsed.query.decode("ascii", "replace"), keep_blank_values=True)
        if any(is_sensitive_name(k) for k, _ in pairs):
            safe = [(k, MASK if is_sensitive_name(k) else v) for k, v in pairs]
            parsed = parsed.copy_with(query=urlencode(safe, safe="[]:,*").encode("ascii"))
    return scrub(str(parsed), secrets)


# A JSON member whose value is a scalar: "key": "text" | number | true | false | null.
_JSON_MEMBER_RE = re.compile(
    r'"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\w.+-]*|true|false|null)'
)


def _mask_json_text(text: str) -> str:
    """Blank the scalar values of sensitive members, in the text itself.

    Working on the text (not json.loads then dumps) keeps the layout, costs a regex pass instead
    of a second parse of every response, and works on a body that was cut short.
    """

    def blank(match: re.Match[str]) -> str:
        if is_sensitive_name(match.group(1)):
            return f'"{match.group(1)}"{match.group(2)}"{MASK}"'
        return match.group(0)

    return _JSON_MEMBER_RE.sub(blank, text)


def mask_body(text: str, secrets: Iterable[str] = (), content_type: str = "") -> str:
    """A body with sensitive JSON or form fields replaced, then scrubbed of known secrets."""
    lowered = text.lower()
    if any(word in lowered for word in _SENSITIVE_WORDS):
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            text = _mask_json_text(text)
        elif "x-www-form-urlencoded" in content_type.lower() or (
            "=" in text and " " not in text.strip()
        ):
            pairs = parse_qsl(text, keep_blank_values=True)
            if pairs:
                text = urlencode([(k, MASK if is_sensitive_name(k) else v) for k, v in pairs])
    return scrub(text, secrets)


@dataclass(frozen=True)
class RequestLogEntry:
    id: int
    time: float  # when the request went out (epoch seconds)
    method: str
    url: str  # masked
    status: int | None  # None when no answer came (network error, timeout)
    duration_ms: float
    request_headers: tuple[tuple[str, str], ...]  # masked
    response_headers: tuple[tuple[str, str], ...]  # masked
    response_size: int  # bytes of the response body
    response_body: str  # masked, cut at the body cap
    request_body: str = ""  # masked
    error: str | None = None
    attempt: int = 1  # 1 for the first try, 2 for the first retry, ...
    waited_s: float = 0.0  # time spent waiting for the rate governor before sending
    truncated: bool = False  # the response body was longer than the cap
    # For a HAR file: what the status line said, and where the time went
    http_version: str = ""  # of the response ("HTTP/1.1"); "" when none came
    reason: str = ""  # the status line's reason phrase ("Too Many Requests")
    first_byte_ms: float | None = None  # sent -> response headers in; the rest is the body
    wire_size: int | None = None  # bytes of the response body as received (compressed)
    request_size: int = 0  # bytes of the request body as sent (request_body may be cut)
    # What copy-as-cURL writes where the credential went (see auth.SchemeAuth.curl_variables)
    curl_templates: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


class RequestLog:
    """A ring buffer of the last `capacity` requests, with change notifications for the window."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, body_cap: int = DEFAULT_BODY_CAP) -> None:
        self.capacity = capacity
        self.body_cap = body_cap
        self._entries: deque[RequestLogEntry] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._subscribers: list[Callable[[RequestLogEntry], None]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[RequestLogEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def subscribe(self, callback: Callable[[RequestLogEntry], None]) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def record(
        self,
        request: httpx.Request,
        response: httpx.Response | None = None,
        *,
        error: str | None = None,
        started: float | None = None,
        duration_ms: float = 0.0,
        first_byte_ms: float | None = None,
        attempt: int = 1,
        waited_s: float = 0.0,
        secrets: Iterable[str] = (),
        curl_templates: Mapping[str, str] | None = None,
    ) -> RequestLogEntry:
        """Make a masked entry from an exchange and add it."""
        secrets = tuple(secrets)
        body = b""
        response_headers: list[tuple[str, str]] = []
        if response is not None:
            try:
                body = response.content
            except httpx.ResponseNotRead:
                body = b""
            response_headers = mask_headers(_raw(response.headers), secrets)
        content_type = response.headers.get("content-type", "") if response is not None else ""
        # Only what the panel shows is decoded and masked (plus a margin, so that a member cut at
        # the edge is still recognised): a page of records is never parsed a second time here.
        text = body[: (self.body_cap + MASK_MARGIN) * 4].decode("utf-8", "replace")
        text = mask_body(text[: self.body_cap + MASK_MARGIN], secrets, content_type)
        truncated = len(text) > self.body_cap
        try:
            request_content = request.content
        except httpx.RequestNotRead:
            request_content = b""
        entry = RequestLogEntry(
            id=next(self._ids),
            time=started if started is not None else time.time(),
            method=request.method,
            url=mask_url(request.url, secrets),
            status=response.status_code if response is not None else None,
            duration_ms=round(duration_ms, 1),
            request_headers=tuple(mask_headers(_raw(request.headers), secrets)),
            response_headers=tuple(response_headers),
            response_size=len(body),
            response_body=text[: self.body_cap],
            request_body=mask_body(
                request_content[: self.body_cap].decode("utf-8", "replace"),
                secrets,
                request.headers.get("content-type", ""),
            ),
            error=scrub(error, secrets) if error else None,
            attempt=attempt,
            waited_s=round(waited_s, 3),
            truncated=truncated,
            curl_templates=tuple((curl_templates or {}).items()),
            http_version=response.http_version if response is not None else "",
            reason=response.reason_phrase if response is not None else "",
            first_byte_ms=round(first_byte_ms, 1) if first_byte_ms is not None else None,
            wire_size=_wire_size(response, body),
            request_size=len(request_content),
        )
        self.add(entry)
        return entry

    def add(self, entry: RequestLogEntry) -> None:
        self._entries.append(entry)
        for callback in list(self._subscribers):
            try:
                callback(entry)
            except Exception:  # a closed log panel must not break requests
                log.exception("A request log subscriber failed")


def _wire_size(response: httpx.Response | None, body: bytes) -> int | None:
    """Bytes of the body as they came over the wire; None when not known (a response made in
    memory, which was never downloaded)."""
    if response is None:
        return None
    return response.num_bytes_downloaded or (None if body else 0)


def _raw(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Header names as they go on the wire (multi_items() would lower-case them)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


# ------------------------------------------------------------------ copy as cURL
def _placeholder_for(name: str) -> str:
    lowered = name.lower()
    if lowered in ("client_id", "client_secret"):
        return f"$EXPLORER_{lowered.upper()}"
    if lowered == "x-api-key" or "key" in lowered:
        return f"${API_KEY_VAR}"
    if "pass" in lowered:
        return f"${PASSWORD_VAR}"
    if lowered == "authorization" or "token" in lowered or "jwt" in lowered:
        return f"${TOKEN_VAR}"
    return f"${SECRET_VAR}"


def _placeholders_in_json(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _placeholders_in_json(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders_in_json(v, key) for v in value]
    if value == MASK:
        return _placeholder_for(key)
    return value


def _body_with_placeholders(body: str) -> str:
    if MASK not in body:
        return body
    try:
        return json.dumps(_placeholders_in_json(json.loads(body)), ensure_ascii=False)
    except ValueError:
        pass
    pairs = parse_qsl(body, keep_blank_values=True)
    if pairs and "=" in body:
        return "&".join(f"{k}={_placeholder_for(k) if v == MASK else v}" for k, v in pairs)
    return body.replace(MASK, f"${SECRET_VAR}")


def _escape_in_double_quotes(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")


def _double_quoted(text: str) -> str:
    """Quote for a POSIX shell so that only our $EXPLORER_* placeholders expand."""
    escaped = re.sub(r"\\\$(EXPLORER_[A-Z_]+)", r"$\1", _escape_in_double_quotes(text))
    return f'"{escaped}"'


def _curl_url(url: str, templates: Mapping[str, str]) -> str:
    """The URL, quoted; a masked query-string credential becomes its $EXPLORER_* variable."""
    parsed = httpx.URL(url)
    if MASK not in url or not parsed.query:
        return shlex.quote(url)
    pairs = parse_qsl(parsed.query.decode("ascii", "replace"), keep_blank_values=True)
    query = "&".join(
        f"{quote(k, safe='[]:,')}="
        + (templates.get(f"query:{k}", _placeholder_for(k)) if v == MASK else quote(v, safe=":,"))
        for k, v in pairs
    )
    return _double_quoted(str(parsed.copy_with(query=None)) + "?" + query)


def to_curl(entry: RequestLogEntry, secrets: Mapping[str, str] | None = None) -> str:
    """A cURL command that repeats the request, with secrets as $EXPLORER_* variables.

    `secrets` maps variable names (EXPLORER_API_KEY, EXPLORER_TOKEN, ...) to real values, for a
    user who explicitly asked to include them; without it the command holds no secret.
    """
    templates = dict(entry.curl_templates)
    head = "curl" + ("" if entry.method == "GET" else f" -X {entry.method}")
    lines = [f"{head} {_curl_url(entry.url, templates)}"]
    for name, value in entry.request_headers:
        lowered = name.lower()
        if lowered in _CURL_SKIPPED:
            continue
        if MASK in value and lowered == "authorization" and value.startswith("Basic "):
            user = templates.get("basic", "$EXPLORER_USERNAME:$EXPLORER_PASSWORD")
            lines.append(f"-u {_double_quoted(user)}")
            continue
        if MASK in value and f"header:{lowered}" in templates:
            value = templates[f"header:{lowered}"]
        elif MASK in value and is_sensitive_name(name):
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {_placeholder_for(name)}" if rest == MASK else _placeholder_for(name)
        lines.append(f"-H {_double_quoted(f'{name}: {value}')}")
    if entry.request_body:
        lines.append(f"--data-raw {_double_quoted(_body_with_placeholders(entry.request_body))}")
    command = " \\\n  ".join(lines)
    for variable, value in (secrets or {}).items():
        command = command.replace(f"${variable}", _escape_in_double_quotes(value))
    return command
