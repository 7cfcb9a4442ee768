"""`explorer-cli export` / `endpoints`: argument handling, messages, exit statuses, end to end."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from explorer.cli import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
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
    with_default_operator,
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
    starts = {
        line.index(kind) for line, kind in zip(lines[1:], ("cursor", "single", "none"), strict=True)
    }
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


# ---------------------------------------------------------------- end to end against the sandbox

HARDWARE = "/core/v1/assets/hardware"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean config folder and no credentials in the environment."""
    config = tmp_path / "config"
    monkeypatch.setenv("EXPLORER_CONFIG_DIR", str(config))
    for name in ("EXPLORER_API_KEY", "EXPLORER_USERNAME", "EXPLORER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return config


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def api_total(sandbox: Any, path: str, params: dict[str, str] | None = None) -> int:
    reply = httpx.get(
        sandbox.url + path,
        params={"page_size": "1", **(params or {})},
        headers={"x-api-key": sandbox.api_key},
    )
    reply.raise_for_status()
    return int(reply.json()["total_count"])


def test_export_every_hardware_asset_with_a_summary_line(
    sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    out = tmp_path / "hardware.csv"
    status, stdout, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(out), "--base-url", sandbox.url
    )
    assert status == 0, stderr
    total = api_total(sandbox, HARDWARE)
    rows = read_csv(out)
    assert len(rows) == total
    assert len({r["id"] for r in rows}) == total
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"{total:,} rows written, total_count {total:,}, ")
    assert " requests, " in last
    assert ", waited " in last
    assert "× 429" in last
    assert stdout == ""
    assert sandbox.api_key not in out.read_text(encoding="utf-8")
    assert sandbox.api_key not in stderr


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_filters_are_quoted_for_the_api(
    sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    everything = tmp_path / "all.csv"
    assert (
        run_cli(capsys, "export", HARDWARE, "--out", str(everything), "--base-url", sandbox.url)[0]
        == 0
    )
    rows = read_csv(everything)
    spaced = next(r["client.name"] for r in rows if " " in r["client.name"])
    # A value with a space is sent quoted; the tool adds the quotes.
    out = tmp_path / "one-client.csv"
    status, _, stderr = run_cli(
        capsys,
        "export",
        HARDWARE,
        "--out",
        str(out),
        "--base-url",
        sandbox.url,
        "--filter",
        f"client.name={spaced}",  # no operator: eq
    )
    assert status == 0, stderr
    expected = [r["id"] for r in rows if r["client.name"] == spaced]
    assert [r["id"] for r in read_csv(out)] == expected
    assert expected
    # `in` takes a list; an item holding a comma goes in double quotes.
    comma = next(r["client.name"] for r in rows if "," in r["client.name"])
    out = tmp_path / "two-clients.csv"
    status, _, stderr = run_cli(
        capsys,
        "export",
        HARDWARE,
        "--out",
        str(out),
        "--base-url",
        sandbox.url,
        "--filter",
        f'client.name=in:"{comma}",{spaced}',
        "--columns",
        "id,client.name",
    )
    assert status == 0, stderr
    got = read_csv(out)
    assert {r["client.name"] for r in got} == {comma, spaced}
    assert [r["id"] for r in got] == [r["id"] for r in rows if r["client.name"] in (comma, spaced)]
    assert list(got[0]) == ["id", "client.name"]


def test_csv_options_from_the_command_line(
    sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    out = tmp_path / "semi.csv"
    status, _, stderr = run_cli(
        capsys,
        "export",
        HARDWARE,
        "--out",
        str(out),
        "--base-url",
        sandbox.url,
        "--filter",
        "type=eq:SERVER",
        "--columns",
        "id,name,client.name",
        "--delimiter",
        ";",
        "--bom",
        "--no-header",
    )
    assert status == 0, stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows
    assert all(len(r) == 3 for r in rows)
    assert rows[0][0] != "id"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["/core/v1/asset/hardwar"], "Did you mean"),
        ([HARDWARE, "--filter", "type=like:SERVER"], "like"),
        ([HARDWARE, "--sort", "-"], "sort"),
        ([HARDWARE, "--rate", "fast"], "--rate 50/5"),
        (["/core/v1/assets/hardware/123"], "single record"),
        ([HARDWARE, "--page-size", "5000"], "maximum"),
        ([HARDWARE, "--delimiter", "ab"], "single character"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    argv: list[str],
    needle: str,
    sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    out = tmp_path / "x.csv"
    status, _, stderr = run_cli(
        capsys, "export", *argv, "--out", str(out), "--base-url", sandbox.url
    )
    assert status == EXIT_USAGE
    assert needle.lower() in stderr.lower()
    assert len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr
    assert not out.exists()


def test_out_naming_a_folder_is_a_usage_error(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9"
    )
    assert status == EXIT_USAGE
    assert "is a folder" in stderr


def test_a_bad_key_exits_3(
    sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", "0" * 8 + "-wrong")
    out = tmp_path / "x.csv"
    status, _, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(out), "--base-url", sandbox.url
    )
    assert status == EXIT_AUTH
    assert "401" in stderr
    assert "wrong" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_closed_port_exits_5(
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from explorer.core.client import ApiClient

    monkeypatch.setattr(ApiClient, "backoff_delay", lambda self, failures: 0.0)  # no waiting
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("EXPLORER_API_KEY", "k")
    out = tmp_path / "x.csv"
    status, _, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(out), "--base-url", f"http://127.0.0.1:{port}"
    )
    assert status == EXIT_NETWORK
    assert "reached" in stderr or "connect" in stderr.lower()
    assert not out.exists()


def test_export_through_a_saved_profile_and_its_keychain_entry(
    sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from explorer.core.secrets import open_secret_store
    from explorer.core.settings import Profile, Settings, SettingsStore

    SettingsStore().save(
        Settings(profiles=[Profile(name="demo", base_url=sandbox.url, catalog="scalepad")])
    )
    out = tmp_path / "servers.csv"
    argv = [
        "export",
        HARDWARE,
        "--out",
        str(out),
        "--profile",
        "demo",
        "--filter",
        "type=eq:SERVER",
    ]
    status, _, stderr = run_cli(capsys, *argv)
    assert status == EXIT_AUTH
    assert "No API key is stored for the profile 'demo'" in stderr
    asyncio.run(open_secret_store().set("demo", sandbox.api_key))
    status, _, stderr = run_cli(capsys, *argv)
    assert status == 0, stderr
    assert len(read_csv(out)) == api_total(sandbox, HARDWARE, {"filter[type]": "eq:SERVER"})
    for path in (out, cli_env / "settings.json"):
        assert sandbox.api_key not in path.read_text(encoding="utf-8")
    status, _, stderr = run_cli(
        capsys, "export", HARDWARE, "--out", str(out), "--profile", "nobody"
    )
    assert status == EXIT_USAGE
    assert "demo" in stderr


def test_endpoints_lists_the_bundled_catalogs(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout, _ = run_cli(capsys, "endpoints")
    assert status == 0
    lines = [line.split() for line in stdout.splitlines()]
    hardware = next(words for words in lines if words[:2] == ["GET", HARDWARE])
    assert hardware[2] == "cursor"
    assert any(words[:2] == ["GET", "/v1/Units"] for words in lines)
    status, stdout, _ = run_cli(capsys, "endpoints", "--spec", "scout")
    assert status == 0
    assert HARDWARE not in stdout


def test_endpoints_of_a_saved_profile(
    sandbox: Any, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from explorer.core.settings import Profile, Settings, SettingsStore

    SettingsStore().save(
        Settings(profiles=[Profile(name="scout", base_url=sandbox.url, catalog="scout")])
    )
    status, stdout, _ = run_cli(capsys, "endpoints", "--profile", "scout")
    assert status == 0
    paths = {line.split()[1] for line in stdout.splitlines()[1:]}
    assert "/v1/Units" in paths
    assert HARDWARE not in paths


def test_endpoints_from_a_missing_spec_file_exits_2(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, stderr = run_cli(capsys, "endpoints", "--spec", str(tmp_path / "nope.yaml"))
    assert status == EXIT_USAGE
    assert len(stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- interrupt and resume, for real


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[Any]:
    """A small sandbox with some latency, so an export can be stopped halfway."""
    from explorer.sandbox import SandboxConfig, start_sandbox

    with start_sandbox(SandboxConfig(scale=0.05, latency_ms=40, rate=None)) as handle:
        yield handle


def cli_command(sandbox: Any, out: Path, config: Path, *extra: str) -> dict[str, Any]:
    """Arguments for subprocess: the real `explorer-cli export`, in a process of its own."""
    env = {**os.environ, "EXPLORER_API_KEY": sandbox.api_key, "EXPLORER_CONFIG_DIR": str(config)}
    argv = [
        *(sys.executable, "-m", "explorer.cli", "export", HARDWARE, "--out", str(out)),
        *("--base-url", sandbox.url, "--page-size", "20", *extra),
    ]
    return {"args": argv, "env": env, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}


def run_cli_process(sandbox: Any, out: Path, config: Path, *extra: str) -> tuple[int, str]:
    done = subprocess.run(**cli_command(sandbox, out, config, *extra), text=True, timeout=120)
    return done.returncode, done.stderr


def wait_for_rows(out: Path, rows: int, process: subprocess.Popen[str]) -> None:
    state_file = out.with_name(out.name + ".partial.json")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if json.loads(state_file.read_text(encoding="utf-8"))["rows_written"] >= rows:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"the export never reached {rows} rows")


@pytest.fixture(scope="module")
def clean_export_file(slow_sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export of the slow sandbox, run once without interruption."""
    folder = tmp_path_factory.mktemp("clean")
    clean = folder / "clean.csv"
    status, stderr = run_cli_process(slow_sandbox, clean, folder / "config")
    assert status == 0, stderr
    return clean


STOP_SIGNALS = {"interrupt": signal.SIGINT, "terminate": signal.SIGTERM, "kill": signal.SIGKILL}


@contextlib.contextmanager
def pages_held_after(sandbox: Any, pages: int) -> Iterator[None]:
    """The sandbox answers `pages` hardware pages, then holds the next until the block ends.

    So an export stopped "halfway" is stopped halfway however slowly this machine runs the test:
    it cannot finish before the signal arrives.
    """
    real = sandbox.app.answer
    release = threading.Event()
    served = 0
    lock = threading.Lock()

    def answer(method: str, target: str, *rest: Any) -> Any:
        nonlocal served
        if target.startswith(HARDWARE):
            with lock:
                served += 1
                hold = served > pages
            if hold:
                release.wait(timeout=120)
        return real(method, target, *rest)

    sandbox.app.answer = answer
    try:
        yield
    finally:
        del sandbox.app.answer  # back to the class's method
        release.set()


@pytest.mark.parametrize("how", list(STOP_SIGNALS))
def test_stopping_the_cli_halfway_then_resuming_gives_the_same_file(
    how: str, slow_sandbox: Any, clean_export_file: Path, cli_env: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stopped.csv"
    with pages_held_after(slow_sandbox, pages=6):  # 20 rows a page: 100 rows, then one more
        process = subprocess.Popen(**cli_command(slow_sandbox, out, cli_env), text=True)
        with process:
            try:
                wait_for_rows(out, 100, process)
                process.send_signal(STOP_SIGNALS[how])
                _, stderr = process.communicate(timeout=60)
            except subprocess.TimeoutExpired as exc:
                process.kill()
                _, late = process.communicate()
                raise AssertionError(f"the export ignored {how} for 60 s; stderr: {late}") from exc
            finally:
                if process.poll() is None:  # the test failed: do not wait for a held export
                    process.kill()
    if how != "kill":  # Ctrl-C and SIGTERM end with a message; SIGKILL leaves no last word
        assert process.returncode == EXIT_INTERRUPTED, stderr
        assert "--resume" in stderr.strip().splitlines()[-1]
    assert not out.exists()
    assert out.with_name(out.name + ".partial").exists()
    status, stderr = run_cli_process(slow_sandbox, out, cli_env, "--resume")
    assert status == 0, stderr
    assert "resumed after row" in stderr.strip().splitlines()[-1]
    assert out.read_bytes() == clean_export_file.read_bytes()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("type=SERVER", "type=eq:SERVER"),
        ("type=in:SERVER,VIRTUAL", "type=in:SERVER,VIRTUAL"),
        ("name=cont:Acme", "name=cont:Acme"),
        ("at=2026-01-01T00:00:00Z", "at=eq:2026-01-01T00:00:00Z"),
        ("name=A, Inc.", "name=eq:A, Inc."),
        ("type=like:X", "type=like:X"),  # left for the parser to reject as an unknown operator
    ],
)
def test_an_omitted_operator_means_eq(text: str, expected: str) -> None:
    assert with_default_operator(text) == expected


def test_an_export_short_of_the_announced_total_does_not_exit_0(
    make_sandbox: Any,
    cli_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 0 means complete: a walk that ends with fewer records than the API announced (data
    that changed under a non-atomic API) says so and exits 6, the rows it got in the file."""
    sandbox = make_sandbox(nonatomic_paging=True)
    out = tmp_path / "short.csv"
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    status, _, stderr = run_cli(
        capsys,
        "export",
        "/core/v1/assets/hardware",
        "--base-url",
        sandbox.url,
        "--out",
        str(out),
        "--page-size",
        "50",
    )
    assert status == EXIT_FAILED
    assert "fewer rows than total_count" in stderr
    assert "export again to check" in stderr
    assert out.is_file()
