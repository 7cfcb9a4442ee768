"""The selected record, as formatted JSON and as a tree, with "Copy value" and "Copy record"."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core.flatten import cell_text

_TREE_LIMIT = 2000  # children shown per node; a huge array would make the tree slow to build


class DetailPanel(QWidget):
    """Shows one record. "Copy value" copies the value chosen in the tree, else the table's cell.

    Signals: none; the tab calls `show_record` and `set_cell_value`.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._record: Any = None
        self._cell_value: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        self.title = QLabel("No record selected")
        self.title.setProperty("role", "hint")
        layout.addWidget(self.title)

        self.tabs = QTabWidget()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setColumnWidth(0, 180)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tabs.addTab(self.tree, "Fields")
        self.json_view = QPlainTextEdit()
        self.json_view.setReadOnly(True)
        self.json_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.json_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.json_view.setPlaceholderText("Select a row to see its record.")
        self.tabs.addTab(self.json_view, "JSON")
        layout.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        self.copy_value_button = QPushButton("Copy value")
        self.copy_value_button.setToolTip(
            "Copy the value chosen in the tree, or the table's current cell"
        )
        self.copy_value_button.clicked.connect(self.copy_value)
        self.copy_record_button = QPushButton("Copy record")
        self.copy_record_button.setToolTip("Copy the whole record as formatted JSON")
        self.copy_record_button.clicked.connect(self.copy_record)
        buttons.addWidget(self.copy_value_button)
        buttons.addWidget(self.copy_record_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._update_buttons()

    # ------------------------------------------------------------ public
    def show_record(self, record: Any, title: str = "") -> None:
        self._record = record
        self.title.setText(title or "Record")
        self.json_view.setPlainText(self.record_json())
        self.tree.clear()
        if record is not None:
            self.tree.addTopLevelItems(_tree_items(record))
            self.tree.expandToDepth(0)
        self._update_buttons()

    def fit_fields(self) -> None:
        """Size the field-name column to its names (a record shown as a form)."""
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0) + 12, 320))

    def clear(self) -> None:
        self._record = None
        self._cell_value = None
        self.title.setText("No record selected")
        self.json_view.clear()
        self.tree.clear()
        self._update_buttons()

    def set_cell_value(self, text: str | None) -> None:
        """The table's current cell, copied by "Copy value" when nothing is chosen in the tree."""
        self._cell_value = text
        self._update_buttons()

    def record(self) -> Any:
        return self._record

    def record_json(self) -> str:
        if self._record is None:
            return ""
        return json.dumps(self._record, indent=2, ensure_ascii=False)

    def current_value_text(self) -> str | None:
        item = self.tree.currentItem() if self.tabs.currentWidget() is self.tree else None
        if item is not None:
            value = item.data(1, _VALUE_ROLE)
            return value if isinstance(value, str) else item.text(1)
        return self._cell_value

    def copy_value(self) -> None:
        text = self.current_value_text()
        if text is not None:
            QGuiApplication.clipboard().setText(text)

    def copy_record(self) -> None:
        if self._record is not None:
            QGuiApplication.clipboard().setText(self.record_json())

    # ------------------------------------------------------------ internals
    def _update_buttons(self) -> None:
        self.copy_record_button.setEnabled(self._record is not None)
        self.copy_value_button.setEnabled(self._record is not None or self._cell_value is not None)


_VALUE_ROLE = 256  # Qt.UserRole: the full value text of a tree item (the column may be elided)


def _tree_items(value: Any) -> list[QTreeWidgetItem]:
    items = []
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [(f"[{i}]", v) for i, v in enumerate(value)]
    else:
        pairs = [("value", value)]
    for key, child in pairs[:_TREE_LIMIT]:
        item = QTreeWidgetItem([str(key), _summary(child)])
        item.setData(1, _VALUE_ROLE, _copy_text(child))
        if isinstance(child, dict | list) and child:
            item.addChildren(_tree_items(child))
        items.append(item)
    if len(pairs) > _TREE_LIMIT:
        items.append(QTreeWidgetItem([f"… {len(pairs) - _TREE_LIMIT} more", ""]))
    return items


def _summary(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} fields}}" if value else "{}"
    if isinstance(value, list):
        return f"[{len(value)} item{'s' if len(value) != 1 else ''}]" if value else "[]"
    if value is None:
        return "null"
    return cell_text(value)


def _copy_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    if value is None:
        return ""
    return cell_text(value)
