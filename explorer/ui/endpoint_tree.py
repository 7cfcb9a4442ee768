"""The catalog as a tree (product > resource > endpoint) with a search box that filters as you type.

Double-click or Enter on an endpoint emits `endpoint_activated`; the main window then asks for its
path parameters (`PathParamDialog`) when it has any, and opens a results tab.
"""

from __future__ import annotations

import html
import re
import uuid

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import Catalog, Endpoint, FieldType, PathParam, paging_summary
from explorer.ui import theme

#: The Endpoint of a leaf row (None on product and resource rows).
EndpointRole = Qt.ItemDataRole.UserRole + 1
#: Lower-case text the search box matches against (method, path, summary, resource, product).
SearchTextRole = Qt.ItemDataRole.UserRole + 2
#: The HTTP method of a leaf row, for the badge.
MethodRole = Qt.ItemDataRole.UserRole + 3
#: Why the profile's credentials may not be what this operation asks for ("" when they are).
AuthNoteRole = Qt.ItemDataRole.UserRole + 4

_AnyIndex = QModelIndex | QPersistentModelIndex


class EndpointTreeModel(QStandardItemModel):
    """product > resource > endpoint rows over a static Catalog."""

    def __init__(self, catalog: Catalog | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_catalog(catalog)

    def set_catalog(self, catalog: Catalog | None, scheme_name: str = "") -> None:
        """Show a catalog; with the profile's `scheme_name`, operations that ask for another
        security scheme are marked."""
        self.clear()
        if catalog is None:
            return
        root = self.invisibleRootItem()
        bold = QFont()
        bold.setBold(True)
        for product in catalog.products:
            product_item = _group_item(product.name, product.description)
            product_item.setFont(bold)
            for resource in product.resources:
                resource_item = _group_item(resource.name, resource.description)
                for endpoint in resource.endpoints:
                    item = _endpoint_item(endpoint, product.name, resource.name)
                    _mark_auth(item, catalog, endpoint, scheme_name)
                    resource_item.appendRow(item)
                if resource_item.rowCount():
                    product_item.appendRow(resource_item)
            if product_item.rowCount():
                root.appendRow(product_item)

    def endpoint_count(self) -> int:
        count = 0
        stack = [self.invisibleRootItem()]
        while stack:
            item = stack.pop()
            for row in range(item.rowCount()):
                child = item.child(row)
                if child.data(EndpointRole) is not None:
                    count += 1
                stack.append(child)
        return count


def _group_item(name: str, description: str) -> QStandardItem:
    item = QStandardItem(name)
    item.setEditable(False)
    item.setData(name.lower(), SearchTextRole)
    if description:
        item.setToolTip(description)
    return item


def _endpoint_item(endpoint: Endpoint, product: str, resource: str) -> QStandardItem:
    label = endpoint.summary or endpoint.path
    item = QStandardItem(label)
    item.setEditable(False)
    item.setData(endpoint, EndpointRole)
    item.setData(endpoint.method.upper(), MethodRole)
    item.setData(
        f"{endpoint.method} {endpoint.path} {endpoint.summary} {resource} {product}".lower(),
        SearchTextRole,
    )
    tip = f"<b>{endpoint.method.upper()} {endpoint.path}</b>"
    if endpoint.summary:
        tip += f"<br>{endpoint.summary}"
    if endpoint.description and endpoint.description != endpoint.summary:
        tip += f"<br><span>{endpoint.description[:400]}</span>"
    if endpoint.is_list:
        tip += f"<br>Paging: {html.escape(paging_summary(endpoint))}"
    item.setToolTip(tip)
    return item


def _mark_auth(item: QStandardItem, catalog: Catalog, endpoint: Endpoint, scheme_name: str) -> None:
    note = catalog.requirement_differs(endpoint, scheme_name)
    if not note:
        return
    needs = " or ".join(a.replace("+", " + ") for a in catalog.requirement(endpoint))
    item.setText(f"{item.text()}  · needs {needs}")
    item.setData(note, AuthNoteRole)
    item.setToolTip(
        f"{item.toolTip()}<br><i>{note}; this profile uses {scheme_name}, so the API may refuse "
        "it.</i>"
    )


class EndpointFilterProxy(QSortFilterProxyModel):
    """Keeps rows whose search text holds every word typed, with their ancestors (recursive)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)  # a matching resource shows all its endpoints

    def set_search(self, text: str) -> None:
        words = tuple(text.lower().split())
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _AnyIndex) -> bool:
        if not self._words:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        haystack = index.data(SearchTextRole) or ""
        return all(word in haystack for word in self._words)


class EndpointDelegate(QStyledItemDelegate):
    """Paints a colored method badge before the endpoint's summary, and its path, muted, after."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _AnyIndex) -> None:
        method = index.data(MethodRole)
        if not method:
            super().paint(painter, option, index)
            return
        endpoint: Endpoint = index.data(EndpointRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        rect = opt.rect
        badge_font = QFont(opt.font)
        badge_font.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.78))
        badge_font.setBold(True)
        painter.setFont(badge_font)
        fm = painter.fontMetrics()
        badge_w = fm.horizontalAdvance("DELETE") + 8
        badge = QRect(rect.x() + 2, rect.y() + 3, badge_w, rect.height() - 6)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.method_color(method))
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(theme.badge_text_color())
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, method)
        painter.setFont(opt.font)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_rect = rect.adjusted(badge_w + 10, 0, -4, 0)
        summary = index.data(Qt.ItemDataRole.DisplayRole) or ""
        fm = painter.fontMetrics()
        painter.setPen(opt.palette.color(text_role))
        shown = fm.elidedText(summary, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown
        )
        used = fm.horizontalAdvance(shown) + 12
        path = endpoint.path
        # The path only when it fits whole: a cut path says nothing (the tooltip has it anyway).
        if endpoint.summary and used + fm.horizontalAdvance(path) <= text_rect.width():
            path_rect = text_rect.adjusted(used, 0, 0, 0)
            muted = opt.palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText)
            painter.setPen(muted)
            painter.drawText(
                path_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, path
            )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 60, max(size.height(), option.fontMetrics.height() + 8))


