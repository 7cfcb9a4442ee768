"""Export files under attack: planted links, devices, two writers, a full disk, damaged state."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from explorer.core import safefiles
from explorer.core.export import (
    ExportIncomplete,
    ResumeMismatch,
    export_records_csv,
    partial_path_for,
    state_path_for,
)
from explorer.core.safefiles import ExclusiveLock, FileLocked, NotARegularFile
from tests.core.test_export import LIST, FakeApi, export_records, read_rows, run_export

posix_only = pytest.mark.skipif(os.name != "posix", reason="links, FIFOs and modes are POSIX")


def stop_after_one_page(out: Path) -> None:
    """An export of 300 records that fails after its first page of 100, keeping the files."""
    api = FakeApi(300)
    api.fail_after_pages = 1
    with pytest.raises(ExportIncomplete):
        asyncio.run(run_export(api, out))


# ---------------------------------------------------------------- links and odd targets


@posix_only
def test_a_link_planted_at_the_partial_file_does_not_overwrite_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.csv"
    partial_path_for(out).symlink_to(victim)
    export_records(tmp_path, [{"id": 1, "name": "a"}])
    assert victim.read_text() == "precious"
    assert read_rows(out) == [["id", "name"], ["1", "a"]]


@posix_only
def test_a_link_planted_at_the_old_state_temp_name_does_not_overwrite_its_target(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.csv"
    state = state_path_for(out)
    state.with_name(state.name + ".tmp").symlink_to(victim)
    stop_after_one_page(out)
    assert victim.read_text() == "precious"
    assert json.loads(state.read_text())["rows_written"] == 100


@posix_only
def test_resume_refuses_a_partial_file_replaced_by_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious" * 1000)
    out = tmp_path / "out.csv"
    stop_after_one_page(out)
    partial = partial_path_for(out)
    partial.unlink()
    partial.symlink_to(victim)
    with pytest.raises(NotARegularFile) as caught:
        asyncio.run(run_export(FakeApi(300), out, resume=True))
    assert "a symbolic link" in caught.value.explanation
    assert victim.read_text() == "precious" * 1000


@posix_only
def test_an_out_path_naming_a_fifo_is_refused_and_left_alone(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile) as caught:
        asyncio.run(export_records_csv([{"id": 1}], LIST, fifo))
    assert "named pipe" in caught.value.explanation
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.csv"]


@posix_only
def test_an_out_path_naming_a_device_is_refused() -> None:
    with pytest.raises(NotARegularFile) as caught:
        safefiles.check_target(Path("/dev/null"))
    assert "a device" in caught.value.explanation


@posix_only
def test_data_files_are_private(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    stop_after_one_page(out)
    assert stat.S_IMODE(os.stat(partial_path_for(out)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state_path_for(out)).st_mode) == 0o600
    asyncio.run(run_export(FakeApi(300), out, resume=True))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    late = tmp_path / "late.csv"
    asyncio.run(run_export(FakeApi(450, late_from=230), late))  # rewritten with a new header
    assert stat.S_IMODE(os.stat(late).st_mode) == 0o600


# ---------------------------------------------------------------- one writer at a time


HOLD_LOCK = """
import sys, time
from pathlib import Path
from explorer.core.safefiles import ExclusiveLock
lock = ExclusiveLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_partial_file_held_by_another_process_is_refused_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(partial_path_for(out))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(FileLocked) as caught:
            asyncio.run(run_export(FakeApi(300), out))
        assert caught.value.holder_pid == holder.pid
        assert f"process {holder.pid}" in caught.value.explanation
        holder.communicate("")
    assert not out.exists()
    asyncio.run(run_export(FakeApi(300), out))  # released: the next export goes ahead
    assert len(read_rows(out)) == 301


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    lock = ExclusiveLock(partial_path_for(out))
    lock.lock_path.write_text(str(dead_pid()))
    asyncio.run(run_export(FakeApi(300), out))
    assert len(read_rows(out)) == 301
    assert not lock.lock_path.exists()


