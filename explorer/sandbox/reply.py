"""What a sandbox route answers: status, headers and body bytes (or a dropped connection)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json; charset=utf-8"
PROBLEM_JSON = "application/problem+json; charset=utf-8"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop: bool = False  # close the connection without answering (fault injection)


def json_reply(
    status: int,
    payload: Any,
    *,
    content_type: str = JSON,
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(status, body, content_type, headers or [])


def error_reply(status: int, code: str, title: str, detail: str) -> Reply:
    """A ScalePad-style error body: `{"errors": [{"code", "title", "detail"}]}`."""
    return json_reply(status, {"errors": [{"code": code, "title": title, "detail": detail}]})


def text_reply(
    status: int,
    text: str,
    *,
    content_type: str = "text/plain; charset=utf-8",
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    return Reply(status, text.encode(), content_type, headers or [])


def empty_reply(status: int, headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(status, b"", None, headers or [])
