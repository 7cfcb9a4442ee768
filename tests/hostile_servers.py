"""Misbehaving HTTP servers on loopback, for the hostile-input tests.

`serve(answer)` runs a threading HTTP server whose every request is answered by
`answer(handler)`; the handler is http.server's, so an answer can write anything, slowly, or
nothing. The list endpoint they imitate follows ScalePad's documented shape: `page_size`,
`cursor`, and a body of `data`, `total_count` and `next_cursor`.
"""

from __future__ import annotations

import http.server
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import serving

Answer = Callable[[http.server.BaseHTTPRequestHandler], None]


@contextmanager
def serve(answer: Answer) -> Iterator[str]:
    """The base URL of a server answering every request with `answer`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer(self)

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def reply(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with `body`: bytes as they are, anything else as JSON."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def query(handler: http.server.BaseHTTPRequestHandler) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(handler.path).query).items()}


def page(handler: http.server.BaseHTTPRequestHandler, total: int) -> dict[str, Any]:
    """One page of `total` records `{"id": "rN", "name": ...}`, cursor-paged."""
    params = query(handler)
    size = int(params.get("page_size", "50"))
    start = int(params.get("cursor") or 0)
    records = [
        {"id": f"r{i}", "name": f"Record {i}"} for i in range(start, min(total, start + size))
    ]
    body: dict[str, Any] = {"data": records, "total_count": total}
    if start + size < total:
        body["next_cursor"] = str(start + size)
    return body


def gzip_bomb(decoded_mb: int = 1024) -> bytes:
    """A gzip stream of `decoded_mb` MB of spaces that is about 1/1000 of that on the wire.

    Blocks ended by a full flush start from an empty dictionary, so every block after the first
    compresses to the same bytes: one block is made and repeated, not a gigabyte compressed.
    """
    import zlib

    chunk = b" " * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(decoded_mb):
        crc = zlib.crc32(chunk, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty last block
    size = (decoded_mb * len(chunk)) % 2**32
    trailer = crc.to_bytes(4, "little") + size.to_bytes(4, "little")
    return first + block * (decoded_mb - 1) + final + trailer


def send_gzip(handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:  # the client stopped reading, as it should
        pass


def drip(handler: http.server.BaseHTTPRequestHandler, interval_s: float = 1.0) -> None:
    """Headers at once, then the body one byte every `interval_s` (each read is quick)."""
    import time

    body = b'{"data": [], "total_count": 0}' + b" " * 1000
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        for byte in body:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(interval_s)
    except OSError:
        pass
