"""Fixtures that give tests a real keyring backend that keeps secrets in memory.

`memory_keyring` is autouse: no test ever reads or writes the machine's real keychain.
`failing_keyring` installs keyring's own "no backend" Keyring, as on a headless Linux box.
`broken_keyring` installs a backend that exists but fails on every call (e.g. a locked keychain).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keyring
import keyring.core
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail


class MemoryKeyring(KeyringBackend):
    """A complete keyring backend whose storage is a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("no such password") from None


class BrokenKeyring(KeyringBackend):
    """A backend that is present but fails at every call, like a locked or crashed keychain."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the keychain is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("the keychain is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("the keychain is locked")


@contextlib.contextmanager
def installed(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = getattr(keyring.core, "_keyring_backend", None)
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        if previous is not None:
            keyring.set_keyring(previous)
        else:
            keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with installed(backend):
        yield backend


@pytest.fixture
def failing_keyring(memory_keyring: MemoryKeyring) -> Iterator[KeyringBackend]:
    with installed(fail.Keyring()) as backend:
        yield backend


@pytest.fixture
def broken_keyring(memory_keyring: MemoryKeyring) -> Iterator[KeyringBackend]:
    with installed(BrokenKeyring()) as backend:
        yield backend
