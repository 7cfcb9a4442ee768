"""An export as a job: started, observed, cancelled and resumed the same way by every front end.

The window's progress dialog subscribes to a job and draws what it says; `explorer-cli export`
runs one and prints its progress line. The job owns the cancel signal, the progress so far, the
result or the error, and whether the `.partial` file it leaves can be resumed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.core.errors import ExportCancelled
from explorer.core.export import (
    CsvOptions,
    ExportOptions,
    ExportProgress,
    ExportResult,
    export_query,
    export_records,
    partial_path_for,
)
from explorer.core.humanize import rows_done, speed_parts

if TYPE_CHECKING:
    from explorer.core.catalog import Endpoint
    from explorer.core.client import ApiClient
    from explorer.core.query import Query


class JobState(StrEnum):
    READY = "ready"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"  # stopped on request; the .partial file is kept
    FAILED = "failed"


class ExportJob:
    """One export to one file. Build it with `for_query` or `for_records`."""

    def __init__(
        self,
        endpoint: Endpoint,
        out_path: str | os.PathLike[str],
        *,
        options: ExportOptions | None = None,
        columns: Sequence[str] | None = None,
        client: ApiClient | None = None,
        query: Query | None = None,
        records: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        if (records is None) == (client is None or query is None):
            raise ValueError("an export job takes either a client and a query, or records")
        self.endpoint = endpoint
        self.path = Path(out_path)
        self.options: ExportOptions = options or CsvOptions()
        self.columns = list(columns) if columns else None
        self._client = client
        self._query = query
        self._records = records
        self._cancel = asyncio.Event()
        self._listeners: list[Callable[[ExportJob], None]] = []
        self.state = JobState.READY
        self.progress: ExportProgress | None = None
        self.result: ExportResult | None = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[ExportResult] | None = None

    @classmethod
    def for_query(
        cls,
        client: ApiClient,
        endpoint: Endpoint,
        query: Query,
        out_path: str | os.PathLike[str],
        **kwargs: Any,
    ) -> ExportJob:
        """Every record the query matches, fetched page by page (resumable)."""
        return cls(endpoint, out_path, client=client, query=query, **kwargs)

    @classmethod
    def for_records(
        cls,
        records: Sequence[Mapping[str, Any]],
        endpoint: Endpoint,
        out_path: str | os.PathLike[str],
        **kwargs: Any,
    ) -> ExportJob:
        """Exactly these records (a page, or the rows loaded in the window)."""
        return cls(endpoint, out_path, records=records, **kwargs)

    # ------------------------------------------------------------ observing
    @property
    def resumable(self) -> bool:
        """A stopped query export can continue from its .partial file."""
        return self._records is None

    @property
    def total_rows(self) -> int | None:
        """How many rows the export will write, when known before it starts."""
        return len(self._records) if self._records is not None else None

    @property
    def running(self) -> bool:
        return self.state is JobState.RUNNING

    def partial_kept(self) -> bool:
        """Whether the rows written so far are in the .partial file (blocking: a stat)."""
        return partial_path_for(self.path).exists()

    def subscribe(self, callback: Callable[[ExportJob], None]) -> Callable[[], None]:
        """Call `callback(job)` after every page and when the job ends; returns unsubscribe."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def progress_text(self) -> tuple[str, str]:
        """(rows done, speed line) for a progress display."""
        progress = self.progress
        if progress is None:
            return ("Starting…", "")
        if progress.workbook_rows is not None:
            done = rows_done(progress.workbook_rows, progress.rows_written)
            return (f"Building the workbook: {done}", "every row is in; the file appears when done")
        speed = speed_parts(progress.rows_per_s, progress.eta_s)
        speed.append(f"{progress.requests:,} requests")
        if progress.waited_s >= 1:
            speed.append(f"waited {progress.waited_s:.0f} s for the rate limit")
        return (rows_done(progress.rows_written, progress.total_count), " · ".join(speed))

    # ------------------------------------------------------------ running
    def start(self, *, resume: bool = False) -> asyncio.Task[ExportResult]:
        """Run on the current event loop as a task (the window's way)."""
        self.task = (
            asyncio.get_event_loop_policy().get_event_loop().create_task(self.run(resume=resume))
        )
        return self.task

    def cancel(self) -> None:
        """Stop after the page being written; the .partial file is kept for a resume."""
        self._cancel.set()

    async def run(self, *, resume: bool = False) -> ExportResult:
        """Run the export to its end (the CLI's way); raises what stopped it."""
        self._cancel = asyncio.Event()
        self.state = JobState.RUNNING
        self.progress = None
        self.result = None
        self.error = None
        self._notify()
        try:
            if self._records is not None:
                result = await export_records(
                    self._records,
                    self.endpoint,
                    self.path,
                    options=self.options,
                    columns=self.columns,
                    progress=self._on_progress,
                    cancel=self._cancel,
                )
            else:
                assert self._client is not None
                assert self._query is not None
                result = await export_query(
                    self._client,
                    self.endpoint,
                    self._query,
                    self.path,
                    options=self.options,
                    columns=self.columns,
                    resume=resume,
                    progress=self._on_progress,
                    cancel=self._cancel,
                )
        except asyncio.CancelledError:
            self._end(JobState.CANCELLED, None)
            raise
        except ExportCancelled as exc:
            self._end(JobState.CANCELLED, exc)
            raise
        except Exception as exc:  # recorded for observers, then raised on
            self._end(JobState.FAILED, exc)
            raise
        self.result = result
        self._end(JobState.DONE, None)
        return result

    def _on_progress(self, progress: ExportProgress) -> None:
        self.progress = progress
        self._notify()

    def _end(self, state: JobState, error: BaseException | None) -> None:
        self.state = state
        self.error = error
        self._notify()

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback(self)
