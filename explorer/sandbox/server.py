"""The HTTP server: one port on loopback, ScalePad at the root, Scout under /v1, plus faults.

Each connection has its own thread (keep-alive, HTTP/1.1). Added latency sleeps in that thread.
`GET /sandbox/stats` and `POST /sandbox/stats/reset` expose the counters to a parent process;
they need no key, are never rate-limited and are not counted.
"""

from __future__ import annotations

import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from explorer.sandbox.config import Credentials, SandboxConfig, parse_rate
from explorer.sandbox.ratelimit import SlidingWindowLimiter
from explorer.sandbox.reply import Reply, error_reply, json_reply
from explorer.sandbox.scalepad import ScalePadApi
from explorer.sandbox.scout import ScoutApi, make_scout
from explorer.sandbox.tenant import Tenant

STATS_PATH = "/sandbox/stats"

# What `GET /` says: this is an emulation, and where each API lives.
ABOUT = {
    "name": "explorer sandbox",
    "description": "A local emulation of the ScalePad API and the Scout API with generated data. "
    "The Scout shapes are the sandbox's own choices; Scout's API is not public.",
    "scalepad": {
        "auth": "header x-api-key (exactly this lower-case name)",
        "paths": [
            "/core/v1/...",
            "/quoter/v1/...",
            "/lifecycle-manager/v1/...",
            "/sandbox/v1/assets/hardware (offset paging)",
        ],
    },
    "scout": {
        "auth": "POST /v1/Token {username, password}, then Authorization: Bearer <token>",
        "paths": ["/v1/WorkOrders", "/v1/Units", "/v1/Users", "/v1/Stations"],
    },
}


@dataclass
class StatsSnapshot:
    """Counters at one moment: requests answered (or dropped), 429s, injected faults."""

    requests: int = 0
    rate_limited: int = 0
    faults: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "faults": self.faults,
            "by_path": dict(self.by_path),
            "by_status": {str(k): v for k, v in self.by_status.items()},
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> StatsSnapshot:
        return cls(
            requests=int(raw.get("requests", 0)),
            rate_limited=int(raw.get("rate_limited", 0)),
            faults=int(raw.get("faults", 0)),
            by_path={str(k): int(v) for k, v in raw.get("by_path", {}).items()},
            by_status={int(k): int(v) for k, v in raw.get("by_status", {}).items()},
        )


