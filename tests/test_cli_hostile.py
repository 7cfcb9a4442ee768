"""`explorer-cli` against hostile input and misbehaving servers, in real processes over loopback."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from explorer.cli import EXIT_API, EXIT_AUTH, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from explorer.core.requestlog import written_forms
from tests.hostile_servers import gzip_bomb, page, query, reply, send_gzip, serve
from tests.test_cli import (  # noqa: F401 (the fixtures are used by name)
    HARDWARE,
    clean_export_file,
    cli_command,
    cli_env,
    pages_held_after,
    run_cli,
    slow_sandbox,
    wait_for_rows,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and modes are POSIX")


def test_a_second_export_to_the_same_file_is_refused_and_the_first_one_is_intact(
    slow_sandbox: Any,  # noqa: F811
    clean_export_file: Path,  # noqa: F811
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "shared.csv"
    # The first export is held after three pages, so it is still running (and holding the file)
    # when the second starts, however slowly this machine runs the two processes.
    with pages_held_after(slow_sandbox, pages=3):
        first = subprocess.Popen(**cli_command(slow_sandbox, out, cli_env), text=True)
        try:
            wait_for_rows(out, 40, first)
            second = subprocess.run(
                **cli_command(slow_sandbox, out, cli_env), text=True, timeout=120
            )
        except BaseException:
            first.kill()
            raise
    with first:
        _, first_stderr = first.communicate(timeout=120)
    assert second.returncode == EXIT_FAILED
    last = second.stderr.strip().splitlines()[-1]
    assert f"process {first.pid}" in last
    assert "Traceback" not in second.stderr
    assert first.returncode == EXIT_OK, first_stderr
    assert out.read_bytes() == clean_export_file.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("shared")) == [
        "shared.csv"
    ]


@posix_only
def test_out_naming_a_fifo_exits_2_and_leaves_it_alone(
    sandbox: Any,
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    status, _, stderr = export_to(capsys, sandbox.url, fifo)
    assert status == EXIT_USAGE, stderr
    assert "named pipe" in stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# ---------------------------------------------------------------- secrets a server echoes

CANARY = "CANARY-9f3c1e77-secret"


@pytest.fixture
def canary_key(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """A clean config folder, and the canary as the API key."""
    monkeypatch.setenv("EXPLORER_API_KEY", CANARY)
    return cli_env


def export_to(
    capsys: pytest.CaptureFixture[str], url: str, out: Path, *extra: str
) -> tuple[int, str, str]:
    """`explorer-cli export HARDWARE --out OUT --base-url URL ...` in this process."""
    return run_cli(capsys, "export", HARDWARE, "--out", str(out), "--base-url", url, *extra)


def echo_the_key_on_page_two(handler: Any) -> None:
    if query(handler).get("cursor"):
        key = handler.headers.get("x-api-key", "")
        body = {
            "errors": [
                {
                    "code": "INVALID_FILTER",
                    "title": "Invalid filter",
                    "detail": f"key {key} may not use this filter",
                    "source": {"parameter": "filter"},
                }
            ]
        }
        reply(handler, 400, body)
    else:
        reply(handler, 200, page(handler, 100))


def test_a_key_echoed_in_an_error_reaches_neither_stderr_nor_the_state_file(
    canary_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    with serve(echo_the_key_on_page_two) as url:
        status, stdout, stderr = export_to(capsys, url, out, "--page-size", "50")
    assert status == EXIT_API, stderr
    assert "may not use this filter" in stderr  # the server's words are kept, the key is not
    state = out.with_name(out.name + ".partial.json").read_text(encoding="utf-8")
    assert "may not use this filter" in state
    for text in (stdout, stderr, state):
        assert CANARY not in text


def test_a_password_echoed_by_the_login_reaches_no_message(
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_USERNAME", "api-user")
    monkeypatch.setenv("EXPLORER_PASSWORD", CANARY)

    def login_echoes(handler: Any) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        sent = json.loads(handler.rfile.read(length) or b"{}")
        detail = f"password {sent.get('password')} does not meet the policy"
        reply(handler, 422, {"errors": [{"detail": detail, "field": "password"}]})

    with serve(login_echoes) as url:
        status, stdout, stderr = export_to(capsys, url, tmp_path / "o.csv")
    assert status in (EXIT_API, EXIT_AUTH), stderr
    assert "does not meet the policy" in stderr
    assert CANARY not in stderr + stdout


def test_the_log_file_is_private_and_holds_no_echoed_key(tmp_path: Path) -> None:
    from explorer.app import _setup_logging
    from explorer.core.auth import ApiKeyAuth
    from explorer.core.client import ApiClient

    calls = {"n": 0}

    def fail_once(handler: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            key = handler.headers.get("x-api-key", "")
            reply(handler, 503, {"errors": [{"title": "Overloaded", "detail": f"for {key}"}]})
        else:
            reply(handler, 200, page(handler, 3))

    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        path = _setup_logging(tmp_path / "config")
        assert path is not None
        with serve(fail_once) as url:

            async def fetch() -> Any:
                async with ApiClient(url, auth=ApiKeyAuth(CANARY), backoff_base_s=0.01) as c:
                    return await c.get_json("/core/v1/assets/hardware", {"api_key": CANARY})

            assert len(asyncio.run(fetch())["data"]) == 3
        for handler in root.handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "Retrying" in text
        assert "Overloaded" in text
        assert CANARY not in text
        if os.name == "posix":
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


# ---------------------------------------------------------------- size and time limits

MEASURED = """
import sys
from explorer.cli import main
try:
    status = main(sys.argv[1:])
