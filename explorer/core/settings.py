"""Connection profiles and app settings, kept as versioned JSON in the platform's config folder.

The file never holds a secret: API keys and passwords live in the secret store (core/secrets.py),
keyed by profile name. Writes are atomic (temp file + rename), so a crash never leaves half a file.
A file that cannot be read is renamed aside (kept, never deleted) and reported as a ConfigError.
Older file versions are migrated on load; the original is kept next to it as a backup.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from explorer.core.catalog import paging_problem
from explorer.core.errors import ConfigError

log = logging.getLogger(__name__)

APP_DIR_NAME = "explorer"
SETTINGS_FILE = "settings.json"
CURRENT_VERSION = 2
DEFAULT_MAX_RESPONSE_MB = 256
DEFAULT_REQUEST_TIMEOUT_S = 120.0

# Keys that must never be persisted, wherever they appear in the file (checked on load and save).
SECRET_KEYS = frozenset(
    {"api_key", "apikey", "key", "password", "secret", "token", "access_token", "refresh_token"}
)


class AuthKind(StrEnum):
    API_KEY = "api_key"  # a key in a header, query parameter or cookie (ScalePad: `x-api-key`)
    BEARER = "bearer"  # a static token in `Authorization: Bearer`
    BASIC = "basic"  # HTTP basic: username and password on every request
    OAUTH2 = "oauth2_client_credentials"  # client id + secret for a token (RFC 6749 section 4.4)
    JWT = "jwt"  # log in with username + password, send `Authorization: Bearer` (Scout)
    NONE = "none"


@dataclass(frozen=True)
class ApiKeySettings:
    """Where an API key goes: a header, query parameter or cookie of any name, with a prefix.

    The default is ScalePad's `x-api-key` header, spelled exactly so (its gateway rejects other
    casings), which is also what every profile saved before these settings existed meant.
    """

    location: str = "header"  # "header", "query" or "cookie"
    name: str = "x-api-key"
    prefix: str = ""  # e.g. "Token " for `Authorization: Token <key>`

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ApiKeySettings:
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: str(v) for k, v in raw.items() if k in known})
        if settings.location not in ("header", "query", "cookie"):
            raise ValueError(
                f"an API key goes in a header, query or cookie, not {settings.location!r}"
            )
        return settings


@dataclass(frozen=True)
class OAuth2Settings:
    """OAuth2 client credentials: where to get a token, for which scopes, and how to send the
    client secret ("basic": HTTP basic, RFC 6749's default; "post": in the form body)."""

    token_url: str = ""
    scopes: tuple[str, ...] = ()
    client_auth: str = "basic"
    renew_at: float = 0.8  # fetch a new token after this fraction of `expires_in`

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["scopes"] = list(self.scopes)
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> OAuth2Settings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["scopes"] = tuple(str(s) for s in values.get("scopes") or ())
        settings = cls(**values)
        if settings.client_auth not in ("basic", "post"):
            raise ValueError(f"client_auth must be 'basic' or 'post', not {settings.client_auth!r}")
        return settings


@dataclass(frozen=True)
class JwtSettings:
    """How a JWT login works for one API: paths, body and response field names, timing.

    The defaults are the `scout()` preset (the sandbox's emulation contract). Every name can be
    changed because real Scout deployments (and similar APIs) are not publicly documented.
    """

    login_path: str = "/v1/Token"
    body_encoding: str = "json"  # "json" or "form"
    username_field: str = "username"
    password_field: str = "password"
    extra_login_fields: tuple[tuple[str, str], ...] = ()  # e.g. (("grant_type", "password"),)
    token_field: str = "token"  # dotted path in the response; "" = the whole body is the token
    expires_in_field: str = "expiresIn"  # seconds until expiry
    expiration_field: str = "expiration"  # absolute expiry (ISO 8601 or epoch seconds)
    renew_path: str | None = "/v1/Token/Renew"  # None: always log in again
    renew_token_field: str | None = None  # None: current token in the auth header; else body field
    header_name: str = "Authorization"
    header_prefix: str = "Bearer "
    renew_at: float = 0.8  # renew after this fraction of the token's life
    default_lifetime_s: float = 1800.0  # when neither the response nor the JWT says

    @classmethod
    def scout(cls) -> JwtSettings:
        return cls()

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["extra_login_fields"] = [list(pair) for pair in self.extra_login_fields]
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JwtSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        if "extra_login_fields" in values:
            values["extra_login_fields"] = tuple(
                (str(k), str(v)) for k, v in values["extra_login_fields"]
            )
        settings = cls(**values)
        if settings.body_encoding not in ("json", "form"):
            raise ValueError(
                f"body_encoding must be 'json' or 'form', not {settings.body_encoding!r}"
            )
        if not 0.1 <= settings.renew_at <= 0.99:
            raise ValueError("renew_at must be between 0.1 and 0.99")
        return settings


@dataclass(frozen=True)
class Profile:
    """One connection: where, how to authenticate, and how fast the API lets us go."""

    name: str
    base_url: str
    auth_kind: AuthKind = AuthKind.API_KEY
    catalog: str = ""  # a bundled catalog name ("scalepad", "scout") or an OpenAPI file/URL
    username: str | None = None  # JWT login name (the password is the profile's secret)
    rate_limit: int = 50
    rate_period_s: float = 5.0
    page_size: int = 200
    ca_bundle: str | None = None  # PEM file for a corporate proxy's CA
    verify_tls: bool = True
    jwt: JwtSettings = field(default_factory=JwtSettings)
    key_placement: ApiKeySettings = field(default_factory=ApiKeySettings)
    oauth2: OAuth2Settings = field(default_factory=OAuth2Settings)
    scheme_name: str = ""  # the document's securitySchemes name this profile follows, if any
    # Paging overrides by endpoint id, in the --paging notation (README: Paging), e.g.
    # (("GET /v1/customers", "last-id:size=limit,max=100"),); settings.json holds them as an object.
    paging: tuple[tuple[str, str], ...] = ()
    max_response_mb: int = DEFAULT_MAX_RESPONSE_MB  # decoded size of one answer, counted as read
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S  # one request, first byte to last

    def __post_init__(self) -> None:
        problems = profile_problems(self)
        if problems:
            raise ConfigError(
                f"Profile {self.name!r} is not valid: {'; '.join(problems)}",
                explanation=f"Fix the profile settings: {'; '.join(problems)}.",
            )

    @property
    def tls_verify(self) -> bool | str:
        """httpx's `verify` for this profile: False when checks are off (a CA bundle set earlier
        does not turn them back on), the bundle's path when one is set, else True."""
        if not self.verify_tls:
            return False
        return self.ca_bundle or True

    @property
    def tls_warning(self) -> str | None:
        """A loud warning to show whenever certificate checks are off for this profile."""
        if self.verify_tls:
            return None
        return (
            f"TLS certificate verification is OFF for {self.name!r}: anyone on the network path can "
            "read and change this traffic, including your credentials. Prefer a CA bundle."
        )

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["auth_kind"] = self.auth_kind.value
        raw["jwt"] = self.jwt.to_dict()
        raw["key_placement"] = self.key_placement.to_dict()
        raw["oauth2"] = self.oauth2.to_dict()
        raw.pop("paging")
        if self.paging:
            raw["paging"] = dict(self.paging)
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Profile:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["auth_kind"] = AuthKind(values.get("auth_kind", AuthKind.API_KEY))
        values["jwt"] = JwtSettings.from_dict(values.get("jwt") or {})
        # Files from before these settings: an api_key profile meant the `x-api-key` header.
        values["key_placement"] = ApiKeySettings.from_dict(values.get("key_placement") or {})
        values["oauth2"] = OAuth2Settings.from_dict(values.get("oauth2") or {})
        paging = values.get("paging") or {}
        if not isinstance(paging, dict):
            raise ConfigError(
                f"Profile {values.get('name')!r}: 'paging' is not an object",
                explanation='In settings.json, a profile\'s "paging" maps endpoint ids to '
                'paging styles, e.g. {"GET /v1/customers": "last-id"}.',
            )
        values["paging"] = tuple((str(k), str(v)) for k, v in paging.items())
        return cls(**values)

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)


