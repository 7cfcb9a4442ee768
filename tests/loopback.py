"""Runs a test's own HTTP server on a loopback thread for the length of a `with` block."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# serve_forever() looks for shutdown() once per poll: its default half second, paid by every test
# that stops a server, added a minute of idle time to the suite.
POLL_INTERVAL_S = 0.01


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """Serve `server` on a daemon thread; shut it down and close its socket when the block ends."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL_S}, daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