class SandboxStats:
    """Thread-safe counters of what the server answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._faults = 0
        self._by_path: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()

    def record(self, path: str, status: int, *, fault: bool = False) -> None:
        with self._lock:
            self._requests += 1
            self._by_path[path] += 1
            self._by_status[status] += 1
            if fault:
                self._faults += 1

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(
                self._requests,
                self._by_status.get(429, 0),
                self._faults,
                dict(self._by_path),
                dict(self._by_status),
            )

    def reset(self) -> None:
        with self._lock:
            self._requests = self._faults = 0
            self._by_path.clear()
            self._by_status.clear()

    @property
    def requests(self) -> int:
        return self.snapshot().requests

    @property
    def rate_limited(self) -> int:
        return self.snapshot().rate_limited

    @property
    def faults(self) -> int:
        return self.snapshot().faults

    @property
    def by_path(self) -> dict[str, int]:
        return self.snapshot().by_path

    @property
    def by_status(self) -> dict[int, int]:
        return self.snapshot().by_status


class SandboxApp:
    """Dispatches one parsed request to ScalePad or Scout and applies latency and faults."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.credentials = Credentials.for_config(config)
        self.stats = SandboxStats()
        rate = parse_rate(config.rate)
        self.limiter = SlidingWindowLimiter(rate[0], rate[1], clock) if rate else None
        self.scalepad = ScalePadApi(
            Tenant(config.seed, config.scale), self.credentials, config, self.limiter
        )
        self.scout: ScoutApi = make_scout(config, self.credentials, self.limiter, clock)
        self._faults = random.Random(config.seed)
        self._fault_lock = threading.Lock()

    def _fault(self) -> Reply | None:
        if self.config.fault_rate <= 0:
            return None
        with self._fault_lock:
            hit = self._faults.random() < self.config.fault_rate
            kind = self._faults.choice((500, 502, 503, 0))
        if not hit:
            return None
        if kind == 0:
            return Reply(0, drop=True)
        titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return error_reply(
            kind, "SANDBOX_FAULT", titles[kind], "Injected by the sandbox's --fault-rate."
        )

    def reset_stats(self) -> None:
        """Zero the counters and forget every rate-limit window."""
        self.stats.reset()
        if self.limiter is not None:
            self.limiter.reset()

    def answer(
        self, method: str, target: str, headers: Any, body: bytes, client: str
    ) -> tuple[Reply, bool]:
        """(reply, counted); control paths are not counted."""
        parts = urlsplit(target)
        path = parts.path or "/"
        if path == STATS_PATH and method == "GET":
            return json_reply(200, self.stats.snapshot().to_dict()), False
        if path == STATS_PATH + "/reset" and method == "POST":
            self.reset_stats()
            return json_reply(200, {"reset": True}), False
        if self.config.latency_ms > 0:
            time.sleep(self.config.latency_ms / 1000)
        fault = self._fault()
        if fault is not None:
            self.stats.record(path, fault.status, fault=True)
            return fault, False
        params = parse_qsl(parts.query, keep_blank_values=True)
        if ScalePadApi.owns(path):
            reply = self.scalepad.handle(method, path, params, headers)
        elif ScoutApi.owns(path):
            reply = self.scout.handle(method, path, params, headers, body, client)
        elif path == "/" and method in ("GET", "HEAD"):
            reply = json_reply(200, ABOUT)
        else:
            reply = error_reply(404, "NOT_FOUND", "Not Found", f"No resource exists at {path}.")
        return reply, True


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "explorer-sandbox"
    # Buffered writes: head and body leave in one segment (two small writes meet Nagle and
    # delayed ACKs, 40 ms stalls); the base class flushes after each request.
    wbufsize = 1 << 16

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and the demo
        if self.server.verbose:
            sys.stderr.write("sandbox: " + format % args + "\n")

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        app = self.server.app
        try:
            reply, counted = app.answer(
                self.command, self.path, self.headers, body, self.client_address[0]
            )
        except Exception as exc:  # noqa: BLE001 - a bug must answer 500, not kill the connection thread
            sys.stderr.write(f"sandbox: internal error on {self.command} {self.path}: {exc!r}\n")
            reply = error_reply(500, "INTERNAL", "Internal Server Error", str(exc))
            counted = True
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if counted:
            app.stats.record(urlsplit(self.path).path, reply.status)
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp, verbose: bool = False) -> None:
        self.app, self.verbose = app, verbose
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Hang up on keep-alive clients, so their threads end with the server."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # a client hung up: normal for benchmarks and dropped-connection faults
        super().handle_error(request, client_address)


class SandboxHandle:
    """A sandbox running in this process (a server thread). Use as a context manager or `stop()`."""

    def __init__(
        self, config: SandboxConfig, clock: Callable[[], float] = time.time, verbose: bool = False
    ) -> None:
        self.config = config
        self.app = SandboxApp(config, clock)
        self._server = _Server((config.host, config.port), self.app, verbose)
        self.port: int = self._server.server_address[1]
        self.url = f"http://{config.host}:{self.port}"
        creds = self.app.credentials
        self.api_key = creds.api_key
        self.alt_api_key = creds.alt_api_key
        self.scout_username = creds.scout_username
        self.scout_password = creds.scout_password
        self.scout_restricted_username = creds.scout_restricted_username
        self.scout_restricted_password = creds.scout_restricted_password
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._stopped = False

    @property
    def stats(self) -> SandboxStats:
        return self.app.stats

    def reset_stats(self) -> None:
        """Zero the counters and forget every rate-limit window."""
        self.app.reset_stats()

    def describe(self) -> dict[str, Any]:
        """What a client needs to connect (fake credentials for fake data)."""
        return {
            "url": self.url,
            "api_key": self.api_key,
            "alt_api_key": self.alt_api_key,
            "scout_username": self.scout_username,
            "scout_password": self.scout_password,
            "scout_restricted_username": self.scout_restricted_username,
            "scout_restricted_password": self.scout_restricted_password,
        }

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def serve_until_stopped(self) -> None:
        self._thread.join()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    config: SandboxConfig | None = None,
    *,
    clock: Callable[[], float] = time.time,
    verbose: bool = False,
) -> SandboxHandle:
    """Start a sandbox on a server thread; `clock` (epoch seconds) lets tests move time."""
    return SandboxHandle(config or SandboxConfig(), clock, verbose)