class _SearchBox(QLineEdit):
    """Down moves into the tree; Enter opens the first endpoint shown."""

    moved_down = Signal()
    accepted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.moved_down.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accepted.emit()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class _Tree(QTreeView):
    activated_endpoint = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            endpoint = index.data(EndpointRole) if index.isValid() else None
            if endpoint is not None:
                self.activated_endpoint.emit(endpoint)
                return
            if index.isValid():
                self.setExpanded(index, not self.isExpanded(index))
                return
        super().keyPressEvent(event)


class EndpointTree(QWidget):
    """Search box over a tree of the catalog.

    Signals:
        endpoint_activated(Endpoint): the user asked to open an endpoint (double-click or Enter).
    """

    endpoint_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EndpointTreeModel(parent=self)
        self.proxy = EndpointFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = _SearchBox(self)
        self.search.setPlaceholderText("Search endpoints  (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.search.setProperty("role", "search")
        self.view = _Tree(self)
        self.view.setModel(self.proxy)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        self.view.setItemDelegate(EndpointDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setExpandsOnDoubleClick(True)
        self.empty_label = QLabel(
            "No endpoint matches your search.\nTry fewer words, or part of a path.", self
        )
        self.empty_label.setProperty("role", "hint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        # Filtering a few hundred rows is instant, but coalesce bursts of keystrokes anyway.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(80)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.moved_down.connect(self._focus_first)
        self.search.accepted.connect(self._open_first)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.activated_endpoint.connect(self.endpoint_activated)

    def set_catalog(self, catalog: Catalog | None, scheme_name: str = "") -> None:
        self.model.set_catalog(catalog, scheme_name)
        self._apply_search()

    def set_search_text(self, text: str) -> None:
        """Filter now (tests and programmatic use skip the typing debounce)."""
        self.search.setText(text)
        self._apply_search()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def visible_endpoints(self) -> list[Endpoint]:
        """The endpoints the filter currently shows, top to bottom."""
        found: list[Endpoint] = []

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                endpoint = index.data(EndpointRole)
                if endpoint is not None:
                    found.append(endpoint)
                walk(index)

        walk(QModelIndex())
        return found

    def index_of(self, endpoint_id: str) -> QModelIndex:
        """The view (proxy) index of an endpoint, invalid if filtered out or absent."""
        matches = self.proxy.match(
            self.proxy.index(0, 0),
            SearchTextRole,
            endpoint_id.split(" ", 1)[-1].lower(),
            -1,
            Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive,
        )
        for index in matches:
            endpoint = index.data(EndpointRole)
            if endpoint is not None and endpoint.id == endpoint_id:
                return index
        return QModelIndex()

    def _apply_search(self) -> None:
        self._debounce.stop()
        text = self.search.text()
        self.proxy.set_search(text)
        if text.strip():
            self.view.expandAll()
        else:  # the first product open, so the tree never starts as a bare list of names
            self.view.collapseAll()
            if self.proxy.rowCount():
                self.view.expand(self.proxy.index(0, 0))
        empty = self.proxy.rowCount() == 0 and self.model.rowCount() > 0
        self.empty_label.setVisible(empty)
        self.view.setVisible(not empty)

    def _focus_first(self) -> None:
        """Down from the search: the first matching endpoint (not its group), so Enter opens it."""
        self._apply_search()
        self.view.setFocus()
        current = self.view.currentIndex()
        if current.isValid() and current.data(EndpointRole) is not None:
            return
        shown = self.visible_endpoints()
        if shown:
            self.view.setCurrentIndex(self.index_of(shown[0].id))
        elif self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))

    def _open_first(self) -> None:
        self._apply_search()
        shown = self.visible_endpoints()
        if shown:
            self.view.setCurrentIndex(self.index_of(shown[0].id))
            self.endpoint_activated.emit(shown[0])

    def _on_double_click(self, index: QModelIndex) -> None:
        endpoint = index.data(EndpointRole)
        if endpoint is not None:
            self.endpoint_activated.emit(endpoint)


# ------------------------------------------------------------------ path parameters
_INTEGER = re.compile(r"^-?\d+$")


def check_path_value(param: PathParam, value: str) -> str | None:
    """Why `value` does not fit `param` (None when it does)."""
    value = value.strip()
    if not value:
        return f"Enter a value for {param.name}."
    if "/" in value or "?" in value or "#" in value:
        return f"{param.name} cannot contain '/', '?' or '#'."
    if param.type is FieldType.INTEGER and not _INTEGER.match(value):
        return f"{param.name} must be a whole number."
    if param.type is FieldType.UUID:
        try:
            uuid.UUID(value)
        except ValueError:
            return f"{param.name} must be a UUID such as 123e4567-e89b-12d3-a456-426614174000."
    return None


class PathParamDialog(QDialog):
    """One field per path parameter, validated; OK stays disabled until every value fits."""

    def __init__(
        self,
        endpoint: Endpoint,
        parent: QWidget | None = None,
        initial: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.endpoint = endpoint
        self._touched = False
        self.setWindowTitle(f"Open {endpoint.summary or endpoint.path}")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{endpoint.method.upper()} {endpoint.path}</b> needs:", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for param in endpoint.path_params:
            edit = QLineEdit(self)
            edit.setObjectName(f"param_{param.name}")
            edit.setPlaceholderText(param.description or param.type.value)
            if param.description:
                edit.setToolTip(param.description)
            edit.setText((initial or {}).get(param.name, ""))
            edit.textChanged.connect(self._validate)
            form.addRow(param.name, edit)
            self.fields[param.name] = edit
        layout.addLayout(form)
        self.problem = QLabel(self)
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._validate()
        self._touched = True

    def values(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.fields.items()}

    def problems(self) -> list[str]:
        found = []
        for param in self.endpoint.path_params:
            why = check_path_value(param, self.fields[param.name].text())
            if why:
                found.append(why)
        return found

    def _validate(self) -> None:
        problems = self.problems()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)
        # On opening, empty fields are not an error yet; say nothing until the user types.
        self.problem.setText(problems[0] if problems and self._touched else "")

    def accept(self) -> None:
        if self.problems():
            self._touched = True
            self._validate()
            return
        super().accept()
