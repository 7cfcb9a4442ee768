"""What a results tab runs, decided and owned in one place: run, load all, retry, cancel.

The tab lays out widgets and wires signals; this controller judges the query it is given (never
the form's current state), starts the page walk or the single-record fetch through the core
(`explorer.core.fetch`), owns those tasks, and says what happened through signals.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from explorer.core.catalog import Endpoint, PaginationKind
from explorer.core.fetch import fetch_single, query_fetcher
from explorer.core.humanize import eta, speed_parts
from explorer.core.query import Query, validate
from explorer.ui.async_utils import TaskOwner

if TYPE_CHECKING:
    from explorer.ui.context import AppContext
    from explorer.ui.results.table_model import RecordTableModel


class ResultsController(QObject):
    """Signals:
    status(str): a one-line status for the tab ("" clears it).
    failed(object, int): an error to show with Retry, and how many loaded rows stay.
    single_loaded(int): a single-record fetch stored this many records.
    load_all_running(bool): Load all started / ended.
    load_all_progress(int, object, str): rows loaded, total (or None), speed text.
    """

    status = Signal(str)
    failed = Signal(object, int)
    single_loaded = Signal(int)
    load_all_running = Signal(bool)
    load_all_progress = Signal(int, object, str)

    def __init__(
        self,
        context: AppContext,
        endpoint: Endpoint,
        model: RecordTableModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.endpoint = endpoint
        self.model = model
        self.tasks = TaskOwner("Results")  # "single", "load all"
        self.query: Query | None = None  # the query the table shows
        self._runs = 0  # counts runs, so a Load all cancelled by a new run stays quiet
        self._load_all_failed = False
        self._loading_all = False  # true from Load all's start to just before it says it ended

    # ------------------------------------------------------------ deciding
    def refusal(self, query: Query) -> str | None:
        """Why this query cannot run (None when it can)."""
        issues = validate(query, self.endpoint)
        if issues:
            return f"Fix the marked problems first: {issues[0].message}"
        if self.endpoint.method.upper() != "GET":
            # Browsing must never change data on the server.
            return (
                f"{self.endpoint.method} {self.endpoint.path} changes data on the server; "
                "only GET endpoints are fetched here."
            )
        return None

    # ------------------------------------------------------------ running
    def run(
        self,
        query: Query,
        *,
        visible_columns: list[str] | None,
        before_start: Callable[[], None] | None = None,
    ) -> bool:
        """Start `query` from its first page (False, with the reason as status, if refused).

        `before_start` lets the view reset itself after the old work stopped and before rows of
        the new query arrive.
        """
        reason = self.refusal(query)
        if reason is not None:
            self.status.emit(reason)
            return False
        self._runs += 1
        self.cancel_load_all()
        self.tasks.cancel("single")
        self.query = query
        if before_start is not None:
            before_start()
        if self.endpoint.pagination is PaginationKind.SINGLE:
            self.model.start(
                self.endpoint, None, visible_columns=visible_columns, fetch_first=False
            )
            self.tasks.start("single", self._fetch_single(query, visible_columns))
        else:
            fetcher = query_fetcher(
                self.context.client,
                self.endpoint,
                query,
                default_page_size=getattr(self.context.profile, "page_size", None),
            )
            self.model.start(self.endpoint, fetcher, visible_columns=visible_columns)
        return True

    def retry(self, *, visible_columns: list[str] | None) -> None:
        """After an error: continue where it stopped (the rows so far stay)."""
        if self.endpoint.pagination is PaginationKind.SINGLE or self.query is None:
            if self.query is not None:
                self.run(self.query, visible_columns=visible_columns)
        elif self._load_all_failed:
            self.start_load_all()
        else:
            self.model.retry()

    def start_load_all(self) -> None:
        if self.tasks.running("load all"):
            return
        if not self.model.has_more:
            self.status.emit("Everything is loaded already.")
            return
        self._load_all_failed = False
        self._loading_all = False  # true from Load all's start to just before it says it ended
        self.tasks.start("load all", self._load_all())

    def cancel_load_all(self) -> None:
        self.tasks.cancel("load all")

    def stop(self) -> None:
        """Stop what runs (a page, Load all, the single record); the rows so far stay."""
        self.cancel_load_all()
        self.tasks.cancel("single")
        self.model.cancel_fetch()

    @property
    def loading_all(self) -> bool:
        return self._loading_all

    @property
    def busy(self) -> bool:
        """Requests of this tab are on their way (a page, or the single record)."""
        return self.model.is_loading or self.tasks.running("single")

    def cancel_all(self) -> list[asyncio.Task[Any]]:
        tasks = self.tasks.cancel_all() + self.model.tasks.cancel_all()
        self.model.cancel_fetch()
        return tasks

    # ------------------------------------------------------------ the work
    async def _fetch_single(self, query: Query, visible: list[str] | None) -> None:
        self.model.loading_changed.emit(True)
        try:
            records = await fetch_single(self.context.client, self.endpoint, query)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the banner with Retry, never as a traceback
            self.failed.emit(exc, 0)
            self.status.emit("")
            return
        finally:
            self.model.loading_changed.emit(False)
        self.model.set_records(self.endpoint, records, visible_columns=visible)
        self.single_loaded.emit(len(records))

    async def _load_all(self) -> None:
        run_number = self._runs
        started = time.monotonic()
        first_rows = self.model.loaded_count

        def progress(loaded: int, total: int | None) -> None:
            rate = (loaded - first_rows) / max(1e-6, time.monotonic() - started)
            text = " · ".join(speed_parts(rate, eta(loaded, total, rate)))
            self.load_all_progress.emit(loaded, total, text)

        self._loading_all = True
        self.load_all_running.emit(True)
        progress(self.model.loaded_count, self.model.total_count)
        try:
            await self.model.load_all(progress)
        except asyncio.CancelledError:
            if run_number == self._runs:
                self.status.emit(
                    f"Load all cancelled: {self.model.loaded_count:,} rows loaded; "
                    "they stay in the table."
                )
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the banner with Retry, never as a traceback
            self._load_all_failed = True
            self.failed.emit(exc, self.model.loaded_count)
        else:
            self.status.emit(f"All {self.model.loaded_count:,} rows loaded.")
        finally:
            self._loading_all = False
            self.load_all_running.emit(False)
