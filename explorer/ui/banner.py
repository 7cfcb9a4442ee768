"""The one inline message strip: what went wrong, the one action that helps, details, dismiss.

Used above the tabs (the window's latest error, e.g. "Edit profile…") and inside each results tab
(a failed request, with "Retry"). It never shows a traceback: the technical details open in a
separate, non-modal box, with the path of the log file.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from explorer.ui.async_utils import describe_error, error_details, log_file_path


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton(self)
        self.action_button.hide()
        self.action_button.clicked.connect(self._run_action)
        self._action: Callable[[], object] | None = None
        self.details_button = QPushButton("Details…", self)
        self.details_button.setFlat(True)
        self.details_button.clicked.connect(self._show_details)
        self.dismiss_button = QPushButton("Dismiss", self)
        self.dismiss_button.setFlat(True)
        self.dismiss_button.setToolTip("Hide this message")
        self.dismiss_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.details_button)
        layout.addWidget(self.dismiss_button)
        self._details = ""
        self._box: QMessageBox | None = None
        self.hide()

    def show_message(
        self,
        text: str,
        details: str = "",
        *,
        action: str | None = None,
        on_action: Callable[[], object] | None = None,
    ) -> None:
        self.text.setText(text)
        self._details = details
        self.details_button.setVisible(bool(details))
        self.set_action(action, on_action)
        self.show()

    def show_error(
        self,
        exc: BaseException,
        *,
        kept: int = 0,
        action: str | None = None,
        on_action: Callable[[], object] | None = None,
    ) -> None:
        """An error's explanation (and how many loaded rows stay), with one action."""
        text = describe_error(exc)
        if kept:
            text += f" The {kept:,} rows loaded so far are kept."
        self.show_message(text, error_details(exc), action=action, on_action=on_action)

    def set_action(self, label: str | None, action: Callable[[], object] | None = None) -> None:
        """Offer the one thing that fixes the problem (e.g. "Edit profile…", "Retry"), or nothing."""
        self._action = action
        self.action_button.setText(label or "")
        self.action_button.setVisible(bool(label and action))

    def _run_action(self) -> None:
        action = self._action
        self.hide()
        if action is not None:
            action()

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Details", self.text.text(), parent=self)
        where = log_file_path()
        record = f"\n\nThe full technical record is in {where}." if where else ""
        box.setInformativeText(self._details + record)
        box.setModal(False)
        box.show()  # non-modal: never a nested event loop
        self._box = box
