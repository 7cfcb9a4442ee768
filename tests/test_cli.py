"""`explorer-cli export` / `endpoints`: argument handling, messages, exit statuses, end to end."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from explorer.cli import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_NETWORK,
    EXIT_USAGE,
    main,
)
from explorer.core.catalog import (
    Catalog,
    Endpoint,
    PaginationKind,
    PathParam,
    Product,
    Resource,
)
from explorer.core.errors import (
    AuthError,
    NetworkError,
    NotFound,
    PaginationError,
    QueryError,
    RequestTimeout,
)
from explorer.core.export import ExportIncomplete, ExportProgress, ResumeMismatch
from explorer.exporting.cli import (
    ProgressLine,
    UsageProblem,
    describe_progress,
    exit_status,
    find_endpoint,
    format_endpoints,
    parse_assignment,
    parse_delimiter,
    parse_rate,
)

CATALOG = Catalog(
    name="test",
    products=(
        Product(
            "Core",
            resources=(
                Resource(
                    "Assets",
                    endpoints=(
                        Endpoint(
                            "GET",
                            "/core/v1/assets/hardware",
                            summary="List hardware assets",
                            pagination=PaginationKind.CURSOR,
                        ),
                        Endpoint(
                            "GET",
                            "/core/v1/assets/hardware/{id}",
                            summary="Get hardware asset",
                            pagination=PaginationKind.SINGLE,
                            path_params=(PathParam("id"),),
                        ),
                        Endpoint(
                            "GET",
                            "/v1/Units/{id}/WorkOrders",
                            summary="Work orders of a unit",
                            pagination=PaginationKind.NONE,
                            path_params=(PathParam("id"),),
                        ),
                    ),
                ),
            ),
        ),
    ),
)


# ---------------------------------------------------------------- argument values


def test_rate_is_count_per_seconds() -> None:
    assert parse_rate("50/5") == (50, 5.0)
    assert parse_rate("10/0.5") == (10, 0.5)


@pytest.mark.parametrize("text", ["50", "0/5", "50/0", "x/5", "50/x", ""])
def test_bad_rates_are_usage_problems_with_an_example(text: str) -> None:
    with pytest.raises(UsageProblem) as caught:
        parse_rate(text)
    assert "--rate 50/5" in caught.value.explanation


def test_assignments_split_at_the_first_equals_sign() -> None:
    assert parse_assignment("StartDate=2026-01-01", "--param") == ("StartDate", "2026-01-01")
    assert parse_assignment("q=a=b", "--param") == ("q", "a=b")
    with pytest.raises(UsageProblem):
        parse_assignment("novalue", "--param")
    with pytest.raises(UsageProblem):
        parse_assignment("=x", "--param")


def test_delimiter_names() -> None:
    assert parse_delimiter("tab") == "\t"
    assert parse_delimiter("\\t") == "\t"
    assert parse_delimiter(";") == ";"


# ---------------------------------------------------------------- endpoints


@pytest.mark.parametrize(
    "text",
    [
        "/core/v1/assets/hardware",
        "core/v1/assets/hardware/",
        "GET /core/v1/assets/hardware",
        "get /core/v1/assets/hardware",
        "/core/v1/assets/hardware?page_size=5",
    ],
)
def test_endpoint_by_path_or_id(text: str) -> None:
    endpoint, values = find_endpoint(CATALOG, text)
    assert endpoint.id == "GET /core/v1/assets/hardware"
    assert values == {}


def test_a_concrete_path_fills_path_parameters() -> None:
    endpoint, values = find_endpoint(CATALOG, "/v1/units/42/workorders")
    assert endpoint.path == "/v1/Units/{id}/WorkOrders"
    assert values == {"id": "42"}
    _, template_values = find_endpoint(CATALOG, "/v1/Units/{id}/WorkOrders")
    assert template_values == {}


def test_an_unknown_endpoint_names_close_matches() -> None:
    with pytest.raises(UsageProblem) as caught:
        find_endpoint(CATALOG, "/core/v1/asset/hardware")
    explanation = caught.value.explanation
    assert "No endpoint GET /core/v1/asset/hardware" in explanation
    assert "Did you mean: /core/v1/assets/hardware" in explanation
    assert "explorer-cli endpoints" in explanation


def test_endpoint_listing_is_aligned() -> None:
    lines = format_endpoints(CATALOG).splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "PAGINATION", "SUMMARY"]
    assert len(lines) == 4
    starts = {line.index(kind) for line, kind in zip(lines[1:], ("cursor", "single", "none"))}
    assert len(starts) == 1  # the pagination column starts at the same place on every line
    assert lines[1].endswith("List hardware assets")


# ---------------------------------------------------------------- exit statuses


def _incomplete(cause: Exception) -> ExportIncomplete:
    return ExportIncomplete(
        cause,
        partial_path=Path("a.csv.partial"),
        state_path=Path("a.csv.partial.json"),
        rows_written=3,
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UsageProblem("x"), EXIT_USAGE),
        (QueryError("x"), EXIT_USAGE),
        (ResumeMismatch("x"), EXIT_USAGE),
        (AuthError(401), EXIT_AUTH),
        (NotFound(404), EXIT_API),
        (NetworkError("x"), EXIT_NETWORK),
        (RequestTimeout("x"), EXIT_NETWORK),
        (PaginationError("x"), EXIT_FAILED),
        (OSError("disk full"), EXIT_FAILED),
    ],
)
def test_exit_status_follows_the_cause(error: Exception, status: int) -> None:
    assert exit_status(error) == status
    assert exit_status(_incomplete(error)) == status


# ---------------------------------------------------------------- progress


def _progress(rows: int, elapsed: float = 2.0, total: int | None = 1000) -> ExportProgress:
    return ExportProgress(
        rows_written=rows,
        total_count=total,
        pages=1,
        requests=1,
        elapsed_s=elapsed,
        waited_s=0.0,
        rate_limited=0,
    )


def test_progress_text_has_share_rate_and_time_left() -> None:
    assert describe_progress(_progress(250)) == "250 of 1,000 rows (25%), 125 rows/s, 6 s left"
    assert describe_progress(_progress(5, total=None)) == "5 rows, 2 rows/s"


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_rewrites_one_line() -> None:
    stream = FakeTty()
    now = [0.0]
    line = ProgressLine(stream, clock=lambda: now[0])
    for rows in (100, 200, 300):
        line.update(_progress(rows))
        now[0] += 1.0
    line.done()
    text = stream.getvalue()
    assert "\n" not in text
    assert text.count("\r") == 5  # three updates, then done() blanks the line: \r...\r
    assert "300 of 1,000" in text


def test_progress_without_a_terminal_prints_a_line_now_and_then() -> None:
    stream = io.StringIO()
    now = [0.0]
    line = ProgressLine(stream, clock=lambda: now[0])
    for rows in range(1, 101):
        line.update(_progress(rows))
        now[0] += 0.5  # 50 s in all: one line per 5 s
    line.done()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert "\r" not in stream.getvalue()


# ---------------------------------------------------------------- usage errors through main()


def test_missing_out_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["export", "/core/v1/clients", "--base-url", "http://127.0.0.1:9"])
    assert caught.value.code == EXIT_USAGE
    assert "--out" in capsys.readouterr().err


def test_profile_and_base_url_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["export", "/x", "--out", "x.csv", "--profile", "a", "--base-url", "http://h"])
    assert caught.value.code == EXIT_USAGE
    assert "not allowed with" in capsys.readouterr().err


def test_page_size_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["export", "/x", "--out", "x.csv", "--base-url", "http://h", "--page-size", "0"])
    assert caught.value.code == EXIT_USAGE
    assert "must be 1 or more" in capsys.readouterr().err
