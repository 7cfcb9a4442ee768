"""explorer-cli against loopback APIs protected by each scheme: a multi-page export exactly once,
a wrong secret per scheme (exit 3, the scheme named), and canary secrets searched for in every
output and file."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer.cli import EXIT_AUTH, EXIT_USAGE, main
from explorer.core.secrets import Credentials, open_secret_store
from explorer.core.settings import ApiKeySettings, AuthKind, Profile, Settings, SettingsStore
from tests.auth_server import (
    CANARIES,
    CLIENT_SECRET,
    ENV_NAMES,
    ISSUED_PREFIX,
    KEY,
    PASSWORD,
    SCHEMES,
    TOKEN,
    AuthServer,
    serving,
)

LABELS = {
    "key_header": "API key in the header 'X-Records-Key'",
    "key_query": "API key in the query 'access_key'",
    "key_cookie": "API key in the cookie 'session_key'",
    "bearer": "bearer token",
    "basic": "HTTP basic username and password",
    "oauth2": "OAuth2 client credentials",
}


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean config folder and no credentials in the environment."""
    config = tmp_path / "config"
    monkeypatch.setenv("EXPLORER_CONFIG_DIR", str(config))
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[AuthServer]:
    scheme, _, client_auth = str(request.param).partition(":")
    # An OAuth2 token serves two pages, so a three-page export must get a new one midway.
    server = AuthServer(scheme, client_auth=client_auth or "basic", token_uses=2)
    with serving(server) as running:
        yield running


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def assert_no_canary(*texts: str, folder: Path | None = None) -> None:
    everything = list(texts)
    if folder is not None:
        everything += [p.read_text("utf-8", "replace") for p in folder.rglob("*") if p.is_file()]
    for text in everything:
        for canary in (*CANARIES, ISSUED_PREFIX):
            assert canary not in text


def export_argv(
    api: AuthServer, folder: Path, monkeypatch: pytest.MonkeyPatch, **wrong: str
) -> list[str]:
    """`explorer-cli export` of the records with --auth and the scheme's variables set
    (`wrong` replaces some of them)."""
    name, env = SCHEMES[api.scheme]
    for variable, value in {**env, **wrong}.items():
        monkeypatch.setenv(variable, value)
    out = folder / "records.csv"
    document = api.document(folder)
    return [
        "export",
        "/v1/records",
        "--out",
        str(out),
        "--base-url",
        api.url,
        "--auth",
        name,
        "--catalog",
        str(document),
    ]


