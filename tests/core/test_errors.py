"""The error tree: status mapping, errors[] parsing, explanations that say what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from explorer.core import errors
from explorer.core.errors import (
    ApiError,
    AuthError,
    Forbidden,
    NotFound,
    NotSubscribed,
    RateLimited,
    ServerError,
    ValidationFailed,
    error_from_response,
    parse_retry_after,
)

CORE_401 = {
    "errors": [
        {
            "code": "UNAUTHORIZED",
            "title": "Invalid API credentials",
            "detail": "Invalid API credentials provided. Please check your API credentials and try again.",
        }
    ]
}


def response(status: int, **kwargs: object) -> httpx.Response:
    request = httpx.Request("GET", "https://api.example/core/v1/clients?page_size=5")
    return httpx.Response(status, request=request, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthError),
        (402, NotSubscribed),
        (403, Forbidden),
        (404, NotFound),
        (422, ValidationFailed),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (409, ApiError),
    ],
)
def test_each_status_maps_to_its_error_with_an_explanation(status: int, kind: type) -> None:
    error = error_from_response(response(status, json={"errors": []}))
    assert type(error) is kind
    assert error.status == status
    assert error.explanation == kind.default_explanation


def test_core_401_body_is_parsed_and_the_explanation_names_administrator_rights() -> None:
    error = error_from_response(response(401, json=CORE_401))
    assert isinstance(error, AuthError)
    assert error.items[0].code == "UNAUTHORIZED"
    assert "Invalid API credentials provided" in str(error)
    assert "Administrator" in error.explanation


def test_quoter_errors_use_key_instead_of_code() -> None:
    body = {"errors": [{"key": "ERR_REQUEST_FORMAT_INVALID", "detail": "bad filter"}]}
    error = error_from_response(response(400, json=body))
    assert error.items[0].code == "ERR_REQUEST_FORMAT_INVALID"
    assert "bad filter" in str(error)


def test_a_rejected_parameter_is_named_in_the_explanation() -> None:
    body = {
        "errors": [
            {
                "code": "INVALID_FILTER",
                "title": "Invalid filter field",
                "detail": "Filtering on 'colour' is not supported.",
                "source": {"parameter": "filter[colour]"},
            }
        ]
    }
    error = error_from_response(response(400, json=body))
    assert isinstance(error, ValidationFailed)
    assert error.field == "filter[colour]"
    assert "'filter[colour]'" in error.explanation
    assert "Invalid filter field: Filtering on 'colour'" in error.explanation


def test_problem_json_and_plain_text_bodies_are_kept() -> None:
    problem = error_from_response(
        response(403, json={"title": "Forbidden", "detail": "User lacks the API permission"})
    )
    assert "User lacks the API permission" in str(problem)
    text = error_from_response(response(502, text="<html>Bad gateway</html>"))
    assert isinstance(text, ServerError)
    assert text.body_text == "<html>Bad gateway</html>"
    assert "Bad gateway" in str(text)


def test_429_carries_retry_after_in_seconds_or_as_a_date() -> None:
    assert (
        error_from_response(
            response(429, text="Too Many Requests", headers={"Retry-After": "3"})
        ).retry_after
        == 3.0
    )  # type: ignore[attr-defined]
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 30
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_error_messages_never_carry_request_headers() -> None:
    request = httpx.Request(
        "GET", "https://user:hunter2@api.example/x", headers={"x-api-key": "SECRET-KEY"}
    )
    error = error_from_response(httpx.Response(401, request=request, json=CORE_401))
    text = f"{error} {error.explanation} {error.url}"
    assert "SECRET-KEY" not in text
    assert "hunter2" not in text


def test_every_error_class_has_its_own_explanation() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.ExplorerError)
    ]
    explanations = [c.default_explanation for c in classes if c is not errors.ExplorerError]
    assert len(explanations) == len(set(explanations))
