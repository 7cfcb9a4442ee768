"""One exception tree for everything the core can fail at.

Every error carries `explanation`: one line, in plain words, saying what happened and what to do.
The window shows it as is and the CLI prints it; neither ever shows a traceback.
No error message may contain a secret: request headers are never copied into one, and what a
server says back (which may echo the key or the password) is masked in `error_from_response`,
the one place where responses become errors, exactly as the request log masks it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from explorer.core.requestlog import mask_body, mask_url, scrub


@dataclass(frozen=True)
class ApiErrorItem:
    """One entry of an `errors[]` body (`code` on Core, `key` on Quoter)."""

    code: str | None
    title: str | None
    detail: str | None
    field: str | None = None

    def text(self) -> str:
        if self.title and self.detail and not self.detail.startswith(self.title):
            return f"{self.title.rstrip('.:')}: {self.detail}"
        return self.detail or self.title or self.code or ""


class ExplorerError(Exception):
    """Base of every error the core raises on purpose."""

    default_explanation = "Something went wrong."

    def __init__(self, message: str | None = None, *, explanation: str | None = None) -> None:
        self.explanation = explanation or self.default_explanation
        super().__init__(message or self.explanation)

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(ExplorerError):
    default_explanation = "The settings file could not be read; fix or delete it and start again."


class SecretStoreUnavailable(ExplorerError):
    default_explanation = (
        "No system keychain is available; secrets are kept for this session only "
        "and must be entered again next time."
    )


class QueryError(ExplorerError):
    default_explanation = "The query is not valid; fix the marked rows before running it."


class CurlCommandError(ExplorerError):
    """Pasted text that is not a cURL command explorer can open: a POST, a body, a flag it does
    not read, or no command at all. The message is the one-line reason, shown as is."""

    default_explanation = "The text is not a cURL command explorer can open."

    def __init__(self, reason: str) -> None:
        super().__init__(reason, explanation=reason)


class SpecError(ExplorerError):
    """A broken OpenAPI document; `location` says where (a JSON pointer or a line)."""

    default_explanation = "The API description could not be read; check the file or URL."

    def __init__(
        self, message: str, *, location: str | None = None, explanation: str | None = None
    ) -> None:
        self.location = location
        where = f" (at {location})" if location else ""
        super().__init__(f"{message}{where}", explanation=explanation or f"{message}{where}")


class PaginationError(ExplorerError):
    default_explanation = (
        "The API returned pages that do not fit together; the records so far are kept, "
        "try again or narrow the query."
    )


class _SaysWhatHappened(PaginationError):
    """A paging error whose explanation starts with what happened (the message)."""

    default_explanation = "The walk stopped early; the records so far are kept."

    def __init__(self, message: str, *, explanation: str | None = None) -> None:
        super().__init__(
            message, explanation=explanation or f"{message} {self.default_explanation}"
        )


class PagingLoop(_SaysWhatHappened):
    """The server sent the walk back where it had been: a repeated request, or only repeats."""

    default_explanation = (
        "The walk stopped instead of looping; the records so far are kept. Check the paging "
        "style (--paging) or narrow the query."
    )


class PageLimitReached(_SaysWhatHappened):
    """The walk reached its cap on pages while the API still said there were more."""

    default_explanation = (
        "The records so far are kept; raise the limit (--max-pages) or narrow the query, and "
        "resume."
    )


class NetworkError(ExplorerError):
    default_explanation = (
        "The server could not be reached; check the base URL, your connection or proxy, "
        "and try again."
    )


class RequestTimeout(NetworkError):
    default_explanation = "The server did not answer in time; try again, or ask for smaller pages."


class TlsError(NetworkError):
    default_explanation = (
        "The server's certificate was not trusted; behind a corporate proxy, set its CA "
        "bundle in the profile's TLS options."
    )


class ApiError(ExplorerError):
    """The API answered with an error status."""

    default_explanation = "The API refused the request."

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        items: tuple[ApiErrorItem, ...] = (),
        body_text: str | None = None,
        method: str | None = None,
        url: str | None = None,
        explanation: str | None = None,
    ) -> None:
        self.status = status
        self.items = items
        self.body_text = body_text
        self.method = method
        self.url = url
        detail = "; ".join(i.text() for i in items if i.text()) or (body_text or "").strip()[:300]
        head = f"HTTP {status}"
        super().__init__(
            message or (f"{head}: {detail}" if detail else head), explanation=explanation
        )


class AuthError(ApiError):
    default_explanation = (
        "The credentials were rejected (401): check the API key or password in the profile; "
        "ScalePad keys stop working when their user loses Administrator rights."
    )


class NotSubscribed(ApiError):
    default_explanation = (
        "The account is not subscribed to this product (402); ask your ScalePad administrator "
        "to enable it."
    )


class Forbidden(ApiError):
    default_explanation = (
        "The credentials are valid but not allowed to do this (403); ask an administrator "
        "for the permission."
    )


class NotFound(ApiError):
    default_explanation = "Nothing exists at this address (404); check the id or the path."


class ValidationFailed(ApiError):
    """422 (or 400 with a field): `field` names the parameter the API rejected, when known."""

    default_explanation = "The API rejected a parameter (422); fix it and run again."

    @property
    def field(self) -> str | None:
        return next((i.field for i in self.items if i.field), None)


class RateLimited(ApiError):
    default_explanation = (
        "The API's rate limit was reached (429); requests slow down and resume by themselves."
    )

    def __init__(self, status: int = 429, *args: Any, retry_after: float | None = None, **kw: Any):
        self.retry_after = retry_after
        super().__init__(status, *args, **kw)


class ResponseTooLarge(ApiError):
    """The decoded body grew past the profile's size limit and was abandoned while streaming."""

    default_explanation = (
        "The API's answer was larger than the size limit and was stopped; ask for smaller pages, "
        "or raise the limit (--max-response-mb, or the profile's setting)."
    )


