"""Files that may hold customer data, opened so that nobody else on the machine can bend them.

- Data files (an export's `.partial`, its state, a rewrite) are created private (0600 on POSIX),
  exclusively (`O_EXCL`) and without following a symbolic link (`O_NOFOLLOW`): a link planted at
  `OUT.csv.partial` cannot make an export overwrite the file it points to.
- `check_target` refuses an output path that exists and is not a regular file (a device, a FIFO,
  a folder), which a rename would otherwise replace.
- `ExclusiveLock` is a lock file next to the partial file holding the pid of its holder: a second
  export to the same file is refused, naming that process. On POSIX the lock is an `flock` on
  that file, so a holder that died (even by SIGKILL) holds nothing and the next export takes over;
  elsewhere the file is created with `O_EXCL` and a lock whose pid no longer runs is taken over.

Every function blocks (small, local file work): call them from a worker thread.
"""

from __future__ import annotations

import contextlib
import errno
import logging.handlers
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from explorer.core.errors import ExplorerError

if sys.platform != "win32":
    import fcntl

PRIVATE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class FileLocked(ExplorerError):
    """Another process holds the lock of a file (it is exporting to the same file)."""

    def __init__(self, path: Path, holder_pid: int | None) -> None:
        self.path = path
        self.holder_pid = holder_pid
        who = f"process {holder_pid}" if holder_pid else "another process"
        super().__init__(
            f"{path} is locked by {who}",
            explanation=f"Another export ({who}) is writing {path.name} right now; wait for it "
            "to finish or stop it, or export to another file.",
        )


class NotARegularFile(ExplorerError):
    """The output path names something a data file must not replace."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is {what}, not a regular file",
            explanation=f"{path} is {what}, not a regular file, so it is left alone; choose a "
            "file name for the output, e.g. --out servers.csv.",
        )


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def check_target(path: Path) -> None:
    """Refuse `path` when it exists and is not a regular file (a link to one is fine)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # absent, or a dangling link: replacing it harms nobody
    what = _kind(mode)
    if what is not None:
        raise NotARegularFile(path, what)


def _check_open(fd: int, path: Path) -> None:
    what = _kind(os.fstat(fd).st_mode)
    if what is not None:
        os.close(fd)
        raise NotARegularFile(path, what)


def create_private(path: Path) -> int:
    """A new, empty, private file at `path` (what was there is removed first); a raw fd.

    Unlinking removes a planted link itself, never its target; `O_EXCL` then makes sure the file
    opened is the one just created.
    """
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            raise NotARegularFile(path, "a folder")
        os.unlink(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
    return os.open(path, flags, PRIVATE_MODE)


def open_existing(path: Path) -> int:
    """An existing regular file for reading and writing, not through a link; a raw fd."""
    try:
        fd = os.open(path, os.O_RDWR | _NOFOLLOW | _CLOEXEC | _BINARY)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise NotARegularFile(path, "a symbolic link") from exc
        raise
    _check_open(fd, path)
    return fd


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` at once: a private temp file of a fresh name, then a rename.

    The temp name is unpredictable and created with O_EXCL (tempfile.mkstemp), so no link can be
    waiting there; a failed write removes it.
    """
    fd, tmp = temp_beside(path, ".tmp")
    with removed_on_failure(tmp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)


def temp_beside(path: Path, suffix: str) -> tuple[int, Path]:
    """A private temp file next to `path` (same folder, so a rename is atomic): fd and path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    return fd, Path(tmp)


@contextlib.contextmanager
def removed_on_failure(path: Path) -> Iterator[None]:
    """Remove `path` (a temp file) when the block fails, so nothing stray is left behind."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def replace_into(source: Path, target: Path) -> None:
    """Rename `source` over `target` atomically, unless `target` is not a regular file."""
    check_target(target)
    os.replace(source, target)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the first, and each after a rotation) is private."""

    def _open(self) -> Any:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW | _CLOEXEC
        fd = os.open(self.baseFilename, flags, PRIVATE_MODE)
        if sys.platform != "win32":
            os.fchmod(fd, PRIVATE_MODE)  # a log left by an older version was world-readable
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


# ---------------------------------------------------------------- the lock


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _read_pid(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


class ExclusiveLock:
    """`<path>.lock`, held while a process writes `path`; `acquire()` raises FileLocked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        if sys.platform == "win32":
            self._acquire_exclusive()
        else:
            self._acquire_flock()

    def _acquire_flock(self) -> None:
        flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC
        while True:
            fd = os.open(self.lock_path, flags, PRIVATE_MODE)
            _check_open(fd, self.lock_path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_pid(fd)
                os.close(fd)
                raise FileLocked(self.path, holder) from None
            # The holder before us may have removed the file between our open and our flock:
            # then we locked a file nobody else sees, so start again with the current one.
            try:
                same = os.stat(self.lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd

    def _acquire_exclusive(self) -> None:
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, flags, PRIVATE_MODE)
            except FileExistsError:
                try:
                    existing = os.open(self.lock_path, os.O_RDONLY | _BINARY)
                except FileNotFoundError:
                    continue
                try:
                    holder = _read_pid(existing)
                finally:
                    os.close(existing)
                if holder is not None and _pid_alive(holder):
                    raise FileLocked(self.path, holder) from None
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.lock_path)  # left by a process that no longer runs
                continue
            os.write(fd, str(os.getpid()).encode("ascii"))
            self._fd = fd
            return
        raise FileLocked(self.path, None)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Unlink while still holding it, so nobody locks a file that is about to disappear.
        with contextlib.suppress(OSError):
            os.unlink(self.lock_path)
        os.close(fd)
