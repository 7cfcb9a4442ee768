"""Profiles and the settings file: round trip, atomic writes, migrations, damage, no secrets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from explorer.core.errors import ConfigError
from explorer.core.settings import (
    CURRENT_VERSION,
    AuthKind,
    JwtSettings,
    Profile,
    Settings,
    SettingsStore,
    config_dir,
)


def _profiles() -> list[Profile]:
    return [
        Profile("ScalePad", "https://api.scalepad.com", AuthKind.API_KEY, catalog="scalepad"),
        Profile(
            "Scout",
            "http://127.0.0.1:8080",
            AuthKind.JWT,
            catalog="scout",
            username="jdoe",
            rate_limit=10,
            rate_period_s=1.0,
            page_size=50,
            ca_bundle="/etc/ssl/corp.pem",
            jwt=JwtSettings(
                token_field="data.token", extra_login_fields=(("grant_type", "password"),)
            ),
        ),
    ]


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    settings = Settings(
        profiles=_profiles(),
        last_profile="Scout",
        columns={"GET /core/v1/clients": ["id", "name"]},
        window={"geometry": "abc", "splitter": [1, 2]},
    )
    store.save(settings)
    loaded = store.load()
    assert loaded == settings
    assert json.loads((tmp_path / "settings.json").read_text())["version"] == CURRENT_VERSION


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    loaded = SettingsStore(tmp_path / "nothing.json").load()
    assert loaded == Settings()


def test_profile_defaults_match_the_contract() -> None:
    profile = Profile("p", "https://example.com")
    assert (profile.rate_limit, profile.rate_period_s, profile.page_size) == (50, 5.0, 200)
    assert profile.verify_tls is True
    assert profile.tls_warning is None
    scout = JwtSettings.scout()
    assert (scout.login_path, scout.renew_path) == ("/v1/Token", "/v1/Token/Renew")
    assert (scout.username_field, scout.password_field, scout.token_field) == (
        "username",
        "password",
        "token",
    )
    assert (scout.expires_in_field, scout.expiration_field, scout.renew_at) == (
        "expiresIn",
        "expiration",
        0.8,
    )


def test_tls_off_carries_a_loud_warning() -> None:
    profile = Profile("lab", "https://lab.local", verify_tls=False)
    assert profile.tls_warning is not None
    assert "OFF" in profile.tls_warning


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": " "}, "name is empty"),
        ({"base_url": "api.example.com"}, "http://"),
        ({"auth_kind": AuthKind.JWT}, "username"),
        ({"rate_limit": 0}, "rate limit"),
        ({"page_size": 0}, "page size"),
    ],
)
def test_invalid_profiles_are_refused_with_a_reason(changes: dict[str, object], words: str) -> None:
    values: dict[str, object] = {"name": "p", "base_url": "https://x.example"} | changes
    with pytest.raises(ConfigError, match=words):
        Profile(**values)  # type: ignore[arg-type]


def test_save_is_atomic_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(profiles=_profiles()[:1]))
    before = (tmp_path / "settings.json").read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("explorer.core.settings.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save(Settings(profiles=_profiles()))
    # the old file is untouched and the temp file was cleaned up
    assert (tmp_path / "settings.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_damaged_file_is_set_aside_not_destroyed(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ this is not json")
    with pytest.raises(ConfigError) as caught:
        SettingsStore(path).load()
    assert not path.exists()
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.unreadable-")]
    assert len(aside) == 1
    assert aside[0].read_text() == "{ this is not json"
    assert str(aside[0]) in str(caught.value)
    assert "set aside" in caught.value.explanation
    # the next start is clean
    assert SettingsStore(path).load() == Settings()


def test_wrong_shape_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 2, "profiles": [{"name": "x", "base_url": "ftp://x"}]}))
    with pytest.raises(ConfigError, match="could not be read"):
        SettingsStore(path).load()


def test_newer_version_is_refused_and_left_in_place(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": CURRENT_VERSION + 1}))
    with pytest.raises(ConfigError, match="newer version"):
        SettingsStore(path).load()
    assert path.exists()


def test_v1_file_is_migrated_and_backed_up(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    v1 = {
        "version": 1,
        "profiles": [
            {
                "name": "SP",
                "base_url": "https://api.scalepad.com",
                "auth": "apikey",
                "rate": "40/5",
            },
            {
                "name": "Scout",
                "base_url": "http://127.0.0.1:9",
                "auth": "scout",
                "username": "jdoe",
                "rate": "10/1",
                "tls_verify": False,
            },
        ],
        "last_profile": "SP",
        "columns": {"/core/v1/clients": ["id"]},
    }
    path.write_text(json.dumps(v1))
    loaded = SettingsStore(path).load()
    sp, scout = loaded.profiles
    assert (sp.auth_kind, sp.rate_limit, sp.rate_period_s) == (AuthKind.API_KEY, 40, 5.0)
    assert (scout.auth_kind, scout.rate_limit, scout.rate_period_s) == (AuthKind.JWT, 10, 1.0)
    assert scout.verify_tls is False
    assert scout.jwt == JwtSettings.scout()
    assert loaded.columns == {"GET /core/v1/clients": ["id"]}
    assert loaded.last_profile == "SP"
    assert json.loads((tmp_path / "settings.json.v1.bak").read_text()) == v1
    # saving writes the current version
    SettingsStore(path).save(loaded)
    assert json.loads(path.read_text())["version"] == CURRENT_VERSION


def test_no_secret_ever_reaches_the_file(tmp_path: Path) -> None:
    canary = "CANARY-7f3a9c-secret"
    path = tmp_path / "settings.json"
    # an old or hand-edited file that holds secrets: they are dropped on load and never written
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "profiles": [
                    {
                        "name": "SP",
                        "base_url": "https://a.example",
                        "api_key": canary,
                        "password": canary,
                    }
                ],
                "token": canary,
            }
        )
    )
    store = SettingsStore(path)
    settings = store.load()
    settings.window["note"] = "ok"
    store.save(settings)
    assert canary not in path.read_text()
    assert canary not in repr(settings)


def test_config_dir_honours_the_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXPLORER_CONFIG_DIR", str(tmp_path / "cfg"))
    assert config_dir() == tmp_path / "cfg"
    assert SettingsStore().path == tmp_path / "cfg" / "settings.json"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG rules apply on Linux")
def test_config_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EXPLORER_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "explorer"


def test_config_dir_on_windows_and_macos(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EXPLORER_CONFIG_DIR", raising=False)
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setattr(sys, "platform", "win32")
    assert config_dir() == tmp_path / "Roaming" / "explorer"
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_dir() == tmp_path / "Library" / "Application Support" / "explorer"
