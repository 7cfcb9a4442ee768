"""The composition root of the desktop app.

`main()` parses the command line, builds the QApplication and the qasync loop, the settings and
secret stores, the process-wide request log and the window. `AppServices` owns those objects and
builds an `AppContext` (catalog, client, governor) when the window opens a profile; nothing else
constructs them. Closing the window closes the clients and stops the demo server.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import logging.handlers
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer import __version__

if TYPE_CHECKING:
    from explorer.core.requestlog import RequestLog
    from explorer.core.secrets import SecretStore
    from explorer.core.settings import Profile, Settings, SettingsStore
    from explorer.ui.context import AppContext

log = logging.getLogger("explorer")

DEMO_PROFILE = "Demo"  # ScalePad (Core, Quoter, Lifecycle Manager) and the sandbox extras
DEMO_SCOUT_PROFILE = "Demo Scout"  # Scout signs in with a username and password (JWT)
DEMO_PROFILES = (DEMO_PROFILE, DEMO_SCOUT_PROFILE)


class AppServices:
    """The app's long-lived objects, and the factory of per-profile contexts."""

    def __init__(
        self,
        settings_store: SettingsStore,
        settings: Settings,
        secrets: SecretStore,
        request_log: RequestLog,
        *,
        demo_config: Any = None,
    ) -> None:
        self.settings_store = settings_store
        self.settings = settings
        self.secrets = secrets
        self.request_log = request_log
        self.demo_config = demo_config
        self.demo: Any = None  # the sandbox child process while the demo runs
        from explorer.core.ratelimit import Governors

        self.governors = Governors()  # one rate budget per profile, for the whole window

    @classmethod
    async def create(
        cls, config_dir: Path | None = None, *, demo_config: Any = None
    ) -> AppServices:
        """Load settings and open the secret store, off the event loop."""
        from explorer.core.errors import ConfigError
        from explorer.core.requestlog import RequestLog
        from explorer.core.secrets import open_secret_store_async
        from explorer.core.settings import SETTINGS_FILE, Settings, SettingsStore
        from explorer.ui.async_utils import report_error

        store = SettingsStore(config_dir / SETTINGS_FILE if config_dir else None)
        try:
            settings = await asyncio.to_thread(store.load)
        except ConfigError as exc:  # the damaged file was set aside: start clean and say so
            report_error(exc)
            settings = Settings()
        secrets = await open_secret_store_async()
        return cls(store, settings, secrets, RequestLog(), demo_config=demo_config)

    async def open_context(self, profile_name: str) -> AppContext:
        """Open a profile through the session layer (starting the demo if it needs it)."""
        from explorer.core.errors import ConfigError
        from explorer.core.session import open_connection
        from explorer.ui.context import AppContext

        profile = self.settings.profile(profile_name)
        if profile is None:
            raise ConfigError(
                f"No profile named {profile_name!r}",
                explanation=f"The profile {profile_name!r} no longer exists; choose another.",
            )
        if profile.name in DEMO_PROFILES and self.demo is None:
            await self.start_demo()  # the last run's demo server is gone: start a new one
            profile = self.settings.profile(profile_name) or profile
        connection = await open_connection(
            profile, self.secrets, governors=self.governors, request_log=self.request_log
        )
        self.settings.last_profile = profile.name
        context = AppContext(
            settings_store=self.settings_store,
            settings=self.settings,
            secrets=self.secrets,
            profile=profile,
            catalog=connection.catalog,
            client=connection.client,
            request_log=self.request_log,
            governor=connection.governor,
        )
        context.save_settings()
        return context

    async def release_context(self, context: AppContext) -> None:
        await context.flush_settings()
        await context.client.aclose()

    async def start_demo(self) -> Profile:
        """Start the sandbox in a child process and store ready demo profiles for it.

        ScalePad answers an API key and Scout a JWT login, so the demo has two profiles on the
        same local server: "Demo" (ScalePad and the sandbox extras) and "Demo Scout". Their
        secrets go to the secret store like any other; the settings hold none. Returns "Demo".
        """
        from explorer.core.catalogs import PRESETS
        from explorer.core.settings import AuthKind, JwtSettings, Profile
        from explorer.sandbox import SandboxConfig, launch_sandbox_process

        if self.demo is None:
            config = self.demo_config or SandboxConfig(latency_ms=30)
            self.demo = await asyncio.to_thread(launch_sandbox_process, config)
        demo = self.demo

        def from_preset(name: str, key: str, username: str | None = None) -> Profile:
            preset = PRESETS[key]
            return Profile(
                name=name,
                base_url=demo.url,
                auth_kind=AuthKind(preset.auth_kind),
                catalog=preset.catalog,
                username=username,
                rate_limit=preset.rate_limit,
                rate_period_s=preset.rate_period_s,
                page_size=preset.page_size,
                jwt=JwtSettings.from_dict(preset.jwt),
            )

        profiles = (
            from_preset(DEMO_PROFILE, "sandbox"),
            from_preset(DEMO_SCOUT_PROFILE, "sandbox_scout", demo.scout_username),
        )
        for profile, secret in zip(profiles, (demo.api_key, demo.scout_password), strict=True):
            existing = self.settings.profile(profile.name)
            if existing is not None:  # keep the user's budget and page size, follow the new port
                profile = existing.with_changes(base_url=demo.url, username=profile.username)
            await self.secrets.set(profile.name, secret)
            self.settings.upsert_profile(profile)
        self.settings.last_profile = DEMO_PROFILE
        await asyncio.to_thread(self.settings_store.save, copy.deepcopy(self.settings))
        demo_profile = self.settings.profile(DEMO_PROFILE)
        assert demo_profile is not None
        return demo_profile

    async def stop_demo(self) -> None:
        demo, self.demo = self.demo, None
        if demo is not None:
            await asyncio.to_thread(demo.stop)

    async def aclose(self) -> None:
        await self.stop_demo()


