"""ExportJob: the one export operation the window's dialog observes and the CLI drives."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from explorer.core.auth import ApiKeyAuth
from explorer.core.catalogs import load_bundled
from explorer.core.client import ApiClient
from explorer.core.errors import ExportCancelled, ExportError, ExportIncomplete
from explorer.core.exportjob import ExportJob, JobState
from explorer.core.query import Query
from explorer.core.ratelimit import RateGovernor
from explorer.core.records import RecordStore

HARDWARE = load_bundled("scalepad").find("GET /core/v1/assets/hardware")
assert HARDWARE is not None


def _client(handle: Any) -> ApiClient:
    return ApiClient(handle.url, auth=ApiKeyAuth(handle.api_key), governor=RateGovernor(10_000, 1))


def _run_job(handle: Any, out: Path, *, observe: Any = None, resume: bool = False) -> ExportJob:
    async def go() -> ExportJob:
        async with _client(handle) as client:
            query = Query(endpoint_id=HARDWARE.id, page_size=50)
            job = ExportJob.for_query(client, HARDWARE, query, out)
            if observe is not None:
                job.subscribe(observe)
            try:
                await job.run(resume=resume)
            except ExportIncomplete:
                pass
            return job

    return asyncio.run(go())


def test_a_query_job_reports_every_page_then_its_result(make_sandbox: Any, tmp_path: Path):
    handle = make_sandbox()
    seen: list[tuple[JobState, int]] = []
    job = _run_job(
        handle,
        tmp_path / "all.csv",
        observe=lambda j: seen.append((j.state, j.progress.rows_written if j.progress else 0)),
    )
    assert job.state is JobState.DONE
    assert job.result is not None
    assert job.result.rows_written == job.result.total_count
    assert seen[0] == (JobState.RUNNING, 0)
    assert seen[-1] == (JobState.DONE, job.result.rows_written)
    running = [rows for state, rows in seen if state is JobState.RUNNING][1:]
    assert running == list(range(50, job.result.rows_written + 1, 50))[: len(running)]
    rows, speed = job.progress_text()
    assert rows.startswith(f"{job.result.rows_written:,} of {job.result.total_count:,} rows")
    assert "rows/s" in speed
    assert job.resumable


def test_cancel_keeps_the_partial_file_and_resume_finishes_it_exactly(
    make_sandbox: Any, tmp_path: Path
):
    handle = make_sandbox()
    clean = tmp_path / "clean.csv"
    assert _run_job(handle, clean).state is JobState.DONE

    out = tmp_path / "resumed.csv"

    def cancel_after_two_pages(job: ExportJob) -> None:
        if job.progress is not None and job.progress.pages >= 2:
            job.cancel()

    stopped = _run_job(handle, out, observe=cancel_after_two_pages)
    assert stopped.state is JobState.CANCELLED
    assert isinstance(stopped.error, ExportCancelled)
    assert stopped.partial_kept()
    resumed = _run_job(handle, out, resume=True)
    assert resumed.state is JobState.DONE
    assert resumed.result is not None
    assert resumed.result.resumed_at_row == 100
    assert out.read_bytes() == clean.read_bytes()


def test_a_records_job_writes_exactly_the_loaded_rows(tmp_path: Path):
    store = RecordStore()
    store.add_page([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    store.add_page([{"id": 3, "name": "=cmd"}])
    out = tmp_path / "page.csv"
    job = ExportJob.for_records(
        store.lazy(store.page_rows(2)), HARDWARE, out, columns=["id", "name"]
    )
    assert job.total_rows == 1
    assert not job.resumable
    result = asyncio.run(job.run())
    assert result.rows_written == 1
    assert out.read_bytes() == b"id,name\r\n3,'=cmd\r\n"


def test_a_failed_job_records_the_error(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    job = ExportJob.for_records([{"id": 1}], HARDWARE, blocker / "out.csv")
    with pytest.raises(ExportError):
        asyncio.run(job.run())
    assert job.state is JobState.FAILED
    assert isinstance(job.error, ExportError)


def test_a_job_takes_a_query_or_records_not_both() -> None:
    with pytest.raises(ValueError, match="either"):
        ExportJob(HARDWARE, "x.csv")
