"""`explorer-cli export --har FILE`: every request of the run in a HAR 1.2 file, secrets masked,
written for a run that succeeds and for one that fails (when support wants it most)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from explorer.cli import EXIT_AUTH, EXIT_NETWORK, EXIT_USAGE, main
from tests.har_check import assert_no_secret, check_har
from tests.test_cli import cli_env  # noqa: F401 (a fixture: a clean config, no credentials)

CLIENTS = "/core/v1/clients"
pytestmark = pytest.mark.usefixtures("cli_env")


Export = Callable[..., tuple[int, list[str]]]


@pytest.fixture
def export(capsys: pytest.CaptureFixture[str]) -> Export:
    """`export(*argv)` runs `explorer-cli export ...`: its exit status and its stderr lines."""

    def run(*argv: str) -> tuple[int, list[str]]:
        status = main(["export", *argv])
        return status, capsys.readouterr().err.strip().splitlines()

    return run


def test_a_successful_export_writes_every_request_before_the_summary(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Export
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    out, har = tmp_path / "clients.csv", tmp_path / "run.har"
    status, lines = export(
        CLIENTS, "--out", str(out), "--base-url", sandbox.url, "--page-size", "20",
        "--har", str(har),
    )  # fmt: skip
    assert status == 0, lines
    summary = lines[-1]
    assert summary.startswith("75 rows written, total_count 75, ")
    requests = int(summary.split(" requests")[0].rsplit(", ", 1)[1])
    assert lines[-3] == f"Wrote {requests:,} requests to {har}"
    entries = check_har(har)["log"]["entries"]
    assert len(entries) == requests == 4  # 75 clients, 20 a page
    assert {e["response"]["status"] for e in entries} == {200}
    assert all(e["request"]["url"].startswith(sandbox.url + CLIENTS) for e in entries)
    assert_no_secret(har.read_text(encoding="utf-8"), sandbox.api_key)


def test_a_failing_export_still_writes_its_requests(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Export
) -> None:
    wrong_key = "0" * 8 + "-wrong-key-for-the-trace"
    monkeypatch.setenv("EXPLORER_API_KEY", wrong_key)
    out, har = tmp_path / "x.csv", tmp_path / "failed.har"
    status, lines = export(CLIENTS, "--out", str(out), "--base-url", sandbox.url, "--har", str(har))
    assert status == EXIT_AUTH
    assert lines[0] == f"Wrote 1 request to {har}"
    assert lines[-1].startswith("explorer-cli: ")  # the reason stays the last line
    (entry,) = check_har(har)["log"]["entries"]
    assert entry["response"]["status"] == 401
    assert entry["response"]["content"]["text"]  # the API's own words, for support
    assert_no_secret(har.read_text(encoding="utf-8"), wrong_key)
    assert not out.exists()


def test_a_scout_run_keeps_the_login_without_password_or_token(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Export
) -> None:
    monkeypatch.setenv("EXPLORER_USERNAME", sandbox.scout_username)
    monkeypatch.setenv("EXPLORER_PASSWORD", sandbox.scout_password)
    out, har = tmp_path / "stations.csv", tmp_path / "scout.har"
    status, lines = export(
        "/v1/Stations", "--out", str(out), "--base-url", sandbox.url, "--har", str(har)
    )
    assert status == 0, lines
    login, stations = check_har(har)["log"]["entries"]
    assert (login["request"]["method"], login["request"]["url"]) == (
        "POST",
        f"{sandbox.url}/v1/Token",
    )
    assert login["response"]["status"] == 200
    assert stations["request"]["url"] == f"{sandbox.url}/v1/Stations"
    text = har.read_text(encoding="utf-8")
    assert "eyJ" not in text  # no JWT, whichever one was issued
    assert_no_secret(text, sandbox.scout_password, username=sandbox.scout_username)


def test_429s_and_their_retries_are_in_the_trace(
    make_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Export
) -> None:
    sandbox = make_sandbox(rate="2/1")  # far below the --rate given: the server answers 429
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    out, har = tmp_path / "clients.csv", tmp_path / "limited.har"
    status, lines = export(
        CLIENTS, "--out", str(out), "--base-url", sandbox.url, "--page-size", "4",
        "--rate", "100/1", "--har", str(har),
    )  # fmt: skip
    assert status == 0, lines
    entries = check_har(har)["log"]["entries"]
    limited = [e for e in entries if e["response"]["status"] == 429]
    assert limited
    assert int(lines[-1].split(" × 429")[0].rsplit(", ", 1)[1]) == len(limited)
    retried = [e for e in entries if e["_explorer"]["attempt"] > 1]
    assert len(retried) == len(limited)  # each 429 was tried again, and that try is there
    assert_no_secret(har.read_text(encoding="utf-8"), sandbox.api_key)


def test_a_server_that_cannot_be_reached_gives_a_trace_of_failed_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Export
) -> None:
    from explorer.core.client import ApiClient

    monkeypatch.setattr(ApiClient, "backoff_delay", lambda self, failures: 0.0)  # no waiting
    monkeypatch.setenv("EXPLORER_API_KEY", "a-key-never-sent-anywhere")
    port = closed_port()
    har = tmp_path / "down.har"
    status, lines = export(
        CLIENTS, "--out", str(tmp_path / "x.csv"),
        "--base-url", f"http://127.0.0.1:{port}", "--har", str(har),
    )  # fmt: skip
    assert status == EXIT_NETWORK
    entries = check_har(har)["log"]["entries"]
    assert len(entries) == 6  # the first try and five retries
    assert {e["response"]["status"] for e in entries} == {0}
    assert [e["_explorer"]["attempt"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert lines[0] == f"Wrote 6 requests to {har}"


def closed_port() -> int:
    """A loopback port nothing listens on (bound a moment, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("where", ["folder", "out", "missing"])
def test_a_har_path_that_cannot_be_a_new_file_is_a_usage_error(
    where: str, sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Export
) -> None:
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    out = tmp_path / "x.csv"
    har = {"folder": tmp_path, "out": out, "missing": tmp_path / "nope" / "t.har"}[where]
    status, lines = export(CLIENTS, "--out", str(out), "--base-url", sandbox.url, "--har", str(har))
    assert status == EXIT_USAGE
    assert len(lines) == 1
    assert lines[0].startswith(f"explorer-cli: --har names a new file for the requests, and {har}")
    assert not out.exists()
