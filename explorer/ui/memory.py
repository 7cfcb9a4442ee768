"""The window's garbage-collector policy, installed by the composition root (explorer/app.py).

Rows a results tab stores live as long as the tab. Moving everything alive out of the collector's
sight after each page keeps every full (generation 2) pass short: otherwise each pass walks all
loaded rows, and with 100,000 of them those passes stall the window for 30-50 ms. Frozen objects
are still freed by reference counting when the tab closes. The young generations are collected
first: garbage cycles left by the page just fetched would otherwise be frozen too and never freed
(about 230 kB a page, 113 MB for 100,000 rows).

A process-wide policy belongs to the process's owner, not to a table model: the model only says
when it stored rows (`rows_stored()`), and what that does is decided here, once, at start-up.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def _nothing() -> None:
    return None


def _collect_young_then_freeze() -> None:
    gc.collect(1)
    gc.freeze()


_policy: Callable[[], None] = _nothing


def rows_stored() -> None:
    """Called by the results model after it stored a page of rows."""
    _policy()


def install_window_policy() -> None:
    """Freeze what is alive after every stored page (the desktop app's choice)."""
    global _policy
    _policy = _collect_young_then_freeze


def reset_policy() -> None:
    global _policy
    _policy = _nothing