finally:
    # VmHWM: this process's peak resident memory. (ru_maxrss would not do: Linux carries it over
    # from the forking parent, here a pytest worker of several hundred MB.)
    with open("/proc/self/status") as status_file:
        peak_kb = next(int(l.split()[1]) for l in status_file if l.startswith("VmHWM:"))
    sys.stderr.write(f"PEAK_RSS_MB={peak_kb // 1024}\\n")
sys.exit(status)
"""


def run_measured(url: str, out: Path, config: Path, *extra: str) -> tuple[int, str, int]:
    """`explorer-cli export` in its own process; its exit status, stderr and peak memory (MB)."""
    env = {**os.environ, "EXPLORER_API_KEY": CANARY, "EXPLORER_CONFIG_DIR": str(config)}
    argv = ["export", HARDWARE, "--out", str(out), "--base-url", url, *extra]
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stderr.strip().splitlines()
    peak = int(lines[-1].split("=", 1)[1])
    return done.returncode, "\n".join(lines[:-1]), peak


@pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="peak memory is read from /proc/self/status"
)
def test_a_gzip_bomb_is_stopped_at_the_size_limit_with_little_memory(
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    bomb = gzip_bomb(1024)  # 1 MB on the wire, 1 GB unpacked
    with serve(lambda handler: send_gzip(handler, bomb)) as url:
        status, stderr, peak_mb = run_measured(
            url, tmp_path / "o.csv", cli_env, "--max-response-mb", "16"
        )
    assert status == EXIT_API, stderr
    assert "Traceback" not in stderr
    assert "grew past 16 MB" in stderr.splitlines()[-1]
    assert "--max-response-mb" in stderr
    assert peak_mb < 400, f"peak {peak_mb} MB"


def test_retry_after_a_day_is_capped_announced_and_can_be_cancelled(
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    def slow_down(handler: Any) -> None:
        reply(handler, 429, {"errors": [{"title": "Too many"}]}, {"Retry-After": "86400"})

    env = {**os.environ, "EXPLORER_API_KEY": CANARY, "EXPLORER_CONFIG_DIR": str(cli_env)}
    with serve(slow_down) as url:
        argv = [sys.executable, "-m", "explorer.cli", "export", HARDWARE]
        argv += ["--out", str(tmp_path / "o.csv"), "--base-url", url]
        with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True) as process:
            assert process.stderr is not None
            watchdog = threading.Timer(60, process.kill)  # a silent wait must fail, not hang
            watchdog.start()
            line = process.stderr.readline()
            watchdog.cancel()
            process.send_signal(signal.SIGINT)
            rest = process.stderr.read()
            process.wait(timeout=60)
    assert line.startswith("explorer-cli: waiting 15 min 00 s: "), line
    assert "asked to wait 24 h 00 min" in line
    assert "at most 15 min" in line
    assert "Ctrl-C" in line
    assert process.returncode == EXIT_INTERRUPTED, rest


# ---------------------------------------------------------------- no traceback for a user

DEEP_JSON = "[" * 10_000 + "]" * 10_000


def assert_one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("explorer-cli: ")
    return lines[0]


def test_a_response_nested_ten_thousand_deep_exits_4_with_one_line(
    canary_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(lambda handler: reply(handler, 200, DEEP_JSON.encode())) as url:
        status, _, stderr = export_to(capsys, url, tmp_path / "o.csv")
    assert status == EXIT_API
    assert "nested" in assert_one_clear_line(stderr)


@pytest.mark.parametrize(
    "document",
    [
        '{"openapi": "3.0.0", "info": ' + DEEP_JSON[:-1] + "}",
        "openapi: 3.0.0\ninfo: " + DEEP_JSON,
    ],
    ids=["json", "yaml"],
)
def test_an_openapi_document_nested_too_deep_exits_2_with_one_line(
    document: str,
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = tmp_path / "deep.json"
    spec.write_text(document, encoding="utf-8")
    status, _, stderr = run_cli(capsys, "endpoints", "--spec", str(spec))
    assert status == EXIT_USAGE, stderr
    assert "deep" in assert_one_clear_line(stderr)


@pytest.mark.parametrize("base_url", ["http://[::1", "http://127.0.0.1:99999", "https://"])
def test_a_base_url_that_cannot_be_parsed_exits_2_with_one_line(
    base_url: str, canary_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, stderr = export_to(capsys, base_url, tmp_path / "o.csv")
    assert status == EXIT_USAGE, stderr
    assert "base URL" in assert_one_clear_line(stderr)


def test_a_settings_file_that_is_not_utf8_is_set_aside_with_one_line(
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_env.mkdir(parents=True, exist_ok=True)
    (cli_env / "settings.json").write_bytes(b'{"profiles": [{"name": "caf\xe9"}]}')
    status, _, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(tmp_path / "o.csv"), "--profile", "x"
    )
    assert status == EXIT_USAGE, stderr
    line = assert_one_clear_line(stderr)
    aside = [p for p in cli_env.iterdir() if p.name.startswith("settings.json.unreadable-")]
    assert len(aside) == 1
    assert str(aside[0]) in line


def test_running_out_of_memory_is_one_line_with_a_documented_status(
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from explorer.core.exportjob import ExportJob

    async def exhausted(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(ExportJob, "run", exhausted)
    monkeypatch.setenv("EXPLORER_API_KEY", CANARY)
    with serve(lambda handler: reply(handler, 200, page(handler, 3))) as url:
        status, _, stderr = export_to(capsys, url, tmp_path / "o.csv")
    assert status == EXIT_FAILED
    assert "memory" in assert_one_clear_line(stderr)


def test_timeout_and_size_limit_from_the_command_line_reach_the_profile(
    cli_env: Path,  # noqa: F811
) -> None:
    from explorer.cli import build_parser
    from explorer.exporting.cli import resolve_profile

    argv = ["export", HARDWARE, "--out", "o.csv", "--base-url", "https://api.example"]
    args = build_parser().parse_args([*argv, "--timeout", "2.5", "--max-response-mb", "8"])
    profile = asyncio.run(resolve_profile(args)).profile
    assert (profile.request_timeout_s, profile.max_response_mb) == (2.5, 8)
    defaults = asyncio.run(resolve_profile(build_parser().parse_args(argv))).profile
    assert (defaults.request_timeout_s, defaults.max_response_mb) == (120.0, 256)


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from explorer.cli import main

    with pytest.raises(SystemExit) as caught:
        main(
            ["export", HARDWARE, "--out", "o.csv", "--base-url", "https://a.b", "--timeout", value]
        )
    assert caught.value.code == EXIT_USAGE
    assert "argument --timeout: " in capsys.readouterr().err  # not "unrecognized arguments"


# ---------------------------------------------------------------- a key inside the paging token


class KeyInTheCursor:
    """Cursor paging whose token is base64(JSON) of the offset and the caller's key, as some
    APIs build it from the request; a token with another key is refused. Fails page 3 once."""

    total, size = 200, 50

    def __init__(self) -> None:
        self.failed_once = False

    def __call__(self, handler: Any) -> None:
        key = handler.headers.get("x-api-key", "")
        token = query(handler).get("cursor")
        start = 0
        if token:
            decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if decoded["key"] != key:
                reply(handler, 400, {"errors": [{"code": "BAD_CURSOR", "title": "Bad cursor"}]})
                return
            start = decoded["offset"]
        if start == 2 * self.size and not self.failed_once:
            self.failed_once = True
            reply(handler, 400, {"errors": [{"code": "INVALID", "title": "Try later"}]})
            return
        records = [{"id": f"r{i}"} for i in range(start, min(self.total, start + self.size))]
        body: dict[str, Any] = {"data": records, "total_count": self.total}
        if start + self.size < self.total:
            cursor = {"offset": start + self.size, "key": key}
            body["next_cursor"] = (
                base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
            )
        reply(handler, 200, body)


def test_a_key_inside_the_paging_token_stays_off_disk_and_the_resume_puts_it_back(
    canary_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    with serve(KeyInTheCursor()) as url:
        status, _, stderr = export_to(capsys, url, out, "--page-size", "50")
        assert status == EXIT_API, stderr  # page 3 failed once: the partial file is kept
        state = out.with_name(out.name + ".partial.json").read_text(encoding="utf-8")
        assert '"rows_written": 100' in state
        assert not [form for form in written_forms(CANARY) if form in state]
        status, _, stderr = export_to(capsys, url, out, "--page-size", "50", "--resume")
    assert status == EXIT_OK, stderr
    ids = [line.split(",")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    assert ids == [f"r{i}" for i in range(200)]


def test_a_resume_with_another_key_than_the_token_was_made_with_is_refused(
    canary_key: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out.csv"
    with serve(KeyInTheCursor()) as url:
        assert export_to(capsys, url, out, "--page-size", "50")[0] == EXIT_API
        partial = out.with_name(out.name + ".partial").read_bytes()
        monkeypatch.setenv("EXPLORER_API_KEY", "x")  # too short to have been stashed: not it
        status, _, stderr = export_to(capsys, url, out, "--page-size", "50", "--resume")
    assert status == EXIT_USAGE, stderr
    assert "same credential" in stderr
    assert out.with_name(out.name + ".partial").read_bytes() == partial  # nothing lost