def test_the_lock_is_released_after_a_failure_and_a_cancel(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    stop_after_one_page(out)
    lock = ExclusiveLock(partial_path_for(out))
    lock.acquire()  # nobody holds it any more
    lock.release()
    assert not lock.lock_path.exists()


def test_one_process_cannot_take_the_lock_twice(tmp_path: Path) -> None:
    first = ExclusiveLock(tmp_path / "f")
    first.acquire()
    try:
        with pytest.raises(FileLocked) as caught:
            ExclusiveLock(tmp_path / "f").acquire()
        assert caught.value.holder_pid == os.getpid()
    finally:
        first.release()


# ---------------------------------------------------------------- a full disk


class FullDisk:
    """Files opened through os.fdopen that refuse every write once `full` is set (ENOSPC)."""

    def __init__(self) -> None:
        self.full = False

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_fdopen = os.fdopen
        disk = self

        class File:
            def __init__(self, handle: Any) -> None:
                self._handle = handle

            def write(self, data: Any) -> int:
                if disk.full:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return int(self._handle.write(data))

            def __enter__(self) -> File:
                return self

            def __exit__(self, *exc: object) -> None:
                self._handle.close()

            def __getattr__(self, name: str) -> Any:
                return getattr(self._handle, name)

        def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            return File(real_fdopen(fd, mode, *args, **kwargs))

        monkeypatch.setattr(os, "fdopen", fdopen)


def test_a_full_disk_names_the_file_keeps_the_rows_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    disk = FullDisk()
    disk.install(monkeypatch)

    def after_page(progress: Any) -> None:
        disk.full = True  # the first page fits, then the disk is full

    with pytest.raises(ExportIncomplete) as caught:
        asyncio.run(run_export(FakeApi(300), out, progress=after_page))
    text = caught.value.explain("run the same command with --resume to continue.")
    assert "No space left on device" in text
    assert str(partial_path_for(out)) in text
    assert "--resume" in text
    assert caught.value.rows_written == 100
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["out.csv.partial", "out.csv.partial.json"]
    assert json.loads(state_path_for(out).read_text())["rows_written"] == 100
    disk.full = False
    asyncio.run(run_export(FakeApi(300), out, resume=True))
    assert len(read_rows(out)) == 301


# ---------------------------------------------------------------- a damaged resume point


def test_a_bad_resume_point_gives_one_instruction(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    stop_after_one_page(out)
    state = json.loads(state_path_for(out).read_text())
    state["resume"]["page"] = -3
    state_path_for(out).write_text(json.dumps(state))
    with pytest.raises(ResumeMismatch) as caught:
        asyncio.run(run_export(FakeApi(300), out, resume=True))
    text = caught.value.explanation
    assert "without --resume" in text
    assert "with --resume" not in text.replace("without --resume", "")
    assert "start the fetch from the beginning" not in text


def test_without_flock_the_pid_in_the_lock_file_decides(tmp_path: Path) -> None:
    """The O_EXCL fallback (Windows): a live holder refuses, a dead one is taken over."""
    lock = ExclusiveLock(tmp_path / "f")
    lock.lock_path.write_text(str(os.getpid()))
    with pytest.raises(FileLocked) as caught:
        lock._acquire_exclusive()
    assert caught.value.holder_pid == os.getpid()
    lock.lock_path.write_text(str(dead_pid()))
    lock._acquire_exclusive()
    assert lock.lock_path.read_text() == str(os.getpid())
    lock.release()
    assert not lock.lock_path.exists()


# ---------------------------------------------------------------- secrets in parameters


@pytest.mark.parametrize("name", ["api_key", "access_token", "token", "key", "secret", "password"])
def test_a_sensitive_parameter_is_masked_in_the_state_and_taken_from_the_command_on_resume(
    name: str, tmp_path: Path
) -> None:
    from tests.core.test_export import paged_query

    canary = "CANARY-param-7c2e91"
    out = tmp_path / "out.csv"
    query = paged_query(params={name: canary, "plain": "visible"})
    api = FakeApi(300)
    api.fail_after_pages = 1
    with pytest.raises(ExportIncomplete):
        asyncio.run(run_export(api, out, query=query))
    state = state_path_for(out).read_text(encoding="utf-8")
    assert canary not in state
    assert "visible" in state
    healthy = FakeApi(300)
    result = asyncio.run(run_export(healthy, out, query=query, resume=True))
    assert result.resumed_at_row == 100
    assert healthy.requests[0].url.params[name] == canary  # from the command, not the state


@pytest.mark.parametrize(
    "change",
    [
        {"rows_written": "lots"},
        {"bytes": -1},
        {"pages": True},
        {"columns": "id,name"},
        {"columns": [1, 2]},
        {"resume": "page 2"},
        {"options": None},
        {"total_count": "many"},
    ],
)
def test_a_state_file_with_wrong_types_is_refused_with_one_instruction(
    change: dict[str, Any], tmp_path: Path
) -> None:
    from explorer.core.export import ExportError

    out = tmp_path / "out.csv"
    stop_after_one_page(out)
    state = json.loads(state_path_for(out).read_text())
    state.update(change)
    state_path_for(out).write_text(json.dumps(state))
    with pytest.raises(ExportError) as caught:
        asyncio.run(run_export(FakeApi(300), out, resume=True))
    assert "export again from the start" in caught.value.explanation


def test_a_state_file_nested_thousands_deep_is_refused(tmp_path: Path) -> None:
    from explorer.core.export import ExportError, read_state

    out = tmp_path / "out.csv"
    stop_after_one_page(out)
    state_path_for(out).write_text('{"version": 1, "x": ' + "[" * 10_000 + "]" * 10_000 + "}")
    with pytest.raises(ExportError):
        read_state(out)
