"""A loopback API protected by one authentication scheme, for the scheme tests.

It serves tests/data/openapi/multi-auth.yaml under /api: `GET /v1/records` pages `records` records
with ScalePad-style cursor paging (`page_size`, `cursor`; `{data, total_count, next_cursor}`),
`GET /v1/audit` wants HTTP basic whatever the scheme, `GET /v1/moved` redirects to `redirect_to`,
and `POST /oauth/token` is an RFC 6749 section 4.4 token endpoint (client_secret_basic, or
client_secret_post when `client_auth="post"`; errors as section 5.2 describes them). An OAuth2
token stops working after `token_uses` API requests, as if it had expired, so that a long export
must fetch a new one. Every request's path and headers are kept in `seen`, to look for leaks.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests import loopback
from tests.hostile_servers import reply

DOCUMENT = Path(__file__).resolve().parent / "data" / "openapi" / "multi-auth.yaml"

KEY = "CANARY-key-0a1b2c3d"
TOKEN = "CANARY-token-4e5f6a7b"
USERNAME = "CANARY-user-8c9d"
PASSWORD = "CANARY-pass-0e1f2a3b"
CLIENT_ID = "CANARY-client-4c5d"
CLIENT_SECRET = "CANARY-csecret-6e7f8a9b"
CANARIES = (KEY, TOKEN, USERNAME, PASSWORD, CLIENT_ID, CLIENT_SECRET)
ISSUED_PREFIX = "CANARY-issued-"

#: scheme -> (the document's securitySchemes name, the environment the CLI needs)
SCHEMES: dict[str, tuple[str, dict[str, str]]] = {
    "key_header": ("keyHeader", {"EXPLORER_API_KEY": KEY}),
    "key_query": ("keyQuery", {"EXPLORER_API_KEY": KEY}),
    "key_cookie": ("keyCookie", {"EXPLORER_API_KEY": KEY}),
    "bearer": ("bearerAuth", {"EXPLORER_TOKEN": TOKEN}),
    "basic": ("basicAuth", {"EXPLORER_USERNAME": USERNAME, "EXPLORER_PASSWORD": PASSWORD}),
    "oauth2": (
        "clientCredentials",
        {"EXPLORER_CLIENT_ID": CLIENT_ID, "EXPLORER_CLIENT_SECRET": CLIENT_SECRET},
    ),
}
ENV_NAMES = (
    "EXPLORER_API_KEY",
    "EXPLORER_TOKEN",
    "EXPLORER_USERNAME",
    "EXPLORER_PASSWORD",
    "EXPLORER_CLIENT_ID",
    "EXPLORER_CLIENT_SECRET",
)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class AuthServer:
    scheme: str  # a key of SCHEMES, or "key_prefixed" (Authorization: Token <key>)
    records: int = 25
    client_auth: str = "basic"
    token_uses: int = 1_000_000
    expires_in: int = 3600
    redirect_to: str = ""
    fail_from: int | None = None  # record pages from this offset on answer 400 (a failed export)
    next_links: bool = False  # pages say {"next": URL} with the request's query (key included)
    next_base: str = ""  # the next links point here instead (another host)
    url: str = ""  # the API's base URL (…/api) once started
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    token_requests: int = 0
    api_requests: int = 0
    _uses: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def document(self, folder: Path) -> Path:
        """The document with this server as its server URL, written into `folder`."""
        text = DOCUMENT.read_text(encoding="utf-8").replace("http://127.0.0.1:9/api", self.url)
        path = folder / "multi-auth.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    # ------------------------------------------------------------ the checks
    def authorised(self, headers: dict[str, str], query: dict[str, list[str]]) -> bool:
        auth = headers.get("authorization", "")
        if self.scheme == "key_header":
            return headers.get("x-records-key") == KEY
        if self.scheme == "key_prefixed":
            return auth == f"Token {KEY}"
        if self.scheme == "key_query":
            return query.get("access_key") == [KEY]
        if self.scheme == "key_cookie":
            cookies = [c.strip() for c in headers.get("cookie", "").split(";")]
            return f"session_key={KEY}" in cookies
        if self.scheme == "bearer":
            return auth == f"Bearer {TOKEN}"
        if self.scheme == "basic":
            return auth == basic(USERNAME, PASSWORD)
        token = auth.removeprefix("Bearer ")
        with self._lock:
            if token not in self._uses or self._uses[token] >= self.token_uses:
                return False
            self._uses[token] += 1
        return True

    def token(self, headers: dict[str, str], body: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if self.client_auth == "basic":
            good = headers.get("authorization") == basic(CLIENT_ID, CLIENT_SECRET)
        else:
            good = (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
        if not good:
            return 401, {"error": "invalid_client"}
        if form.get("scope") not in (None, "records.read"):
            return 400, {"error": "invalid_scope"}
        with self._lock:
            token = f"{ISSUED_PREFIX}{len(self._uses) + 1}"
            self._uses[token] = 0
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

    def page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        size = min(50, int(query.get("page_size", ["10"])[0]))
        start = int(query.get("cursor", ["0"])[0] or 0)
        end = min(self.records, start + size)
        if self.next_links:  # like APIs that echo every parameter, the key too, in their links
            echoed = {k: v[0] for k, v in query.items() if k != "cursor"}
            base = self.next_base or self.url
            link = f"{base}/v1/records?{urlencode({**echoed, 'cursor': end})}"
            return {
                "data": [{"id": i, "name": f"record {i}"} for i in range(start, end)],
                "next": link if end < self.records else None,
            }
        return {
            "data": [{"id": i, "name": f"record {i}"} for i in range(start, end)],
            "total_count": self.records,
            "next_cursor": str(end) if end < self.records else None,
        }


def _handler(server: AuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            reply(self, status, body, headers)

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            headers = self._headers()
            server.seen.append(("GET", self.path, headers))
            path = parts.path.removeprefix("/api")
            if path == "/v1/status":
                return self._reply(200, {"ok": True})
            if path == "/v1/moved":
                self.send_response(302)
                self.send_header("Location", server.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            with server._lock:
                server.api_requests += 1
            if path == "/v1/audit":
                if headers.get("authorization") != basic(USERNAME, PASSWORD):
                    return self._reply(401, {"error": "basic authentication required"})
                return self._reply(200, [])
            if path != "/v1/records":
                return self._reply(404, {"error": "not found"})
            cursor = int(query.get("cursor", ["0"])[0] or 0)
            if server.fail_from is not None and cursor >= server.fail_from:
                return self._reply(400, {"message": f"cursor {cursor} is not accepted"})
            if not server.authorised(headers, query):
                challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                return self._reply(401, {"message": "Unauthorized"}, challenge)
            return self._reply(200, server.page(query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            headers = self._headers()
            server.seen.append(("POST", self.path + "\n" + body, headers))
            if urlsplit(self.path).path != "/api/oauth/token":
                return self._reply(404, {"error": "not found"})
            status, reply = server.token(headers, body)
            extra = {"Cache-Control": "no-store"}
            if status == 401:
                extra["WWW-Authenticate"] = 'Basic realm="token"'
            return self._reply(status, reply, extra)

    return Handler


@contextmanager
def serving(server: AuthServer) -> Iterator[AuthServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/api"
    with loopback.serving(httpd):
        yield server
