"""Paste a cURL command (Ctrl+Shift+V) and Replay a logged request, each in a tab.

The dialog reads the command as it is typed or pasted (core/curl.py) and keeps Open disabled,
with the reason next to it, until it can be opened. Opening plans the request
(core/curlprofile.py): the saved profile of its address, or a temporary profile kept for this
session only (listed like the others, never saved), whose credential goes to the secret store
for this session only. The window then switches to that profile, as for a saved query, and opens
the tab; what the command's credential means for this tab is said in the banner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import Endpoint
from explorer.core.curl import CurlRequest, looks_like_curl, parse_curl, without_credential_params
from explorer.core.curlprofile import (
    CurlPlan,
    matching_profiles,
    plan_curl,
    query_for,
    relative_request,
)
from explorer.core.errors import CurlCommandError, ExplorerError
from explorer.core.query import Query
from explorer.core.requestlog import RequestLogEntry
from explorer.ui.async_utils import Level, spawn, tasks_of

if TYPE_CHECKING:
    from explorer.ui.main_window import MainWindow
    from explorer.ui.results.tab import ResultsTab

PREVIEW_DELAY_S = 0.25  # a profile's catalog may be a download: not on every keystroke
PLACEHOLDER = (
    "curl 'https://api.scalepad.com/core/v1/assets/hardware?filter[type]=eq:SERVER' \\\n"
    "  -H 'x-api-key: …'"
)


def clipboard_curl() -> str:
    """The clipboard's text when it holds a cURL command, else nothing."""
    text = QGuiApplication.clipboard().text()
    return text if looks_like_curl(text) else ""


Planner = Callable[[CurlRequest], Awaitable[CurlPlan]]


class PasteCurlDialog(QDialog):
    """A text box for the command, what it asks for (or why it cannot be read), Open/Cancel.

    With a `planner`, the line under the box also says which profile the request opens on and
    what its credential means there, as soon as the command can be read."""

    def __init__(
        self, parent: QWidget | None = None, text: str = "", planner: Planner | None = None
    ) -> None:
        super().__init__(parent)
        self._planner = planner
        self.setWindowTitle("Paste cURL command")
        self.setMinimumSize(640, 360)
        intro = QLabel(
            "Paste a GET request as curl (bash or Windows cmd, as a browser's Copy as cURL "
            "writes it). It opens in a tab on the profile of its address, else on a temporary "
            "profile. A key, token or password in it is kept for this session only.",
            self,
        )
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(mono)
        self.editor.setAccessibleName("cURL command")
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(self)
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.open_button.setToolTip("Open the request in a tab (Ctrl+Enter)")
        self.editor.installEventFilter(self)  # Ctrl+Enter in the text box opens
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self._request: CurlRequest | None = None
        self.editor.textChanged.connect(self._check)
        self.editor.setPlainText(text)
        self._check()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.editor
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if self.open_button.isEnabled():
                self.accept()
            return True
        return super().eventFilter(watched, event)

    def request(self) -> CurlRequest | None:
        """The request read from the text, None while it cannot be read."""
        return self._request

    def _check(self) -> None:
        text = self.editor.toPlainText()
        try:
            self._request = parse_curl(text) if text.strip() else None
        except CurlCommandError as exc:
            self._request = None
            self._say(exc.explanation, "error")
        else:
            if self._request is None:
                self._say("Paste a cURL command; Open is enabled once it can be read.", "hint")
            else:
                self._say(self._request.summary(), "hint")
        self.open_button.setEnabled(self._request is not None)
        tasks = tasks_of(self)
        tasks.cancel("plan")
        if self._request is not None and self._planner is not None:
            request = self._request
            tasks.start("plan", self._preview(request), on_error=lambda exc: self._unplanned(exc))

    async def _preview(self, request: CurlRequest) -> None:
        assert self._planner is not None
        await asyncio.sleep(PREVIEW_DELAY_S)  # typing on replaces this task: plan once it pauses
        plan = await self._planner(request)
        if request is self._request:
            self._say(f"{request.summary()}\n{plan.headline('Opens')}", "hint")

    def _unplanned(self, exc: BaseException) -> None:
        """Where it would open is not known yet (a catalog download failed): Open says why."""
        if isinstance(exc, ExplorerError) and self._request is not None:
            self._say(f"{self._request.summary()}\n{exc.explanation}", "warning")

    def done(self, result: int) -> None:
        tasks_of(self).cancel_all()
        super().done(result)

    def _say(self, text: str, role: str) -> None:
        self.reason.setText(text)
        self.reason.setProperty("role", role)
        self.reason.style().unpolish(self.reason)
        self.reason.style().polish(self.reason)


