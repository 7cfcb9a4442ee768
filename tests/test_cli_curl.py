"""`explorer-cli export --from-curl`: the same CSV as the ordinary export, the key never kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from explorer.exitcodes import EXIT_USAGE
from tests.curl_commands import BROWSER_HEADERS, copy_as_curl
from tests.test_cli import HARDWARE, cli_env, read_csv, run_cli  # noqa: F401 (cli_env: fixture)


def browser_command(sandbox: Any, key: str, style: str = "bash") -> str:
    url = f"{sandbox.url}{HARDWARE}?filter[type]=in:SERVER,WORKSTATION&sort=-record_updated_at"
    return copy_as_curl(url, [*BROWSER_HEADERS, ("x-api-key", key)], style)


@pytest.mark.parametrize("style", ["bash", "cmd"])
def test_from_curl_writes_the_same_csv_as_the_ordinary_export(
    sandbox: Any,
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    style: str,
) -> None:
    pasted = tmp_path / "pasted.csv"
    status, stdout, stderr = run_cli(
        capsys,
        "export",
        "--from-curl",
        browser_command(sandbox, sandbox.api_key, style),
        "--out",
        str(pasted),
    )
    assert status == 0, stderr
    assert "the temporary profile" in stderr  # no saved profile has the sandbox's address
    monkeypatch.setenv("EXPLORER_API_KEY", sandbox.api_key)
    typed = tmp_path / "typed.csv"
    status, _, stderr = run_cli(
        capsys,
        "export",
        HARDWARE,
        "--base-url",
        sandbox.url,
        "--catalog",
        "scalepad",
        "--filter",
        "type=in:SERVER,WORKSTATION",
        "--sort=-record_updated_at",
        "--out",
        str(typed),
    )
    assert status == 0, stderr
    assert pasted.read_bytes() == typed.read_bytes()
    rows = read_csv(pasted)
    assert rows
    assert {r["type"] for r in rows} == {"SERVER", "WORKSTATION"}
    for text in (pasted.read_text(encoding="utf-8"), stdout, stderr):
        assert sandbox.api_key not in text
    assert not (cli_env / "settings.json").exists()  # nothing kept of the temporary profile


def test_from_curl_uses_the_saved_profile_of_the_address(
    sandbox: Any,
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    from explorer.core.secrets import open_secret_store
    from explorer.core.settings import Profile, Settings, SettingsStore

    SettingsStore().save(
        Settings(profiles=[Profile(name="demo", base_url=sandbox.url, catalog="scalepad")])
    )
    asyncio.run(open_secret_store().set("demo", sandbox.api_key))
    out = tmp_path / "servers.csv"
    command = f"curl -g '{sandbox.url}{HARDWARE}?filter[type]=eq:SERVER' -H 'x-api-key: wrong-1'"
    status, _, stderr = run_cli(capsys, "export", "--from-curl", command, "--out", str(out))
    assert status == 3  # the command's key is the one used, and the sandbox refuses it
    assert "The API key from the command (the x-api-key header) is used" in stderr
    assert "'demo' keeps its own API key" in stderr
    assert "wrong-1" not in stderr
    placeholder = command.replace("wrong-1", "$EXPLORER_API_KEY")
    status, _, stderr = run_cli(capsys, "export", "--from-curl", placeholder, "--out", str(out))
    assert status == 0, stderr
    assert {r["type"] for r in read_csv(out)} == {"SERVER"}
    settings_text = (cli_env / "settings.json").read_text(encoding="utf-8")
    assert "from cURL" not in settings_text
    assert "wrong-1" not in settings_text


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (("--from-curl", "curl -X POST https://api.scalepad.com/core/v1/clients"), "POST"),
        (("--from-curl", "curl https://x.io/a -d a=1"), "sends a body"),
        (("--from-curl", "curl --bogus https://x.io/a"), "--bogus"),
        (("--from-curl", "ls -la"), "not a cURL command"),
        (("--from-curl", "curl https://x.io/a", "--profile", "demo"), "leave out --profile"),
        (("--from-curl", "curl https://x.io/a", "--filter", "a=b"), "leave out --filter"),
        ((), "--from-curl"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    reason: str,
) -> None:
    status, stdout, stderr = run_cli(capsys, "export", "--out", str(tmp_path / "x.csv"), *extra)
    assert status == EXIT_USAGE
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("explorer-cli: ")
    assert reason in lines[0]
    assert "Traceback" not in stderr


def test_the_command_can_come_from_standard_input_or_a_file(
    sandbox: Any,
    cli_env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    command = browser_command(sandbox, sandbox.api_key, "cmd")
    monkeypatch.setattr("sys.stdin", io.StringIO(command))
    piped = tmp_path / "piped.csv"
    status, _, stderr = run_cli(capsys, "export", "--from-curl", "-", "--out", str(piped))
    assert status == 0, stderr
    saved = tmp_path / "request.txt"
    saved.write_text(command, encoding="utf-8")
    from_file = tmp_path / "from_file.csv"
    argv = ["export", "--from-curl", f"@{saved}", "--out", str(from_file)]
    status, _, stderr = run_cli(capsys, *argv)
    assert status == 0, stderr
    assert piped.read_bytes() == from_file.read_bytes()
    assert len(read_csv(piped)) > 0
    status, _, stderr = run_cli(
        capsys, "export", "--from-curl", f"@{tmp_path / 'missing.txt'}", "--out", str(piped)
    )
    assert status == EXIT_USAGE
    assert "could not be read" in stderr
