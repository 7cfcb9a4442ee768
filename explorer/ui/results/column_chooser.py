"""Choose which columns a results table shows, and in which order."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ColumnChooser(QDialog):
    """A checkable, reorderable list of every known column; `chosen()` is the result."""

    def __init__(
        self, all_columns: Sequence[str], visible: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Columns")
        self.resize(380, 480)
        layout = QVBoxLayout(self)
        hint = QLabel("Tick the columns to show; drag (or use the arrows) to change their order.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        layout.addWidget(hint)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter columns")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        layout.addWidget(self.search)

        body = QHBoxLayout()
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        shown = set(visible)
        ordered = list(visible) + [c for c in all_columns if c not in shown]
        for name in ordered:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in shown else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        body.addWidget(self.list, 1)
        side = QVBoxLayout()
        for text, slot in (
            ("Up", lambda: self._move(-1)),
            ("Down", lambda: self._move(1)),
            ("All", lambda: self._check_all(True)),
            ("None", lambda: self._check_all(False)),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            side.addWidget(button)
        side.addStretch(1)
        body.addLayout(side)
        layout.addLayout(body, 1)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.reset_requested = False
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.setText("Show all in data order")
        restore.clicked.connect(self._restore)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        """The ticked columns in their order."""
        return [
            self.list.item(i).text()
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _move(self, step: int) -> None:
        move_current_item(self.list, step)

    def _check_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for i in range(self.list.count()):
            item = self.list.item(i)
            if not item.isHidden():
                item.setCheckState(state)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def _restore(self) -> None:
        self.reset_requested = True
        self.accept()


def move_current_item(widget: QListWidget, step: int) -> bool:
    """Move the current item of a list `step` places (negative: up); False when it cannot."""
    row = widget.currentRow()
    target = row + step
    if row < 0 or not 0 <= target < widget.count():
        return False
    item = widget.takeItem(row)
    widget.insertItem(target, item)
    widget.setCurrentRow(target)
    return True
