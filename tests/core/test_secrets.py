"""The secret store: keychain round trip, session-only fallback, never blocking, never leaking."""

from __future__ import annotations

import asyncio
import threading

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer

from explorer.core import secrets
from explorer.core.secrets import (
    SERVICE_NAME,
    KeyringSecretStore,
    SessionSecretStore,
    open_secret_store,
    open_secret_store_async,
)
from tests.fixtures_keyring import MemoryKeyring

CANARY = "CANARY-secret-4b1d"


def test_keychain_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = open_secret_store()
    assert isinstance(store, KeyringSecretStore)
    assert store.persistent
    assert store.location.startswith("system keychain (")
    assert store.unavailable_reason is None

    async def scenario() -> None:
        assert await store.get("ScalePad") is None
        await store.set("ScalePad", CANARY)
        await store.set("Scout", "pw")
        assert await store.get("ScalePad") == CANARY
        await store.delete("ScalePad")
        await store.delete("ScalePad")  # deleting twice is fine
        assert await store.get("ScalePad") is None

    asyncio.run(scenario())
    # one entry per profile under the service name, in the real backend
    assert memory_keyring.entries == {(SERVICE_NAME, "Scout"): "pw"}


def test_a_new_store_reads_what_an_earlier_one_saved() -> None:
    asyncio.run(open_secret_store().set("p", CANARY))
    assert asyncio.run(open_secret_store().get("p")) == CANARY


def test_keyring_calls_run_off_the_event_loop_thread(memory_keyring: MemoryKeyring) -> None:
    threads: list[int] = []
    original = memory_keyring.get_password

    def spy(service: str, username: str) -> str | None:
        threads.append(threading.get_ident())
        return original(service, username)

    memory_keyring.get_password = spy  # type: ignore[method-assign]

    async def scenario() -> int:
        await open_secret_store().get("p")
        return threading.get_ident()

    loop_thread = asyncio.run(scenario())
    assert threads
    assert loop_thread not in threads


def test_no_backend_gives_a_session_store_with_a_reason(failing_keyring: KeyringBackend) -> None:
    store = open_secret_store()
    assert isinstance(store, SessionSecretStore)
    assert store.persistent is False
    assert store.location == "this session only"
    assert store.unavailable_reason is not None
    assert "no system keychain" in store.unavailable_reason

    async def scenario() -> None:
        await store.set("p", CANARY)
        assert await store.get("p") == CANARY
        await store.delete("p")
        assert await store.get("p") is None

    asyncio.run(scenario())


def test_empty_chain_counts_as_no_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    monkeypatch.setattr(secrets.keyring, "get_keyring", chainer.ChainerBackend)
    store = open_secret_store()
    assert store.persistent is False
    assert "chain is empty" in (store.unavailable_reason or "")


def test_keyring_that_cannot_start_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode() -> KeyringBackend:
        raise RuntimeError("bad keyringrc")

    monkeypatch.setattr(secrets.keyring, "get_keyring", explode)
    store = asyncio.run(open_secret_store_async())
    assert store.persistent is False
    assert "bad keyringrc" in (store.unavailable_reason or "")


def test_a_failing_keychain_degrades_to_session_memory(broken_keyring: KeyringBackend) -> None:
    store = open_secret_store()
    assert store.persistent  # it looked fine until used

    async def scenario() -> None:
        await store.set("p", CANARY)
        assert await store.get("p") == CANARY

    asyncio.run(scenario())
    assert store.persistent is False
    assert store.location == "this session only"
    reason = store.unavailable_reason or ""
    assert "KeyringLocked" in reason or "PasswordSetError" in reason
    assert CANARY not in reason
    assert CANARY not in repr(store)


def test_a_backend_that_echoes_the_secret_is_scrubbed(memory_keyring: MemoryKeyring) -> None:
    def echo(service: str, username: str, password: str) -> None:
        raise RuntimeError(f"could not store {password!r}")

    memory_keyring.set_password = echo  # type: ignore[method-assign]
    store = open_secret_store()
    asyncio.run(store.set("p", CANARY))
    assert store.persistent is False
    assert CANARY not in (store.unavailable_reason or "")
    assert "could not store" in (store.unavailable_reason or "")