class ServerError(ApiError):
    default_explanation = (
        "The API had an internal problem (5xx); wait a moment and try again; if it lasts, "
        "check the provider's status page."
    )


# ---------------------------------------------------------------- export


class ExportError(ExplorerError):
    default_explanation = (
        "The export file could not be written; check the folder, its permissions and free space."
    )


class TooManyRows(ExportError):
    """More rows than one Excel worksheet holds: refused when the count is known before anything
    is written, else raised at the page that would pass the limit (the pages before it are kept).

    Resuming cannot help (the next page would pass the limit again), so `resumable` is False.
    """

    resumable = False
    default_explanation = (
        "More rows than an Excel worksheet holds; export to CSV instead, or narrow the query."
    )

    def __init__(self, rows: int, sheet_rows: int, *, announced: bool) -> None:
        self.rows = rows
        self.sheet_rows = sheet_rows
        if announced:
            what = (
                f"{rows:,} records match, and an Excel worksheet holds {sheet_rows:,} rows, "
                "the header included"
            )
        else:
            what = (
                f"The export reached the {sheet_rows:,} rows an Excel worksheet holds (the header "
                "included) and more records follow; the API did not say how many match"
            )
        super().__init__(
            f"{rows:,} rows are more than an Excel worksheet holds ({sheet_rows:,})",
            explanation=f"{what}. Export to CSV instead (a .csv file, or --format csv), or "
            "narrow the query with a filter.",
        )


class ResumeMismatch(ExportError):
    """The partial file was made by a different query or with other options."""

    default_explanation = (
        "The unfinished export was made with different settings; run it with the same ones, "
        "or export again without resuming."
    )


class ExportIncomplete(ExplorerError):
    """The export stopped before the end; what was written is kept for a resume.

    `cause` is the error that stopped it (an ApiError, NetworkError, ExportError...).
    """

    default_explanation = "The export stopped early; the rows so far are kept for a resume."

    def __init__(
        self,
        cause: BaseException | None,
        *,
        partial_path: Path,
        state_path: Path,
        rows_written: int,
        what: str = "stopped",
    ) -> None:
        self.cause = cause
        self.partial_path = partial_path
        self.state_path = state_path
        self.rows_written = rows_written
        self.reason = getattr(cause, "explanation", None) or (str(cause) if cause else "")
        self.head = f"Export {what} after {rows_written:,} rows"
        super().__init__(
            f"{self.head}: {cause}" if cause else self.head,
            explanation=self.explain("resume the export to continue from there."),
        )

    def explain(self, how_to_resume: str) -> str:
        """One line: what stopped it, where the rows are, and how to go on."""
        reason = f": {self.reason.rstrip('.')}." if self.reason else "."
        if getattr(self.cause, "resumable", True) is False:
            return f"{self.head}{reason} The rows so far are kept in {self.partial_path.name}."
        return (
            f"{self.head}{reason} The rows so far are kept in {self.partial_path.name}; "
            f"{how_to_resume}"
        )


