"""A stdlib HTTP server on 127.0.0.1 in a thread, answering GETs with one `App` function.

An App gets the request (path, query, the server's base URL) and returns (status, JSON body,
extra headers). Every request is recorded, so tests can count them and check the parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import serving


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, list[str]]
    base: str  # http://127.0.0.1:PORT

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


Reply = tuple[int, Any, dict[str, str]]
App = Callable[[Request], Reply]


@dataclass
class Served:
    base: str
    requests: list[Request] = field(default_factory=list)


@contextmanager
def serve(app: App) -> Iterator[Served]:
    served = Served(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = Request(parts.path, parse_qs(parts.query), served.base)
            served.requests.append(request)
            status, body, headers = app(request)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cancelled a request fetched ahead

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield served
