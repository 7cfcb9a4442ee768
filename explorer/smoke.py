"""`explorer --smoke`: prove in about a second, with no window, that this installation works.

Meant for a freshly built bundle (CI runs the frozen app with it) and for "does it work on this
machine?". It loads the bundled catalogs and icons (which also proves Qt's image and SVG plugins
are there), opens the secret store (reporting which keyring backend, or session-only), starts the
built-in sandbox in this process, runs one filtered query through the real core (query, client,
rate governor, cursor paging) on the app's own qasync loop, and draws the rows offscreen with the
window's results model in a table view. It prints one line, `smoke ok: ...` with what it checked,
or `smoke FAILED: <reason>`. It never reads or writes the user's settings, secrets or other files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
import time
import traceback
from collections.abc import Sequence
from importlib.abc import Traversable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from explorer.core.catalog import Endpoint

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# A paged list that every ScalePad tenant has, queried the way a user would: a filter and a sort.
SMOKE_ENDPOINT = "GET /core/v1/assets/hardware"
SMOKE_TYPES = ("SERVER", "WORKSTATION")
SMOKE_PAGE_SIZE = 100
SMOKE_PAGES = 2
TABLE_SIZE = (1280, 400)
CHART_SIZE = (400, 240)
QUERY_TIMEOUT_S = 30.0
MAX_REASON = 300


class SmokeFailure(Exception):
    """A check found something wrong; the message is the reason printed to the user."""


def run_smoke(argv: Sequence[str] | None = None) -> int:
    """Run every check and print one line; 0 when all passed, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="explorer --smoke", description=__doc__.splitlines()[0], allow_abbrev=False
    )
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--verbose", action="store_true", help="on failure, also print the traceback to stderr"
    )
    args, _ignored = parser.parse_known_args(list(argv) if argv is not None else [])
    out = _console()
    started = time.perf_counter()
    try:
        findings = _run_checks()
    except Exception as exc:  # noqa: BLE001 - every failure must end as the one result line
        out.write(f"smoke FAILED: {failure_reason(exc)}\n")
        out.flush()
        if args.verbose or os.environ.get("EXPLORER_SMOKE_TRACEBACK"):
            traceback.print_exc()
        return 1
    elapsed = time.perf_counter() - started
    where = "frozen" if getattr(sys, "frozen", False) else "from source"
    summary = ", ".join(findings)
    out.write(f"smoke ok ({where}): {summary}, {elapsed:.2f} s\n")
    out.flush()
    return 0


def failure_reason(exc: BaseException) -> str:
    """One line, no traceback: what failed, in terms a person can act on."""
    lines = _describe(exc).strip().splitlines() or [type(exc).__name__]
    reason = lines[0]
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def _describe(exc: BaseException) -> str:
    from explorer.core.errors import ExplorerError

    if isinstance(exc, SmokeFailure):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError):
        return f"module {exc.name} is missing (a frozen build must collect it)"
    if isinstance(exc, ExplorerError):
        return f"{exc} ({exc.explanation})" if exc.explanation != str(exc) else str(exc)
    if isinstance(exc, TimeoutError):
        return f"the sandbox query did not finish within {QUERY_TIMEOUT_S:.0f} s"
    return f"{type(exc).__name__}: {exc}"


def _run_checks() -> list[str]:
    """What each check saw, for the summary line; the first failure raises."""
    _use_offscreen_without_display()
    app = _qt_application()
    from PySide6.QtCore import qVersion

    findings = [f"Qt {qVersion()} on {app.platformName()}"]
    findings += [_check_catalogs(), _check_icons(), _check_keyring()]
    records, endpoint, query_finding = _run_query(app)
    findings.append(query_finding)
    findings.append(_check_table(records, endpoint))
    findings.append(_check_chart(records))
    return findings


# ------------------------------------------------------------------ Qt


