"""The main window: profile switcher, endpoint tree, result tabs, request log, budget, messages.

The window owns no core singleton: it receives the app's services (explorer/app.py) and asks them
for an `AppContext` whenever the active profile changes; each results tab gets that context.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import Endpoint, unlisted_endpoint, with_profile_paging
from explorer.core.errors import ExplorerError
from explorer.core.query import Query, build_url, parse_url
from explorer.core.savedquery import SUFFIX, SavedQuery, load_query, save_query
from explorer.core.settings import Profile
from explorer.ui import paste_curl, theme
from explorer.ui.async_utils import (
    Level,
    dialog_result,
    messages,
    report_error,
    spawn,
)
from explorer.ui.banner import Banner
from explorer.ui.budget_view import BudgetView
from explorer.ui.context import AppContext, Services
from explorer.ui.endpoint_tree import EndpointTree, PathParamDialog
from explorer.ui.profile_dialog import ProfileDialog
from explorer.ui.request_log_view import RequestLogView
from explorer.ui.results.tab import ResultsTab
from explorer.ui.saved_queries import (
    default_folder,
    file_name_for,
    forget_query,
    recent_queries,
    remember_query,
)
from explorer.ui.welcome import WelcomePage

log = logging.getLogger(__name__)

_WELCOME_ITEM = "__welcome__"
STATUS_MESSAGE_MS = 8000
MAX_RESTORED_TABS = 12


class MainWindow(QMainWindow):
    """Signals:
    context_changed(AppContext | None): a profile was opened (or none is active).
    closed(): the window finished shutting down (tabs closed, clients closed, demo stopped).
    """

    context_changed = Signal(object)
    closed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.context: AppContext | None = None
        self._closing = False
        self._shutdown_done = False
        self._switch_task: asyncio.Task[Any] | None = None
        self._wanted_profile: str | None = None  # the last profile asked for, even if it failed
        self._page_shown: QWidget | None = None
        # The log dock's visibility in the workspace: closed until the user opens it, so the
        # grid gets the screen (the toolbar's Request log button and Ctrl+Shift+L open it).
        self._log_was_visible = False
        self._parked: dict[str, _Parked] = {}  # profiles shown before, kept open with their tabs
        self._tree_width = 0  # the endpoint tree's width before it folded away
        self.setWindowTitle("Explorer")
        self.setWindowIcon(theme.icon("explorer"))
        self._build()
        self._default_geometry()
        self._restore_geometry()
        messages().listen(self.show_message)

    # ------------------------------------------------------------ layout
    def _build(self) -> None:
        toolbar = QToolBar("Profile", self)
        toolbar.setObjectName("profile_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(toolbar)
        toolbar.addWidget(QLabel("Profile ", self))
        self.profile_combo = QComboBox(self)
        self.profile_combo.setMinimumContentsLength(18)
        self.profile_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.profile_combo.setToolTip("Switch the API profile")
        self.profile_combo.activated.connect(self._on_profile_chosen)
        toolbar.addWidget(self.profile_combo)
        self.new_profile_action = QAction(theme.icon("toolbar/add"), "New profile", self)
        self.new_profile_action.triggered.connect(lambda: self.new_profile())
        self.edit_profile_action = QAction(theme.icon("toolbar/settings"), "Edit profile", self)
        self.edit_profile_action.triggered.connect(self.edit_profile)
        toolbar.addAction(self.new_profile_action)
        toolbar.addAction(self.edit_profile_action)
        toolbar.addSeparator()
        self.queries_menu = QMenu("Saved queries", self)
        self.queries_menu.aboutToShow.connect(self._fill_queries_menu)
        self.save_query_action = QAction("Save query…", self)
        self.save_query_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_query_action.setToolTip("Save the current tab's query to a file (Ctrl+S)")
        self.save_query_action.triggered.connect(self.save_current_query)
        self.open_query_action = QAction("Open query…", self)
        self.open_query_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_query_action.triggered.connect(self.choose_query_file)
        self.paste_curl_action = QAction("Paste cURL command…", self)
        self.paste_curl_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.paste_curl_action.setToolTip(
            "Open a request pasted as a cURL command in a tab (Ctrl+Shift+V)"
        )
        self.paste_curl_action.triggered.connect(lambda: paste_curl.ask_for_curl(self))
        self.paste_dialog: QWidget | None = None
        self.addActions([self.save_query_action, self.open_query_action, self.paste_curl_action])
        queries_button = QToolButton(self)
        queries_button.setText("Saved queries")
        queries_button.setIcon(theme.icon("toolbar/filter"))
        queries_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        queries_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        queries_button.setMenu(self.queries_menu)
        queries_button.setToolTip("Save the current query, open a saved one, or a recent one")
        self.queries_button = queries_button
        toolbar.addWidget(queries_button)
        self._query_dialog: QFileDialog | None = None
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)

        self.welcome = WelcomePage(self)
        self.welcome.scalepad_requested.connect(lambda: self.new_profile("scalepad"))
        self.welcome.scout_requested.connect(lambda: self.new_profile("scout"))
        self.welcome.openapi_requested.connect(lambda: self.new_profile("openapi"))
        self.welcome.demo_requested.connect(self.start_demo)

        self.tree = EndpointTree(self)
        self.tree.endpoint_activated.connect(self.open_endpoint)
        self.tabs = QTabWidget(self)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.tabs.tabCloseRequested.connect(self.close_tab_at)
        self.tabs.currentChanged.connect(lambda _i: self._current_tab_shown())
        self._restoring = False  # while saved tabs are reopened, none runs by being shown
        self.empty_tabs = QLabel(
            "Pick an endpoint on the left (double-click or Enter) to see its records here.\n"
            "Ctrl+K searches the endpoints from anywhere.",
            self,
        )
        self.empty_tabs.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_tabs.setProperty("role", "hint")
        self.empty_tabs.setWordWrap(True)
        self.tab_stack = QStackedWidget(self)
        self.tab_stack.addWidget(self.empty_tabs)
        self.tab_stack.addWidget(self.tabs)
        self.banner = Banner(self)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(6)
        right_layout.addWidget(self.tab_stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([400, 900])
        self.splitter.setCollapsible(0, True)  # the endpoint tree folds away for the grid
        self.splitter.setCollapsible(1, False)
        self.splitter.splitterMoved.connect(lambda *_: self._splitter_moved())

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.splitter)
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(6, 6, 6, 0)
        central_layout.setSpacing(6)
        central_layout.addWidget(self.banner)  # above every page: errors show on the welcome too
        central_layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.log_view = RequestLogView(self)
        self.log_dock = QDockWidget("Request log", self)
        self.log_dock.setObjectName("request_log_dock")
        self.log_dock.setWidget(self.log_view)
        self.log_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.log_view.entry_added.connect(self._on_request_logged)
        self.log_view.replay_requested.connect(lambda e: paste_curl.replay_entry(self, e))
        self.endpoints_action = QAction(theme.icon("toolbar/search"), "Endpoints", self)
        self.endpoints_action.setCheckable(True)
        self.endpoints_action.setChecked(True)
        self.endpoints_action.setShortcut(QKeySequence("Ctrl+B"))
        self.endpoints_action.setToolTip(
            "Show or hide the endpoint list (Ctrl+B); it folds away when a tab opens"
        )
        self.endpoints_action.toggled.connect(self.show_endpoints)
        toolbar.insertAction(self.new_profile_action, self.endpoints_action)
        log_action = self.log_dock.toggleViewAction()
        log_action.setIcon(theme.icon("toolbar/log"))
        log_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        toolbar.addAction(log_action)

        status = self.statusBar()
        self.profile_label = QLabel("No profile", self)
        self.last_request_label = QLabel("", self)
        self.last_request_label.setProperty("role", "hint")
        self.budget = BudgetView(self)
        status.addWidget(self.profile_label)
        status.addPermanentWidget(self.last_request_label)
        status.addPermanentWidget(self.budget)

        for keys, slot in (
            ("Ctrl+L", self._focus_url_or_search),
            ("Ctrl+K", self.search_endpoints),
            ("Ctrl+W", self.close_current_tab),
            ("Ctrl+T", self.open_selected_endpoint),
            ("Ctrl+Shift+N", lambda: self.new_profile()),
            ("Ctrl+Q", self.close),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
        self._refresh_profiles()
        self._update_pages()

    # ------------------------------------------------------------ start-up
    async def start(self, *, demo: bool = False, query_file: Path | None = None) -> None:
        """Open the demo, the last profile, or the welcome page; then a saved query file."""
        settings = self.services.settings
        if demo:
            await self.start_demo_async()
            if query_file is not None:
                await self.open_saved_query(query_file)
            return
        name = settings.last_profile
        if name is None and settings.profiles:
            name = settings.profiles[0].name
        if name is not None and settings.profile(name) is not None:
            await self.switch_profile(name)
        self._update_pages()
        if query_file is not None:
            await self.open_saved_query(query_file)

    # ------------------------------------------------------------ profiles
    def _refresh_profiles(self) -> None:
        combo = self.profile_combo
        combo.blockSignals(True)
        combo.clear()
        for profile in self.services.settings.profiles:
            combo.addItem(profile.name, profile.name)
        combo.insertSeparator(combo.count())
        combo.addItem("Welcome page…", _WELCOME_ITEM)
        current = self.context.profile.name if self.context else self._wanted_profile
        index = combo.findData(current) if current else -1
        combo.setCurrentIndex(index if index >= 0 else combo.count() - 1)
        combo.blockSignals(False)
        self.edit_profile_action.setEnabled(self._profile_to_edit() is not None)

    def _on_profile_chosen(self, index: int) -> None:
        name = self.profile_combo.itemData(index)
        if name == _WELCOME_ITEM:
            self._show_page(self.welcome)
            return
        if self.context is not None and self.context.profile.name == name:
            self._update_pages()
            return
        self._start_switch(name)

    def _start_switch(self, name: str, *, fresh: bool = False) -> None:
        """Open a profile; a newer choice replaces one still opening (the last click wins)."""
        if self._switch_task is not None and not self._switch_task.done():
            self._switch_task.cancel()
        self._switch_task = spawn(
            self.switch_profile(name, fresh=fresh), owner=self, context="Opening the profile"
        )

    async def switch_profile(self, name: str, *, fresh: bool = False) -> AppContext | None:
        """Show the profile `name`: its tabs as they were left (rows, titles, search text), or,
        the first time, open it (client, governor, catalog, tree) and restore its saved tabs.

        The profile shown before stays open in the background, tabs and all. `fresh` (after the
        profile was edited) closes what was kept of `name` and opens it anew.
        """
        self._wanted_profile = name
        if fresh:
            if self.context is not None and self.context.profile.name == name:
                await self._close_profile()
            await self._discard_parked(name)
        elif self.context is not None and self.context.profile.name == name:
            return self.context
        self.statusBar().showMessage(f"Opening {name}…")
        self._park_profile()
        parked = self._parked.pop(name, None)
        if parked is not None:
            self._unpark(parked)
            self.statusBar().showMessage(f"Back to {name}", STATUS_MESSAGE_MS)
            return self.context
        try:
            context = await self.services.open_context(name)
        except (ExplorerError, OSError) as exc:
            report_error(exc, context=f"Opening {name}")
            self.banner.set_action("Edit profile…", self.edit_profile)
            self._refresh_profiles()
            self._update_pages()
            return None
        self._set_context(context)
        self.tree.set_search_text("")  # each profile has its own endpoint search
        warnings = context.catalog.warnings
        if warnings:
            count = len(warnings)
            self.banner.show_message(
                f"The API description of {name} has {count} problem{'s' if count != 1 else ''} "
                "(an unreadable or remote reference, a broken schema); the operations it touches "
                "are shown without that part. Details lists each one.",
                "\n".join(warnings),
            )
        self.statusBar().showMessage(f"Opened {name}", STATUS_MESSAGE_MS)
        await self._restore_tabs()
        return context

    # ------------------------------------------------------------ profiles kept open
    def _park_profile(self) -> None:
        """Keep the shown profile open in the background: its context, tabs and search text."""
        context = self.context
        if context is None:
            return
        self._remember_tabs()
        current = max(0, self.tabs.currentIndex())
        tabs = []
        while self.tabs.count():
            tab = self.tabs.widget(0)
            title = self.tabs.tabText(0)
            self.tabs.removeTab(0)  # the widget lives on, hidden, with its rows
            if isinstance(tab, ResultsTab):
                tabs.append((tab, title))
        self._parked[context.profile.name] = _Parked(
            context, tabs, current, self.tree.search.text()
        )
        self._set_context(None)

    def _unpark(self, parked: _Parked) -> None:
        self._set_context(parked.context)
        for tab, title in parked.tabs:
            self._add_tab(tab, title)
        if parked.tabs:
            self.tabs.setCurrentIndex(min(parked.current, len(parked.tabs) - 1))
        self.tree.set_search_text(parked.search)
        self._update_pages()

    async def _discard_parked(self, name: str) -> None:
        parked = self._parked.pop(name, None)
        if parked is None:
            return
        await asyncio.gather(
            *(self._dispose_tab(t) for t, _ in parked.tabs), return_exceptions=True
        )
        await self.services.release_context(parked.context)

    def _set_context(self, context: AppContext | None) -> None:
        self.context = context
        self.tree.set_catalog(
            context.catalog if context else None, context.profile.scheme_name if context else ""
        )
        self.budget.attach(context.governor if context else None)
        self.log_view.set_request_log(self.services.request_log)
        if context is None:
            self.profile_label.setText("No profile")
            self.setWindowTitle("Explorer")
        else:
            p = context.profile
            self.profile_label.setText(f"{p.name} · {p.base_url}")
            self.profile_label.setToolTip(
                f"Catalog: {context.catalog.name}; secret kept in: {context.secrets.location}"
            )
            self.setWindowTitle(f"{p.name} — Explorer")
            if p.tls_warning:
                self.show_message(str(Level.WARNING), p.tls_warning, "")
        self._refresh_profiles()
        self._update_pages()
        self.context_changed.emit(context)

    def _update_pages(self) -> None:
        has_context = self.context is not None
        self._show_page(self.splitter if has_context else self.welcome)
        self.tab_stack.setCurrentWidget(self.tabs if self.tabs.count() else self.empty_tabs)
        if has_context and not self.tabs.count():
            self.show_endpoints(True)  # nothing open: the endpoint list is where to start

    def _show_page(self, page: QWidget) -> None:
        """The welcome page hides the log and the budget (nothing to show yet); the workspace
        brings the log back as the user left it."""
        if page is self._page_shown:
            return
        self.pages.setCurrentWidget(page)
        if page is self.welcome:
            if self._page_shown is self.splitter:
                self._log_was_visible = self.log_dock.isVisible()
            self.log_dock.hide()
            self.budget.hide()
        else:
            self.log_dock.setVisible(self._log_was_visible)
            self.budget.show()
        self._page_shown = page

    def new_profile(self, preset: str | None = None) -> ProfileDialog:
        dialog = ProfileDialog(
            self.services.settings_store,
            self.services.settings,
            self.services.secrets,
            governors=self.services.governors,
            request_log=self.services.request_log,
            parent=self,
            preset=preset,
        )
        dialog.profile_saved.connect(self._on_profile_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _profile_to_edit(self) -> Profile | None:
        """The active profile, or the one that failed to open (to fix its key or URL)."""
        if self.context is not None:
            return self.context.profile
        if self._wanted_profile is None:
            return None
        return self.services.settings.profile(self._wanted_profile)

    def edit_profile(self) -> ProfileDialog | None:
        profile = self._profile_to_edit()
        if profile is None:
            return None
        dialog = ProfileDialog(
            self.services.settings_store,
            self.services.settings,
            self.services.secrets,
            profile,
            governors=self.services.governors,
            request_log=self.services.request_log,
            parent=self,
        )
        dialog.profile_saved.connect(self._on_profile_saved)
        dialog.profile_deleted.connect(self._on_profile_deleted)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_profile_deleted(self, name: str) -> None:
        if self._wanted_profile == name:
            self._wanted_profile = None
        self.services.settings.window.get("open_tabs", {}).pop(name, None)
        self.services.governors.forget(name)  # a new profile of that name starts afresh
        spawn(self._discard_parked(name), owner=self, context="Closing the profile")
        if self.context is not None and self.context.profile.name == name:
            spawn(self._close_profile(), owner=self, context="Closing the profile")
        self._refresh_profiles()
        self._update_pages()
        self.statusBar().showMessage(f"Deleted the profile {name}.", STATUS_MESSAGE_MS)

    async def _close_profile(self) -> None:
        """Close the open profile: its tabs (remembered for next time), then its client."""
        self._remember_tabs()
        await self._close_all_tabs()
        old = self.context
        self._set_context(None)
        if old is not None:
            await self.services.release_context(old)

    def _on_profile_saved(self, profile: Any) -> None:
        self._refresh_profiles()
        self._start_switch(profile.name, fresh=True)  # its key, URL or catalog may have changed

    # ------------------------------------------------------------ demo
    def start_demo(self) -> None:
        spawn(self.start_demo_async(), owner=self, context="Starting the demo")

    async def start_demo_async(self) -> AppContext | None:
        self.welcome.set_busy("Starting the demo server…")
        self.statusBar().showMessage("Starting the demo server…")
        try:
            profile = await self.services.start_demo()
        except (ExplorerError, OSError) as exc:
            report_error(exc, context="Starting the demo")
            return None
        finally:
            self.welcome.set_busy("")
        self._refresh_profiles()
        context = await self.switch_profile(profile.name)
        if context is not None:
            self.statusBar().showMessage(
                "Demo ready: search 'hardware', filter, sort, then open a record's client.",
                STATUS_MESSAGE_MS * 2,
            )
        return context

    # ------------------------------------------------------------ tabs
    def open_selected_endpoint(self) -> None:
        index = self.tree.view.currentIndex()
        from explorer.ui.endpoint_tree import EndpointRole

        endpoint = index.data(EndpointRole) if index.isValid() else None
        if endpoint is not None:
            self.open_endpoint(endpoint)

    def open_endpoint(
        self, endpoint: Endpoint, query: Query | None = None, *, title: str = ""
    ) -> None:
        """Open a results tab; ask for path parameters first when the endpoint has any."""
        if self.context is None:
            return
        missing = [p for p in endpoint.path_params if not (query and query.path_params.get(p.name))]
        if missing:
            spawn(
                self._ask_path_params(endpoint, query), owner=self, context="Opening the endpoint"
            )
            return
        self.open_tab(endpoint, query, title=title)

    async def _ask_path_params(self, endpoint: Endpoint, query: Query | None) -> None:
        dialog = PathParamDialog(endpoint, self, initial=dict(query.path_params) if query else None)
        try:
            code = await dialog_result(dialog)
            if code != PathParamDialog.DialogCode.Accepted:
                return
            values = dialog.values()
        finally:
            dialog.deleteLater()
        if query is None:
            query = Query(endpoint_id=endpoint.id, path_params=values)
        else:
            query = _with_path_params(query, values)
        self.open_tab(endpoint, query)

    def open_tab(
        self,
        endpoint: Endpoint,
        query: Query | None = None,
        *,
        title: str = "",
        run_now: bool = True,
    ) -> ResultsTab | None:
        if self.context is None:
            return None
        endpoint = with_profile_paging(endpoint, self.context.profile.paging)
        tab = ResultsTab(
            self.context, endpoint, query, parent=self.tabs, title=title, run_now=run_now
        )
        index = self._add_tab(tab, tab.title)
        self.tabs.setCurrentIndex(index)
        tab.title_changed.connect(lambda text, t=tab: self._retitle(t, text))
        tab.open_related.connect(self._open_related)
        tab.edit_profile_requested.connect(self.edit_profile)
        self._update_pages()
        self.show_endpoints(False)  # the grid gets the screen; Ctrl+B or Ctrl+K bring it back
        return tab

    def _add_tab(self, tab: ResultsTab, title: str) -> int:
        endpoint = tab.endpoint
        index = self.tabs.addTab(tab, title)
        self.tabs.setTabToolTip(index, f"{endpoint.method} {endpoint.path}")
        # Our own quiet close button (the style's is a red square on the active tab).
        close = QToolButton(self.tabs)
        close.setIcon(theme.icon("toolbar/cancel"))
        close.setAutoRaise(True)
        close.setIconSize(QSize(14, 14))
        close.setToolTip("Close this tab (Ctrl+W)")
        close.setAccessibleName("Close tab")
        close.clicked.connect(lambda _c=False, t=tab: self.close_tab_at(self.tabs.indexOf(t)))
        self.tabs.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
        return index

    # ------------------------------------------------------------ saved queries
    def _fill_queries_menu(self) -> None:
        menu = self.queries_menu
        menu.clear()
        menu.addAction(self.save_query_action)
        self.save_query_action.setEnabled(self.current_tab() is not None)
        if self.current_tab() is None:
            self.save_query_action.setToolTip("Open a tab first: its query is what gets saved")
        menu.addAction(self.open_query_action)
        menu.addAction(self.paste_curl_action)
        if self.context is None:
            return
        recent = recent_queries(self.services.settings, self.context.profile.name)
        menu.addSeparator()
        if not recent:
            none = menu.addAction("No recent queries for this profile")
            none.setEnabled(False)
        for path in recent:
            action = menu.addAction(path.name.removesuffix(SUFFIX))
            action.setToolTip(str(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_query_file(p))

    def current_tab(self) -> ResultsTab | None:
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, ResultsTab) else None

    def save_current_query(self) -> QFileDialog | None:
        """Ask where to save the current tab's query (a non-modal file dialog)."""
        tab = self.current_tab()
        if tab is None or self.context is None:
            self.statusBar().showMessage("Open a tab first: its query is what gets saved.")
            return None
        title = self.tabs.tabText(self.tabs.indexOf(tab))
        start = default_folder() / file_name_for(title)
        dialog = QFileDialog(self, "Save query", str(start), f"Saved queries (*{SUFFIX})")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self._start_save_query(tab, Path(path)))
        self._query_dialog = dialog
        dialog.open()  # open(), not exec(): no nested event loop under qasync
        return dialog

    def _start_save_query(self, tab: ResultsTab, path: Path) -> None:
        spawn(self.save_query_to(tab, path), owner=self, context="Saving the query")

    async def save_query_to(self, tab: ResultsTab, path: Path) -> Path | None:
        if self.context is None:
            return None
        if not path.name.endswith(SUFFIX):
            path = path.with_name(path.name.removesuffix(".json") + SUFFIX)
        title = self.tabs.tabText(self.tabs.indexOf(tab))
        query = dataclasses.replace(tab.query, columns=tuple(tab.model.visible_columns()))
        saved = SavedQuery(profile=self.context.profile.name, query=query, name=title)
        written = await asyncio.to_thread(save_query, path, saved)
        remember_query(self.services.settings, self.context.profile.name, written)
        self.context.save_settings()
        self.statusBar().showMessage(f"Saved the query to {written}", STATUS_MESSAGE_MS)
        return written

    def choose_query_file(self) -> QFileDialog:
        dialog = QFileDialog(
            self, "Open a saved query", str(default_folder()), f"Saved queries (*{SUFFIX})"
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.open_query_file(Path(path)))
        self._query_dialog = dialog
        dialog.open()
        return dialog

    def open_query_file(self, path: Path) -> None:
        spawn(self.open_saved_query(path), owner=self, context="Opening the saved query")

    async def open_saved_query(self, path: Path) -> ResultsTab | None:
        """Open a saved query in a tab: with the profile it was saved from when that exists."""
        path = await asyncio.to_thread(_absolute, path)
        try:
            saved = await asyncio.to_thread(load_query, path)
        except ExplorerError as exc:
            if self.context is not None:
                forget_query(self.services.settings, self.context.profile.name, path)
            raise exc
        wanted = saved.profile
        if self.services.settings.profile(wanted) is not None and (
            self.context is None or self.context.profile.name != wanted
        ):
            await self.switch_profile(wanted)
        if self.context is None:
            self.banner.show_message(
                f"The saved query is for the profile {wanted!r}, which does not exist here; "
                "create that profile (or open one with the same API), then open the query again."
            )
            return None
        endpoint = saved.endpoint_in(self.context.catalog)
        tab = self.open_tab(endpoint, saved.query)
        remember_query(self.services.settings, self.context.profile.name, path)
        self.context.save_settings()
        if saved.profile != self.context.profile.name:
            self.statusBar().showMessage(
                f"Saved with the profile {saved.profile!r}; opened with {self.context.profile.name!r}.",
                STATUS_MESSAGE_MS,
            )
        return tab

    def search_endpoints(self) -> None:
        """Ctrl+K: unfold the endpoint tree and type in its search."""
        self.show_endpoints(True)
        self.tree.focus_search()

    def show_endpoints(self, shown: bool) -> None:
        """Unfold (or fold away) the endpoint tree beside the tabs."""
        if self.endpoints_action.isChecked() != shown:
            self.endpoints_action.setChecked(shown)  # comes back here through toggled
            return
        sizes = self.splitter.sizes()
        total = sum(sizes) or self.splitter.width()
        if shown and sizes[0] == 0:
            tree = self._tree_width or min(400, total // 3)
            self.splitter.setSizes([tree, max(1, total - tree)])
        elif not shown and sizes[0] > 0:
            self._tree_width = sizes[0]
            self.splitter.setSizes([0, total])

    def _splitter_moved(self) -> None:
        shown = self.splitter.sizes()[0] > 0
        if self.endpoints_action.isChecked() != shown:
            self.endpoints_action.blockSignals(True)
            self.endpoints_action.setChecked(shown)
            self.endpoints_action.blockSignals(False)

    def _current_tab_shown(self) -> None:
        if self._restoring:
            return
        tab = self.current_tab()
        if tab is not None:
            tab.shown()

    def tab_widgets(self) -> list[ResultsTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    def _retitle(self, tab: ResultsTab, text: str) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            self.tabs.setTabText(index, text)

    def _open_related(self, endpoint_id: str, query: Any, title: str = "") -> None:
        if self.context is None:
            return
        endpoint = self.context.catalog.find(endpoint_id)
        method, _, path = endpoint_id.partition(" ")
        if endpoint is None and method == "GET" and "{" not in path:
            endpoint = unlisted_endpoint(path)  # a pasted path the catalog does not list
        if endpoint is None:
            self.show_message(
                str(Level.WARNING),
                f"The related endpoint {endpoint_id} is not in this profile's catalog.",
                "",
            )
            return
        self.open_endpoint(endpoint, query, title=title)

    def _focus_url_or_search(self) -> None:
        """Ctrl+L: inside a results tab, edit its URL; anywhere else, search the endpoints."""
        tab = self.tabs.currentWidget()
        focus = QApplication.focusWidget()
        if isinstance(tab, ResultsTab) and focus is not None and tab.isAncestorOf(focus):
            tab.focus_url()
        else:
            self.tree.focus_search()

    def close_current_tab(self) -> None:
        if self.tabs.count():
            self.close_tab_at(self.tabs.currentIndex())

    def close_tab_at(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if tab is None:
            return
        self.tabs.removeTab(index)
        self._update_pages()
        spawn(self._dispose_tab(tab), owner=self, context="Closing the tab")

    async def _dispose_tab(self, tab: Any) -> None:
        try:
            result = tab.close_tab()
            if inspect.isawaitable(result):
                await result
        finally:
            tab.deleteLater()

    async def _close_all_tabs(self) -> None:
        tabs = self.tab_widgets()
        self.tabs.clear()
        await asyncio.gather(*(self._dispose_tab(t) for t in tabs), return_exceptions=True)
        self._update_pages()

    # ------------------------------------------------------------ remembered state
    def _remember_tabs(self) -> None:
        """Keep each open tab as its endpoint and exact URL, per profile, for the next start."""
        if (
            self.context is None
            or self.services.settings.profile(self.context.profile.name) is None
        ):
            return
        base = self.context.profile.base_url
        opened = []
        for tab in self.tab_widgets():
            try:
                url = build_url(base, tab.query, tab.endpoint)
            except ExplorerError:  # an unfinished query: reopen the endpoint bare
                url = ""
            opened.append({"endpoint": tab.endpoint.id, "url": url})
        tabs_by_profile = self.services.settings.window.setdefault("open_tabs", {})
        tabs_by_profile[self.context.profile.name] = opened

    async def _restore_tabs(self) -> None:
        if self.context is None:
            return
        saved = self.services.settings.window.get("open_tabs", {}).get(
            self.context.profile.name, []
        )
        self._restoring = True
        try:
            self._reopen(saved[:MAX_RESTORED_TABS])
        finally:
            self._restoring = False
        self._current_tab_shown()

    def _reopen(self, saved: list[Any]) -> None:
        assert self.context is not None
        for item in saved:
            endpoint = self.context.catalog.find(str(item.get("endpoint", "")))
            if endpoint is None:
                continue
            query: Query | None = None
            try:
                if item.get("url"):
                    query = parse_url(str(item["url"]), endpoint)
            except ExplorerError as exc:
                log.info("not restoring the query of %s: %s", endpoint.id, exc)
            if any(not (query and query.path_params.get(p.name)) for p in endpoint.path_params):
                continue
            # Only the tab shown runs now; the others when they are first opened.
            self.open_tab(endpoint, query, run_now=False)

    def _save_window_state(self) -> None:
        if self._page_shown is self.welcome:  # save the workspace's layout, not the welcome's
            self.log_dock.setVisible(self._log_was_visible)
        window = self.services.settings.window
        window["geometry"] = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        window["state"] = bytes(self.saveState().toBase64().data()).decode("ascii")
        window["splitter"] = self.splitter.sizes()
        self._remember_tabs()

    def _default_geometry(self) -> None:
        """A first start fills most of the screen, the log a fifth of the height."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        width, height = (
            (1280, 820)
            if screen is None
            else (
                min(1600, int(screen.width() * 0.9)),
                min(1000, int(screen.height() * 0.9)),
            )
        )
        self.resize(width, height)
        self.resizeDocks([self.log_dock], [max(160, height // 5)], Qt.Orientation.Vertical)

    def _restore_geometry(self) -> None:
        window = self.services.settings.window
        try:
            if window.get("geometry"):
                self.restoreGeometry(QByteArray.fromBase64(str(window["geometry"]).encode("ascii")))
            if window.get("state"):
                self.restoreState(QByteArray.fromBase64(str(window["state"]).encode("ascii")))
                self._log_was_visible = self.log_dock.isVisible()
                if self._page_shown is self.welcome:
                    self.log_dock.hide()
            sizes = window.get("splitter")
            if isinstance(sizes, list) and len(sizes) == 2:
                self.splitter.setSizes([int(s) for s in sizes])
        except (TypeError, ValueError) as exc:
            log.info("ignoring saved window state: %s", exc)

    # ------------------------------------------------------------ messages
    def show_message(self, level: str, text: str, details: str) -> None:
        """Errors and warnings go to the banner (they stay until dismissed); info to the status bar."""
        if level in (Level.ERROR, Level.WARNING):
            self.statusBar().clearMessage()
            self.banner.show_message(text, details)
        else:
            self.statusBar().showMessage(text, STATUS_MESSAGE_MS)

    def _on_request_logged(self, entry: Any) -> None:
        status = getattr(entry, "status", None)
        ms = getattr(entry, "duration_ms", None)
        parts = [f"{entry.method} {_short_url(entry.url)}", str(status or "no answer")]
        if ms is not None:
            parts.append(f"{ms:.0f} ms")
        self.last_request_label.setText(" · ".join(parts))
        self.last_request_label.setToolTip(f"Last request: {entry.method} {entry.url}")
        self.budget.note_request(status)

    # ------------------------------------------------------------ shutdown
    async def shutdown(self) -> None:
        """Remember the layout, close tabs and clients, stop the demo server."""
        if self._shutdown_done:
            return
        self._shutdown_done = True
        messages().stop_listening(self.show_message)
        self._save_window_state()
        await self._close_all_tabs()
        for name in list(self._parked):
            await self._discard_parked(name)
        self.budget.detach()
        self.log_view.set_request_log(None)
        if self.context is not None:
            await self.context.flush_settings()
        try:
            await asyncio.to_thread(self.services.settings_store.save, self.services.settings)
        except OSError as exc:
            log.warning("could not save the settings: %s", exc)
        context, self.context = self.context, None
        if context is not None:
            await self.services.release_context(context)
        await self.services.aclose()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._shutdown_done:
            event.accept()
            self.closed.emit()
            return
        event.ignore()
        if self._closing:
            return
        self._closing = True
        self.hide()
        spawn(self._shutdown_then_close(), context="Closing")

    async def _shutdown_then_close(self) -> None:
        try:
            await self.shutdown()
        finally:
            self._shutdown_done = True
            QTimer.singleShot(0, self.close)


@dataclass
class _Parked:
    """A profile kept open in the background while another one is shown."""

    context: AppContext
    tabs: list[tuple[ResultsTab, str]]  # each tab with its title
    current: int
    search: str


def _absolute(path: Path) -> Path:
    return path.expanduser().resolve()


def _short_url(url: str) -> str:
    """The path of a URL, without host and query (the tooltip has all of it)."""
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else "/"
    path = path.split("?", 1)[0]
    return path if len(path) <= 48 else path[:47] + "…"


def _with_path_params(query: Query, values: dict[str, str]) -> Query:
    from dataclasses import replace

    return replace(query, path_params={**dict(query.path_params), **values})
