"""Bad input from a server or a user: each gets one clear explanation, never a wrong one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from explorer.core.errors import ApiError, ConfigError
from explorer.core.export import ExportProgress, export_records_csv
from explorer.core.settings import AuthKind, Profile
from explorer.exporting.cli import UsageProblem, describe_progress, parse_rate
from tests.core.test_client import make_client, run, sequence
from tests.core.test_export import LIST, read_rows
from tests.hostile_servers import drip, gzip_bomb, send_gzip, serve

# ---------------------------------------------------------------- CSV header cells


def test_field_names_that_look_like_formulas_are_guarded_in_the_header(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    records = [{"id": 1, '=HYPERLINK("http://x")': "a", "@sum": "b", "-x": "c"}]
    asyncio.run(export_records_csv(records, LIST, out))
    header = read_rows(out)[0]
    assert header[:2] == ["id", "name"]
    assert set(header[2:]) == {'\'=HYPERLINK("http://x")', "'@sum", "'-x"}


def test_a_late_formula_column_is_guarded_in_the_rewritten_header(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    records = [{"id": i} for i in range(600)] + [{"id": 600, "+cmd": "x"}]
    asyncio.run(export_records_csv(records, LIST, out))
    assert read_rows(out)[0] == ["id", "name", "'+cmd"]


def test_the_header_is_left_alone_when_the_guard_is_off(tmp_path: Path) -> None:
    from explorer.core.export import CsvOptions

    out = tmp_path / "out.csv"
    options = CsvOptions(neutralise_formulas=False)
    asyncio.run(export_records_csv([{"=x": 1}], LIST, out, options=options))
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


# ---------------------------------------------------------------- size and time limits over HTTP


def test_a_slow_drip_ends_at_the_deadline_and_is_retried_as_a_timeout() -> None:
    from explorer.core.client import ApiClient
    from explorer.core.errors import RequestTimeout

    seen = []

    def answer(handler: Any) -> None:
        seen.append(handler.path)
        drip(handler, interval_s=1.0)  # each read is quick: only the deadline can end it

    async def fetch(url: str) -> Any:
        async with ApiClient(url, deadline_s=2.0, max_retries=1, backoff_base_s=0.01) as client:
            return await client.get_json("/x")

    with serve(answer) as url, pytest.raises(RequestTimeout) as caught:
        asyncio.run(fetch(url))
    assert "within 2 s" in caught.value.explanation
    assert "--timeout" in caught.value.explanation
    assert "Gave up after 2 tries" in caught.value.explanation
    assert len(seen) == 2


def test_a_gzip_bomb_answer_is_refused_at_the_limit() -> None:
    from explorer.core.client import MB, ApiClient
    from explorer.core.errors import ResponseTooLarge

    bomb = gzip_bomb(64)

    async def fetch(url: str) -> Any:
        async with ApiClient(url, max_response_bytes=4 * MB) as client:
            return await client.get_json("/x")

    with serve(lambda h: send_gzip(h, bomb)) as url, pytest.raises(ResponseTooLarge) as caught:
        asyncio.run(fetch(url))
    assert "grew past 4 MB" in caught.value.explanation


def test_a_gzip_bomb_openapi_download_is_refused_at_the_limit() -> None:
    from explorer.core.errors import SpecError
    from explorer.core.openapi import download

    bomb = gzip_bomb(64)
    with serve(lambda h: send_gzip(h, bomb)) as url, pytest.raises(SpecError) as caught:
        asyncio.run(download(url + "/openapi.json", max_bytes=4 * 1024 * 1024))
    assert "grew past 4 MB" in caught.value.explanation


def test_a_slow_openapi_download_ends_at_the_deadline() -> None:
    from explorer.core.errors import SpecError
    from explorer.core.openapi import download

    with serve(drip) as url, pytest.raises(SpecError) as caught:
        asyncio.run(download(url + "/openapi.json", deadline_s=2.0))
    assert "within 2 s" in caught.value.explanation


@pytest.mark.parametrize("asked", [86_400.0, float("inf")])
def test_a_retry_after_pause_is_capped_and_says_why(asked: float) -> None:
    from explorer.core.ratelimit import MAX_PAUSE_S, RateGovernor

    now = [0.0]
    governor = RateGovernor(50, 5.0, clock=lambda: now[0])
    governor.record_response(429, asked)
    snapshot = governor.snapshot()
    assert snapshot.paused_for_s == MAX_PAUSE_S == 900.0
    assert "at most 15 min" in snapshot.pause_reason
    now[0] += MAX_PAUSE_S
    assert governor.snapshot().paused_for_s == 0
    assert governor.snapshot().pause_reason == ""


def test_connect_gives_the_client_the_profiles_limits() -> None:
    from explorer.core.client import MB, connect
    from explorer.core.secrets import SessionSecretStore

    profile = Profile(
        name="limits",
        base_url="https://api.example",
        auth_kind=AuthKind.NONE,
        max_response_mb=7,
        request_timeout_s=9.5,
    )

    async def made() -> Any:
        client = await connect(profile, SessionSecretStore())
        await client.aclose()
        return client

    client = asyncio.run(made())
    assert client.max_response_bytes == 7 * MB
    assert client.deadline_s == 9.5


def test_old_settings_without_the_limits_load_with_the_defaults() -> None:
    profile = Profile.from_dict({"name": "old", "base_url": "https://api.example"})
    assert profile.max_response_mb == 256
    assert profile.request_timeout_s == 120.0


# ---------------------------------------------------------------- settings and base URLs


def test_two_damaged_settings_files_in_one_second_are_both_kept(tmp_path: Path) -> None:
    from explorer.core.settings import SettingsStore

    folder = tmp_path / "Config-MixedCase"
    folder.mkdir()
    store = SettingsStore(folder / "settings.json")
    messages = []
    for damage in (b"{first", b"{second"):
        store.path.write_bytes(damage)
        with pytest.raises(ConfigError) as caught:
            store.load()
        messages.append(caught.value.explanation)
    aside = sorted(p for p in folder.iterdir() if ".unreadable-" in p.name)
    assert sorted(p.read_bytes() for p in aside) == [b"{first", b"{second"]
    for path, message in zip(aside, messages, strict=True):
        assert str(path) in message  # the path as it is, not lower-cased
    assert not store.path.exists()


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://127.0.0.1:99999", "https://", "http://host:0", "https://:443/x"],
)
def test_base_urls_that_cannot_be_used_are_refused_by_the_profile(url: str) -> None:
    with pytest.raises(ConfigError, match="base URL"):
        Profile(name="p", base_url=url)


def test_credentials_in_a_base_url_are_refused_saying_where_they_go() -> None:
    with pytest.raises(ConfigError) as caught:
        Profile(name="p", base_url="https://me:hunter22@api.example")
    assert "keychain" in caught.value.explanation
    assert "hunter22" not in caught.value.explanation


def test_an_openapi_server_url_is_offered_without_its_credentials() -> None:
    from explorer.core.openapi import import_openapi

    document = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://me:hunter22@api.example/v1"}, {"url": "https://b.example"}],
        "paths": {},
    }
    import json

    catalog = import_openapi(json.dumps(document))
    assert catalog.servers == ("https://api.example/v1", "https://b.example")
    assert "hunter22" not in repr(catalog)


def test_a_lone_surrogate_from_the_api_is_written_as_a_question_mark(tmp_path: Path) -> None:
    import json

    records = json.loads('[{"id": "a\\ud800b", "\\udfff": "x"}]')  # valid JSON, not valid UTF-8
    out = tmp_path / "out.csv"
    asyncio.run(export_records_csv(records, LIST, out))
    assert read_rows(out) == [["id", "name", "?"], ["a?b", "", "x"]]


@pytest.mark.parametrize("value", ["nan", "-5", "-inf"])
def test_a_retry_after_that_is_no_delay_counts_as_absent(value: str) -> None:
    from explorer.core.errors import parse_retry_after

    assert parse_retry_after(value) is None


def test_a_settings_file_nested_thousands_deep_is_set_aside(tmp_path: Path) -> None:
    from explorer.core.settings import SettingsStore

    store = SettingsStore(tmp_path / "settings.json")
    store.path.write_text('{"version": 2, "window": ' + "[" * 10_000 + "]" * 10_000 + "}")
    with pytest.raises(ConfigError) as caught:
        store.load()
    assert "set aside" in caught.value.explanation
    assert not store.path.exists()


def test_the_deadline_never_leaves_a_long_timer_behind() -> None:
    """The window's loop keeps a timer (and what its context holds) until it would fire: a
    timer of the whole deadline per request kept every page alive for two minutes. The watch
    only ever asks for short timers, and none is left once the answer is in."""
    import httpx

    from explorer.core.client import DEADLINE_CHECK_S, ApiClient

    delays: list[float] = []

    async def fetch() -> Any:
        loop = asyncio.get_running_loop()
        original = loop.call_at  # call_later and asyncio.timeout both come through here

        def recording(when: float, callback: Any, *args: Any, **kwargs: Any) -> Any:
            delays.append(when - loop.time())
            return original(when, callback, *args, **kwargs)

        loop.call_at = recording  # type: ignore[method-assign]
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
        async with ApiClient("https://api.example", deadline_s=120.0, transport=transport) as c:
            for _ in range(5):
                await c.get_json("/x")

    asyncio.run(fetch())
    assert delays  # the deadline was watched
    assert max(delays) <= DEADLINE_CHECK_S