def profile_problems(profile: Profile) -> list[str]:
    """What is wrong with a profile, in words a settings dialog can show next to the fields."""
    problems: list[str] = []
    if not profile.name.strip():
        problems.append("the name is empty")
    problems.extend(base_url_problems(profile.base_url))
    if profile.auth_kind is AuthKind.JWT and not (profile.username or "").strip():
        problems.append("a JWT login needs a username")
    if profile.auth_kind is AuthKind.API_KEY and not profile.key_placement.name.strip():
        problems.append("the API key needs the name of its header, query parameter or cookie")
    if profile.auth_kind is AuthKind.OAUTH2 and not profile.oauth2.token_url.startswith(
        ("http://", "https://")
    ):
        problems.append("OAuth2 needs a token URL starting with http:// or https://")
    if profile.rate_limit < 1:
        problems.append("the rate limit must be at least 1 request")
    if not 0 < profile.rate_period_s < math.inf:  # nan fails this too
        problems.append("the rate period must be a number of seconds more than 0")
    if not 1 <= profile.page_size <= 1000:
        problems.append("the page size must be between 1 and 1000")
    for endpoint_id, notation in profile.paging:
        problem = paging_problem(notation)
        if problem:
            problems.append(f"the paging of {endpoint_id}: {problem}")
    if not 1 <= profile.max_response_mb <= 1_000_000:
        problems.append("the response size limit must be between 1 and 1,000,000 MB")
    if not 0 < profile.request_timeout_s < math.inf:
        problems.append("the request timeout must be a number of seconds more than 0")
    return problems