class ExportCancelled(ExportIncomplete):
    default_explanation = "The export was cancelled; the rows so far are kept for a resume."

    def __init__(self, *, partial_path: Path, state_path: Path, rows_written: int) -> None:
        super().__init__(
            None,
            partial_path=partial_path,
            state_path=state_path,
            rows_written=rows_written,
            what="cancelled",
        )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # Not a delay at all (nan, negative): as if absent, so the caller's own pause applies
        # instead of retrying at once. inf stays: the governor caps it.
        return seconds if seconds >= 0 else None
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _items_from_body(body: Any) -> tuple[ApiErrorItem, ...]:
    if not isinstance(body, dict):
        return ()
    raw = body.get("errors")
    items: list[ApiErrorItem] = []
    if isinstance(raw, list):
        for entry in raw:
            if not isinstance(entry, dict):
                continue
            source = entry.get("source")
            field = entry.get("field") or entry.get("parameter")
            if isinstance(source, dict):
                field = field or source.get("parameter") or source.get("pointer")
            items.append(
                ApiErrorItem(
                    code=_str(entry.get("code") or entry.get("key")),
                    title=_str(entry.get("title")),
                    detail=_str(entry.get("detail") or entry.get("message")),
                    field=_str(field),
                )
            )
    elif isinstance(raw, dict):  # ASP.NET validation problem: {"errors": {"Field": ["msg"]}}
        for field, messages in raw.items():
            text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
            items.append(ApiErrorItem(code=None, title=None, detail=text, field=str(field)))
    if not items and ("title" in body or "detail" in body):  # RFC 7807 problem+json
        items.append(
            ApiErrorItem(
                code=_str(body.get("type")),
                title=_str(body.get("title")),
                detail=_str(body.get("detail")),
            )
        )
    return tuple(items)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthError,
    402: NotSubscribed,
    403: Forbidden,
    404: NotFound,
    422: ValidationFailed,
    429: RateLimited,
}


def error_from_response(response: httpx.Response, secrets: Iterable[str] = ()) -> ApiError:
    """Map an error response to the matching ApiError, with `errors[]` parsed when present.

    `secrets` are the values the client sent (key, password, token): a server may repeat them,
    so every text taken from the response is masked like the request log masks it.
    """
    secrets = tuple(secrets)
    status = response.status_code
    text = response.text if response.content else ""
    body: Any = None
    if text:
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = None
    items = tuple(
        replace(
            item,
            **{
                name: scrub(value, secrets)
                for name in ("code", "title", "detail", "field")
                if (value := getattr(item, name)) is not None
            },
        )
        for item in _items_from_body(body)
    )
    if body is None and text:
        text = mask_body(text, secrets, response.headers.get("Content-Type", ""))
    kind = _BY_STATUS.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else ApiError
    if status == 400 and any(i.field for i in items):
        kind = ValidationFailed
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a Response built by hand (tests) has no request
        request = None
    common: dict[str, Any] = {
        "items": items,
        "body_text": None if body is not None else text or None,
        "method": request.method if request else None,
        "url": mask_url(request.url, secrets) if request else None,
    }
    explanation = None
    if kind is ValidationFailed:
        field = next((i.field for i in items if i.field), None)
        what = next((i.text() for i in items if i.text()), "")
        if field:
            explanation = f"The API rejected the parameter '{field}' ({status}): {what}".rstrip(
                ": "
            )
    if kind is ApiError and items:
        explanation = f"The API refused the request ({status}): {items[0].text()}"
    if kind is RateLimited:
        return RateLimited(
            status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            **common,
        )
    return kind(status, explanation=explanation, **common)