def ask_for_curl(window: MainWindow) -> PasteCurlDialog:
    """Open the dialog (prefilled from the clipboard); Open opens the tab."""
    dialog = PasteCurlDialog(window, clipboard_curl(), lambda r: plan_for(window, r))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def opened() -> None:
        request = dialog.request()
        if request is not None:
            spawn(open_curl(window, request), owner=window, context="Opening the cURL command")

    dialog.accepted.connect(opened)
    dialog.open()  # open(), not exec(): no nested event loop under qasync
    window.paste_dialog = dialog
    return dialog


async def plan_for(window: MainWindow, request: CurlRequest) -> CurlPlan:
    """The plan against the window's saved profiles and this session's temporary ones."""
    settings = window.services.settings
    saved = [p for p in settings.profiles if p.name not in settings.temporary]
    session = [p for p in settings.profiles if p.name in settings.temporary]
    return await plan_curl(request, saved, window.services.secrets, session_profiles=session)


async def open_curl(window: MainWindow, request: CurlRequest) -> ResultsTab | None:
    """Open the request in a tab on its profile (a temporary one when none is saved for it)."""
    services = window.services
    settings = services.settings
    plan = await plan_for(window, request)
    name = plan.profile.name
    if plan.temporary and not plan.reused:
        settings.add_temporary_profile(plan.profile)
        if plan.credential is not None:
            services.secrets.keep_for_session(name, plan.credential.encode())
    if window.context is None or window.context.profile.name != name:
        await window.switch_profile(name)
    if window.context is None or window.context.profile.name != name:
        return None  # opening the profile failed; the banner says why
    catalog = window.context.catalog
    tab = _open(window, catalog.find(plan.endpoint.id) or plan.endpoint, plan.query)
    said = list(plan.notes)
    if plan.temporary or request.notes:  # a credential or part of the command is treated apart
        if plan.temporary:
            said.append("Edit profile and Save keeps the temporary profile.")
        window.banner.show_message(plan.headline("Opened"), "\n".join(said))
    else:
        window.show_message(str(Level.INFO), plan.headline("Opened"), "")
    return tab


def replay_entry(window: MainWindow, entry: RequestLogEntry) -> ResultsTab | None:
    """Reopen a logged GET request (its URL through parse_url) in a tab of the current profile."""
    context = window.context
    if context is None:
        window.show_message(
            str(Level.WARNING), "Open a profile first, then replay the request.", ""
        )
        return None
    if entry.method.upper() != "GET":
        window.show_message(
            str(Level.WARNING),
            f"Only GET requests can be replayed in a tab; this one is a {entry.method}.",
            "",
        )
        return None
    profile = context.profile
    if not matching_profiles(entry.url, [profile]):
        window.show_message(
            str(Level.WARNING),
            f"This request went to {entry.url.split('?', 1)[0]}, outside the profile "
            f"{profile.name!r} ({profile.base_url}); switch to its profile and replay it there.",
            "",
        )
        return None
    url, _ = without_credential_params(entry.url)  # masked keys: the profile sends its own
    try:
        endpoint, query = query_for(relative_request(url, profile), context.catalog)
    except ExplorerError as exc:
        window.show_message(str(Level.WARNING), exc.explanation, "")
        return None
    return _open(window, context.catalog.find(endpoint.id) or endpoint, query)


def _open(window: MainWindow, endpoint: Endpoint, query: Query) -> ResultsTab | None:
    """The tab, or None when the endpoint first asks for path parameters the URL leaves out."""
    if any(not query.path_params.get(p.name) for p in endpoint.path_params):
        window.open_endpoint(endpoint, query)
        return None
    return window.open_tab(endpoint, query)
