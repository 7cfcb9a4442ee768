"""What a window (and each of its tabs) needs to talk to one profile's API.

The composition root (explorer/app.py) builds an `AppContext` per active profile and hands it to
the main window, which passes it down to every results tab. Nothing else constructs the settings
store, the secret store, the client or the governor: widgets receive them from here.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from explorer.core.catalog import Catalog
    from explorer.core.client import ApiClient
    from explorer.core.ratelimit import Governors, RateGovernor
    from explorer.core.requestlog import RequestLog
    from explorer.core.secrets import SecretStore
    from explorer.core.settings import Profile, Settings, SettingsStore

log = logging.getLogger(__name__)


class Services(Protocol):
    """What the window needs from the composition root (explorer/app.py's AppServices).

    The window is typed against this, so the UI never imports the app that builds it.
    """

    settings_store: SettingsStore
    settings: Settings
    secrets: SecretStore
    request_log: RequestLog
    governors: Governors

    async def open_context(self, profile_name: str) -> AppContext: ...

    async def release_context(self, context: AppContext) -> None: ...

    async def start_demo(self) -> Any: ...

    async def aclose(self) -> None: ...


@dataclass(eq=False)
class AppContext:
    """The active profile with its catalog, client, request log and rate governor.

    `settings` is the one shared, mutable Settings object of the process: change it (for example
    `settings.columns[endpoint_id] = [...]`) and call `save_settings()`.
    """

    settings_store: SettingsStore
    settings: Settings
    secrets: SecretStore
    profile: Profile
    catalog: Catalog
    client: ApiClient
    request_log: RequestLog
    governor: RateGovernor
    _save_task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _save_again: bool = field(default=False, init=False, repr=False)

    def save_settings(self) -> None:
        """Persist the settings without blocking the event loop.

        Saves run one at a time in a worker thread on a snapshot of the settings; calls made while
        a save is running are coalesced into one more save, so the file always ends up with the
        latest state. Without a running loop (start-up, shutdown, tests) it saves directly.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.settings_store.save(self.settings)
            return
        if self._save_task is not None and not self._save_task.done():
            self._save_again = True
            return
        self._save_task = loop.create_task(self._save_loop())

    async def flush_settings(self) -> None:
        """Wait for a save in progress (used before closing the window)."""
        task = self._save_task
        if task is not None and not task.done():
            await asyncio.wait([task])  # a cancelled save is not this caller's failure

    async def _save_loop(self) -> None:
        while True:
            self._save_again = False
            snapshot = copy.deepcopy(self.settings)
            try:
                await asyncio.to_thread(self.settings_store.save, snapshot)
            except OSError as exc:
                log.warning("Could not save the settings: %s", exc)
            if not self._save_again:
                return