def base_url_problems(url: str) -> list[str]:
    """What keeps `url` from being an API's base URL: the scheme, the host, the port, and
    credentials, which belong in the profile's secret (kept in the keychain), never in the URL
    (it is saved in settings.json, shown, logged and copied)."""
    if not url.startswith(("http://", "https://")):
        return ["the base URL must start with http:// or https://"]
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for 99999 or "x"
    except ValueError as exc:
        return [f"the base URL {url!r} cannot be read ({exc})"]
    problems = []
    if not parts.hostname:
        problems.append("the base URL has no host name, e.g. https://api.scalepad.com")
    if port == 0:
        problems.append("the base URL's port must be between 1 and 65535")
    if parts.username is not None or parts.password is not None:
        problems.append(
            "the base URL holds a user name or password; remove them from the URL and enter "
            "the API key or the login in the profile's credentials (kept in the system keychain)"
        )
    return problems


# Window entries kept per profile name (tabs to reopen, recent saved queries).
_PER_PROFILE_WINDOW_KEYS = ("open_tabs", "recent_queries")


@dataclass
class Settings:
    """Everything the app remembers between runs (mutable: the window edits it in place)."""

    version: int = CURRENT_VERSION
    profiles: list[Profile] = field(default_factory=list)
    last_profile: str | None = None
    columns: dict[str, list[str]] = field(default_factory=dict)  # endpoint key -> visible columns
    window: dict[str, Any] = field(default_factory=dict)  # geometry, splitter sizes, ...
    # Profiles of this session only (made from a pasted cURL command): listed and opened like
    # the others, never written to the file, nor is anything kept under their names.
    temporary: set[str] = field(default_factory=set)

    def profile(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def add_temporary_profile(self, profile: Profile) -> None:
        """Add a profile for this session only (saving it later through upsert keeps it)."""
        self.profiles = [p for p in self.profiles if p.name != profile.name] + [profile]
        self.temporary.add(profile.name)

    def upsert_profile(self, profile: Profile) -> None:
        """Add the profile, or replace the one with the same name in place."""
        self.temporary.discard(profile.name)
        for i, existing in enumerate(self.profiles):
            if existing.name == profile.name:
                self.profiles[i] = profile
                return
        self.profiles.append(profile)

    def remove_profile(self, name: str) -> None:
        self.profiles = [p for p in self.profiles if p.name != name]
        self.temporary.discard(name)
        if self.last_profile == name:
            self.last_profile = None

    def to_dict(self) -> dict[str, Any]:
        temporary = self.temporary
        window = {
            key: {k: v for k, v in value.items() if k not in temporary}
            if key in _PER_PROFILE_WINDOW_KEYS and isinstance(value, dict)
            else value
            for key, value in self.window.items()
        }
        return {
            "version": CURRENT_VERSION,
            "profiles": [p.to_dict() for p in self.profiles if p.name not in temporary],
            "last_profile": None if self.last_profile in temporary else self.last_profile,
            "columns": {k: list(v) for k, v in self.columns.items()},
            "window": window,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Settings:
        columns = raw.get("columns") or {}
        window = raw.get("window") or {}
        if not isinstance(columns, dict) or not isinstance(window, dict):
            raise ValueError("'columns' and 'window' must be objects")
        return cls(
            version=CURRENT_VERSION,
            profiles=[Profile.from_dict(p) for p in raw.get("profiles") or []],
            last_profile=raw.get("last_profile"),
            columns={str(k): [str(c) for c in v] for k, v in columns.items()},
            window=window,
        )


# ------------------------------------------------------------------ where the file lives
def config_dir() -> Path:
    """The folder for settings: EXPLORER_CONFIG_DIR, else the platform's usual config folder."""
    override = os.environ.get("EXPLORER_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / APP_DIR_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME


# ------------------------------------------------------------------ migrations
def _migrate_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2.

    v1 profiles said `auth` ("apikey" | "scout" | "none"), `rate` ("50/5") and `tls_verify`, and
    kept columns per endpoint path without the method. v2 splits the rate into `rate_limit` and
    `rate_period_s`, names the auth kind, keys columns by endpoint id ("GET /path") and adds
    `window`.
    """
    profiles = []
    for old in raw.get("profiles") or []:
        new = {k: v for k, v in old.items() if k not in ("auth", "rate", "tls_verify")}
        auth = old.get("auth", "apikey")
        new["auth_kind"] = {"apikey": "api_key", "scout": "jwt", "none": "none"}.get(auth, auth)
        if auth == "scout":
            new["jwt"] = JwtSettings.scout().to_dict()
        rate = str(old.get("rate", "50/5"))
        limit, _, period = rate.partition("/")
        new["rate_limit"] = int(limit)
        new["rate_period_s"] = float(period or 5)
        if "tls_verify" in old:
            new["verify_tls"] = bool(old["tls_verify"])
        profiles.append(new)
    columns = {
        (key if " " in key else f"GET {key}"): value
        for key, value in (raw.get("columns") or {}).items()
    }
    return {
        "version": 2,
        "profiles": profiles,
        "last_profile": raw.get("last_profile"),
        "columns": columns,
        "window": {},
    }


# version found in the file -> function that lifts it by one version
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _migrate_v1}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    version = raw.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"unknown settings version {version!r}")
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValueError(f"no migration from settings version {version}")
        raw = step(raw)
        version = raw["version"]
    return raw


def strip_secrets(value: Any) -> Any:
    """A copy of a JSON value without any key that names a secret (defence in depth)."""
    if isinstance(value, dict):
        return {k: strip_secrets(v) for k, v in value.items() if k.lower() not in SECRET_KEYS}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


# ------------------------------------------------------------------ the store
class SettingsStore:
    """Loads and saves Settings as JSON. Blocking: call it through asyncio.to_thread on the loop."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else config_dir() / SETTINGS_FILE

    def load(self) -> Settings:
        """The saved settings; defaults when there is no file yet.

        Raises ConfigError when the file exists but cannot be used; the file is first renamed
        aside (`settings.json.unreadable-<time>`) so that the next start is clean and nothing is lost.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except UnicodeDecodeError as exc:
            self._fail(exc)
        except OSError as exc:
            raise ConfigError(
                f"Could not read the settings file {self.path}: {exc.strerror or exc}",
                explanation=f"Check that {self.path} is readable by your user account.",
            ) from exc
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise ValueError("the top level is not a JSON object")
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            self._fail(exc)
        version = raw.get("version", 1)
        if isinstance(version, int) and version > CURRENT_VERSION:
            raise ConfigError(
                f"The settings file {self.path} was written by a newer version of explorer "
                f"(settings version {version}; this one understands {CURRENT_VERSION}).",
                explanation="Update explorer, or point EXPLORER_CONFIG_DIR at another folder.",
            )
        try:
            settings = Settings.from_dict(strip_secrets(migrate(raw)))
        except (ConfigError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self._fail(exc)
        if version != CURRENT_VERSION:
            self._keep_backup(text, version)
        return settings

    def save(self, settings: Settings) -> None:
        """Write atomically: a temp file in the same folder, flushed, then renamed over the old one."""
        data = strip_secrets(settings.to_dict())
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _fail(self, exc: Exception) -> NoReturn:
        aside = self._set_aside()
        kept = f"kept as {aside}" if aside is not None else f"left where it is, at {self.path}"
        detail = str(exc) or type(exc).__name__
        raise ConfigError(
            f"The settings file {self.path} could not be read ({detail}); it was {kept}.",
            explanation=(
                f"The settings file was damaged and has been set aside (it was {kept}); "
                "explorer starts with default settings. Copy any profile details you need from it."
            ),
        ) from exc

    def _set_aside(self) -> Path | None:
        """Move the damaged file to a name of its own; an earlier copy is never overwritten."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1, 1000):
            suffix = "" if n == 1 else f"-{n}"
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}{suffix}")
            try:
                os.link(self.path, aside)  # fails if the name is taken, unlike a rename
            except FileExistsError:
                continue
            except OSError:  # no hard links here (FAT, some network drives)
                if aside.exists():
                    continue
                try:
                    os.replace(self.path, aside)
                except OSError:
                    return None
                return aside
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            return aside
        return None

    def _keep_backup(self, text: str, version: Any) -> None:
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        if backup.exists():
            return
        try:
            backup.write_text(text, encoding="utf-8")
        except OSError as exc:  # a missing backup must not stop the app from starting
            log.warning("Could not keep a backup of the old settings file: %s", exc)