def _use_offscreen_without_display() -> None:
    """With no X11 or Wayland display (CI, ssh), Qt must draw offscreen instead of aborting."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _qt_application() -> QApplication:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is None:
        return QApplication([sys.argv[0] if sys.argv else "explorer"])
    if not isinstance(existing, QApplication):
        raise SmokeFailure("a non-widget Qt application is already running in this process")
    return existing


# ------------------------------------------------------------------ resources


def _check_catalogs() -> str:
    from explorer.core import catalogs

    endpoints = 0
    for name in catalogs.BUNDLED:
        catalog = catalogs.load_bundled(name)
        count = sum(1 for _ in catalog.endpoints())
        if count == 0:
            raise SmokeFailure(f"the bundled {name} catalog has no endpoints")
        endpoints += count
    return f"resources {len(catalogs.BUNDLED)} catalogs ({endpoints} endpoints)"


def _check_icons() -> str:
    from PySide6.QtGui import QIcon, QImage

    from explorer.resources import resource

    pngs = [resource("icons", "png", f"explorer-{size}.png") for size in APP_ICON_SIZES]
    for size, png in zip(APP_ICON_SIZES, pngs, strict=True):
        image = QImage.fromData(_read_bytes(png))
        if image.isNull() or image.width() != size:
            raise SmokeFailure(f"the app icon {png.name} is damaged or not {size} px wide")
    svgs = [resource("icons", "explorer.svg")]
    toolbar = resource("icons", "toolbar")
    if toolbar.is_dir():
        svgs += sorted((p for p in toolbar.iterdir() if p.name.endswith(".svg")), key=_name)
    if len(svgs) < 2:
        raise SmokeFailure("the toolbar icons are missing from resources/icons/toolbar")
    for svg in svgs:
        # Only Qt's SVG image-format plugin can decode these: without it every icon is blank.
        image = QImage.fromData(_read_bytes(svg))
        if image.isNull():
            raise SmokeFailure(f"Qt cannot draw {svg.name}: is the SVG image plugin bundled?")
    # The window sets its icon from a file; that must also work through QIcon.
    from importlib.resources import as_file

    with as_file(resource("icons", "png", "explorer-256.png")) as path:
        if QIcon(str(path)).pixmap(64, 64).isNull():
            raise SmokeFailure("the window icon cannot be loaded through QIcon")
    return f"{len(pngs) + len(svgs)} icons"


def _read_bytes(node: Traversable) -> bytes:
    try:
        return node.read_bytes()
    except OSError as exc:
        raise SmokeFailure(f"a bundled file is missing: {node.name} ({exc.strerror})") from exc


def _name(node: Traversable) -> str:
    return node.name


# ------------------------------------------------------------------ keyring


def _check_keyring() -> str:
    """Which keychain would hold secrets; no secret is read or written."""
    from explorer.core.secrets import open_secret_store

    store = open_secret_store()
    if store.persistent:
        return f"keyring {store.location}"
    # The reason's first sentence says why, e.g. "Secrets cannot be saved: no system keychain..."
    why = (store.unavailable_reason or "no usable keychain").split(". ")[0].rstrip(".")
    return f"keyring session-only ({why[0].lower()}{why[1:]})"


# ------------------------------------------------------------------ a query through the core


def _run_query(app: QApplication) -> tuple[list[dict[str, Any]], Endpoint, str]:
    os.environ.setdefault("QT_API", "pyside6")  # qasync picks its Qt binding when imported
    import qasync

    from explorer.sandbox import SandboxConfig, start_sandbox

    started = time.perf_counter()
    # A small data set (a few hundred assets) starts fast; the query needs only two pages.
    with start_sandbox(SandboxConfig(scale=0.1, seed=1)) as sandbox:
        loop = qasync.QEventLoop(app)
        try:
            records, endpoint, total = loop.run_until_complete(
                asyncio.wait_for(_query(sandbox.url, sandbox.api_key), QUERY_TIMEOUT_S)
            )
        finally:
            loop.close()
            # The loop's Qt timers must die on this thread, not whenever a worker thread happens
            # to trigger garbage collection ("Timers cannot be stopped from another thread").
            del loop
            gc.collect()
    seconds = time.perf_counter() - started
    text = f"sandbox {len(records)} of {total} rows via {endpoint.pagination.value}"
    return records, endpoint, f"{text} in {seconds:.2f} s"


async def _query(base_url: str, api_key: str) -> tuple[list[dict[str, Any]], Endpoint, int | str]:
    from explorer.core import catalogs
    from explorer.core.catalog import Operator
    from explorer.core.errors import ExplorerError
    from explorer.core.fetch import check_query, iter_query_pages
    from explorer.core.query import FilterCondition, Query, SortKey
    from explorer.core.ratelimit import Governors
    from explorer.core.secrets import SingleSecret
    from explorer.core.session import open_connection
    from explorer.core.settings import AuthKind, Profile

    catalog = catalogs.load_bundled("scalepad")
    endpoint = catalog.find(SMOKE_ENDPOINT)
    if endpoint is None:
        raise SmokeFailure(f"the bundled ScalePad catalog lacks {SMOKE_ENDPOINT}")
    query = Query(
        endpoint_id=endpoint.id,
        filters=(FilterCondition("type", Operator.IN, SMOKE_TYPES),),
        sorts=(SortKey("record_updated_at", descending=True),),
        page_size=SMOKE_PAGE_SIZE,
    )
    try:
        check_query(query, endpoint)
    except ExplorerError as exc:
        raise SmokeFailure(f"the smoke query is not valid: {exc.explanation}") from exc
    records: list[dict[str, Any]] = []
    total: int | str = "?"
    profile = Profile("smoke", base_url, AuthKind.API_KEY, catalog="scalepad")
    connection = await open_connection(
        profile, SingleSecret(api_key), governors=Governors(), catalog=catalog
    )
    async with connection:
        pages = iter_query_pages(connection.client, endpoint, query)
        async with contextlib.aclosing(pages):
            async for page in pages:
                records.extend(page.records)
                if page.total_count is not None:
                    total = page.total_count
                if page.is_last or page.number >= SMOKE_PAGES:
                    break
    _check_rows(records, endpoint)
    return records, endpoint, total


def _check_rows(records: list[dict[str, Any]], endpoint: Endpoint) -> None:
    if len(records) < SMOKE_PAGE_SIZE:
        raise SmokeFailure(f"the sandbox returned {len(records)} rows, expected at least one page")
    ids = [record.get(endpoint.id_field) for record in records]
    if len(set(ids)) != len(ids):
        raise SmokeFailure("paging returned the same record twice")
    wrong = [r.get("type") for r in records if str(r.get("type", "")).strip() not in SMOKE_TYPES]
    if wrong:
        raise SmokeFailure(f"the type filter was not applied: got a {wrong[0]!r} row")


# ------------------------------------------------------------------ the results table


def _check_table(records: list[dict[str, Any]], endpoint: Endpoint) -> str:
    """The rows in the window's own results model and a table view, drawn offscreen."""
    import shiboken6
    from PySide6.QtWidgets import QTableView

    from explorer.ui.results.table_model import RecordTableModel

    model = RecordTableModel()
    model.set_records(endpoint, records)
    if model.rowCount() != len(records) or model.columnCount() == 0:
        raise SmokeFailure(
            f"the results model shows {model.rowCount()} rows and {model.columnCount()} columns "
            f"for {len(records)} records"
        )
    view = QTableView()
    model.setParent(view)
    try:
        view.setModel(model)
        view.resize(*TABLE_SIZE)
        image = view.grab().toImage()
    finally:
        shiboken6.delete(view)  # the view and its model go now, on this thread
    if image.isNull() or (image.width(), image.height()) != TABLE_SIZE:
        raise SmokeFailure("the results table could not be drawn offscreen")
    if _distinct_colours(image) < 3:
        raise SmokeFailure("the results table was drawn blank (no text or grid visible)")
    rendered = f"{image.width()}x{image.height()}"
    return f"table {model.rowCount()}x{model.columnCount()} rendered {rendered}"


