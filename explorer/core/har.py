"""The request log as a HAR 1.2 file ("HTTP Archive"), to share a trace with support.

A HAR file opens in a browser's network panel (Chromium, Firefox: "Import HAR") and in HAR
viewers. Everything in it comes from RequestLogEntry values, which were masked when they were
made (requestlog.py): keys, passwords, tokens and cookie values are `****` here exactly as in the
log panel, whoever echoed them. This module adds no masking of its own, so the two cannot differ.

What the log does not know is said, as the format asks: `-1` for the blocked, DNS, connect and
TLS times and the header sizes; a body the log keeps only the start of has a `comment` saying so.
The rate-limit wait before a request went out is in the entry's comment and `_explorer` field.

`HarWriter` writes entry by entry, so a long command-line export (thousands of requests) never
holds the file in memory; the file appears under its name only once it is complete. Every
function here blocks (file work): the window calls them from a worker thread.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import parse_qsl

import httpx

from explorer import __version__
from explorer.core import safefiles
from explorer.core.requestlog import RequestLog, RequestLogEntry

HAR_VERSION = "1.2"
SUFFIX = ".har"
#: The client speaks HTTP/1.1 (httpx without HTTP/2); said of a request that got no answer.
REQUEST_HTTP_VERSION = "HTTP/1.1"
UNKNOWN = -1  # the format's word for a size or time the tool does not know
DEFAULT_COMMENT = (
    f"Requests sent by explorer {__version__}. Keys, passwords, tokens and cookie values are "
    "masked (****), as in its request log; long bodies are cut (see each body's comment)."
)


class HarWriteFailed(OSError):
    """The HAR file could not be written (the disk is full, the folder went away...)."""


def har_entry(entry: RequestLogEntry) -> dict[str, Any]:
    """One request-log entry as a HAR `entries` item."""
    started = datetime.fromtimestamp(entry.time, tz=UTC).astimezone()
    timings = _timings(entry)
    har: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds"),
        "time": round(timings["send"] + timings["wait"] + timings["receive"], 3),
        "request": _request(entry),
        "response": _response(entry),
        "cache": {},
        "timings": timings,
        "_resourceType": "fetch",  # a network panel lists it with the Fetch/XHR requests
        "_explorer": {
            "id": entry.id,
            "attempt": entry.attempt,
            "rateLimitWaitMs": round(entry.waited_s * 1000, 1),
        },
    }
    comment = _entry_comment(entry)
    if comment:
        har["comment"] = comment
    if entry.error:
        har["_error"] = entry.error  # where Chromium keeps the reason a request failed
    return har


def _timings(entry: RequestLogEntry) -> dict[str, float]:
    """send, wait (until the response headers) and receive (the body), in milliseconds."""
    total = max(entry.duration_ms, 0.0)
    wait = total if entry.first_byte_ms is None else min(max(entry.first_byte_ms, 0.0), total)
    return {
        "blocked": UNKNOWN,
        "dns": UNKNOWN,
        "connect": UNKNOWN,
        "ssl": UNKNOWN,
        "send": 0.0,  # not measured apart: it is part of `wait`
        "wait": round(wait, 3),
        "receive": round(total - wait, 3),
    }


def _entry_comment(entry: RequestLogEntry) -> str:
    facts = []
    if entry.attempt > 1:
        facts.append(f"try {entry.attempt} of this request (the tries before are earlier entries)")
    if entry.waited_s:
        facts.append(f"waited {entry.waited_s:.2f} s for the rate limit before sending")
    if entry.error:
        facts.append(("no answer: " if entry.status is None else "") + entry.error)
    return "; ".join(facts)


def _request(entry: RequestLogEntry) -> dict[str, Any]:
    url = httpx.URL(entry.url)
    request: dict[str, Any] = {
        "method": entry.method,
        "url": entry.url,
        "httpVersion": entry.http_version or REQUEST_HTTP_VERSION,
        "cookies": _request_cookies(entry.request_headers),
        "headers": _headers(entry.request_headers),
        "queryString": [{"name": k, "value": v} for k, v in url.params.multi_items()],
        "headersSize": UNKNOWN,
        "bodySize": entry.request_size,
    }
    if entry.request_body or entry.request_size:
        mime = _header(entry.request_headers, "content-type") or "application/octet-stream"
        post: dict[str, Any] = {"mimeType": mime, "text": entry.request_body}
        if "x-www-form-urlencoded" in mime.lower():
            pairs = parse_qsl(entry.request_body, keep_blank_values=True)
            post["params"] = [{"name": k, "value": v} for k, v in pairs]
        request["postData"] = post
    return request


def _response(entry: RequestLogEntry) -> dict[str, Any]:
    size = entry.response_size
    content: dict[str, Any] = {
        "size": size,
        "mimeType": _header(entry.response_headers, "content-type") or "x-unknown",
        "text": entry.response_body,
    }
    wire = entry.wire_size
    if wire is not None and wire < size:
        content["compression"] = size - wire
    if entry.truncated:
        content["comment"] = (
            f"Cut: the request log keeps the first {len(entry.response_body):,} characters of "
            f"a body; this one had {size:,} bytes."
        )
    return {
        "status": entry.status or 0,  # 0: no answer came (Chromium shows "failed")
        "statusText": entry.reason,
        "httpVersion": entry.http_version,
        "cookies": _response_cookies(entry.response_headers),
        "headers": _headers(entry.response_headers),
        "content": content,
        "redirectURL": _header(entry.response_headers, "location") or "",
        "headersSize": UNKNOWN,
        "bodySize": UNKNOWN if wire is None else wire,
    }


def _headers(headers: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _request_cookies(headers: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    cookies = []
    for name, value in headers:
        if name.lower() == "cookie":
            for part in value.split(";"):
                cookie_name, eq, cookie_value = part.strip().partition("=")
                if eq:
                    cookies.append({"name": cookie_name.strip(), "value": cookie_value})
    return cookies


def _response_cookies(headers: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    cookies = []
    for name, value in headers:
        if name.lower() != "set-cookie":
            continue
        first, *attributes = value.split(";")
        cookie_name, eq, cookie_value = first.strip().partition("=")
        if not eq:
            continue
        cookie: dict[str, Any] = {"name": cookie_name.strip(), "value": cookie_value}
        for attribute in attributes:
            key, _, setting = attribute.strip().partition("=")
            key = key.lower()
            if key in ("path", "domain"):
                cookie[key] = setting
            elif key == "expires":
                with contextlib.suppress(TypeError, ValueError):
                    cookie["expires"] = email.utils.parsedate_to_datetime(setting).isoformat()
            elif key == "httponly":
                cookie["httpOnly"] = True
            elif key == "secure":
                cookie["secure"] = True
        cookies.append(cookie)
    return cookies


class HarWriter:
    """A HAR file written entry by entry into a private temp file, renamed into place on close.

    Entries are written as they are added (the window adds them sorted by start time; the
    command line as the answers complete, which a network panel sorts again). A write that fails
    is remembered, not raised, so that the requests being recorded go on; `close` raises it.
    """

    def __init__(self, path: Path, *, comment: str = DEFAULT_COMMENT) -> None:
        safefiles.check_target(path)
        self.path = path
        self.count = 0
        fd, self._temp = safefiles.temp_beside(path, ".tmp")
        self._file: TextIO | None = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._failure: OSError | None = None
        head = {
            "version": HAR_VERSION,
            "creator": {"name": "explorer", "version": __version__},
            "pages": [],  # requests are not grouped by page
            "comment": comment,
        }
        # The head object without its closing brace: the entries follow it as they come.
        self._write('{"log": ' + json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": [')

    def add(self, entry: RequestLogEntry) -> None:
        text = json.dumps(har_entry(entry), ensure_ascii=False)
        self._write(("\n" if self.count == 0 else ",\n") + text)
        if self._failure is None:
            self.count += 1

    def close(self) -> int:
        """Finish the file and put it in place; the number of entries. HarWriteFailed if any
        write failed (then nothing is left behind)."""
        self._write("\n]}}\n")
        handle, self._file = self._file, None
        try:
            if handle is not None:
                try:
                    handle.close()  # writes what is still buffered: a full disk shows here
                except OSError as exc:
                    self._failure = self._failure or exc
            if self._failure is not None:
                raise HarWriteFailed(
                    self._failure.errno, self._failure.strerror, str(self.path)
                ) from self._failure
            safefiles.replace_into(self._temp, self.path)
        except BaseException:
            self._remove_temp()
            raise
        return self.count

    def discard(self) -> None:
        """Stop, leaving nothing behind."""
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        self._remove_temp()

    def _write(self, text: str) -> None:
        if self._file is None or self._failure is not None:
            return
        try:
            self._file.write(text)
        except OSError as exc:
            self._failure = exc

    def _remove_temp(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self._temp)

    def __enter__(self) -> HarWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def write_har(path: Path, entries: Iterable[RequestLogEntry]) -> int:
    """Write `entries` as a HAR file at `path`, oldest first; the number written."""
    with HarWriter(path) as writer:
        for entry in sorted(entries, key=lambda e: (e.time, e.id)):
            writer.add(entry)
    return writer.count


class HarRecording:
    """Every request of a run, recorded into a HAR file as it is made (`explorer-cli --har`).

    `log` is the RequestLog to give the client. It keeps no entries itself (the file has them),
    so memory stays flat however many requests the run makes.
    """

    def __init__(self, path: Path) -> None:
        self.writer = HarWriter(path)
        self.log = RequestLog(capacity=0)
        self.log.subscribe(self.writer.add)

    @property
    def path(self) -> Path:
        return self.writer.path

    def close(self) -> int:
        return self.writer.close()