# ------------------------------------------------------------------ command line
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explorer", description="Point-and-click explorer for SaaS REST APIs."
    )
    parser.add_argument("--version", action="version", version=f"explorer {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="start the offline demo server and open it"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="check this installation without a window, then exit"
    )
    parser.add_argument(
        "query_file",
        nargs="?",
        type=Path,
        metavar="FILE.query.json",
        help="open this saved query (with the profile it was saved from)",
    )
    parser.add_argument(
        "--config-dir",
        type=Path,
        metavar="DIR",
        help="keep settings in DIR instead of the usual config folder (or EXPLORER_CONFIG_DIR)",
    )
    return parser


def _setup_logging(folder: Path) -> Path | None:
    """Warnings to stderr; everything from INFO to a small rotating file next to the settings."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    root.addHandler(console)
    from explorer.core.safefiles import PrivateRotatingFileHandler

    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "explorer.log"
        # Private (0600): messages may name customers, hosts and paths.
        handler = PrivateRotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    # httpx logs every URL at INFO, query values (an api_key parameter) included; the request
    # log panel shows them masked instead.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--sandbox-server"]:
        # The frozen app runs the demo sandbox as a child process of itself.
        from explorer.sandbox import serve_from_args

        return int(serve_from_args(args_list[1:]) or 0)
    args = build_parser().parse_args(args_list)
    from explorer.ui.async_utils import guard_pyside_refcount_bugs

    guard_pyside_refcount_bugs()  # before any Qt call, the smoke check's included
    if args.smoke:
        from explorer.smoke import run_smoke

        return run_smoke()
    if args.config_dir is not None:
        os.environ["EXPLORER_CONFIG_DIR"] = str(args.config_dir.expanduser())
    os.environ.setdefault("QT_API", "pyside6")  # before qasync is imported: it picks the binding

    import qasync
    from PySide6.QtWidgets import QApplication

    from explorer.core.settings import config_dir
    from explorer.ui import memory, theme
    from explorer.ui.async_utils import install_exception_hooks, run_until_complete

    _setup_logging(config_dir())
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "explorer"])
    assert isinstance(app, QApplication)
    app.setApplicationName("Explorer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("explorer")
    # The window ends the app itself, after its async shutdown (tabs, clients, demo server).
    app.setQuitOnLastWindowClosed(False)
    theme.apply_theme(app)
    memory.install_window_policy()  # short collector passes with many rows loaded
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_exception_hooks(loop)
    try:
        with loop:
            run_until_complete(loop, run_window(demo=args.demo, query_file=args.query_file))
    finally:
        asyncio.set_event_loop(None)
    return 0


async def run_window(*, demo: bool = False, query_file: Path | None = None) -> None:
    """Build the services and the window, and return when the window has closed."""
    from explorer.ui.async_utils import spawn
    from explorer.ui.main_window import MainWindow

    services = await AppServices.create()
    window = MainWindow(services)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    spawn(window.start(demo=demo, query_file=query_file), owner=window, context="Starting")
    try:
        await closed.wait()
    finally:
        await services.aclose()


if __name__ == "__main__":
    raise SystemExit(main())