def _check_chart(records: list[dict[str, Any]]) -> str:
    """A column summary of the rows drawn as the window's bar chart (Qt Charts, from Addons)."""
    import shiboken6

    from explorer.core.drilldown import bars_for
    from explorer.core.summary import column_values, summarize
    from explorer.ui.results.summary_chart import SummaryChart

    bars = bars_for(summarize(column_values(records, "type"), "type"))
    if not bars:
        raise SmokeFailure("the column summary of the sandbox's rows has no bars")
    chart = SummaryChart()
    try:
        chart.show_bars(bars, horizontal=True, selected=None)
        chart.resize(CHART_SIZE[0], chart.height())
        image = chart.grab().toImage()
    finally:
        shiboken6.delete(chart)
    if image.isNull() or _distinct_colours(image) < 3:
        raise SmokeFailure("the summary chart was drawn blank")
    return f"chart {len(bars)} bars"


def _distinct_colours(image: QImage) -> int:
    """How many colours the image has: a blank grab has one or two."""
    from PySide6.QtGui import QImage

    argb = image.convertToFormat(QImage.Format.Format_ARGB32)  # constBits() points into it
    return len(set(memoryview(argb.constBits()).cast("I")))


# ------------------------------------------------------------------ output


def _console() -> IO[str]:
    """Where the result line goes. A windowed Windows exe has no stdout: use the parent console."""
    if sys.stdout is not None:
        return sys.stdout
    if sys.platform == "win32":
        import ctypes

        attach_parent_process = -1
        if ctypes.windll.kernel32.AttachConsole(attach_parent_process):
            return open("CONOUT$", "w", encoding="utf-8")
    return sys.stderr if sys.stderr is not None else open(os.devnull, "w")
