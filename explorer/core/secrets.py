"""Where API keys and passwords live: the system keychain, or this session's memory.

One keyring entry per profile (service "explorer", user = profile name). A scheme with one secret
(API key, token, JWT password) stores it as the plain string, as always; one with two (basic:
username + password; OAuth2: client id + client secret) stores a small JSON object marked
`explorer_credentials` (see `Credentials`), so entries saved before keep working unchanged.
Every keyring call runs in a
worker thread, because backends talk to D-Bus, the macOS keychain or the Windows vault and may block
(or show an unlock prompt). When no usable backend exists (a headless Linux box, a locked or broken
keychain), secrets are kept in memory for this session only, and `unavailable_reason` says why.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail

log = logging.getLogger(__name__)

SERVICE_NAME = "explorer"
SESSION_ONLY = "this session only"


_CREDENTIALS_MARK = "explorer_credentials"


@dataclass(frozen=True)
class Credentials:
    """What one profile's scheme needs: the secret, and for basic / OAuth2 also who is asking.

    `identity` is the basic username or the OAuth2 client id; `secret` the key, token, password or
    client secret. Neither appears in the repr.
    """

    secret: str
    identity: str | None = None

    def encode(self) -> str:
        """The keyring value: the secret alone when there is no identity (the old format)."""
        if self.identity is None:
            return self.secret
        return json.dumps({_CREDENTIALS_MARK: 1, "identity": self.identity, "secret": self.secret})

    @classmethod
    def decode(cls, value: str) -> Credentials:
        """The credentials an entry holds; a plain string is the secret alone."""
        if value.startswith("{") and _CREDENTIALS_MARK in value:
            try:
                raw = json.loads(value)
            except ValueError:
                raw = None
            if isinstance(raw, dict) and raw.get(_CREDENTIALS_MARK) == 1:
                identity = raw.get("identity")
                return cls(str(raw.get("secret") or ""), str(identity) if identity else None)
        return cls(value)

    def values(self) -> tuple[str, ...]:
        """Every string the logs must never show."""
        return tuple(v for v in (self.secret, self.identity) if v)

    def __repr__(self) -> str:
        return f"Credentials(identity={'<set>' if self.identity else None}, secret=<hidden>)"

    __str__ = __repr__


class SecretStore:
    """Secrets by profile name. Subclasses decide where they go; the API never blocks the loop."""

    persistent: bool = False
    location: str = SESSION_ONLY
    unavailable_reason: str | None = None

    def __init__(self) -> None:
        self._memory: dict[str, str] = {}
        self._session: dict[str, str] = {}  # keep_for_session: never reaches the keychain

    def keep_for_session(self, profile_name: str, secret: str) -> None:
        """Hold a secret in memory for this session only, whatever the store (a credential
        pasted in a cURL command). It wins over a stored one until `set` or `delete`."""
        self._session[profile_name] = secret

    async def get(self, profile_name: str) -> str | None:
        if profile_name in self._session:
            return self._session[profile_name]
        return self._memory.get(profile_name)

    async def set(self, profile_name: str, secret: str) -> None:
        self._session.pop(profile_name, None)
        self._memory[profile_name] = secret

    async def delete(self, profile_name: str) -> None:
        self._session.pop(profile_name, None)
        self._memory.pop(profile_name, None)

    def __repr__(self) -> str:  # names only, never values
        entries = sorted({*self._memory, *self._session})
        return f"{type(self).__name__}(location={self.location!r}, entries={entries})"


class SessionSecretStore(SecretStore):
    """Keeps secrets in memory until the app quits."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__()
        self.unavailable_reason = reason


class KeyringSecretStore(SecretStore):
    """The system keychain through `keyring`; falls back to memory if the keychain starts failing."""

    def __init__(
        self, backend: keyring.backend.KeyringBackend, service: str = SERVICE_NAME
    ) -> None:
        super().__init__()
        self._backend = backend
        self._service = service
        self.persistent = True
        self.location = f"system keychain ({_backend_name(backend)})"

    async def get(self, profile_name: str) -> str | None:
        if profile_name in self._session:
            return self._session[profile_name]
        if not self.persistent:
            return self._memory.get(profile_name)
        try:
            value: str | None = await asyncio.to_thread(
                self._backend.get_password, self._service, profile_name
            )
        except Exception as exc:  # noqa: BLE001 - any backend failure means "no keychain now"
            self._degrade("reading", exc)
            return self._memory.get(profile_name)
        return value

    async def set(self, profile_name: str, secret: str) -> None:
        self._session.pop(profile_name, None)
        if self.persistent:
            try:
                await asyncio.to_thread(
                    self._backend.set_password, self._service, profile_name, secret
                )
                return
            except Exception as exc:  # noqa: BLE001
                self._degrade("saving", exc, secret)
        self._memory[profile_name] = secret

    async def delete(self, profile_name: str) -> None:
        self._memory.pop(profile_name, None)
        self._session.pop(profile_name, None)
        if not self.persistent:
            return
        try:
            await asyncio.to_thread(self._backend.delete_password, self._service, profile_name)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was stored: the wanted end state already holds
        except Exception as exc:  # noqa: BLE001
            self._degrade("deleting", exc)

    def _degrade(self, action: str, exc: Exception, secret: str | None = None) -> None:
        detail = str(exc)
        if secret:  # backends should not echo the value, but never let one reach a message
            detail = detail.replace(secret, "****")
        self.unavailable_reason = (
            f"The system keychain failed while {action} a secret ({type(exc).__name__}: {detail}); "
            "secrets are kept for this session only and must be entered again next time."
        )
        log.warning("%s", self.unavailable_reason)
        self.persistent = False
        self.location = SESSION_ONLY


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    name: Any = getattr(backend, "name", None)
    return str(name) if name else type(backend).__name__


def unusable_reason(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why a keyring backend cannot keep secrets, or None if it can."""
    if isinstance(backend, fail.Keyring):
        return "no system keychain was found (no keyring backend is installed or running)"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "no system keychain was found (the keyring chain is empty)"
    if type(backend).__module__ == "keyring.backends.null":
        return "the keyring is configured to discard secrets (null backend)"
    return None


def open_secret_store(service: str = SERVICE_NAME) -> SecretStore:
    """The keychain store if a usable backend exists, else a session-only store with the reason.

    Detecting the backend may take a moment; from the event loop use `open_secret_store_async`.
    """
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring config must not stop the app
        return SessionSecretStore(_session_reason(f"the keyring could not start ({exc})"))
    reason = unusable_reason(backend)
    if reason is not None:
        return SessionSecretStore(_session_reason(reason))
    return KeyringSecretStore(backend, service)


async def open_secret_store_async(service: str = SERVICE_NAME) -> SecretStore:
    return await asyncio.to_thread(open_secret_store, service)


def _session_reason(why: str) -> str:
    return (
        f"Secrets cannot be saved: {why}. They are kept for this session only and must be "
        "entered again next time. On Linux, install and unlock a Secret Service keychain "
        "(GNOME Keyring or KWallet) to keep them."
    )


class SingleSecret:
    """A one-secret source for a profile that is not saved yet (the dialog's Test connection)."""

    persistent = False
    location = "this dialog"
    unavailable_reason: str | None = None

    def __init__(self, secret: str | None) -> None:
        self._secret = secret

    async def get(self, profile_name: str) -> str | None:
        return self._secret

    def __repr__(self) -> str:  # never the value
        return f"SingleSecret(set={self._secret is not None})"
