"""Bad input from a server or a user: each gets one clear explanation, never a wrong one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from explorer.core.errors import ApiError, ConfigError
from explorer.core.export import ExportProgress, export_csv
from explorer.core.settings import Profile
from explorer.exporting.cli import UsageProblem, describe_progress, parse_rate
from tests.core.test_client import make_client, run, sequence
from tests.core.test_export import LIST, read_rows

# ---------------------------------------------------------------- CSV header cells


def test_field_names_that_look_like_formulas_are_guarded_in_the_header(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    records = [{"id": 1, '=HYPERLINK("http://x")': "a", "@sum": "b", "-x": "c"}]
    asyncio.run(export_csv(None, LIST, None, out, records=records))
    header = read_rows(out)[0]
    assert header[:2] == ["id", "name"]
    assert set(header[2:]) == {'\'=HYPERLINK("http://x")', "'@sum", "'-x"}


def test_a_late_formula_column_is_guarded_in_the_rewritten_header(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    records = [{"id": i} for i in range(600)] + [{"id": 600, "+cmd": "x"}]
    asyncio.run(export_csv(None, LIST, None, out, records=records))
    assert read_rows(out)[0] == ["id", "name", "'+cmd"]


def test_the_header_is_left_alone_when_the_guard_is_off(tmp_path: Path) -> None:
    from explorer.core.export import CsvOptions

    out = tmp_path / "out.csv"
    options = CsvOptions(neutralise_formulas=False)
    asyncio.run(export_csv(None, LIST, None, out, records=[{"=x": 1}], options=options))
    assert read_rows(out)[0][-1] == "=x"


# ---------------------------------------------------------------- rates and counts


@pytest.mark.parametrize("text", ["5/inf", "5/nan", "5/-inf", "5/1e400"])
def test_a_rate_over_an_endless_or_undefined_period_is_refused(text: str) -> None:
    with pytest.raises(UsageProblem):
        parse_rate(text)


@pytest.mark.parametrize("period", [float("inf"), float("nan")])
def test_a_profile_with_an_endless_or_undefined_rate_period_is_refused(period: float) -> None:
    with pytest.raises(ConfigError, match="rate period"):
        Profile(name="p", base_url="https://api.example", rate_period_s=period)


def test_a_negative_total_count_is_never_shown_as_a_negative_share() -> None:
    progress = ExportProgress(
        rows_written=71,
        total_count=-100,
        pages=1,
        requests=1,
        elapsed_s=1.0,
        waited_s=0.0,
        rate_limited=0,
    )
    text = describe_progress(progress)
    assert "-" not in text
    assert "%" not in text
    assert text.startswith("71 rows")


# ---------------------------------------------------------------- bodies that are not JSON


def test_a_redirect_is_explained_as_a_redirect() -> None:
    reply = httpx.Response(302, headers={"Location": "https://login.example/sso"}, text="")
    client, _, _ = make_client(sequence(reply)[0])
    with pytest.raises(ApiError) as caught:
        run(client, lambda c: c.get_json("/x"))
    text = caught.value.explanation
    assert "redirect" in text
    assert "https://login.example/sso" in text
    assert "proxy login" not in text


def test_invalid_utf8_is_explained_as_an_encoding_problem() -> None:
    reply = httpx.Response(200, content=b'{"data": ["caf\xe9"]}')
    client, _, _ = make_client(sequence(reply)[0])
    with pytest.raises(ApiError) as caught:
        run(client, lambda c: c.get_json("/x"))
    text = caught.value.explanation
    assert "UTF-8" in text
    assert "proxy login" not in text


def test_json_nested_ten_thousand_deep_is_an_api_error() -> None:
    reply = httpx.Response(200, content=b"[" * 10_000 + b"]" * 10_000)
    client, _, _ = make_client(sequence(reply)[0])
    with pytest.raises(ApiError) as caught:
        run(client, lambda c: c.get_json("/x"))
    assert "nested" in caught.value.explanation


# ---------------------------------------------------------------- secrets a server echoes

CANARY = "CANARY-4e1d-secret-value"


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(422, json={"errors": [{"detail": f"bad key {CANARY}", "field": "x"}]}),
        httpx.Response(400, json={"errors": [{"title": CANARY, "code": CANARY}]}),
        httpx.Response(400, json={"title": "Bad", "detail": f"token={CANARY}"}),
        httpx.Response(429, json={"errors": [{"detail": f"slow down {CANARY}"}]}),
        httpx.Response(502, text=f"<html>upstream said {CANARY}</html>"),
        httpx.Response(400, json={"errors": {"Password": [f"{CANARY} is too short"]}}),
    ],
)
def test_every_text_of_an_error_built_from_a_response_is_masked(reply: httpx.Response) -> None:
    from explorer.core.errors import error_from_response

    reply.request = httpx.Request("GET", f"https://api.example/x?api_key={CANARY}")
    error = error_from_response(reply, [CANARY])
    texts = [str(error), error.explanation, error.body_text or "", error.url or ""]
    texts += [str(item) for item in error.items]
    assert all(CANARY not in text for text in texts), texts