def ids_in(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


@pytest.mark.parametrize(
    "api",
    ["key_header", "key_query", "key_cookie", "bearer", "basic", "oauth2", "oauth2:post"],
    indirect=True,
)
def test_each_scheme_exports_every_record_exactly_once(
    api: AuthServer,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, output = run(capsys, *export_argv(api, tmp_path, monkeypatch), "--page-size", "10")
    assert status == 0, output
    assert ids_in(tmp_path / "records.csv") == [str(i) for i in range(25)]
    assert api.api_requests >= 3
    if api.scheme == "oauth2":
        assert api.token_requests >= 2  # renewed during the export, without a visible error
    said = output.replace(str(tmp_path), "<tmp>")  # the folder's name may hold "401" too
    assert "401" not in said
    assert "rror" not in said
    assert_no_canary(output, folder=tmp_path)


@pytest.mark.parametrize("api", list(SCHEMES), indirect=True)
def test_a_wrong_secret_exits_3_naming_the_scheme(
    api: AuthServer,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret_variable, value = list(SCHEMES[api.scheme][1].items())[-1]
    wrong = {secret_variable: f"CANARY-wrong-{value[-6:]}"}  # still a canary, if it leaks
    status, output = run(capsys, *export_argv(api, tmp_path, monkeypatch, **wrong))
    assert status == EXIT_AUTH, output
    assert LABELS[api.scheme] in output
    assert "ScalePad" not in output
    assert "CANARY-wrong" not in output
    assert_no_canary(output, folder=tmp_path)


@pytest.mark.parametrize("api", ["bearer"], indirect=True)
def test_missing_credentials_name_the_variables_and_an_unknown_scheme_is_listed(
    api: AuthServer, cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = str(api.document(tmp_path))
    base = ["export", "/v1/records", "--out", str(tmp_path / "x.csv"), "--base-url", api.url]
    status, output = run(capsys, *base, "--catalog", document, "--auth", "clientCredentials")
    assert status == EXIT_AUTH
    assert "EXPLORER_CLIENT_ID and EXPLORER_CLIENT_SECRET" in output
    status, output = run(capsys, *base, "--catalog", document, "--auth", "bearerAuth")
    assert status == EXIT_AUTH
    assert "EXPLORER_TOKEN" in output
    status, output = run(capsys, *base, "--catalog", document, "--auth", "nope")
    assert status == EXIT_USAGE
    assert "keyHeader" in output
    assert "clientCredentials" in output


@pytest.mark.parametrize("api", ["key_prefixed"], indirect=True)
def test_a_saved_profile_with_a_prefixed_key_and_one_with_basic(
    api: AuthServer, cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = str(api.document(tmp_path))
    placement = ApiKeySettings("header", "Authorization", "Token ")
    profiles = [
        Profile("prefixed", api.url, AuthKind.API_KEY, catalog=document, key_placement=placement),
        Profile("basic", api.url, AuthKind.BASIC, catalog=document, scheme_name="basicAuth"),
    ]
    SettingsStore().save(Settings(profiles=profiles))
    store = open_secret_store()
    asyncio.run(store.set("prefixed", KEY))
    out = tmp_path / "records.csv"
    argv = ["export", "/v1/records", "--out", str(out), "--profile", "prefixed"]
    status, output = run(capsys, *argv, "--page-size", "7")
    assert status == 0, output
    assert ids_in(out) == [str(i) for i in range(25)]
    # basic: username and password live in one keychain entry; the API here wants a token
    asyncio.run(store.set("basic", Credentials(PASSWORD, "CANARY-user-8c9d").encode()))
    status, output = run(capsys, "export", "/v1/records", "--out", str(out), "--profile", "basic")
    assert status == EXIT_AUTH
    assert "HTTP basic" in output
    assert_no_canary(output, folder=tmp_path)


@pytest.mark.parametrize("api", ["key_query", "oauth2"], indirect=True)
def test_a_failed_export_keeps_no_secret_in_its_partial_files(
    api: AuthServer,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api.fail_from = 20
    status, output = run(capsys, *export_argv(api, tmp_path, monkeypatch), "--page-size", "10")
    assert status != 0
    partial = list(tmp_path.glob("records.csv.partial*"))
    assert partial, output
    assert_no_canary(output, folder=tmp_path)
    assert KEY not in output
    assert TOKEN not in output
    assert CLIENT_SECRET not in output


@pytest.mark.parametrize(
    "api", ["key_header", "key_query", "bearer", "basic", "oauth2"], indirect=True
)
def test_a_redirect_or_a_link_to_another_host_never_carries_the_credential(
    api: AuthServer, tmp_path: Path
) -> None:
    from explorer.core.client import connect
    from explorer.core.errors import ConfigError
    from explorer.core.openapi import import_openapi
    from explorer.core.secrets import SecretStore
    from explorer.exporting.cli import ENV_FOR, _env_credentials, _with_scheme

    other = AuthServer("bearer")
    with serving(other):
        api.redirect_to = other.url + "/v1/records?page_size=5"
        name, env = SCHEMES[api.scheme]
        catalog = import_openapi(api.document(tmp_path))
        profile = _with_scheme(Profile("p", api.url), catalog, name)
        credentials = _env_credentials(
            profile.auth_kind, {k: env.get(k) for v in ENV_FOR.values() for k in v}
        )
        assert credentials is not None

        async def scenario() -> None:
            store = SecretStore()
            await store.set("p", credentials.encode())
            client = await connect(profile, store)
            async with client:
                await client.request("GET", "/v1/records")  # the credential works here
                moved = await client.request("GET", "/v1/moved")
                assert moved.status_code == 302  # not followed
                with pytest.raises(ConfigError):
                    await client.request("GET", other.url + "/v1/records?cursor=10")

        asyncio.run(scenario())
    assert other.seen == []
    for _, path, headers in api.seen:
        if "/oauth/token" not in path:
            assert CLIENT_SECRET not in str(headers)


def test_the_jwt_login_exports_and_a_wrong_password_exits_3_naming_the_login(
    sandbox, cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    out = tmp_path / "units.csv"
    argv = ["export", "/v1/Units", "--out", str(out), "--base-url", sandbox.url]
    argv += ["--catalog", "scout"]
    monkeypatch.setenv("EXPLORER_USERNAME", sandbox.scout_username)
    monkeypatch.setenv("EXPLORER_PASSWORD", sandbox.scout_password)
    status, output = run(capsys, *argv)
    assert status == 0, output
    with out.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) > 1
    monkeypatch.setenv("EXPLORER_PASSWORD", "CANARY-wrong-jwt1")
    status, output = run(capsys, *argv)
    assert status == EXIT_AUTH
    assert "login at /v1/Token" in output
    assert "ScalePad" not in output
    assert "CANARY" not in output
    assert sandbox.scout_password not in output


@pytest.mark.parametrize("api", ["key_query"], indirect=True)
def test_a_next_link_echoing_the_query_key_is_followed_but_never_kept(
    api: AuthServer,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api.next_links = True
    argv = [*export_argv(api, tmp_path, monkeypatch), "--page-size", "10"]
    status, output = run(capsys, *argv, "--paging", "next-url")
    assert status == 0, output
    assert ids_in(tmp_path / "records.csv") == [str(i) for i in range(25)]
    api.fail_from = 20  # again, failing on the third page: the resume state keeps the next link
    status, output = run(capsys, *argv, "--paging", "next-url")
    assert status != 0
    assert list(tmp_path.glob("records.csv.partial*")), output
    assert_no_canary(output, folder=tmp_path)


@pytest.mark.parametrize("api", ["key_header", "key_query", "bearer", "basic"], indirect=True)
def test_a_next_link_to_another_host_is_not_followed_and_gets_nothing(
    api: AuthServer,
    cli_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = AuthServer("bearer")
    with serving(other):
        api.next_links, api.next_base = True, other.url
        argv = [*export_argv(api, tmp_path, monkeypatch), "--page-size", "10"]
        status, output = run(capsys, *argv, "--paging", "next-url")
    assert status != 0
    assert "leaves the profile's base URL" in output
    assert other.seen == []
    assert_no_canary(output, folder=tmp_path)
